"""The integration API's HTTP plumbing: a parsed request, a JSON answer, and problems
(RFC 9457 `application/problem+json`) that name the field at fault."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from pydantic import BaseModel, ValidationError
from sqlmodel import Session

from bot.api.models import FieldProblem, Problem
from storage.models import ApiToken

BODY_MAX = 64 * 1024
JSON = "application/json"
PROBLEM_JSON = "application/problem+json"


@dataclass
class ApiRequest:
    """What the API reads of a WSGI request."""

    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    environ: dict[str, Any]
    params: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_environ(cls, environ: dict[str, Any]) -> ApiRequest:
        """Method, path, query and headers (lower-case names) of a WSGI environ."""
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        return cls(
            method=environ.get("REQUEST_METHOD", "GET").upper(),
            path=environ.get("PATH_INFO", ""),
            query=parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True),
            headers=headers,
            environ=environ,
        )

    def base_url(self) -> str:
        """scheme://host[:port] as the client addressed us."""
        scheme = self.environ.get("wsgi.url_scheme", "http")
        host = self.headers.get("host") or (
            f"{self.environ.get('SERVER_NAME', 'localhost')}:{self.environ.get('SERVER_PORT')}"
        )
        return f"{scheme}://{host}"

    def json_body(self) -> Any:
        """The body parsed as JSON, or a 4xx problem (too large, not JSON)."""
        try:
            length = int(self.environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > BODY_MAX:
            raise ApiProblem(413, f"The body must be JSON of at most {BODY_MAX} bytes.")
        raw = self.environ["wsgi.input"].read(length) if length else b""
        kind = self.headers.get("content-type", JSON).split(";")[0].strip().lower()
        if kind != JSON:
            raise ApiProblem(415, "Send the body as application/json.")
        try:
            return json.loads(raw or b"null")
        except (ValueError, UnicodeDecodeError) as error:
            raise ApiProblem(400, f"The body is not valid JSON: {error}.") from None


@dataclass
class ApiResponse:
    """A JSON answer."""

    status: int
    body: Any
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_type: str = JSON

    def encoded(self) -> bytes:
        """The body as UTF-8 JSON."""
        return json.dumps(self.body, ensure_ascii=False, separators=(",", ":")).encode()


class ApiProblem(Exception):
    """An answer with an error status: RFC 9457 problem details."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        errors: list[FieldProblem] | None = None,
        headers: list[tuple[str, str]] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail
        self.errors = errors or []
        self.headers = headers or []

    def response(self, instance: str) -> ApiResponse:
        """The problem as an application/problem+json answer."""
        body = Problem(
            title=HTTPStatus(self.status).phrase,
            status=self.status,
            detail=self.detail,
            instance=instance,
            errors=self.errors,
        )
        return ApiResponse(self.status, body.model_dump(mode="json"), self.headers, PROBLEM_JSON)


def field_problem(
    status: int, detail: str, *, field_name: str, location: str = "body"
) -> ApiProblem:
    """A problem about one named field."""
    errors = [FieldProblem(field=field_name, location=location, detail=detail)]
    return ApiProblem(status, detail, errors=errors)


def parse(model: type[BaseModel], data: Any, *, location: str) -> Any:
    """`data` validated as `model`, or a 422 problem naming every field at fault."""
    try:
        return model.model_validate(data)
    except ValidationError as invalid:
        errors = [
            FieldProblem(
                field=".".join(str(part) for part in error["loc"]) or location,
                location=location,
                detail=error["msg"],
            )
            for error in invalid.errors(include_url=False)
        ]
        named = ", ".join(dict.fromkeys(e.field for e in errors))
        raise ApiProblem(422, f"Please check {named}.", errors=errors) from None


@dataclass
class Call:
    """One authenticated API call: the request, its session, its token and the zone that
    workspaces without their own fall back on."""

    request: ApiRequest
    db: Session
    token: ApiToken
    default_zone: str
