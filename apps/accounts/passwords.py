"""Passwords a user can manage: change, reset by e-mail, and signing out everywhere.

A change revokes every other device token of the user (the device it was made from stays
signed in); a reset revokes every token. Django's session auth hash changes with the
password, so other browser sessions end too.

A reset asks for an address and always answers the same: the view hands the address to a task
(``accounts.send_password_reset``) which looks it up and mails a link/code only to an active
account with a usable password. The token is Django's ``PasswordResetTokenGenerator``: it
hashes the password and the last login, so it works once, and it expires after
``PASSWORD_RESET_TIMEOUT``. The mails say nothing clinical.
"""

from __future__ import annotations

import logging
import uuid
from urllib.parse import urlencode

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from knox.models import AuthToken

from apps.accounts.models import User
from apps.core.exceptions import ValidationFailed

RESET_INVALID = gettext_lazy(
    "This password reset link is not valid or has expired. Ask for a new one from the app."
)


def _validate_new_password(password: str, user: User, field: str = "new_password") -> None:
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as error:
        raise ValidationFailed(" ".join(error.messages), field=field) from error


def tokens_revoke(*, user: User, keep: AuthToken | None = None) -> int:
    """Delete ``user``'s device tokens (all, or all but ``keep``); returns how many."""
    tokens = AuthToken.objects.filter(user=user)
    if keep is not None:
        tokens = tokens.exclude(pk=keep.pk)
    deleted: int = tokens.delete()[0]
    return deleted


def password_change(
    *, user: User, old_password: str, new_password: str, keep_token: AuthToken | None
) -> None:
    """Change ``user``'s password; every other device token stops working."""
    if not user.check_password(old_password):
        raise ValidationFailed(_("Your current password is wrong."), field="old_password")
    _validate_new_password(new_password, user)
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        tokens_revoke(user=user, keep=keep_token)


# --- Reset ------------------------------------------------------------------------------------


def reset_link(user: User) -> tuple[str, str]:
    """The ``uid`` and single-use ``token`` for resetting ``user``'s password."""
    return urlsafe_base64_encode(force_bytes(str(user.pk))), default_token_generator.make_token(
        user
    )


def _reset_message(user: User) -> EmailMessage:
    uid, token = reset_link(user)
    minutes = max(1, settings.PASSWORD_RESET_TIMEOUT // 60)
    lines = [
        "Hello,",
        "",
        "Someone asked to reset the password of your TOH Recovery account. If it was you,",
    ]
    if settings.PASSWORD_RESET_URL:
        query = urlencode({"uid": uid, "token": token})
        lines += ["open this link on your phone:", "", f"{settings.PASSWORD_RESET_URL}?{query}", ""]
        lines += ["or enter these in the app's password reset screen:"]
    else:
        lines += ["enter these in the app's password reset screen:"]
    lines += [
        "",
        f"Account code: {uid}",
        f"Reset code: {token}",
        "",
        f"They work once, within {minutes} minutes. Setting a new password signs every device",
        "out. If you did not ask for this, ignore this e-mail: your password stays the same.",
    ]
    return EmailMessage(
        subject="Reset your TOH Recovery password",
        body="\n".join(lines),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )


def password_reset_send(*, email: str) -> bool:
    """Mail a reset link/code to the account of ``email`` if there is one that can sign in;
    True if a mail went out. Called by the task, never with the answer to the caller."""
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None or not user.has_usable_password():
        return False
    return bool(_reset_message(user).send(using="default"))


def password_reset_request(*, email: str, request) -> None:
    """Ask for a reset mail to ``email``. The caller learns nothing: the same steps run for
    every address (a per-address cap on mails, then a task that does the lookup), and the
    view answers the same 202. With the broker down the request is dropped (logged, no
    address): sending from here would make the answer slower for a real account, and the
    person can ask again."""
    from apps.accounts.tasks import send_password_reset
    from apps.accounts.throttles import ResetEmailThrottle
    from apps.core.queueing import send_or_leave_to_sweep

    if not ResetEmailThrottle(email).allow_request(request, None):
        return  # enough mails to this address for now; the answer does not say so
    if not send_or_leave_to_sweep(send_password_reset, email.strip().lower()):
        logging.getLogger(__name__).warning("password reset not queued: the broker is down")


def _user_from_uid(uid: str) -> User | None:
    try:
        pk = uuid.UUID(force_str(urlsafe_base64_decode(uid)))
    except (ValueError, TypeError, UnicodeDecodeError):
        return None
    return User.objects.filter(pk=pk, is_active=True).first()


def password_reset_confirm(*, uid: str, token: str, new_password: str) -> User:
    """Set a new password with a reset link/code; every device token of the user stops
    working, and the account's failed-login lockout is lifted."""
    user = _user_from_uid(uid)
    if user is None or not default_token_generator.check_token(user, token):
        raise ValidationFailed(RESET_INVALID, field="token", code="reset_token_invalid")
    _validate_new_password(new_password, user)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        # Checked again under the lock: two confirmations at once, one wins.
        if not default_token_generator.check_token(locked, token):
            raise ValidationFailed(RESET_INVALID, field="token", code="reset_token_invalid")
        locked.set_password(new_password)
        locked.save(update_fields=["password"])
        tokens_revoke(user=locked)
        axes_reset(username=locked.email.lower())  # through axes' own handler
    return locked


# --- Enrolment clash --------------------------------------------------------------------------


def enrolment_clash_send(*, user_id: uuid.UUID | str) -> bool:
    """Tell the holder of an existing account that a clinic tried to enrol their address
    (``services.patient_enrol`` answers the clinic as if it had worked). Nothing about the
    clinic or the reason: just that the account exists and what to do."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return False
    body = "\n".join(
        [
            "Hello,",
            "",
            "A clinic using TOH Recovery tried to create an account with this e-mail address,",
            "but you already have one. Nothing was changed and no second account was made;",
            "the code the clinic gave you will not work.",
            "",
            "Keep using your account (the app's password reset helps if you forgot your",
            "password), and tell the clinic that you already have an account.",
        ]
    )
    message = EmailMessage(
        subject="Your TOH Recovery account",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )
    return bool(message.send(using="default"))
