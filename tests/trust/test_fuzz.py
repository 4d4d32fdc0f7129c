"""Fuzzing: schemathesis generates requests from the app's own OpenAPI schema and sends them
to the app (in process, through WSGI), signed in as a patient and as a physiotherapist.

Checks: no 5xx, and every response with a documented status matches its schema (body and
content type). Bounded: ``MAX_EXAMPLES`` per operation and role keeps the whole run to a
couple of minutes; the number of requests sent is a figure of the run."""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import CHECKS as REGISTERED_CHECKS
from schemathesis.checks import (
    load_all_checks,
    max_response_time,
    negative_data_rejection,
    positive_data_acceptance,
)

from apps.accounts import services as account_services
from backend.wsgi import application
from tests.trust import figures
from tests.trust.world import build_world

MAX_EXAMPLES = 6
# Every check schemathesis has - no 5xx, every status documented (status_code_conformance),
# bodies, content types and headers as the schema says, authentication enforced
# (ignored_auth, with probes without and with a wrong token), Allow on 405, ... - except:
# - max_response_time: speed lives in make bench;
# - positive_data_acceptance: business rules refuse schema-valid input with a documented 400
#   (a date within the last 30 days of the patient's local today, the current consent version,
#   a valid enrolment code, quiet hours that differ), which a schema cannot say;
# - negative_data_rejection: DRF takes a number for a string field ("0"), and `POST sync/`
#   answers 200 with a per-item `invalid` status by design (API.md: Offline sync).
NOT_APPLICABLE = {max_response_time, positive_data_acceptance, negative_data_rejection}
load_all_checks()
CHECKS = [check for check in REGISTERED_CHECKS.get_all() if check not in NOT_APPLICABLE]

# Sign-in, enrolment and public documents are fuzzed anonymously (signed in adds nothing).
ANONYMOUS_PATHS = "^/api/v1/(auth/token/|auth/enrol/|health/|consent/current/)"

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)


@pytest.fixture(autouse=True)
def keep_test_connection_open():
    """Calling the WSGI app directly sends request_started/finished, whose handler closes a
    connection that is inside the test's transaction; Django's test client unhooks it too."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(db, settings):
    """A world with a full record; device tokens for its patient and physiotherapist."""
    settings.ALLOWED_HOSTS = ["*"]
    world = build_world()
    return {
        role: account_services.token_issue(user=world.roles[role])[1]
        for role in ("patient_self", "physio_team")
    }


@pytest.mark.parametrize("role", ["patient_self", "physio_team"])
@schema.exclude(path_regex=ANONYMOUS_PATHS).parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_survives_generated_requests(case, role, tokens):
    headers = {"Authorization": f"Token {tokens[role]}"}
    response = case.call(headers=headers)
    figures.bump("requests_fuzzed")
    case.validate_response(response, checks=CHECKS, headers=headers)


@schema.include(path_regex=ANONYMOUS_PATHS).parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_anonymous_endpoints_survive_generated_requests(case, db, settings):
    settings.ALLOWED_HOSTS = ["*"]
    response = case.call()
    figures.bump("requests_fuzzed")
    case.validate_response(response, checks=CHECKS)
