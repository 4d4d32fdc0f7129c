"""Authorization matrix of the admin: a clinic admin of clinic A sees none of clinic B's
patients anywhere in the admin; a superuser sees both.

The admins come from `admin.site._registry`, not from a list: every registered ModelAdmin
(and every inline) whose model holds patient data must be scoped by clinic
(`ClinicScopedAdminMixin`), and every scoped admin is driven through its change list (rows,
filters and their choices, search), its change, history and delete pages for a clinic-B
object, and the autocomplete of every autocomplete field. Two clinics are built with the same
complete record (tests/trust/world.py plus the rows only the admin shows); the rows of each
are told apart by what their construction added, not by the admins' own paths.
"""

from __future__ import annotations

import datetime as dt
import importlib
import uuid
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken

from apps.accounts.admin import (
    CLINIC_ADMIN_GROUP,
    CLINIC_ADMIN_PERMISSIONS,
    clinic_admin_group,
    clinic_admin_permissions,
)
from apps.accounts.models import EnrolmentCode, Patient, User
from apps.audit.models import AccessLogEntry
from apps.audit.patient_data import patient_lookup_for
from apps.core.admin import ClinicScopedAdminMixin
from apps.flags.models import Evaluation, Flag
from apps.notifications.models import DeliveryAttempt
from apps.reminders.models import ReminderDelivery, ReminderSchedule
from tests.accounts.factories import CareTeamFactory, ClinicAdminFactory, PatientFactory, physio_in
from tests.trust import figures
from tests.trust.world import full_record

pytestmark = pytest.mark.django_db

#: Registered models that hold no patient's data, with the reason; clinic admins either have
#: no permission on them (403) or they are shared by every clinic.
NOT_PATIENT_DATA = {
    "auth.Group": "permission groups; superusers only",
    "axes.AccessAttempt": "login attempts by address; superusers only (no clinic to scope by)",
    "axes.AccessLog": "logins by address; superusers only",
    "axes.AccessFailureLog": "failed logins by address; superusers only",
    "consent.ConsentDocument": "the consent text, the same for every clinic",
    "exercises.Exercise": "the exercise library, shared by every clinic",
    "outcomes.Instrument": "questionnaire definitions, shared by every clinic",
}
NO_CLINIC_ADMIN_ACCESS = {"auth.Group", "axes.AccessAttempt", "axes.AccessLog"} | {
    "axes.AccessFailureLog"
}

REGISTRY = admin.site._registry
SCOPED = sorted(
    model._meta.label
    for model, model_admin in REGISTRY.items()
    if isinstance(model_admin, ClinicScopedAdminMixin)
)


def _model(label: str) -> type[Model]:
    from django.apps import apps

    return apps.get_model(label)


