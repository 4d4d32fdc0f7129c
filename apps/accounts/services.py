"""Writes about accounts: enrolment, activation, device tokens, profiles, onboarding."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from typing import Any, TypedDict

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from knox.models import AuthToken

from apps.accounts.hooks import (
    EnrolmentActivation,
    enrolment_activating,
    patient_phone_changed,
    patient_time_zone_changed,
)
from apps.accounts.models import (
    CareTeam,
    CareTeamMembership,
    Clinic,
    EnrolmentCode,
    Patient,
    Role,
    User,
)
from apps.accounts.selectors import care_teams_for_clinician
from apps.core.exceptions import NotAllowed, ValidationFailed

# No 0/O or 1/I/L: the code is read off paper or a screen and typed on a phone.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_CODE_LENGTH = 10


def _hash_code(code: str) -> str:
    normalised = code.replace("-", "").replace(" ", "").upper()
    return hashlib.sha256(normalised.encode()).hexdigest()


def _new_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def _pick_care_team(*, by: User, care_team_id: uuid.UUID | None) -> CareTeam:
    teams = care_teams_for_clinician(by)
    if care_team_id is not None:
        team = teams.filter(pk=care_team_id).first()
        if team is None:
            raise ValidationFailed(_("Unknown care team."), field="care_team")
        return team
    candidates = list(teams[:2])
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise NotAllowed(_("You are not in a care team, so you cannot enrol patients."))
    raise ValidationFailed(_("You are in several care teams: say which."), field="care_team")


def enrolment_code_issue(*, patient: Patient, by: User | None) -> tuple[str, dt.datetime]:
    """A fresh single-use code for ``patient``; earlier unused codes stop working."""
    now = timezone.now()
    expires_at = now + dt.timedelta(hours=settings.ENROLMENT_CODE_TTL_HOURS)
    with transaction.atomic():
        patient.enrolment_codes.filter(used_at__isnull=True).update(expires_at=now)
        code = _new_code()
        patient.enrolment_codes.create(
            code_hash=_hash_code(code), created_by=by, expires_at=expires_at
        )
    return code, expires_at


def patient_enrol(
    *,
    by: User,
    email: str,
    first_name: str,
    last_name: str,
    date_of_birth: dt.date,
    sex: str,
    timezone_name: str,
    care_team_id: uuid.UUID | None = None,
    phone: str = "",
) -> tuple[Patient, str, dt.datetime]:
    """Create a patient (inactive until they enrol) in one of ``by``'s care teams.

    An address that already has an account is not revealed (docs/trust.md, "Enrolment does
    not reveal accounts"): unless it is a patient already in ``by``'s own care, the answer is
    the same as a fresh enrolment's (see ``_enrolment_clash``)."""
    if not by.is_clinician:
        raise NotAllowed(_("Only clinic staff can enrol patients."))
    team = _pick_care_team(by=by, care_team_id=care_team_id)
    email = email.strip().lower()
    details: _EnrolmentDetails = {
        "email": email,
        "first_name": first_name,
        "last_name": last_name,
        "date_of_birth": date_of_birth,
        "sex": sex,
        "timezone_name": timezone_name,
        "phone": phone,
    }
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        return _enrolment_clash(by=by, existing=existing, team=team, **details)
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=email,
                first_name=first_name,
                last_name=last_name,
                role=Role.PATIENT,
                is_active=False,
            )
            patient = Patient.objects.create(
                user=user,
                care_team=team,
                date_of_birth=date_of_birth,
                sex=sex,
                timezone=timezone_name,
                phone=phone,
                enrolled_by=by,
            )
            code, expires_at = enrolment_code_issue(patient=patient, by=by)
    except IntegrityError:
        # Two enrolments of one address at once: the unique index decides.
        existing = User.objects.filter(email__iexact=email).first()
        if existing is None:
            raise
        return _enrolment_clash(by=by, existing=existing, team=team, **details)
    return patient, code, expires_at


class _EnrolmentDetails(TypedDict):
    email: str
    first_name: str
    last_name: str
    date_of_birth: dt.date
    sex: str
    timezone_name: str
    phone: str


def _enrolment_clash(
    *,
    by: User,
    existing: User,
    team: CareTeam,
    email: str,
    first_name: str,
    last_name: str,
    date_of_birth: dt.date,
    sex: str,
    timezone_name: str,
    phone: str = "",
) -> tuple[Patient, str, dt.datetime]:
    """``email`` already has an account. A patient in ``by``'s own care: say so (``by`` sees
    them in ``GET patients/`` anyway). Anyone else — a patient of another team or clinic, a
    staff member — must not be revealed: nothing is stored or changed, the caller gets the
    answer a fresh enrolment gets (an unsaved record with a fresh id, echoing what they sent,
    and a well-formed code that was never stored, so it can never be redeemed), and the
    account holder is told by e-mail, after commit, by a task."""
    from apps.accounts.selectors import is_in_care_of

    own = getattr(existing, "patient", None) if existing.is_patient else None
    if own is not None and is_in_care_of(by, own):
        raise ValidationFailed(_("This patient is already enrolled in your care."), field="email")
    now = timezone.now()
    shadow = Patient(
        id=uuid.uuid4(),
        user=User(
            email=email,
            first_name=first_name,
            last_name=last_name,
            role=Role.PATIENT,
            is_active=False,
        ),
        care_team=team,
        date_of_birth=date_of_birth,
        sex=sex,
        timezone=timezone_name,
        phone=phone,
        enrolled_at=now,
        enrolled_by=by,
    )
    code = _new_code()
    expires_at = now + dt.timedelta(hours=settings.ENROLMENT_CODE_TTL_HOURS)
    from apps.accounts.tasks import send_enrolment_clash
    from apps.core.queueing import enqueue_on_commit

    enqueue_on_commit(send_enrolment_clash, str(existing.pk))
    return shadow, code, expires_at


