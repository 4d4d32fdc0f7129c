from __future__ import annotations

from django.contrib.auth import authenticate, update_session_auth_hash
from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from knox.models import AuthToken
from rest_framework import generics, status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts import passwords, services
from apps.accounts.api.serializers import (
    EnrolRequestSerializer,
    MeSerializer,
    PasswordChangeSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetRequestedSerializer,
    PasswordResetSerializer,
    PatientCreatedSerializer,
    PatientCreateSerializer,
    PatientRecordSerializer,
    PatientSerializer,
    TokenRequestSerializer,
    TokenResponseSerializer,
    UserSerializer,
)
from apps.accounts.models import Patient, Role, User
from apps.accounts.permissions import IsClinician, signed_in_user
from apps.accounts.readers import patient_with_summary, patients_with_summary
from apps.accounts.selectors import access_patient
from apps.accounts.throttles import LoginRateThrottle
from apps.core.exceptions import ValidationFailed


def _token_body(user: User, instance, token: str) -> dict:
    return {"token": token, "expiry": instance.expiry, "user": UserSerializer(user).data}


class TokenView(APIView):
    """Sign a device in: one token per device, revocable by logout."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_scope = "auth"

    def get_authenticate_header(self, request: Request) -> str:
        # Wrong credentials are a 401 (with a challenge), not a 403.
        return 'Token realm="api"'

    def get_throttles(self):
        # The one sign-in budget per client address, shared with the HTML login forms.
        return [LoginRateThrottle()]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: TokenResponseSerializer, 401: OpenApiResponse(description="Wrong")},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            email=serializer.validated_data["email"].lower(),
            password=serializer.validated_data["password"],
        )
        if user is None:
            raise AuthenticationFailed("E-mail address or password is wrong.")
        # A token sign-in is a sign-in: last_login, and django-axes resets the failure count.
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        instance, token = services.token_issue(user=user)
        return Response(_token_body(user, instance, token))


class EnrolView(TokenView):
    """Activate a patient account with the enrolment code from their physiotherapist."""

    @extend_schema(
        request=EnrolRequestSerializer, responses={201: TokenResponseSerializer}, tags=["auth"]
    )
    def post(self, request: Request) -> Response:
        serializer = EnrolRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user, instance, token = services.enrolment_activate(
            code=serializer.validated_data["enrolment_code"],
            password=serializer.validated_data["password"],
            consent_version=serializer.validated_data.get("consent_version"),
        )
        return Response(_token_body(user, instance, token), status=status.HTTP_201_CREATED)


class LogoutView(APIView):
    """Revoke the token this request was made with (this device only)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None}, tags=["auth"])
    def post(self, request: Request) -> Response:
        if request.auth is not None and hasattr(request.auth, "delete"):
            request.auth.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(APIView):
    """Revoke every device token of the caller (signs out every phone, this one too)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None}, tags=["auth"])
    def post(self, request: Request) -> Response:
        passwords.tokens_revoke(user=signed_in_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeView(APIView):
    """Change the caller's password; every other device is signed out (this one stays)."""

    permission_classes = [IsAuthenticated]

    def get_throttles(self):
        # Guessing the current password is signing in: the sign-in budget applies too.
        return [*super().get_throttles(), LoginRateThrottle()]

    @extend_schema(request=PasswordChangeSerializer, responses={204: None}, tags=["auth"])
    def post(self, request: Request) -> Response:
        serializer = PasswordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        keep = request.auth if isinstance(request.auth, AuthToken) else None
        passwords.password_change(
            user=signed_in_user(request),
            old_password=serializer.validated_data["old_password"],
            new_password=serializer.validated_data["new_password"],
            keep_token=keep,
        )
        if keep is None and request.user.is_authenticated:
            # A browser session: keep this one (others end with the old password hash).
            update_session_auth_hash(request._request, request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


RESET_REQUESTED = (
    "If this address belongs to an account, we have sent it an e-mail with a code to reset "
    "the password."
)


class PasswordResetView(APIView):
    """Ask for a password reset e-mail. Always 202 with the same body (no account lookup
    answer); the mail goes out only to an account that can sign in."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get_throttles(self):
        return [LoginRateThrottle()]

    @extend_schema(
        request=PasswordResetSerializer,
        responses={202: PasswordResetRequestedSerializer},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        serializer = PasswordResetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        passwords.password_reset_request(
            email=serializer.validated_data["email"], request=request._request
        )
        return Response({"detail": RESET_REQUESTED}, status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmView(PasswordResetView):
    """Set a new password with the codes from the reset e-mail: works once, expires; every
    device token of the account stops working."""

    @extend_schema(request=PasswordResetConfirmSerializer, responses={204: None}, tags=["auth"])
    def post(self, request: Request) -> Response:
        serializer = PasswordResetConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        passwords.password_reset_confirm(
            uid=serializer.validated_data["uid"],
            token=serializer.validated_data["token"],
            new_password=serializer.validated_data["new_password"],
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class PatientListCreateView(generics.ListCreateAPIView):
    """Patients in the caller's care, by name, each with the dashboard's summary (GET);
    enrol a new patient (POST)."""

    permission_classes = [IsClinician]
    serializer_class = PatientSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: the model only
            return Patient.objects.none()
        # The dashboard's selector, registered in apps.accounts.readers (the caller's patients,
        # `patients_for_clinician`): a page costs a fixed number of bulk reads whatever the
        # cohort, and the summaries are the dashboard's own numbers.
        return patients_with_summary(user=signed_in_user(self.request))

    @extend_schema(
        request=PatientCreateSerializer,
        responses={201: PatientCreatedSerializer},
        tags=["patients"],
    )
    def post(self, request: Request) -> Response:
        serializer = PatientCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        patient, code, expires_at = services.patient_enrol(
            by=signed_in_user(request),
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            date_of_birth=data["date_of_birth"],
            sex=data["sex"],
            timezone_name=data["timezone"],
            care_team_id=data.get("care_team"),
            phone=data.get("phone", ""),
        )
        body = PatientRecordSerializer(patient).data
        body |= {"enrolment_code": code, "enrolment_code_expires_at": expires_at}
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(tags=["patients"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class PatientDetailView(generics.RetrieveAPIView):
    permission_classes = [IsClinician]
    serializer_class = PatientSerializer

    def get_object(self) -> Patient:
        patient = access_patient(signed_in_user(self.request), self.kwargs["patient_id"])
        return patient_with_summary(patient)

    @extend_schema(tags=["patients"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class EnrolmentCodeView(APIView):
    """Issue a new enrolment code for a patient who lost theirs (earlier codes stop working)."""

    permission_classes = [IsClinician]

    @extend_schema(request=None, responses={201: PatientCreatedSerializer}, tags=["patients"])
    def post(self, request: Request, patient_id) -> Response:
        patient = access_patient(signed_in_user(request), patient_id)
        if patient.user.is_active:
            raise ValidationFailed(_("This patient has already enrolled."))
        code, expires_at = services.enrolment_code_issue(
            patient=patient, by=signed_in_user(request)
        )
        body = PatientRecordSerializer(patient).data
        body |= {"enrolment_code": code, "enrolment_code_expires_at": expires_at}
        return Response(body, status=status.HTTP_201_CREATED)


def _me_body(user: User) -> dict:
    patient = getattr(user, "patient", None) if user.role == Role.PATIENT else None
    return {
        "id": user.id,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "role": user.role,
        "patient_id": patient.id if patient else None,
        "date_of_birth": patient.date_of_birth if patient else None,
        "sex": patient.sex if patient else None,
        "timezone": patient.timezone if patient else None,
        "language": user.language,
        "phone": patient.phone if patient else None,
    }


class MeView(APIView):
    """The signed-in user's own profile. Patients set their time zone here."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: MeSerializer}, tags=["me"])
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(_me_body(signed_in_user(request))).data)

    @extend_schema(request=MeSerializer, responses={200: MeSerializer}, tags=["me"])
    def patch(self, request: Request) -> Response:
        serializer = MeSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = signed_in_user(request)
        if user.role == Role.PATIENT:
            services.patient_update_profile(patient=user.patient, data=data)
        else:
            if "timezone" in data:
                raise ValidationFailed(_("Only patients have a time zone here."), field="timezone")
            if "phone" in data:
                raise ValidationFailed(_("Only patients have a phone number here."), field="phone")
            services.staff_update_profile(user=user, data=data)
        user.refresh_from_db()
        return Response(MeSerializer(_me_body(user)).data)
