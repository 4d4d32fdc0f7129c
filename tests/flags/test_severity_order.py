"""One severity order, the `Severity` enum's (CLINICAL_RULES.md: Severity): its `rank`, the
stored choices and check constraint, the SQL rank every flag list orders by, the dashboard's
columns and the admin's sort all follow it."""

from __future__ import annotations

import pytest

from apps.dashboard.selectors import NEEDS_ACTION, SEVERITIES
from apps.flags.models import Flag, FlagSeverity, severity_rank_expression
from apps.flags.rules import SEVERITY_ORDER, Severity
from apps.flags.selectors import open_flag_counts_by_patient, open_flags_for_episode
from tests.flags.factories import FlagFactory

SPEC_ORDER = ["emergency", "urgent", "soon", "routine", "info"]  # CLINICAL_RULES.md


def test_the_enum_order_is_the_spec_order_and_rank_counts_it():
    assert [severity.value for severity in Severity] == SPEC_ORDER
    assert [severity.rank for severity in Severity] == [0, 1, 2, 3, 4]
    assert [Severity.rank_of(value) for value in SPEC_ORDER] == [0, 1, 2, 3, 4]
    assert list(SEVERITY_ORDER) == SPEC_ORDER
    assert sorted(reversed(list(Severity)), key=lambda s: s.rank) == list(Severity)


def test_stored_choices_and_every_list_of_severities_follow_the_enum():
    assert list(FlagSeverity.values) == SPEC_ORDER
    assert list(SEVERITIES) == SPEC_ORDER
    assert list(NEEDS_ACTION) == ["emergency", "urgent", "soon"]


def test_an_unknown_severity_has_no_rank():
    with pytest.raises(ValueError, match="critical"):
        Severity.rank_of("critical")


@pytest.mark.django_db
def test_the_sql_rank_agrees_with_the_enum_and_orders_flag_lists(episode):
    for n, value in enumerate(["info", "soon", "emergency", "routine", "urgent"]):
        FlagFactory(episode=episode, severity=value, rule=f"rule_{n}")

    ranked = dict(
        Flag.objects.annotate(rank=severity_rank_expression()).values_list("severity", "rank")
    )

    assert ranked == {value: Severity(value).rank for value in SPEC_ORDER}
    assert [flag.severity for flag in open_flags_for_episode(episode)] == SPEC_ORDER
    assert list(open_flag_counts_by_patient([episode.patient_id])[episode.patient_id]) == (
        SPEC_ORDER
    )


@pytest.mark.django_db
def test_the_admin_sorts_the_severity_column_by_rank(episode, rf, django_user_model):
    from django.contrib.admin.sites import site

    for n, value in enumerate(["info", "soon", "emergency", "routine", "urgent"]):
        FlagFactory(episode=episode, severity=value, rule=f"rule_{n}")
    admin = site._registry[Flag]
    superuser = django_user_model.objects.create_superuser(
        email="root@example.org", password="x-Long-enough-1"
    )
    request = rf.get(
        "/admin/flags/flag/", {"o": str(admin.list_display.index("severity_column") + 1)}
    )
    request.user = superuser

    changelist = admin.get_changelist_instance(request)

    assert [flag.severity for flag in changelist.get_queryset(request)] == SPEC_ORDER
