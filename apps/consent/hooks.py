"""Events of apps.consent that higher apps follow (registered in their AppConfig.ready();
apps.consent imports none of them). See apps/core/hooks.py and docs/CONTRACTS.md."""

from __future__ import annotations

from apps.accounts.models import Patient
from apps.core.hooks import Hook

#: Fired inside the decision's transaction after every stored consent decision (an
#: acceptance, a withdrawal, a recorded refusal); not when a request changes nothing.
#: apps.reminders recomputes the patient's schedules (``patient_may_be_reminded`` asks
#: ``consent_withdrawn``), so a withdrawal stops reminders in the same commit.
consent_decided: Hook[Patient] = Hook("consent.consent_decided")
