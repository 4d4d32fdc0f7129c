"""Celery adapters for account mail: take the address or id, call one service."""

from __future__ import annotations

import smtplib

from celery import shared_task

from apps.accounts import passwords

_MAIL_ERRORS = (OSError, smtplib.SMTPException)


@shared_task(
    name="accounts.send_password_reset",
    ignore_result=True,
    autoretry_for=_MAIL_ERRORS,
    retry_backoff=30,
    max_retries=3,
)
def send_password_reset(email: str) -> None:
    """Look the address up and mail a reset link/code if it names an account: the request
    that asked does the same work for every address, and the answer never depends on it."""
    passwords.password_reset_send(email=email)


@shared_task(
    name="accounts.send_enrolment_clash",
    ignore_result=True,
    autoretry_for=_MAIL_ERRORS,
    retry_backoff=30,
    max_retries=3,
)
def send_enrolment_clash(user_id: str) -> None:
    passwords.enrolment_clash_send(user_id=user_id)
