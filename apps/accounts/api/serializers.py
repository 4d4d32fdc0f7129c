from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import serializers

from apps.accounts.models import Patient, Role, Sex, User, validate_phone
from apps.accounts.readers import patient_summary_reader
from apps.core.bounds import BoundedDateField
from apps.core.i18n import offered_languages, offered_variant
from apps.core.timezones import validate_timezone_name


class TimezoneField(serializers.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("help_text", "IANA region time zone name (e.g. Europe/London), or UTC.")
        super().__init__(**kwargs)
        self.validators.append(validate_timezone_name)


class UserSerializer(serializers.ModelSerializer):
    patient_id = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "email", "first_name", "last_name", "role", "clinic", "patient_id"]
        read_only_fields = fields

    def get_patient_id(self, user: User) -> str | None:
        if user.role != Role.PATIENT:
            return None
        patient = getattr(user, "patient", None)
        return str(patient.pk) if patient else None


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(max_length=256, trim_whitespace=False)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
    expiry = serializers.DateTimeField(allow_null=True)
    user = UserSerializer()


class EnrolRequestSerializer(serializers.Serializer):
    enrolment_code = serializers.CharField(max_length=32)
    password = serializers.CharField(max_length=256, trim_whitespace=False)
    consent_version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2_147_483_647,
        help_text=(
            "The version of the consent document (GET /api/v1/consent/current/) the patient "
            "read and accepts. Required whenever a consent document is published."
        ),
    )


class PhoneField(serializers.CharField):
    """A phone number in international form (``+44 20 7946 0958``); blank clears it."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("max_length", 24)
        kwargs.setdefault(
            "help_text",
            "Phone number for the care team, in international form (+ and the country "
            "code, e.g. +44 20 7946 0958); blank: none. Shown to the care team, never logged.",
        )
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> str:
        value = super().to_internal_value(data).strip()
        if value:
            try:
                validate_phone(value)
            except DjangoValidationError as error:
                raise serializers.ValidationError(error.messages) from error
        return value


class PatientCreateSerializer(serializers.Serializer):
    email = serializers.EmailField()
    first_name = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150)
    date_of_birth = BoundedDateField(not_future=True)
    sex = serializers.ChoiceField(choices=Sex.choices)
    timezone = TimezoneField()
    phone = PhoneField()
    care_team = serializers.UUIDField(
        required=False, help_text="Needed only when you are in several care teams."
    )

    def validate_date_of_birth(self, value):
        import datetime as dt

        if value > dt.date.today() or value.year < 1900:  # noqa: DTZ011 - a coarse sanity bound
            raise serializers.ValidationError(_("Enter a real date of birth."))
        return value


class PatientRecordSerializer(serializers.ModelSerializer):
    """The patient's own record: what enrolment returns (with the code)."""

    email = serializers.EmailField(source="user.email", read_only=True)
    first_name = serializers.CharField(source="user.first_name", read_only=True)
    last_name = serializers.CharField(source="user.last_name", read_only=True)
    is_active = serializers.BooleanField(source="user.is_active", read_only=True)

    class Meta:
        model = Patient
        fields = [
            "id",
            "email",
            "first_name",
            "last_name",
            "date_of_birth",
            "sex",
            "timezone",
            "phone",
            "care_team",
            "enrolled_at",
            "activated_at",
            "is_active",
        ]
        read_only_fields = fields


class PatientSerializer(PatientRecordSerializer):
    """A patient in the caller's care, with the dashboard's summary."""

    # Serializes the rows of the registered patient summary reader (apps.accounts.readers,
    # filled by apps.dashboard: `patient_summaries`, `summary_for_patient`), which carry the
    # summary columns as attributes; the `summary` field is the reader's serializer.

    class Meta(PatientRecordSerializer.Meta):
        read_only_fields = PatientRecordSerializer.Meta.fields

    def get_fields(self):
        fields = super().get_fields()
        reader = patient_summary_reader()
        if reader is not None:
            fields["summary"] = reader.serializer(
                source="*",
                read_only=True,
                help_text="The dashboard's summary columns, as in GET dashboard/patients/.",
            )
        return fields


class PatientCreatedSerializer(PatientRecordSerializer):
    enrolment_code = serializers.CharField(read_only=True)
    enrolment_code_expires_at = serializers.DateTimeField(read_only=True)

    class Meta(PatientRecordSerializer.Meta):
        fields = [
            *PatientRecordSerializer.Meta.fields,
            "enrolment_code",
            "enrolment_code_expires_at",
        ]
        read_only_fields = fields


class MeSerializer(serializers.Serializer):
    """The signed-in user's profile; patients also see and set their time zone."""

    id = serializers.UUIDField(read_only=True)
    email = serializers.EmailField(read_only=True)
    first_name = serializers.CharField(max_length=150, required=False)
    last_name = serializers.CharField(max_length=150, required=False)
    role = serializers.ChoiceField(choices=Role.choices, read_only=True)
    patient_id = serializers.UUIDField(read_only=True, allow_null=True)
    date_of_birth = serializers.DateField(read_only=True, allow_null=True)
    sex = serializers.CharField(read_only=True, allow_null=True)
    # Staff have no time zone here: null in responses; a patient cannot set it to null.
    timezone = TimezoneField(required=False, allow_null=True)
    language = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=35,
        help_text="BCP 47 tag of the language of patient-facing text (advice, reminders, "
        "progress, errors), one the deployment offers (e.g. `en-gb`, `es`); blank: the "
        "request's Accept-Language, else the deployment default.",
    )

    def validate_language(self, value: str) -> str:
        if not value:
            return ""
        chosen = offered_variant(value)
        if chosen is None:
            raise serializers.ValidationError(
                _("Choose one of the languages offered: %(languages)s.")
                % {"languages": ", ".join(offered_languages())}
            )
        return chosen

    phone = PhoneField(
        allow_null=True,
        help_text=(
            "Patients: the phone number the care team may call, in international form "
            "(e.g. +44 20 7946 0958); blank clears it. Null for staff."
        ),
    )

    def validate_timezone(self, value):
        if value is None:
            raise serializers.ValidationError(_("Enter an IANA time zone name."))
        return value


class PasswordChangeSerializer(serializers.Serializer):
    old_password = serializers.CharField(max_length=256, trim_whitespace=False)
    new_password = serializers.CharField(
        max_length=256, trim_whitespace=False, help_text="Django's password validators apply."
    )


class PasswordResetSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class PasswordResetRequestedSerializer(serializers.Serializer):
    detail = serializers.CharField(
        help_text="The same text whether or not the address has an account."
    )


class PasswordResetConfirmSerializer(serializers.Serializer):
    uid = serializers.CharField(max_length=64, help_text="The account code from the e-mail.")
    token = serializers.CharField(max_length=128, help_text="The reset code from the e-mail.")
    new_password = serializers.CharField(
        max_length=256, trim_whitespace=False, help_text="Django's password validators apply."
    )
