"""The integration API's domain, on both backends: tokens kept as hashes and revoked by name,
idempotency keys per workspace, lists scoped to one workspace and cut by key, and an API
token named (never mentioned) in what Slack is told."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from cadence.errors import Conflict, InvalidInput, NotAuthorized, UnknownWorkflow
from cadence.escalations import raising
from cadence.escalations.raising import Report, Severity
from cadence.integration import idempotency, listing, tokens
from cadence.integration.references import workflow_named
from cadence.people import api_actor, mention
from cadence.vocabulary import DecisionPoint
from storage.db import session_scope
from storage.models import ApiIdempotencyKey, ApiToken
from tests.cadence.helpers import ADMIN, DANA, EVE, OTHER_TEAM, TEAM, make_workflow, seat


def test_tokens_are_hashed_authenticated_and_revoked(any_engine: Engine):
    with session_scope(any_engine) as db:
        seat(db, DANA)
        with pytest.raises(NotAuthorized):
            tokens.create_token(db, team_id=TEAM, name="ops", actor_id=EVE.id)
        made = tokens.create_token(db, team_id=TEAM, name="Ops", actor_id=DANA.id)
        with pytest.raises(Conflict):
            tokens.create_token(db, team_id=TEAM, name="ops", actor_id=DANA.id)
        with pytest.raises(InvalidInput):
            tokens.create_token(db, team_id=TEAM, name="x" * 25, actor_id=DANA.id)
    secret = made.secret
    assert secret.startswith("cad_") and len(secret) == 47
    with session_scope(any_engine) as db:
        [row] = db.exec(select(ApiToken)).all()
        assert row.name == "ops" and row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert tokens.authenticate(db, secret=secret) == row
        assert tokens.authenticate(db, secret=secret + "x") is None
        assert tokens.authenticate(db, secret="xoxb-" + secret[4:]) is None
        tokens.revoke_token(db, team_id=TEAM, name="OPS", actor_id=DANA.id)
    with session_scope(any_engine) as db:
        assert tokens.authenticate(db, secret=secret) is None
        assert tokens.live_tokens(db, team_id=TEAM) == []
        again = tokens.create_token(db, team_id=TEAM, name="ops", actor_id=DANA.id)  # name free
        assert again.secret != secret


def test_an_idempotency_key_keeps_one_answer_per_workspace(any_engine: Engine):
    with session_scope(any_engine) as db:
        seat(db, DANA)
        seat(db, DANA, team_id=OTHER_TEAM)
        mine = tokens.create_token(db, team_id=TEAM, name="a", actor_id=DANA.id).token
        theirs = tokens.create_token(db, team_id=OTHER_TEAM, name="a", actor_id=DANA.id).token
        first = idempotency.fingerprint("POST", "/api/v1/escalations", {"summary": "x"})
        for answer in ({"escalation_id": 1}, {"escalation_id": 99}):  # the first one wins
            idempotency.keep_answer(db, token=mine, key="k", fingerprint=first,
                                    status_code=201, response=answer)  # fmt: skip
        # The same key in another workspace is another key.
        assert idempotency.kept_answer(db, team_id=OTHER_TEAM, key="k", fingerprint=first) is None
        idempotency.keep_answer(db, token=theirs, key="k", fingerprint=first, status_code=201,
                                response={"escalation_id": 2})  # fmt: skip
    with session_scope(any_engine) as db:
        kept = idempotency.kept_answer(db, team_id=TEAM, key="k", fingerprint=first)
        assert kept == idempotency.Kept(201, {"escalation_id": 1})
        other = idempotency.fingerprint("POST", "/api/v1/escalations", {"summary": "y"})
        with pytest.raises(idempotency.KeyReused):
            idempotency.kept_answer(db, team_id=TEAM, key="k", fingerprint=other)
        assert len(db.exec(select(ApiIdempotencyKey)).all()) == 2
    for bad in ("", "x" * 129, "with space", "é"):
        with pytest.raises(InvalidInput):
            idempotency.clean_key(bad)


def test_lists_are_one_workspaces_cut_by_key_and_blind_to_confidential_words(any_engine):
    with session_scope(any_engine) as db:
        seat(db, DANA)
        mine = make_workflow(db)
        theirs = make_workflow(db, team_id=OTHER_TEAM)
        for n, workflow in enumerate([mine, theirs, mine, mine]):
            report = Report(workflow, DecisionPoint.INCIDENT_RESPONSE, None, Severity.SEV3,
                            f"alert {n}", confidential=n == 3)  # fmt: skip
            raising.raise_escalation(db, report=report, raised_by=api_actor("ops"),
                                     source_channel_id=None, idempotency_key=f"k{n}")  # fmt: skip
    columns = ("escalation_id", "summary", "raised_by")
    with session_scope(any_engine) as db:

        def page(after: int | None, **filters: str) -> listing.Page:
            return listing.list_page(db, listing="escalations", team_id=TEAM,
                                     filters=listing.Filters(**filters), columns=columns,
                                     after=after, limit=2, default_zone="UTC")  # fmt: skip

        first = page(None)
        assert [r["summary"] for r in first.rows] == ["alert 0", "alert 2"]
        assert first.next_after == 3
        rest = page(first.next_after)
        assert rest.rows == [{"escalation_id": 4, "summary": "(confidential)",
                              "raised_by": "api:ops"}]  # fmt: skip
        assert rest.next_after is None
        with pytest.raises(UnknownWorkflow):
            page(None, workflow="Payroll")
        with pytest.raises(InvalidInput) as bad:
            page(None, since="last tuesday")
        assert bad.value.field == "since"
        # A workflow is named by id or name, in its own workspace only.
        assert workflow_named(db, team_id=TEAM, ref=mine.id or 0) == mine
        assert workflow_named(db, team_id=TEAM, ref="SUPPORT resolution") == mine
        with pytest.raises(UnknownWorkflow):
            workflow_named(db, team_id=TEAM, ref=theirs.id or 0)


def test_an_api_token_is_named_where_a_person_would_be_mentioned():
    assert mention(api_actor("ops")) == "the API token `ops`"
    assert mention(ADMIN.id) == f"<@{ADMIN.id}>"
