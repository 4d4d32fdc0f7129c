"""The admin site, checked model by model from `admin.site._registry`.

Every registered model (ours and the third-party ones: auth, knox, axes) gets rows from a
builder below; its changelist must render and take the same number of queries with 2 rows as
with 6 (so no `list_display` column reads a related row per row), and one row's change page
must render. A ModelAdmin registered tomorrow fails `test_every_registered_model_has_a_builder`
until someone writes its builder, so it cannot be left out.

Then the clinical history: read-only pages that refuse a POST, and the flag actions, which go
through the same services as the API.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from knox.models import AuthToken

from apps.accounts.models import EnrolmentCode, User
from apps.audit.models import AccessLogEntry
from apps.flags import services as flag_services
from apps.flags.models import Evaluation, Flag
from apps.outcomes.models import Instrument, QuestionnaireSchedule
from apps.reminders.models import ReminderDelivery, ReminderSchedule
from tests.accounts.factories import (
    CareTeamFactory,
    ClinicFactory,
    PatientFactory,
    PhysiotherapistFactory,
    UserFactory,
)
from tests.checkins.factories import CheckInFactory
from tests.consent.factories import ConsentDocumentFactory, accepted
from tests.course.factories import AssessmentFactory, ImagingStudyFactory, TreatmentFactory
from tests.dashboard.factories import FlagFactory
from tests.episodes.factories import EpisodeFactory
from tests.exercises.factories import (
    ExerciseFactory,
    ExercisePlanFactory,
    ExerciseSessionFactory,
)
from tests.notifications.factories import DeviceFactory, NotificationFactory
from tests.outcomes.factories import psfs_answers, requested, stored_response
from tests.reminders.factories import ReminderSettingsFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


def _axes_fields(n: int) -> dict[str, Any]:
    return {
        "user_agent": "pytest",
        "ip_address": f"192.0.2.{n + 1}",
        "username": f"someone{n}@example.org",
        "http_accept": "text/html",
        "path_info": "/dashboard/login/",
    }


def _flag(n: int) -> Flag:
    # Every other flag acknowledged, so the acknowledged_by column has users to show.
    if n % 2:
        return FlagFactory(
            status="acknowledged", acknowledged_by=PhysiotherapistFactory(), acknowledged_at=NOW
        )
    return FlagFactory(rule=f"rule_{n}")


#: One row of each registered model per call (``n`` counts the calls). Nullable foreign keys
#: are filled, so that a column showing them would reveal a missing `list_select_related`.
BUILDERS: dict[str, Callable[[int], Model]] = {
    "auth.Group": lambda n: Group.objects.create(name=f"Group {n}"),
    "knox.AuthToken": lambda n: AuthToken.objects.create(user=UserFactory())[0],
    "axes.AccessAttempt": lambda n: AccessAttempt.objects.create(
        **_axes_fields(n), get_data="", post_data="", failures_since_start=n + 1
    ),
    "axes.AccessLog": lambda n: AccessLog.objects.create(**_axes_fields(n)),
    "axes.AccessFailureLog": lambda n: AccessFailureLog.objects.create(**_axes_fields(n)),
    "accounts.User": lambda n: PhysiotherapistFactory(),
    "accounts.Clinic": lambda n: ClinicFactory(),
    "accounts.CareTeam": lambda n: CareTeamFactory(),
    "accounts.Patient": lambda n: PatientFactory(),
    "accounts.EnrolmentCode": lambda n: EnrolmentCode.objects.create(
        patient=PatientFactory(),
        code_hash=uuid.uuid4().hex,
        created_by=PhysiotherapistFactory(),
        expires_at=NOW,
    ),
    # Version 1 is published by a migration; the factory gets or creates by version.
    "consent.ConsentDocument": lambda n: ConsentDocumentFactory(version=100 + n),
    "consent.ConsentAcceptance": lambda n: accepted(PatientFactory()),
    "episodes.Episode": lambda n: EpisodeFactory(),
    "checkins.CheckIn": lambda n: CheckInFactory(),
    "exercises.Exercise": lambda n: ExerciseFactory(),
    "exercises.ExercisePlan": lambda n: ExercisePlanFactory(prescribed_by=PhysiotherapistFactory()),
    "exercises.ExerciseSession": lambda n: ExerciseSessionFactory(),
    "assessments.Assessment": lambda n: AssessmentFactory(recorded_by=PhysiotherapistFactory()),
    "treatments.Treatment": lambda n: TreatmentFactory(recorded_by=PhysiotherapistFactory()),
    "treatments.ImagingStudy": lambda n: ImagingStudyFactory(recorded_by=PhysiotherapistFactory()),
    "outcomes.Instrument": lambda n: Instrument.objects.create(
        code=f"synthetic-{n}", version="1", title=f"Synthetic {n}", licence="open"
    ),
    "outcomes.QuestionnaireResponse": lambda n: stored_response(
        episode=EpisodeFactory(),
        day=dt.date(2026, 3, 1) + dt.timedelta(days=n),
        answers=psfs_answers(4, 5, 6),
    ),
    "outcomes.QuestionnaireRequest": lambda n: requested(
        patient=PatientFactory(), day=dt.date(2026, 3, 1) + dt.timedelta(days=n)
    ),
    "outcomes.QuestionnaireSchedule": lambda n: QuestionnaireSchedule.objects.create(
        episode=EpisodeFactory(), rules=[{"instrument": "psfs", "baseline": True}]
    ),
    "flags.Flag": _flag,
    "flags.Evaluation": lambda n: Evaluation.objects.create(
        episode=EpisodeFactory(),
        date=dt.date(2026, 3, 1) + dt.timedelta(days=n),
        held={"pain_worsening": {"reason": "r", "severity": "soon", "version": 1}},
        not_held={"missed_checkins": "checked in"},
    ),
    "notifications.Device": lambda n: DeviceFactory(),
    "notifications.Notification": lambda n: NotificationFactory(),
    "reminders.ReminderSettings": lambda n: ReminderSettingsFactory(),
    "reminders.ReminderSchedule": lambda n: ReminderSchedule.objects.create(
        patient=PatientFactory(), kind="checkin", next_due_at=NOW, local_date=NOW.date()
    ),
    "reminders.ReminderDelivery": lambda n: ReminderDelivery.objects.create(
        patient=PatientFactory(),
        kind="checkin",
        local_date=NOW.date(),
        due_at=NOW,
        outcome="notified",
        notification=NotificationFactory(),
    ),
    "audit.AccessLogEntry": lambda n: AccessLogEntry.objects.create(
        request_id=uuid.uuid4(),
        actor_id=uuid.uuid4(),
        actor_name=f"Staff {n}",
        actor_role="physiotherapist",
        patient_id=uuid.uuid4(),
        action="read",
        method="GET",
        view_name="patient-detail",
        outcome=200,
    ),
}

#: Registered models deliberately not driven here, with the reason. Keep it empty if you can:
#: a model listed here has no query-count guard.
NOT_DRIVEN: dict[str, str] = {}

REGISTERED = sorted(model._meta.label for model in admin.site._registry)


def _admin_url(model: type[Model], view: str, *args: Any) -> str:
    from django.urls import reverse

    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _model(label: str) -> type[Model]:
    from django.apps import apps

    return apps.get_model(label)


@pytest.fixture
def superuser() -> User:
    return User.objects.create_superuser("root@example.org", "pw-for-tests-only")


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def test_every_registered_model_has_a_builder():
    missing = [label for label in REGISTERED if label not in BUILDERS and label not in NOT_DRIVEN]
    stale = [label for label in [*BUILDERS, *NOT_DRIVEN] if label not in REGISTERED]
    assert not missing, f"Write a row builder in {__name__}.BUILDERS for: {missing}"
    assert not stale, f"Builders for models no longer registered: {stale}"


@pytest.mark.parametrize("label", [label for label in REGISTERED if label not in NOT_DRIVEN])
def test_changelist_renders_with_the_same_queries_for_2_and_6_rows(admin_client, label):
    model = _model(label)
    build = BUILDERS[label]
    url = _admin_url(model, "changelist")
    for n in range(2):
        build(n)

    with CaptureQueriesContext(connection) as two:
        small = admin_client.get(url)
    for n in range(2, 6):
        build(n)
    with CaptureQueriesContext(connection) as six:
        large = admin_client.get(url)

    assert small.status_code == 200
    assert large.status_code == 200
    shown = large.context["cl"].result_count
    assert shown == model._default_manager.count()
    assert shown >= 6
    assert len(six.captured_queries) == len(two.captured_queries), "\n".join(
        query["sql"] for query in six.captured_queries
    )


@pytest.mark.parametrize("label", [label for label in REGISTERED if label not in NOT_DRIVEN])
def test_change_page_of_a_row_renders(admin_client, label):
    model = _model(label)
    row = BUILDERS[label](0)

    response = admin_client.get(_admin_url(model, "change", row.pk))

    assert response.status_code == 200


# --- Clinical history is read-only -----------------------------------------------------------

#: Records of what happened (to the patient, or what the system did about it): viewable in
#: the admin, never added, changed or deleted there.
HISTORY = [
    "checkins.CheckIn",
    "episodes.Episode",
    "exercises.ExercisePlan",
    "exercises.ExerciseSession",
    "assessments.Assessment",
    "treatments.Treatment",
    "treatments.ImagingStudy",
    "outcomes.QuestionnaireResponse",
    "outcomes.QuestionnaireRequest",
    "outcomes.QuestionnaireSchedule",
    "flags.Flag",
    "flags.Evaluation",
    "consent.ConsentAcceptance",
    "audit.AccessLogEntry",
    "notifications.Notification",
    "reminders.ReminderDelivery",
    "reminders.ReminderSettings",
    "reminders.ReminderSchedule",
]


@pytest.mark.parametrize("label", HISTORY)
def test_clinical_history_is_view_only(admin_client, superuser, rf, label):
    model = _model(label)
    model_admin = admin.site._registry[model]
    row = BUILDERS[label](0)
    request = rf.get("/admin/")
    request.user = superuser
    before = model._default_manager.filter(pk=row.pk).values().get()

    page = admin_client.get(_admin_url(model, "change", row.pk))
    post = admin_client.post(_admin_url(model, "change", row.pk), {"note": "changed"})
    add = admin_client.get(_admin_url(model, "add"))
    delete = admin_client.post(_admin_url(model, "delete", row.pk), {"post": "yes"})

    assert model_admin.has_view_permission(request, row)
    assert not model_admin.has_change_permission(request, row)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_delete_permission(request, row)
    assert page.status_code == 200
    assert post.status_code == 403
    assert add.status_code == 403
    assert delete.status_code == 403
    assert model._default_manager.filter(pk=row.pk).values().get() == before


# --- Flags ----------------------------------------------------------------------------------

FLAGS_URL = "/admin/flags/flag/"


def _run_action(client, action: str, flags: list[Flag]):
    return client.post(
        FLAGS_URL,
        {"action": action, admin.helpers.ACTION_CHECKBOX_NAME: [str(flag.pk) for flag in flags]},
        follow=True,
    )


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_acknowledge_action_calls_the_service_as_the_admin(admin_client, superuser):
    open_flag = FlagFactory(status="open")

    with mock.patch.object(
        flag_services, "flag_acknowledge", wraps=flag_services.flag_acknowledge
    ) as service:
        response = _run_action(admin_client, "acknowledge", [open_flag])

    open_flag.refresh_from_db()
    assert response.status_code == 200
    service.assert_called_once_with(flag=open_flag, by=superuser)
    assert open_flag.status == "acknowledged"
    assert open_flag.acknowledged_by == superuser
    assert open_flag.acknowledged_at is not None
    assert _messages(response) == ["1 flag(s) acknowledged."]


def test_acknowledge_action_reports_a_resolved_flag_and_leaves_it(admin_client, superuser):
    resolver = PhysiotherapistFactory()
    resolved = FlagFactory(
        status="resolved",
        resolution="clinician",
        resolved_by=resolver,
        resolved_at=NOW,
        acknowledged_by=resolver,
        acknowledged_at=NOW,
    )
    open_flag = FlagFactory(status="open", rule="night_pain")
    before = Flag.objects.filter(pk=resolved.pk).values().get()

    response = _run_action(admin_client, "acknowledge", [resolved, open_flag])

    open_flag.refresh_from_db()
    assert Flag.objects.filter(pk=resolved.pk).values().get() == before
    assert open_flag.acknowledged_by == superuser
    assert _messages(response) == [
        "1 flag(s) acknowledged.",
        f"1 flag(s) are resolved and were not changed: {resolved.pk}.",
    ]


def test_acknowledging_an_acknowledged_flag_keeps_who_acknowledged_it(admin_client):
    first = PhysiotherapistFactory()
    flag = FlagFactory(status="acknowledged", acknowledged_by=first, acknowledged_at=NOW)

    response = _run_action(admin_client, "acknowledge", [flag])

    flag.refresh_from_db()
    assert flag.acknowledged_by == first
    assert flag.acknowledged_at == NOW
    assert _messages(response) == ["1 flag(s) were already acknowledged; left as they were."]


def test_resolve_action_calls_the_service(admin_client, superuser):
    flag = FlagFactory(status="open")

    with mock.patch.object(
        flag_services, "flag_resolve", wraps=flag_services.flag_resolve
    ) as service:
        response = _run_action(admin_client, "resolve", [flag])

    flag.refresh_from_db()
    service.assert_called_once_with(flag=flag, by=superuser)
    assert (flag.status, flag.resolution, flag.resolved_by) == ("resolved", "clinician", superuser)
    assert _messages(response) == ["1 flag(s) resolved."]


def test_staff_without_the_change_permission_are_not_offered_the_actions(client):
    viewer = UserFactory(role="clinic_admin", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_flag"))
    client.force_login(viewer)
    flag = FlagFactory(status="open")

    page = client.get(FLAGS_URL)
    attempt = _run_action(client, "acknowledge", [flag])

    flag.refresh_from_db()
    assert page.status_code == 200
    assert "acknowledge" not in page.context["cl"].model_admin.get_actions(page.wsgi_request)
    assert flag.status == "open"
    assert attempt.status_code == 200


def test_flag_list_filters_by_status_severity_and_rule(admin_client):
    wanted = FlagFactory(status="open", severity="urgent", rule="night_pain")
    FlagFactory(status="open", severity="soon", rule="night_pain")
    FlagFactory(status="open", severity="urgent", rule="pain_worsening")
    FlagFactory(
        status="acknowledged",
        severity="urgent",
        rule="night_pain",
        episode=EpisodeFactory(),
        acknowledged_at=NOW,
    )

    page = admin_client.get(FLAGS_URL)
    filtered = admin_client.get(
        FLAGS_URL, {"status__exact": "open", "severity__exact": "urgent", "rule": "night_pain"}
    )
    searched = admin_client.get(FLAGS_URL, {"q": "pain_worsening"})

    titles = [spec.title for spec in page.context["cl"].filter_specs]
    assert titles[:3] == ["status", "severity", "rule"]
    assert list(filtered.context["cl"].result_list) == [wanted]
    assert [flag.rule for flag in searched.context["cl"].result_list] == ["pain_worsening"]
