"""GET /api/v1/openapi.json: a valid OpenAPI 3.1 document, made from the pydantic models,
describing every path the API serves and nothing it does not."""

from __future__ import annotations

from typing import Any

from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from bot.api.models import NewEscalation, ScorecardReport
from bot.api.openapi import openapi_document
from bot.api.routes import PREFIX, ROUTES
from tests.api.helpers import call, staffed_with_token


def refs(node: Any) -> list[str]:
    """Every $ref in a JSON document."""
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for value in node.values() for r in refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in refs(value)]
    return []


def resolve(document: dict, ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_the_served_document_is_valid_openapi_3_1_with_every_path(bot):
    answer = call(f"{bot.api_url}/openapi.json")  # no token needed to read the description
    assert answer.status == 200
    document = answer.body
    assert document == openapi_document() and document["openapi"] == "3.1.0"
    validate(document)  # the OpenAPI 3.1 meta-schema, raising on any fault

    served = {(r.method.lower(), PREFIX + r.template) for r in ROUTES}
    described = {
        (method, path)
        for path, operations in document["paths"].items()
        for method in operations
        if path != f"{PREFIX}/openapi.json"
    }
    assert described == served
    assert {p for _, p in served} == {
        "/api/v1/workflows/{workflow}/scorecard",
        "/api/v1/escalations",
        "/api/v1/workflows",
        "/api/v1/owners",
        "/api/v1/decisions",
        "/api/v1/actions",
    }
    for ref in refs(document):
        assert resolve(document, ref) is not None, ref
    # The request bodies are the models' own schemas, not text written beside them.
    schemas = document["components"]["schemas"]
    for model in (NewEscalation, ScorecardReport):
        own = model.model_json_schema(ref_template="#/components/schemas/{model}")
        own.pop("$defs", None)
        assert schemas[model.__name__] == own
    problem = document["paths"]["/api/v1/escalations"]["post"]["responses"]["422"]
    assert resolve(document, problem["content"]["application/problem+json"]["schema"]["$ref"])
    limit = document["paths"]["/api/v1/decisions"]["get"]["responses"]["429"]
    assert "Retry-After" in limit["headers"]


def test_every_documented_operation_answers_as_described(bot):
    token = staffed_with_token(bot)
    document = openapi_document()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            url = bot.api_url.removesuffix(PREFIX) + path.replace("{workflow}", "1")
            body = {} if method == "post" else None
            answer = call(url, method=method.upper(), token=token, body=body)
            assert str(answer.status) in operation["responses"], (method, path, answer.status)
            # Lists answer 200; the writes, given an empty body, a described problem.
            assert answer.status in (200, 422), (method, path, answer.body)


def test_the_validator_would_catch_a_broken_document():
    broken = openapi_document() | {"paths": {"/x": {"get": {"responses": "nope"}}}}
    try:
        validate(broken)
    except OpenAPIValidationError:
        return
    raise AssertionError("an invalid document passed validation")
