"""Who uses the product: users (e-mail login, one role each), clinics, care teams and patients."""

from __future__ import annotations

import re
import uuid
from typing import ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils.timezone import now

from apps.core.timezones import validate_timezone_name


class Role(models.TextChoices):
    PATIENT = "patient", "Patient"
    PHYSIOTHERAPIST = "physiotherapist", "Physiotherapist"
    CLINIC_ADMIN = "clinic_admin", "Clinic admin"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        fields.setdefault("role", Role.CLINIC_ADMIN)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(unique=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=20, choices=Role.choices)
    # Staff (physiotherapists, clinic admins) belong to one clinic; patients reach theirs
    # through their care team.
    clinic = models.ForeignKey(
        "accounts.Clinic", null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    #: BCP 47 tag of the language patient-facing text is in (blank: the request's
    #: Accept-Language, else the deployment default; apps.core.i18n).
    language = models.CharField(max_length=35, blank=True, default="")
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May log in to the admin site.")
    date_joined = models.DateTimeField(default=now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["first_name", "last_name"]

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]
        indexes = [models.Index(fields=["role", "clinic"])]

    def __str__(self) -> str:
        return self.email

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_patient(self) -> bool:
        return self.role == Role.PATIENT

    @property
    def is_clinician(self) -> bool:
        return self.role in {Role.PHYSIOTHERAPIST, Role.CLINIC_ADMIN} or self.is_superuser


class Clinic(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200, unique=True)
    timezone = models.CharField(
        max_length=64, default="Europe/London", validators=[validate_timezone_name]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CareTeam(models.Model):
    """Physiotherapists who together look after a set of patients."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="care_teams")
    name = models.CharField(max_length=200)
    members = models.ManyToManyField(
        User, through="CareTeamMembership", related_name="care_teams", blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["clinic__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="care_team_name_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.clinic})"


class CareTeamMembership(models.Model):
    care_team = models.ForeignKey(CareTeam, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="care_team_memberships")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["care_team", "user"], name="care_team_member_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.care_team}"


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Not stated"


def validate_phone(value: str) -> None:
    """A phone number in international form: "+", the country code and 6–15 digits in all
    (spaces, dashes and brackets between them are kept as typed)."""
    digits = re.sub(r"\D", "", value)
    if not re.fullmatch(r"\+\d[\d ()-]*\d", value) or not 6 <= len(digits) <= 15:
        raise ValidationError(
            "Enter the number in international form, starting with + and the country code "
            "(e.g. +44 20 7946 0958)."
        )


def phone_for_sms(value: str) -> str:
    """The number as an SMS provider takes it (E.164: "+" and the digits, the separators
    typed between them dropped); "" for no number. ``Patient.phone`` is the one stored
    number: the care team calls it as typed, apps.notifications texts this form of it."""
    digits = re.sub(r"\D", "", value or "")
    return f"+{digits}" if digits else ""


class Patient(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="patient")
    care_team = models.ForeignKey(CareTeam, on_delete=models.PROTECT, related_name="patients")
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=10, choices=Sex.choices)
    timezone = models.CharField(max_length=64, validators=[validate_timezone_name])
    phone = models.CharField(
        max_length=24,
        blank=True,
        default="",
        validators=[validate_phone],
        help_text=(
            "The patient's phone: the care team calls it, SMS goes to it (E.164 form); "
            "international form. Never logged."
        ),
    )
    enrolled_at = models.DateTimeField(default=now)
    enrolled_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["user__last_name", "user__first_name"]
        indexes = [models.Index(fields=["care_team"])]

    def __str__(self) -> str:
        return self.user.full_name or str(self.id)

    @property
    def clinic_id(self):
        return self.care_team.clinic_id

    @property
    def language(self) -> str:
        """The patient's chosen language tag ("" when not chosen), held on their user."""
        return self.user.language


class EnrolmentCode(models.Model):
    """A single-use, expiring code a patient types into the app to activate their account.

    Only a hash is stored, like a password: whoever reads the database cannot enrol.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="enrolment_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Enrolment code for {self.patient_id}"
