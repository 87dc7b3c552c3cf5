"""The integration API as a WSGI application, mounted under /api/v1/ beside Slack's endpoint.

Each call: find the route, check the bearer token (401), spend from the token's bucket in the
database (429), run the handler on its own session, commit. Every authenticated call that
passes the rate limit, read or write, is audited (`api.called`: the token's name, method,
path, status) in the transaction of its own work: a write's change and its audit row commit
together; a read's row is linked to the workspace's audit chain at once if no writer holds it,
else kept in `audit_pending` and linked by the chain's next append (storage/audit_chain.py), so
a read never waits for a writer. A refused call's row gets a transaction of its own. Domain
errors become RFC 9457 problems.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from bot.api.http import ApiProblem, ApiRequest, ApiResponse, Call, field_problem
from bot.api.openapi import OPENAPI_PATH, openapi_document
from bot.api.ratelimit import TokenBuckets, retry_after
from bot.api.routes import Route, find_route
from cadence import outbox
from cadence.errors import CadenceError, Conflict, NotAuthorized, UnknownWorkflow
from cadence.integration import tokens
from storage.db import new_session
from storage.models import pk

logger = logging.getLogger("cadence.api")

LOCK_WAIT_SECONDS = 5.0
UNAUTHORIZED = [("WWW-Authenticate", 'Bearer realm="cadence"')]


class IntegrationApi:
    """The WSGI app of /api/v1/."""

    def __init__(
        self,
        engine: Engine,
        *,
        default_zone: str,
        limiter: TokenBuckets,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self.engine = engine
        self.default_zone = default_zone
        self.limiter = limiter
        self.on_commit = on_commit or (lambda: None)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        """Answer one request (always JSON: a result or a problem)."""
        started = time.perf_counter()
        request = ApiRequest.from_environ(environ)
        who: list[str] = []
        try:
            response = self._answer(request, who)
        except ApiProblem as problem:
            response = problem.response(request.path)
        except Exception:
            error_id = uuid.uuid4().hex[:8]
            logger.exception("API error %s on %s %s", error_id, request.method, request.path)
            response = ApiProblem(500, f"Something went wrong (error id {error_id}).").response(
                request.path
            )
        elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
        logger.info(
            "API %s %s answered %d in %.1f ms (token %s)", request.method, request.path,
            response.status, elapsed_ms, who[0] if who else "none",
            extra={"kind": f"api {request.method}", "team": who[1] if who else None,
                   "status": response.status, "latency_ms": elapsed_ms},
        )  # fmt: skip
        body = response.encoded()
        headers = [("Content-Type", response.content_type), ("Content-Length", str(len(body)))]
        status = f"{response.status} {HTTPStatus(response.status).phrase}"
        start_response(status, headers + response.headers)
        return [body]

    def _answer(self, request: ApiRequest, who: list[str]) -> ApiResponse:
        if request.path == OPENAPI_PATH and request.method == "GET":
            return ApiResponse(200, openapi_document())
        route, params, allowed = find_route(request.method, request.path)
        if route is None:
            if allowed:
                allow = [("Allow", ", ".join(allowed))]
                raise ApiProblem(405, "Method not allowed.", headers=allow)
            raise ApiProblem(404, f"There is no {request.path}; see {OPENAPI_PATH}.")
        request.params = params
        secret = _bearer(request)
        db = new_session(self.engine, lock_wait=LOCK_WAIT_SECONDS)
        try:
            token = tokens.authenticate(db, secret=secret)
            if token is None:
                raise ApiProblem(401, "That token is unknown or revoked.", headers=UNAUTHORIZED)
            who[:] = [token.name, token.team_id]
            try:
                wait = self.limiter.take(db, token_id=pk(token))
            except OperationalError:
                db.rollback()
                raise _busy() from None
            if wait > 0:
                seconds = retry_after(wait)
                raise ApiProblem(
                    429,
                    f"Token {token.name!r} is over its rate limit; retry after {seconds} s.",
                    headers=[("Retry-After", seconds)],
                )
            return self._run(route, Call(request, db, token, self.default_zone), db)
        finally:
            db.close()

    def _run(self, route: Route, call: Call, db: Session) -> ApiResponse:
        try:
            response = route.handler(call)
            # A write's audit row joins its change. A read's is its only write, made after
            # the reading; it never waits for a writer holding the workspace's chain.
            self._audit(db, call, response.status, write=route.write)
            db.commit()
        except (ApiProblem, CadenceError, OperationalError) as error:
            db.rollback()
            problem = _problem(error, route, call)
            try:
                self._audit(db, call, problem.status, write=route.write)
                db.commit()
            except OperationalError:  # the database is what refused: say so, log the rest
                db.rollback()
                logger.warning("Could not audit a refused call of %s", call.token.name)
            raise problem from None
        if db.info.pop(outbox.QUEUED, False):
            self.on_commit()
        return response

    def _audit(self, db: Session, call: Call, status: int, *, write: bool) -> None:
        key = call.request.headers.get("idempotency-key")
        detail = {"idempotency_key": key[:128]} if key else {}
        tokens.record_call(db, token=call.token, method=call.request.method,
                           path=call.request.path, status=status, wait_for_chain=write,
                           **detail)  # fmt: skip


def _bearer(request: ApiRequest) -> str:
    scheme, _, secret = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiProblem(
            401, "Send a workspace token: `Authorization: Bearer cad_…`.", headers=UNAUTHORIZED
        )
    return secret.strip()


def _busy() -> ApiProblem:
    """503: the database did not answer in time (a lock held too long)."""
    problem = ApiProblem(503, "The database is busy; nothing was saved. Try again shortly.")
    problem.headers.append(("Retry-After", "1"))
    return problem


def _problem(error: Exception, route: Route, call: Call) -> ApiProblem:
    """A domain error (or a database too busy to answer) as an HTTP problem."""
    if isinstance(error, ApiProblem):
        return error
    if isinstance(error, OperationalError):
        return _busy()
    assert isinstance(error, CadenceError)
    name = error.field or ("body" if route.body is not None else "query")
    location = (
        "header" if name == "Idempotency-Key"
        else "path" if name in call.request.params
        else "body" if route.body is not None
        else "query"
    )  # fmt: skip
    if isinstance(error, UnknownWorkflow):
        detail = f"No workflow {error.name!r} in this workspace."
        return field_problem(404, detail, field_name="workflow", location=location)
    status = (
        403 if isinstance(error, NotAuthorized)
        else 409 if isinstance(error, Conflict)
        else 422
    )  # fmt: skip
    detail = error.user_message.replace("*", "")
    return field_problem(status, detail, field_name=name, location=location)


def build_api(
    engine: Engine,
    *,
    default_zone: str,
    per_minute: float,
    burst: int,
    on_commit: Callable[[], None] | None = None,
) -> IntegrationApi:
    """The integration API on `engine`, each token limited to `per_minute` (bursts of `burst`)."""
    limiter = TokenBuckets(per_minute=per_minute, burst=burst)
    return IntegrationApi(engine, default_zone=default_zone, limiter=limiter, on_commit=on_commit)