def _url(model: type[Model], view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@dataclass
class Clinic:
    name: str
    team_name: str
    surname: str
    email: str
    patient: Patient
    admin: User
    rows: dict[str, set[str]]  # model label -> pks this clinic's construction added

    @property
    def secrets(self) -> list[str]:
        """Strings that identify this clinic or its patient on a page."""
        return [self.name, self.team_name, self.surname, self.email]


def _pks() -> dict[str, set[str]]:
    return {
        label: {str(pk) for pk in _model(label)._default_manager.values_list("pk", flat=True)}
        for label in SCOPED
    }


def _clinic(tag: str) -> Clinic:
    """A clinic with staff and one patient with every kind of record the admin shows."""
    before = _pks()
    team = CareTeamFactory(name=f"{tag} hip team", clinic__name=f"{tag} Clinic")
    physio_in(team)
    surname = f"{tag}ovska"
    email = f"{tag.lower()}.patient@{tag.lower()}.test"
    patient = PatientFactory(care_team=team, user__last_name=surname, user__email=email)
    record = full_record(patient)
    EnrolmentCode.objects.create(
        patient=patient,
        code_hash=uuid.uuid4().hex,
        created_by=physio_in(team),
        expires_at=timezone.now(),
    )
    Evaluation.objects.create(episode=record.episode, date=dt.date(2026, 9, 10), held={})
    now = timezone.now()
    ReminderSchedule.objects.create(
        patient=patient, kind="checkin", next_due_at=now, local_date=now.date()
    )
    ReminderDelivery.objects.create(
        patient=patient, kind="checkin", local_date=now.date(), due_at=now, outcome="notified"
    )
    DeliveryAttempt.objects.create(
        notification=record.notification,
        device=record.device,
        channel="push",
        outcome="sent",
        duration_ms=1,
        attempted_at=timezone.now(),
    )
    AccessLogEntry.objects.create(
        request_id=uuid.uuid4(),
        actor_id=uuid.uuid4(),
        actor_name="Staff",
        actor_role="physiotherapist",
        patient_id=patient.pk,
        action="read",
        method="GET",
        view_name="patient-detail",
        outcome=200,
    )
    AuthToken.objects.create(user=patient.user)
    clinic_admin = ClinicAdminFactory(clinic=team.clinic, is_staff=True)
    clinic_admin.groups.add(clinic_admin_group())
    after = _pks()
    return Clinic(
        name=team.clinic.name,
        team_name=team.name,
        surname=surname,
        email=email,
        patient=patient,
        admin=clinic_admin,
        rows={label: after[label] - before[label] for label in SCOPED},
    )


@pytest.fixture
def clinics() -> tuple[Clinic, Clinic]:
    return _clinic("Alder"), _clinic("Zyx")


@pytest.fixture
def superuser() -> User:
    return User.objects.create_superuser("root@example.org", "pw-for-tests-only")


def _client(client, user):
    client.force_login(user)
    return client


def _shown(response) -> set[str]:
    return {str(pk) for pk in response.context["cl"].queryset.values_list("pk", flat=True)}


def _may_view(user: User, model: type[Model]) -> bool:
    return user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}")


def _filter_choices(response) -> list[str]:
    changelist = response.context["cl"]
    return [
        str(choice["display"])
        for spec in changelist.filter_specs
        for choice in spec.choices(changelist)
    ]


# --- What is scoped ---------------------------------------------------------------------------


def test_every_registered_admin_is_scoped_or_holds_no_patient_data():
    labels = {model._meta.label for model in REGISTRY}
    unscoped = sorted(labels - set(SCOPED) - set(NOT_PATIENT_DATA))
    stale = sorted(set(NOT_PATIENT_DATA) - labels)
    # Independent of the list above: a model with a foreign-key path to a patient is scoped.
    holding = sorted(
        label for label in NOT_PATIENT_DATA if label in labels and patient_lookup_for(_model(label))
    )
    assert not unscoped, f"Scope these admins by clinic (ClinicScopedAdminMixin): {unscoped}"
    assert not stale, stale
    assert not holding, holding


def test_every_inline_of_patient_data_is_scoped():
    unscoped = [
        f"{type(model_admin).__name__}.{inline.__name__}"
        for model_admin in REGISTRY.values()
        for inline in model_admin.inlines
        if patient_lookup_for(inline.model) is not None
        and not issubclass(inline, ClinicScopedAdminMixin)
    ]
    assert not unscoped


def test_the_group_the_migration_made_has_exactly_the_clinic_admin_permissions():
    # A transactional test that ran before this one flushed the rows migrations made: run the
    # migration's own function on the migrated state, as `migrate` does.
    Group.objects.filter(name=CLINIC_ADMIN_GROUP).delete()
    loader = MigrationExecutor(connection).loader
    editor = SimpleNamespace(connection=connection)
    created = importlib.import_module("apps.accounts.migrations.0003_clinic_admin_group")
    created.create_group(loader.project_state(("accounts", "0003_clinic_admin_group")).apps, editor)
    extended = importlib.import_module(
        "apps.accounts.migrations.0006_clinic_admin_clinical_records"
    )
    extended.grant(
        loader.project_state(("accounts", "0006_clinic_admin_clinical_records")).apps, editor
    )

    group = Group.objects.get(name=CLINIC_ADMIN_GROUP)
    held = set(group.permissions.values_list("content_type__app_label", "codename"))

    assert held == set(CLINIC_ADMIN_PERMISSIONS)
    assert clinic_admin_permissions().count() == len(CLINIC_ADMIN_PERMISSIONS)