def token_issue(*, user: User) -> tuple[AuthToken, str]:
    """A new device token; only its digest is stored."""
    issued: tuple[AuthToken, str] = AuthToken.objects.create(user=user)
    return issued


def enrolment_activate(
    *, code: str, password: str, consent_version: int | None = None
) -> tuple[User, AuthToken, str]:
    """Activate the patient holding ``code``: record their consent to the current consent
    document (required once one is published: apps.consent listens to
    ``apps.accounts.hooks.enrolment_activating``), set the password and sign the device in."""
    now = timezone.now()
    with transaction.atomic():
        record = (
            EnrolmentCode.objects.select_for_update()
            .select_related("patient__user")
            .filter(code_hash=_hash_code(code))
            .first()
        )
        if record is None or record.used_at is not None or record.expires_at <= now:
            raise ValidationFailed(
                _(
                    "This enrolment code is not valid or has expired. Ask your "
                    "physiotherapist for a new one."
                ),
                field="enrolment_code",
            )
        user = record.patient.user
        try:
            password_validation.validate_password(password, user)
        except DjangoValidationError as error:
            raise ValidationFailed(" ".join(error.messages), field="password") from error
        # apps.consent listens: requires and records the acceptance of the current document.
        enrolment_activating.fire(
            EnrolmentActivation(patient=record.patient, consent_version=consent_version)
        )
        user.set_password(password)
        user.is_active = True
        user.save(update_fields=["password", "is_active"])
        record.used_at = now
        record.save(update_fields=["used_at"])
        record.patient.activated_at = now
        record.patient.save(update_fields=["activated_at"])
        instance, token = token_issue(user=user)
    return user, instance, token


def patient_update_profile(*, patient: Patient, data: dict[str, Any]) -> Patient:
    """Update what a patient may change about themself. A new time zone moves their days; a
    new phone number is where SMS goes from now on."""
    user_fields = {key: data[key] for key in ("first_name", "last_name", "language") if key in data}
    with transaction.atomic():
        for key, value in user_fields.items():
            setattr(patient.user, key, value)
        if user_fields:
            patient.user.save(update_fields=list(user_fields))
        if "phone" in data and (data["phone"] or "") != patient.phone:
            patient.phone = data["phone"] or ""
            patient.save(update_fields=["phone"])
            # SMS goes to this number (apps.notifications listens, inside this transaction).
            patient_phone_changed.fire(patient)
        if "timezone" in data and data["timezone"] != patient.timezone:
            patient.timezone = data["timezone"]
            patient.save(update_fields=["timezone"])
            # Reminders are local wall-clock times: the next due instants move with the zone
            # (apps.reminders listens, inside this transaction).
            patient_time_zone_changed.fire(patient)
    return patient


def clinic_onboard(
    *,
    clinic_name: str,
    clinic_timezone: str,
    physio_email: str,
    physio_first_name: str,
    physio_last_name: str,
    password: str | None,
    care_team_name: str = "Main care team",
) -> tuple[Clinic, User, str]:
    """Create (or reuse) a clinic and a care team, and a physiotherapist in it."""
    password = password or secrets.token_urlsafe(12)
    with transaction.atomic():
        clinic, _created = Clinic.objects.get_or_create(
            name=clinic_name, defaults={"timezone": clinic_timezone}
        )
        team, _created = CareTeam.objects.get_or_create(clinic=clinic, name=care_team_name)
        physio = User.objects.filter(email__iexact=physio_email).first()
        if physio is None:
            physio = User.objects.create_user(
                email=physio_email,
                password=password,
                first_name=physio_first_name,
                last_name=physio_last_name,
                role=Role.PHYSIOTHERAPIST,
                clinic=clinic,
            )
        CareTeamMembership.objects.get_or_create(care_team=team, user=physio)
    return clinic, physio, password


def staff_update_profile(*, user: User, data: dict[str, Any]) -> User:
    fields = [key for key in ("first_name", "last_name", "language") if key in data]
    for key in fields:
        setattr(user, key, data[key])
    if fields:
        user.save(update_fields=fields)
    return user


def patient_erase_check_allowed(*, patient: Patient, by: User) -> None:
    """Raise ``NotAllowed`` unless ``by`` may erase ``patient`` (their clinic's admin or a
    superuser); views call it before looking at the request body."""
    allowed = by.is_superuser or (
        by.role == Role.CLINIC_ADMIN and by.clinic_id == patient.care_team.clinic_id
    )
    if not allowed:
        raise NotAllowed(_("Only an administrator of the patient's clinic can erase a record."))
