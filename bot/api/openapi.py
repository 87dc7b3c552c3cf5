"""GET /api/v1/openapi.json: the OpenAPI 3.1 document, made from the route table and the
pydantic models' JSON Schemas (nothing here restates a field)."""

from __future__ import annotations

from functools import cache
from http import HTTPStatus
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from bot.api.http import JSON, PROBLEM_JSON
from bot.api.models import Problem
from bot.api.routes import PARAM, PREFIX, ROUTES, Route

OPENAPI_PATH = f"{PREFIX}/openapi.json"
REF = "#/components/schemas/{model}"
HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer"}},
    429: {
        "Retry-After": {
            "schema": {"type": "integer"},
            "description": "Seconds until the token may call again.",
        }
    },
}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Makes a retry safe: the same key (per workspace) with the same request "
    "gets the first answer again and changes nothing; with another request, 422.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 128},
}


@cache
def openapi_document() -> dict[str, Any]:
    """The whole document (built once per process)."""
    wanted: list[tuple[type[BaseModel], JsonSchemaMode]] = [(Problem, "serialization")]
    for route in ROUTES:
        wanted.append((route.response, "serialization"))
        if route.body is not None:
            wanted.append((route.body, "validation"))
    refs, definitions = models_json_schema(list(dict.fromkeys(wanted)), ref_template=REF)
    paths: dict[str, dict[str, Any]] = {}
    for route in ROUTES:
        paths.setdefault(PREFIX + route.template, {})[route.method.lower()] = _operation(
            route, refs
        )
    paths[OPENAPI_PATH] = {
        "get": {
            "operationId": "openapi",
            "summary": "This document",
            "security": [],
            "responses": {"200": {"description": "OK", "content": {JSON: {"schema": {}}}}},
        }
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Cadence integration API",
            "version": "1",
            "description": "Report scorecards, raise escalations and read the record of one "
            "Slack workspace. Authenticate with a workspace token from "
            "`/cadence api token create NAME`: `Authorization: Bearer cad_…`.",
        },
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }


def _operation(
    route: Route, refs: dict[tuple[type[BaseModel], JsonSchemaMode], Any]
) -> dict[str, Any]:
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "description": route.path_params.get(name, ""),
            "schema": {"type": "string"},
        }
        for name in PARAM.findall(route.template)
    ]
    if route.query is not None:
        schema = route.query.model_json_schema(ref_template=REF)
        for name, spec in schema["properties"].items():
            description = spec.pop("description", "")
            parameters.append(
                {
                    "name": name,
                    "in": "query",
                    "required": False,
                    "description": description,
                    "schema": spec,
                }
            )
    if route.idempotent:
        parameters.append(IDEMPOTENCY_KEY)
    responses: dict[str, Any] = {
        str(route.status): {
            "description": HTTPStatus(route.status).phrase,
            "content": {JSON: {"schema": refs[(route.response, "serialization")]}},
        }
    }
    for status in route.problems:
        problem: dict[str, Any] = {
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_JSON: {"schema": refs[(Problem, "serialization")]}},
        }
        if status in HEADERS:
            problem["headers"] = HEADERS[status]
        responses[str(status)] = problem
    operation: dict[str, Any] = {
        "operationId": route.operation,
        "summary": route.summary,
        "parameters": parameters,
        "responses": responses,
    }
    if route.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {JSON: {"schema": refs[(route.body, "validation")]}},
        }
    return operation
