"""The served schema documents every operation's error answers (API.md: Errors everywhere),
and what it says matches what the views answer."""

from __future__ import annotations

import pytest
import yaml
from jsonschema import Draft202012Validator

pytestmark = pytest.mark.django_db

OPERATIONS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        response = APIClient().get("/api/v1/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in OPERATIONS:
                yield path, method, operation


def body_ref(response: dict) -> str:
    return response["content"]["application/json"]["schema"]["$ref"]


def test_every_operation_documents_its_error_answers_in_the_error_shape(schema):
    walked = 0
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        expected = {"400", "401", "403", "404", "406", "429"}
        if "requestBody" in operation:
            expected |= {"413", "415"}
        if method != "get":
            expected.add("409")
        missing = expected - set(responses)
        assert not missing, f"{method.upper()} {path} does not document {sorted(missing)}"
        for status in expected - {"409"}:
            ref = body_ref(responses[status])
            # The one error shape, or a view's own body that extends it (a refused check-in
            # still carries its advice): `errors` and `code` either way.
            assert ref == "#/components/schemas/ErrorResponse" or {"errors", "code"} <= set(
                schema["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"]
            ), (method, path, status)
            assert responses[status]["description"]
        assert "Retry-After" in responses["429"]["headers"]
        if "409" in responses:
            ref = body_ref(responses["409"])
            assert ref == "#/components/schemas/ConflictResponse" or {
                "errors",
                "code",
                "id",
            } <= set(schema["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"])
        walked += 1
    assert walked > 40


def test_the_409_of_a_check_in_documents_the_existing_id(schema):
    conflict = schema["components"]["schemas"]["ConflictResponse"]
    (base, extra) = conflict["allOf"]
    assert base == {"$ref": "#/components/schemas/ErrorResponse"}
    assert extra["properties"]["id"]["format"] == "uuid"
    post = schema["paths"]["/api/v1/checkins/"]["post"]
    assert "`id`" in post["responses"]["409"]["description"]


def test_the_timeline_is_documented_with_from_and_to_as_the_view_answers(schema):
    timeline = schema["paths"]["/api/v1/patients/{patient_id}/timeline/"]["get"]
    parameters = {p["name"] for p in timeline["parameters"] if p["in"] == "query"}
    body = schema["components"]["schemas"]["Timeline"]
    assert parameters == {"from", "to"}
    assert set(body["properties"]) == {"patient", "from", "to", "entries"}
    assert "date_from" not in str(timeline) + str(body)


def test_page_parameters_are_documented_from_1(schema):
    checkins = schema["paths"]["/api/v1/checkins/"]["get"]
    by_name = {p["name"]: p["schema"] for p in checkins["parameters"]}
    assert by_name["page"]["minimum"] == 1
    assert (by_name["page_size"]["minimum"], by_name["page_size"]["maximum"]) == (1, 200)


@pytest.mark.parametrize(
    ("method", "url", "kwargs"),
    [
        ("get", "/api/v1/no-such-thing/", {}),
        ("get", "/api/v1/checkins/?page=-1", {}),
        ("put", "/api/v1/checkins/", {"data": {}, "format": "json"}),
        (
            "post",
            "/api/v1/checkins/",
            {"data": "[" * 50 + "]" * 50, "content_type": "application/json"},
        ),
        ("post", "/api/v1/checkins/", {"data": "a=b", "content_type": "text/plain"}),
    ],
)
def test_error_answers_validate_against_the_documented_error_shape(
    schema, patient_client, method, url, kwargs
):
    response = getattr(patient_client, method)(url, **kwargs)
    assert response.status_code >= 400
    Draft202012Validator(schema["components"]["schemas"]["ErrorResponse"]).validate(response.json())