# --- The matrix -------------------------------------------------------------------------------


@pytest.mark.parametrize("label", SCOPED)
def test_changelist_shows_a_clinic_admin_only_their_clinic(client, clinics, superuser, label):
    mine, theirs = clinics
    model = _model(label)

    page = _client(client, mine.admin).get(_url(model, "changelist"))

    figures.bump("admin_pages_checked")
    if not _may_view(mine.admin, model):
        assert page.status_code == 403
        return
    assert page.status_code == 200
    assert mine.rows[label], f"the world built no {label} rows"
    assert _shown(page) == mine.rows[label]
    body = page.content.decode()
    leaked = [secret for secret in theirs.secrets if secret in body]
    assert not leaked, leaked
    assert not [c for c in _filter_choices(page) if any(s in c for s in theirs.secrets)]

    everything = _client(client, superuser).get(_url(model, "changelist"))
    assert _shown(everything) >= mine.rows[label] | theirs.rows[label]


SEARCHABLE = [label for label in SCOPED if REGISTRY[_model(label)].search_fields]


@pytest.mark.parametrize("label", SEARCHABLE)
def test_search_for_the_other_clinics_patient_finds_nothing(client, clinics, label):
    mine, theirs = clinics
    model = _model(label)
    client.force_login(mine.admin)

    for term in [theirs.surname, theirs.email, str(theirs.patient.pk)]:
        page = client.get(_url(model, "changelist"), {"q": term})
        if not _may_view(mine.admin, model):
            assert page.status_code == 403
            continue
        assert page.status_code == 200
        assert not _shown(page) & theirs.rows[label], term


def test_search_positive_control_a_superuser_finds_the_other_clinics_patient(
    client, clinics, superuser
):
    mine, theirs = clinics
    client.force_login(superuser)

    patients = client.get(_url(Patient, "changelist"), {"q": theirs.surname})
    flags = client.get(_url(Flag, "changelist"), {"q": theirs.surname})

    assert _shown(patients) == {str(theirs.patient.pk)}
    assert _shown(flags) == theirs.rows["flags.Flag"]
    client.force_login(mine.admin)
    assert _shown(client.get(_url(Patient, "changelist"), {"q": theirs.surname})) == set()


@pytest.mark.parametrize("label", SCOPED)
def test_the_other_clinics_objects_are_not_found(client, clinics, superuser, label):
    mine, theirs = clinics
    model = _model(label)
    theirs_pk = sorted(theirs.rows[label])[0]

    client.force_login(mine.admin)
    for view in ("change", "history", "delete"):
        page = client.get(_url(model, view, theirs_pk))
        # Django's answer for an object that does not exist: back to the index (or 403).
        assert page.status_code in {302, 403}, (view, page.status_code)
        if page.status_code == 302:
            assert page["Location"] == reverse("admin:index")
        body = page.content.decode()
        assert not [secret for secret in theirs.secrets if secret in body]

    client.force_login(superuser)
    assert client.get(_url(model, "change", theirs_pk)).status_code == 200
    assert client.get(_url(model, "history", theirs_pk)).status_code == 200


@pytest.mark.parametrize("label", SCOPED)
def test_own_objects_open_without_the_other_clinics_choices(client, clinics, label):
    """The change page of one's own object (with its forms' dropdowns and inlines) shows
    nothing of the other clinic."""
    mine, theirs = clinics
    model = _model(label)
    client.force_login(mine.admin)

    for pk in sorted(mine.rows[label]):
        page = client.get(_url(model, "change", pk))
        if not _may_view(mine.admin, model):
            assert page.status_code == 403
            continue
        assert page.status_code == 200
        body = page.content.decode()
        assert not [secret for secret in theirs.secrets if secret in body], pk


