"""Authorization matrix: every endpoint of the URL conf x every role, against a patient with a
complete record (tests/trust/world.py).

The endpoints come from the URL resolver, not from a list: an endpoint without an entry in
EXPECTATIONS fails ``test_every_endpoint_has_an_expectation``, so a new endpoint cannot be
missed. For each (endpoint, method, role):
- no 5xx, ever;
- a role outside the boundary never gets a body containing the target patient's data (any id
  of their record), whatever the status;
- on a route naming the target's objects, such a role gets 401/403/404 (API.md: 404 for
  objects, 403 for actions; dashboard pages: a redirect to the login or 403/404);
- an entitled role is let through (not 401/403/404) and, where ``shows`` says so, sees the data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.urls import URLResolver, get_resolver
from rest_framework.test import APIClient

from tests.trust import figures
from tests.trust.world import World, build_world

pytestmark = pytest.mark.django_db

ROLES = [
    "patient_self",
    "patient_other",
    "physio_team",
    "physio_other_team",
    "physio_other_clinic",
    "admin_clinic",
    "admin_other_clinic",
    "anonymous",
]
CARE = frozenset({"physio_team", "admin_clinic"})
SELF = frozenset({"patient_self"})
SELF_AND_CARE = SELF | CARE
PHYSIO = frozenset({"physio_team"})
STAFF = frozenset(
    {"physio_team", "physio_other_team", "physio_other_clinic", "admin_clinic"}
    | {"admin_other_clinic"}
)
EVERYONE = frozenset(ROLES)


@dataclass(frozen=True)
class Expect:
    """``scope``: "public" (anyone), "collection" (the caller's own view of things: lists,
    me/...), "object" (the route names the target's objects). ``entitled``: roles that may
    act on / see the target's data here. ``shows``: an entitled GET must contain the target's
    data (a positive control, so a check cannot pass by showing nothing to anyone)."""

    scope: str
    entitled: frozenset = frozenset()
    shows: bool = False


P, C, OBJ = "public", "collection", "object"
EXPECTATIONS: dict[tuple[str, str], Expect] = {
    ("GET", "api/v1/health/"): Expect(P),
    ("POST", "api/v1/auth/token/"): Expect(P),
    ("POST", "api/v1/auth/logout/"): Expect(C, EVERYONE - {"anonymous"}),
    ("POST", "api/v1/auth/enrol/"): Expect(P),
    ("POST", "api/v1/auth/logout-all/"): Expect(C, EVERYONE - {"anonymous"}),
    ("POST", "api/v1/auth/password/change/"): Expect(C, EVERYONE - {"anonymous"}),
    ("POST", "api/v1/auth/password/reset/"): Expect(P),
    ("POST", "api/v1/auth/password/reset/confirm/"): Expect(P),
    ("GET", "api/v1/patients/"): Expect(C, CARE, shows=True),
    ("POST", "api/v1/patients/"): Expect(C, STAFF),
    ("GET", "api/v1/patients/<uuid:patient_id>/"): Expect(OBJ, CARE, shows=True),
    ("POST", "api/v1/patients/<uuid:patient_id>/enrolment-code/"): Expect(OBJ, CARE),
    ("GET", "api/v1/me/"): Expect(C, SELF, shows=True),
    ("PATCH", "api/v1/me/"): Expect(C, SELF, shows=True),
    ("GET", "api/v1/consent/current/"): Expect(P),
    ("GET", "api/v1/me/consent/"): Expect(C, SELF),
    ("POST", "api/v1/me/consent/"): Expect(C, SELF),
    ("GET", "api/v1/patients/<uuid:patient_id>/episodes/"): Expect(OBJ, SELF_AND_CARE, shows=True),
    ("POST", "api/v1/patients/<uuid:patient_id>/episodes/"): Expect(OBJ, CARE),
    ("GET", "api/v1/me/episodes/"): Expect(C, SELF, shows=True),
    ("POST", "api/v1/me/episodes/"): Expect(C, SELF),
    ("GET", "api/v1/episodes/<uuid:episode_id>/"): Expect(OBJ, SELF_AND_CARE, shows=True),
    ("PATCH", "api/v1/episodes/<uuid:episode_id>/"): Expect(OBJ, SELF_AND_CARE),
    ("GET", "api/v1/checkins/"): Expect(C, SELF_AND_CARE, shows=True),
    ("POST", "api/v1/checkins/"): Expect(C, SELF),
    ("GET", "api/v1/checkins/<uuid:checkin_id>/"): Expect(OBJ, SELF_AND_CARE, shows=True),
    ("PATCH", "api/v1/checkins/<uuid:checkin_id>/"): Expect(OBJ, SELF),
    ("POST", "api/v1/sync/"): Expect(C, SELF),
    ("GET", "api/v1/patients/<uuid:patient_id>/timeline/"): Expect(OBJ, SELF_AND_CARE),
    ("GET", "api/v1/exercises/"): Expect(C, EVERYONE - {"anonymous"}),
    ("GET", "api/v1/episodes/<uuid:episode_id>/plans/"): Expect(OBJ, SELF_AND_CARE, shows=True),
    ("POST", "api/v1/episodes/<uuid:episode_id>/plans/"): Expect(OBJ, PHYSIO),
    ("GET", "api/v1/episodes/<uuid:episode_id>/adherence/"): Expect(OBJ, SELF_AND_CARE),
    ("GET", "api/v1/me/plan/"): Expect(C, SELF, shows=True),
    ("GET", "api/v1/exercise-sessions/"): Expect(C, SELF_AND_CARE, shows=True),
    ("POST", "api/v1/exercise-sessions/"): Expect(C, SELF),
    ("PATCH", "api/v1/exercise-sessions/<uuid:session_id>/"): Expect(OBJ, SELF),
    ("DELETE", "api/v1/exercise-sessions/<uuid:session_id>/"): Expect(OBJ, SELF),
    ("GET", "api/v1/instruments/"): Expect(C, EVERYONE - {"anonymous"}),
    ("GET", "api/v1/instruments/<slug:code>/"): Expect(C, EVERYONE - {"anonymous"}),
    ("GET", "api/v1/questionnaire-responses/"): Expect(C, SELF_AND_CARE, shows=True),
    ("POST", "api/v1/questionnaire-responses/"): Expect(C, SELF),
    ("GET", "api/v1/me/questionnaires/"): Expect(C, SELF),
    ("GET", "api/v1/episodes/<uuid:episode_id>/questionnaire-schedule/"): Expect(
        OBJ, SELF_AND_CARE, shows=True
    ),
    ("PUT", "api/v1/episodes/<uuid:episode_id>/questionnaire-schedule/"): Expect(OBJ, CARE),
    ("POST", "api/v1/patients/<uuid:patient_id>/questionnaire-requests/"): Expect(OBJ, CARE),
    ("GET", "api/v1/episodes/<uuid:episode_id>/assessments/"): Expect(
        OBJ, SELF_AND_CARE, shows=True
    ),
    ("POST", "api/v1/episodes/<uuid:episode_id>/assessments/"): Expect(OBJ, PHYSIO),
    ("GET", "api/v1/episodes/<uuid:episode_id>/treatments/"): Expect(
        OBJ, SELF_AND_CARE, shows=True
    ),
    ("POST", "api/v1/episodes/<uuid:episode_id>/treatments/"): Expect(OBJ, PHYSIO),
    ("PATCH", "api/v1/episodes/<uuid:episode_id>/treatments/<uuid:treatment_id>/"): Expect(
        OBJ, PHYSIO
    ),
    ("GET", "api/v1/episodes/<uuid:episode_id>/imaging/"): Expect(OBJ, SELF_AND_CARE, shows=True),
    ("POST", "api/v1/episodes/<uuid:episode_id>/imaging/"): Expect(OBJ, PHYSIO),
    ("GET", "api/v1/flags/"): Expect(C, SELF_AND_CARE, shows=True),
    ("GET", "api/v1/flags/<uuid:flag_id>/"): Expect(OBJ, SELF_AND_CARE, shows=True),
    ("POST", "api/v1/flags/<uuid:flag_id>/acknowledge/"): Expect(OBJ, CARE),
    ("POST", "api/v1/flags/<uuid:flag_id>/resolve/"): Expect(OBJ, CARE),
    ("POST", "api/v1/flags/<uuid:flag_id>/reopen/"): Expect(OBJ, CARE),
    ("GET", "api/v1/devices/"): Expect(C, SELF, shows=True),
    ("POST", "api/v1/devices/"): Expect(C, SELF),
    ("DELETE", "api/v1/devices/<uuid:device_id>/"): Expect(OBJ, SELF),
    ("GET", "api/v1/me/notifications/"): Expect(C, SELF, shows=True),
    ("POST", "api/v1/me/notifications/<uuid:notification_id>/opened/"): Expect(OBJ, SELF),
    ("GET", "api/v1/me/reminders/"): Expect(C, SELF),
    ("PUT", "api/v1/me/reminders/"): Expect(C, SELF),
    ("GET", "api/v1/dashboard/patients/"): Expect(C, CARE, shows=True),
    ("GET", "api/v1/me/export/"): Expect(C, SELF, shows=True),
    ("GET", "api/v1/patients/<uuid:patient_id>/export/"): Expect(OBJ, CARE, shows=True),
    ("GET", "api/v1/cohort/export.csv"): Expect(C, CARE, shows=True),
    ("GET", "api/v1/cohort/outcomes.csv"): Expect(C, CARE, shows=True),
    ("GET", "api/v1/cohort/course.csv"): Expect(C, CARE, shows=True),
    ("GET", "api/v1/me/access-log/"): Expect(C, SELF),
    ("GET", "api/v1/me/progress/"): Expect(C, SELF),
    ("GET", "api/v1/me/progress/trends/"): Expect(C, SELF),
    ("POST", "api/v1/patients/<uuid:patient_id>/erase/"): Expect(OBJ, frozenset({"admin_clinic"})),
    ("GET", "api/v1/schema/"): Expect(P),
    ("GET", "api/v1/docs/"): Expect(P),
    ("GET", "favicon.ico"): Expect(P),
    ("GET", "dashboard/login/"): Expect(P),
    ("POST", "dashboard/login/"): Expect(P),
    ("PUT", "dashboard/login/"): Expect(P),
    ("POST", "dashboard/logout/"): Expect(P),
    ("GET", "dashboard/"): Expect(C, CARE, shows=True),
    ("GET", "dashboard/patients/"): Expect(C, CARE, shows=True),
    ("GET", "dashboard/flags/"): Expect(C, CARE, shows=True),
    ("POST", "dashboard/flags/<uuid:flag_id>/acknowledge/"): Expect(OBJ, CARE),
    ("POST", "dashboard/flags/<uuid:flag_id>/resolve/"): Expect(OBJ, CARE),
    ("POST", "dashboard/flags/<uuid:flag_id>/reopen/"): Expect(OBJ, CARE),
    ("GET", "dashboard/patients/<uuid:patient_id>/"): Expect(OBJ, CARE, shows=True),
    ("POST", "dashboard/episodes/<uuid:episode_id>/assessments/"): Expect(OBJ, PHYSIO),
    ("POST", "dashboard/episodes/<uuid:episode_id>/treatments/"): Expect(OBJ, PHYSIO),
    ("POST", "dashboard/episodes/<uuid:episode_id>/imaging/"): Expect(OBJ, PHYSIO),
}
# Routes the matrix does not drive, and why.
NOT_DRIVEN = {
    "admin/": "Django admin: scoped by clinic, driven model by model in test_admin_matrix.py.",
}
DENIED = {401, 403, 404}
HTTP_METHODS = ("get", "post", "put", "patch", "delete")


def _walk(patterns, prefix: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern.callback


def url_conf_endpoints() -> dict[str, list[str]]:
    """Every route of the URL conf with the methods its view handles (None: a function view,
    whose methods the expectations name)."""
    endpoints: dict[str, list[str]] = {}
    for route, callback in _walk(get_resolver().url_patterns):
        if any(route.startswith(prefix) for prefix in NOT_DRIVEN):
            continue
        view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        if view_class is not None and hasattr(view_class, "http_method_names"):
            methods = [
                m.upper()
                for m in HTTP_METHODS
                if m in view_class.http_method_names and hasattr(view_class, m)
            ]
        else:
            methods = []
        endpoints[route] = methods
    return endpoints


def test_every_endpoint_has_an_expectation():
    endpoints = url_conf_endpoints()
    missing = [
        f"{method} {route}"
        for route, methods in endpoints.items()
        for method in methods
        if (method, route) not in EXPECTATIONS
    ]
    unexpected_routes = [route for route in endpoints if route not in {r for _, r in EXPECTATIONS}]
    stale = [f"{m} {r}" for (m, r) in EXPECTATIONS if r not in endpoints]
    assert not missing, f"Endpoints with no authorization expectation: {missing}"
    assert not unexpected_routes, f"Routes with no authorization expectation: {unexpected_routes}"
    assert not stale, f"Expectations for routes that no longer exist: {stale}"


def test_every_schema_operation_is_in_the_matrix():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(public=True)
    in_matrix = {
        (method, "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route))
        for method, route in EXPECTATIONS
    }
    operations = {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in HTTP_METHODS
    }
    assert operations - in_matrix == set()


def _fill(route: str, world: World) -> str:
    record = world.target
    values = {
        "patient_id": record.patient.pk,
        "episode_id": record.episode.pk,
        "checkin_id": record.checkins[0].pk,
        "session_id": record.sessions[0].pk,
        "flag_id": record.flag.pk,
        "device_id": record.device.pk,
        "notification_id": record.notification.pk,
        "code": "psfs",
        "treatment_id": record.treatments[0].pk,
    }
    path = route
    while "<" in path:
        start, end = path.index("<"), path.index(">")
        name = path[start + 1 : end].split(":")[-1]
        assert name in values, f"No fixture for URL parameter {name!r} in {route}"
        path = path[:start] + str(values[name]) + path[end + 1 :]
    return "/" + path


def _body_text(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


CASES = sorted(EXPECTATIONS)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "route"), CASES, ids=[f"{m} {r}" for m, r in CASES])
def test_authorization(method, route, role):
    world = build_world()
    expect = EXPECTATIONS[(method, route)]
    user = world.roles[role]
    client = APIClient()
    if user is not None:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    path = _fill(route, world)

    response = client.generic(method, path, data="{}", content_type="application/json")
    body = _body_text(response)
    figures.bump("endpoints_x_roles_checked")

    assert response.status_code < 500, body[:500]
    if route.startswith("dashboard/"):
        # Web pages: a redirect to the sign-in page is their "401".
        to_login = response.status_code == 302 and "/login" in response.get("Location", "")
        status = 401 if to_login else response.status_code
    else:
        status = response.status_code
    if expect.scope == "public":
        return
    target_ids = world.target.ids()
    if role not in expect.entitled:
        leaked = sorted(i for i in target_ids if i in body)
        assert not leaked, f"{role} saw the target's data {leaked}"
        if expect.scope == "object" or role == "anonymous":
            assert status in DENIED, (response.status_code, body[:300])
        return
    assert status not in DENIED, (response.status_code, body[:300])
    if expect.shows and method == "GET":
        assert any(i in body for i in target_ids), f"{role} should see the target's data"
