"""Events of apps.accounts that higher apps follow (registered in their AppConfig.ready();
apps.accounts imports none of them). See apps/core/hooks.py and docs/CONTRACTS.md."""

from __future__ import annotations

from apps.accounts.models import Patient
from apps.core.hooks import Hook

#: Fired by ``patient_update_profile`` inside its transaction, after the patient's new time
#: zone is saved: their local days and wall-clock times moved. apps.reminders recomputes the
#: next due reminders (``reminder_schedules_recompute``).
patient_time_zone_changed: Hook[Patient] = Hook("accounts.patient_time_zone_changed")