def _autocomplete_fields() -> list[tuple[str, str]]:
    found = []
    for model, model_admin in REGISTRY.items():
        for name in model_admin.autocomplete_fields:
            found.append((model._meta.label, name))
        for inline in model_admin.inlines:
            for name in inline.autocomplete_fields:
                found.append((inline.model._meta.label, name))
    return sorted(set(found))


AUTOCOMPLETE = _autocomplete_fields()


def test_there_are_autocomplete_fields_to_check():
    assert ("accounts.Patient", "user") in AUTOCOMPLETE


@pytest.mark.parametrize(("label", "field_name"), AUTOCOMPLETE)
def test_autocomplete_lists_only_the_clinics_own(client, clinics, superuser, label, field_name):
    mine, theirs = clinics
    model = _model(label)
    remote = model._meta.get_field(field_name).remote_field.model
    remote_label = remote._meta.label

    def ids(user, term: str) -> set[str]:
        client.force_login(user)
        answer = client.get(
            reverse("admin:autocomplete"),
            {
                "app_label": model._meta.app_label,
                "model_name": model._meta.model_name,
                "field_name": field_name,
                "term": term,
            },
        )
        assert answer.status_code == 200, answer.content[:200]
        return {row["id"] for row in answer.json()["results"]}

    assert not ids(mine.admin, "") & theirs.rows[remote_label]
    assert ids(mine.admin, theirs.surname) == set()
    assert ids(mine.admin, "") & mine.rows[remote_label]
    assert ids(superuser, theirs.surname) & theirs.rows[remote_label]


def test_a_filter_on_the_other_clinic_shows_nothing_and_offers_only_ones_own(client, clinics):
    mine, theirs = clinics
    client.force_login(mine.admin)

    page = client.get(
        _url(Patient, "changelist"),
        {"care_team__clinic__id__exact": str(theirs.patient.care_team.clinic_id)},
    )
    teams = client.get(
        _url(Patient, "changelist"), {"care_team__id__exact": str(theirs.patient.care_team_id)}
    )

    assert page.status_code == teams.status_code == 200
    # Django ignores a filter it does not show (one choice only): either way, none of theirs.
    assert not (_shown(page) | _shown(teams)) & theirs.rows["accounts.Patient"]
    everything = client.get(_url(Patient, "changelist"))
    choices = _filter_choices(everything)
    assert not [c for c in choices if any(s in c for s in theirs.secrets)]


def test_a_superusers_filters_offer_every_clinic(client, clinics, superuser):
    mine, theirs = clinics
    client.force_login(superuser)

    choices = _filter_choices(client.get(_url(Patient, "changelist")))

    for clinic in (mine, theirs):
        assert clinic.name in choices
        assert any(clinic.team_name in choice for choice in choices)


def test_actions_reach_only_the_clinics_own_flags(client, clinics):
    mine, theirs = clinics
    my_flag = Flag.objects.get(pk=next(iter(mine.rows["flags.Flag"])))
    their_flag = Flag.objects.get(pk=next(iter(theirs.rows["flags.Flag"])))
    client.force_login(mine.admin)

    client.post(
        _url(Flag, "changelist"),
        {
            "action": "acknowledge",
            admin.helpers.ACTION_CHECKBOX_NAME: [str(my_flag.pk), str(their_flag.pk)],
        },
    )

    my_flag.refresh_from_db()
    their_flag.refresh_from_db()
    assert (my_flag.status, my_flag.acknowledged_by) == ("acknowledged", mine.admin)
    assert (their_flag.status, their_flag.acknowledged_by) == ("open", None)


