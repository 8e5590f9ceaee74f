"""/api/v1/openapi.json matches what the API does: schemathesis generates
requests from the document and checks every response (status codes, content
types, bodies) against it; explicit cases cover the states it cannot reach."""

from __future__ import annotations

import io

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402


@pytest.fixture
def backend():
    return "sqlite"  # the document and the routes are the same on either database


def test_api_conforms_to_its_openapi_document(app, auth):
    # Driven by hand (not schemathesis' pytest plugin) so that it works across pytest versions.
    from hypothesis import given

    app.config["RATE_LIMIT_IP"] = app.config["RATE_LIMIT_TOKEN"] = "0/minute"
    api = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 7
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def run(case):
            case.call_and_validate(headers=auth)

        run()


def test_documented_responses_validate(app, client, auth, grading, fixture_file):
    """Real bodies in every state (queued, graded, grades) against the document's schemas."""
    from jsonschema import Draft4Validator

    from grader.api.openapi import document

    doc = document()

    def resolve(schema):
        if "$ref" in schema:
            return resolve(doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]])
        out = {
            k: resolve(v) if isinstance(v, dict) else v
            for k, v in schema.items()
            if k != "nullable"
        }
        if "properties" in schema:
            out["properties"] = {k: resolve(v) for k, v in schema["properties"].items()}
        if schema.get("nullable"):
            out = {"anyOf": [out, {"type": "null"}]}
        return out

    def check(path, method, status, body):
        spec = doc["paths"][path][method]["responses"][str(status)]
        Draft4Validator(resolve(spec["content"]["application/json"]["schema"])).validate(body)

    created = client.post(
        "/api/v1/assignments/chain-rule/submissions",
        headers=auth,
        data={"file": (io.BytesIO(fixture_file("chain-rule/correct.py")), "c.py"), "student": "z"},
    )
    check("/assignments/{slug}/submissions", "post", 202, created.get_json())
    sub = f"/api/v1/submissions/{created.get_json()['id']}"
    assert grading.join(timeout=120)
    check("/submissions/{submission_id}", "get", 200, client.get(sub, headers=auth).get_json())
    check(
        "/assignments/{slug}/grades",
        "get",
        200,
        client.get("/api/v1/assignments/chain-rule/grades", headers=auth).get_json(),
    )
    check("/assignments", "get", 200, client.get("/api/v1/assignments", headers=auth).get_json())
    check("/submissions", "get", 200, client.get("/api/v1/submissions", headers=auth).get_json())
    check("/assignments", "get", 401, client.get("/api/v1/assignments").get_json())
    for status, response in [
        (404, client.get("/api/v1/submissions/x", headers=auth)),
        (
            422,
            client.post(
                "/api/v1/assignments/chain-rule/submissions",
                headers=auth,
                data={"file": (io.BytesIO(b"x"), "a.txt")},
            ),
        ),
    ]:
        assert response.status_code == status
        check("/assignments/{slug}/submissions", "post", 422, response.get_json())
