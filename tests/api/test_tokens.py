"""API tokens: made by the council in Slack, shown once, kept hashed, revoked by name; a
missing, wrong or revoked token gets 401."""

from __future__ import annotations

import hashlib

from sqlmodel import select

from storage.models import ApiToken, AuditEvent
from tests.api.helpers import TOKEN, call, new_token, staffed_with_token
from tests.cast import ADMIN, DANA, EVE
from tests.e2e.helpers import audit_actions, run, said


def test_a_council_member_gets_a_token_once_and_only_its_hash_is_kept(bot):
    staffed_with_token(bot, "monitoring")
    answer = run(bot, "/cadence", "api token create data-pipeline", user=DANA)
    assert answer.get("response_type", "ephemeral") == "ephemeral"  # only Dana sees it
    secret = TOKEN.search(said(answer)).group(0)
    assert "shown only this once" in said(answer)

    with bot.session() as db:
        rows = db.exec(select(ApiToken).order_by(ApiToken.id)).all()
        audit = db.exec(select(AuditEvent)).all()
    assert [r.name for r in rows] == ["monitoring", "data-pipeline"]
    assert rows[1].token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert rows[1].hint == secret[:8] and rows[1].created_by == DANA
    stored = " ".join(str(vars(r)) for r in [*rows, *audit])
    assert secret not in stored  # not in the table, not in the audit log
    assert audit_actions(bot).count("api.token_created") == 2

    listed = said(run(bot, "/cadence", "api token list", user=DANA))
    assert "monitoring" in listed and "data-pipeline" in listed and secret[:8] in listed
    assert secret not in listed  # never shown again
    assert call(f"{bot.api_url}/workflows", token=secret).status == 200


def test_only_council_members_manage_tokens(bot):
    staffed_with_token(bot)
    for user in (EVE, ADMIN):  # a member, and a workspace admin outside the council
        refused = said(run(bot, "/cadence", "api token create sneaky", user=user))
        assert "managed by a member of the AI council" in refused
        assert "cad_" not in refused
        assert "managed by" in said(run(bot, "/cadence", "api token revoke pipeline", user=user))
        assert "managed by" in said(run(bot, "/cadence", "api token list", user=user))
    with bot.session() as db:
        assert [t.name for t in db.exec(select(ApiToken)).all()] == ["pipeline"]
        assert db.exec(select(ApiToken)).one().revoked_at is None


def test_bad_names_and_taken_names_are_refused_plainly(bot):
    staffed_with_token(bot, "pipeline")
    for action in ("create", "revoke"):  # no name at all: asked for one, not shown "**"
        unnamed = said(run(bot, "/cadence", f"api token {action}", user=DANA))
        assert f"Which token? Name it: `/cadence api token {action} data-pipeline`" in unnamed
        assert "**" not in unnamed and "can't name" not in unnamed
    assert "can't name a token" in said(
        run(bot, "/cadence", "api token create Has Spaces", user=DANA)
    )
    assert "already a token called" in said(
        run(bot, "/cadence", "api token create pipeline", user=DANA)
    )
    assert "/cadence api token create NAME" in said(run(bot, "/cadence", "api", user=DANA))
    assert "no live token called" in said(run(bot, "/cadence", "api token revoke nope", user=DANA))


def test_a_missing_wrong_or_revoked_token_gets_401(bot):
    secret = staffed_with_token(bot)
    url = f"{bot.api_url}/escalations"
    assert call(url, token=secret).status == 200
    for headers in (
        {},
        {"Authorization": "Bearer cad_" + "x" * 43},
        {"Authorization": f"Basic {secret}"},
        {"Authorization": "Bearer"},
        {"Authorization": f"Bearer {secret[:-1]}"},
    ):
        answer = call(url, headers=headers)
        assert answer.status == 401, headers
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.headers["www-authenticate"].startswith("Bearer")
        assert answer.body["status"] == 401 and answer.body["title"] == "Unauthorized"

    done = said(run(bot, "/cadence", "api token revoke pipeline", user=DANA))
    assert "is revoked" in done
    gone = call(url, token=secret)
    assert gone.status == 401 and "revoked" in gone.body["detail"]
    assert call(url, method="POST", token=secret, body={}).status == 401
    assert "pipeline" not in said(run(bot, "/cadence", "api token list", user=DANA))
    assert audit_actions(bot).count("api.token_revoked") == 1

    # The name is free again; the new token works and the old one still does not.
    fresh = new_token(bot, "pipeline")
    assert call(url, token=fresh).status == 200 and call(url, token=secret).status == 401
