"""A clinic world for the trust tests: a target patient with a complete record, and people on
every side of the access boundaries around them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from apps.accounts.models import Patient, User
from apps.outcomes.models import QuestionnaireSchedule
from tests.accounts.factories import (
    CareTeamFactory,
    ClinicAdminFactory,
    PatientFactory,
    physio_in,
)
from tests.checkins.factories import CheckInFactory
from tests.consent.factories import accepted
from tests.course.factories import AssessmentFactory, ImagingStudyFactory, TreatmentFactory
from tests.episodes.factories import EpisodeFactory
from tests.exercises.factories import (
    ExercisePlanFactory,
    ExerciseSessionFactory,
    PlanItemFactory,
)
from tests.flags.factories import FlagFactory
from tests.notifications.factories import DeviceFactory, NotificationFactory
from tests.outcomes.factories import psfs_answers, requested, stored_response
from tests.reminders.factories import ReminderSettingsFactory

ONSET = dt.date(2026, 9, 1)


@dataclass
class Record:
    """The target patient's data, by kind (ids as strings, to look for in response bodies)."""

    patient: Patient
    episode: object
    checkins: list = field(default_factory=list)
    plans: list = field(default_factory=list)
    plan_item: object = None
    sessions: list = field(default_factory=list)
    flag: object = None
    device: object = None
    notification: object = None
    questionnaire_response: object = None
    questionnaire_request: object = None
    assessments: list = field(default_factory=list)
    treatments: list = field(default_factory=list)
    imaging: list = field(default_factory=list)

    def ids(self) -> set[str]:
        objects = [
            self.patient,
            self.episode,
            *self.checkins,
            *self.plans,
            self.plan_item,
            *self.sessions,
            self.flag,
            self.device,
            self.notification,
            self.questionnaire_response,
            *(self.questionnaire_response.scores.all() if self.questionnaire_response else ()),
            self.questionnaire_request,
            *self.assessments,
            *self.treatments,
            *self.imaging,
        ]
        return {str(obj.pk) for obj in objects if obj is not None}


def full_record(patient: Patient) -> Record:
    """Everything a patient can have: episode, check-ins, two plans (one superseded),
    sessions, a flag, consent, reminders, a device, a notification, and the clinical course
    (an assessment, a treatment, an imaging result)."""
    accepted(patient)
    episode = EpisodeFactory(patient=patient, symptom_onset_date=ONSET)
    checkins = [
        CheckInFactory(
            episode=episode,
            date=ONSET + dt.timedelta(days=day),
            pain_now=pain,
            steps=steps,
            recorded_at=timezone.make_aware(dt.datetime(2026, 9, 2 + day, 19, 0), dt.UTC),
        )
        for day, pain, steps in [(1, 6, 1200), (2, 5, None)]
    ]
    first_plan = ExercisePlanFactory(episode=episode, starts_on=dt.date(2026, 9, 2))
    second_plan = ExercisePlanFactory(episode=episode, starts_on=dt.date(2026, 9, 9))
    first_plan.superseded_by = second_plan
    first_plan.effective_ends_on = dt.date(2026, 9, 8)
    first_plan.save(update_fields=["superseded_by", "effective_ends_on"])
    item = PlanItemFactory(plan=second_plan)
    sessions = [
        ExerciseSessionFactory(plan_item=item, date=dt.date(2026, 9, 10), pain_during=4),
        ExerciseSessionFactory(plan_item=item, date=dt.date(2026, 9, 11)),
    ]
    flag = FlagFactory(episode=episode, severity="soon", rule="morning_stiffness")
    ReminderSettingsFactory(patient=patient)
    device = DeviceFactory(user=patient.user)
    notification = NotificationFactory(recipient=patient.user)
    response = stored_response(
        episode=episode, day=dt.date(2026, 9, 3), answers=psfs_answers(4, 5, 6)
    )
    request = requested(patient=patient, day=dt.date(2026, 9, 3))
    QuestionnaireSchedule.objects.create(
        episode=episode, rules=[{"instrument": "psfs", "baseline": True}]
    )
    assessment = AssessmentFactory(episode=episode, date=dt.date(2026, 9, 15), value=14)
    treatment = TreatmentFactory(
        episode=episode,
        kind="bisphosphonate",
        starts_on=dt.date(2026, 9, 3),
        ends_on=dt.date(2026, 9, 3),
        detail={"drug": "zoledronic_acid", "dose": "5 mg", "route": "iv"},
    )
    imaging = ImagingStudyFactory(episode=episode, date=dt.date(2026, 9, 4))
    return Record(
        assessments=[assessment],
        treatments=[treatment],
        imaging=[imaging],
        patient=patient,
        episode=episode,
        checkins=checkins,
        plans=[first_plan, second_plan],
        plan_item=item,
        sessions=sessions,
        flag=flag,
        device=device,
        notification=notification,
        questionnaire_response=response,
        questionnaire_request=request,
    )


@dataclass
class World:
    target: Record
    roles: dict[str, User | None]
    other_patient: Patient


def build_world() -> World:
    team = CareTeamFactory()
    same_clinic_other_team = CareTeamFactory(clinic=team.clinic)
    other_clinic_team = CareTeamFactory()
    target = full_record(PatientFactory(care_team=team))
    other_patient = PatientFactory(care_team=same_clinic_other_team)
    roles: dict[str, User | None] = {
        "patient_self": target.patient.user,
        "patient_other": other_patient.user,
        "physio_team": physio_in(team),
        "physio_other_team": physio_in(same_clinic_other_team),
        "physio_other_clinic": physio_in(other_clinic_team),
        "admin_clinic": ClinicAdminFactory(clinic=team.clinic),
        "admin_other_clinic": ClinicAdminFactory(clinic=other_clinic_team.clinic),
        "anonymous": None,
    }
    return World(target=target, roles=roles, other_patient=other_patient)