def test_a_clinic_admin_keeps_care_teams_only_in_their_clinic(client, clinics, superuser):
    """The clinic dropdown of a new care team lists only one's clinic; naming another clinic
    is a form error, and a membership of another clinic's physiotherapist is refused."""
    mine, theirs = clinics
    from apps.accounts.models import CareTeam, CareTeamMembership

    client.force_login(mine.admin)
    add = client.get(_url(CareTeam, "add"))
    refused = client.post(
        _url(CareTeam, "add"),
        {
            "name": "Smuggled team",
            "clinic": str(theirs.patient.care_team.clinic_id),
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    their_physio = CareTeamMembership.objects.filter(
        care_team=theirs.patient.care_team
    ).values_list("user_id", flat=True)[0]
    my_team = mine.patient.care_team
    member = client.post(
        _url(CareTeam, "change", my_team.pk),
        {
            "name": my_team.name,
            "clinic": str(my_team.clinic_id),
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-0-user": str(their_physio),
            "memberships-0-care_team": str(my_team.pk),
        },
    )

    assert add.status_code == 200
    assert mine.name in add.content.decode()
    assert theirs.name not in add.content.decode()
    assert refused.status_code == 200  # the form again, with its error
    assert "clinic" in refused.context["adminform"].form.errors
    assert not CareTeam.objects.filter(name="Smuggled team").exists()
    assert member.status_code == 200
    assert not CareTeamMembership.objects.filter(care_team=my_team, user_id=their_physio).exists()
    client.force_login(superuser)
    assert theirs.name in client.get(_url(CareTeam, "add")).content.decode()


@pytest.mark.parametrize("label", sorted(NO_CLINIC_ADMIN_ACCESS))
def test_unscoped_admin_pages_are_closed_to_clinic_admins(client, clinics, label):
    mine, _ = clinics
    client.force_login(mine.admin)

    assert client.get(_url(_model(label), "changelist")).status_code == 403


def test_a_clinic_admin_is_not_a_superuser_and_can_use_the_admin(client, clinics):
    mine, _ = clinics
    client.force_login(mine.admin)

    index = client.get(reverse("admin:index"))

    assert not mine.admin.is_superuser
    assert index.status_code == 200
    assert index.context["app_list"], "the clinic admin is offered no admin page"


#: The clinical records a clinic admin reads (accounts/0006): scoped, viewed, never changed.
CLINICAL_RECORDS = [
    "outcomes.QuestionnaireResponse",
    "outcomes.QuestionnaireRequest",
    "outcomes.QuestionnaireSchedule",
    "assessments.Assessment",
    "treatments.Treatment",
    "treatments.ImagingStudy",
]


def test_the_clinical_records_are_in_the_matrix():
    assert set(CLINICAL_RECORDS) <= set(SCOPED)


@pytest.mark.parametrize("label", CLINICAL_RECORDS)
def test_clinic_admins_view_the_clinical_records_of_their_clinic_only(client, clinics, label):
    mine, theirs = clinics
    model = _model(label)
    assert _may_view(mine.admin, model)
    client.force_login(mine.admin)

    page = client.get(_url(model, "changelist"))
    assert page.status_code == 200
    assert mine.rows[label]
    assert _shown(page) == mine.rows[label]
    own = client.get(_url(model, "change", sorted(mine.rows[label])[0]))
    assert own.status_code == 200
    assert not [secret for secret in theirs.secrets if secret in own.content.decode()]
    # Viewing only: the change page has no save button and nothing can be added.
    assert 'name="_save"' not in own.content.decode()
    assert client.get(_url(model, "add")).status_code == 403


def test_clinic_admins_view_the_instruments_and_response_inlines(client, clinics):
    from apps.outcomes.models import Instrument, QuestionnaireResponse

    mine, _theirs = clinics
    client.force_login(mine.admin)
    instrument = Instrument.objects.get(code="psfs", is_current=True)
    assert client.get(_url(Instrument, "changelist")).status_code == 200
    page = client.get(_url(Instrument, "change", instrument.pk))
    assert page.status_code == 200
    assert "psfs_mean" in page.content.decode()  # the score definitions inline
    response_pk = sorted(mine.rows["outcomes.QuestionnaireResponse"])[0]
    body = client.get(_url(QuestionnaireResponse, "change", response_pk)).content.decode()
    assert "rating_1" in body  # the answers inline
    assert "algorithm" in body.lower()  # the scores inline
