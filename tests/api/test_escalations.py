"""POST /api/v1/escalations: routed exactly as /escalate routes, safe to retry with an
Idempotency-Key, bad input answered with a problem naming the field, every write audited."""

from __future__ import annotations

import re
import threading

from sqlmodel import select

from storage.models import AuditEvent, Escalation, OutboxMessage
from tests.api.helpers import SUPPORT, call, staffed_with_token
from tests.cast import EVE, GOV, MARIA
from tests.e2e.helpers import outbox_keys
from tests.e2e.test_escalate import escalate, owner_dm
from tests.e2e.test_escalation_lifecycle import resolve
from tests.e2e.test_need_to_know import CONFIDENTIAL

REPORT = {
    "workflow": SUPPORT,
    "kind": "policy-exception",
    "severity": "sev3",
    "summary": "refund bot promised credits",
    "link": "https://grafana.example.com/d/refunds",
}


def escalations(bot) -> list[Escalation]:
    with bot.session() as db:
        return list(db.exec(select(Escalation).order_by(Escalation.id)).all())


def keys_of(bot, number: int) -> set[str]:
    """The outbox keys an escalation queued, with its number taken out."""
    pattern = re.compile(rf"^escalation:{number}:")
    return {pattern.sub("escalation:N:", k) for k in outbox_keys(bot) if pattern.match(k)}


def notices(bot, number: int) -> list[dict]:
    return [m for m in bot.fake.messages(GOV) if f"#{number} " in m["text"]]


def test_an_escalation_is_routed_and_announced_exactly_as_escalate_does(bot):
    token = staffed_with_token(bot)
    by_form = escalate(bot, kind="Policy exception", summary="refund bot promised credits")
    answer = call(f"{bot.api_url}/escalations", method="POST", token=token, body=REPORT)

    assert answer.status == 201, answer.body
    number = answer.body["escalation_id"]
    [_, by_api] = escalations(bot)
    assert by_api.id == number and by_api.raised_by == "api:pipeline"
    # The same route, the same messages queued (the form's reporter is confirmed on screen).
    for field in ("routed_to", "routed_via", "decision_point", "severity", "needs_council"):
        assert getattr(by_api, field) == getattr(by_form, field), field
    assert by_api.routed_to == MARIA
    assert keys_of(bot, number) == keys_of(bot, by_form.id) - {"escalation:N:confirm"}
    assert answer.body | {"raised_at": "", "raised_at_local": ""} == {
        **answer.body,
        "raised_at": "",
        "raised_at_local": "",
        "workflow": SUPPORT,
        "decision_point": "policy_exception",
        "summary": REPORT["summary"],
        "link": REPORT["link"],
        "status": "open",
        "raised_by": "api:pipeline",
        "routed_to": MARIA,
    }
    # Delivered: the owner's DM with its buttons, and the channel's notice naming the token.
    dm = owner_dm(bot, MARIA, number)
    assert "refund bot promised credits" in dm["text"]
    bot.fake.wait_for(lambda: notices(bot, number))
    [notice] = notices(bot, number)
    assert "the API token `pipeline`" in notice["text"] + str(notice.get("blocks"))


def test_a_retry_with_the_same_key_raises_one_escalation_and_one_notice(bot):
    token = staffed_with_token(bot)
    url, key = f"{bot.api_url}/escalations", {"Idempotency-Key": "alert-7731"}
    first = call(url, method="POST", token=token, body=REPORT, headers=key)
    again = call(url, method="POST", token=token, body=REPORT, headers=key)

    assert first.status == again.status == 201
    assert again.body == first.body and again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    number = first.body["escalation_id"]
    bot.fake.wait_for(lambda: notices(bot, number))
    owner_dm(bot, MARIA, number)
    # Two requests racing with one key: still that one escalation.
    racing = [
        threading.Thread(target=call, args=(url,), kwargs={
            "method": "POST", "token": token, "body": REPORT, "headers": key})
        for _ in range(4)
    ]  # fmt: skip
    for thread in racing:
        thread.start()
    for thread in racing:
        thread.join()
    assert [e.id for e in escalations(bot)] == [number]
    with bot.session() as db:
        notice_rows = db.exec(
            select(OutboxMessage).where(OutboxMessage.idempotency_key.like("escalation:%:notice"))
        ).all()
    assert len(notice_rows) == 1
    assert len(notices(bot, number)) == 1
    assert len([m for m in bot.fake.dms(MARIA) if f"Escalation #{number} " in m["text"]]) == 1

    # The same key with another request is refused, naming the header; a new key is new.
    reused = call(url, method="POST", token=token, body={**REPORT, "severity": "sev1"}, headers=key)
    assert reused.status == 422
    assert reused.body["errors"] == [
        {"field": "Idempotency-Key", "location": "header", "detail": reused.body["detail"]}
    ]
    other = call(url, method="POST", token=token, body=REPORT, headers={"Idempotency-Key": "b"})
    assert other.status == 201 and other.body["escalation_id"] != number
    # Without a key each request is its own escalation.
    assert call(url, method="POST", token=token, body=REPORT).status == 201
    assert len(escalations(bot)) == 3


def test_bad_input_gets_a_problem_naming_the_field_and_changes_nothing(bot):
    token = staffed_with_token(bot)
    url = f"{bot.api_url}/escalations"
    before = len(outbox_keys(bot))
    cases = {
        "summary": {"workflow": SUPPORT},
        "summary ": {**REPORT, "summary": "   "},
        "link": {**REPORT, "link": "ftp://files.example.com"},
        "kind": {**REPORT, "kind": "urgent"},
        "severity": {**REPORT, "severity": "sev9"},
        "priority": {**REPORT, "priority": "high"},
        "details": {**REPORT, "details": "x" * 3001},
        "workflow": {**REPORT, "workflow": ["a list"]},
    }
    for field, body in cases.items():
        answer = call(url, method="POST", token=token, body=body)
        assert answer.status == 422, (field, answer.body)
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.body["title"] == "Unprocessable Entity" and answer.body["status"] == 422
        named = {e["field"].split(".")[0] for e in answer.body["errors"]}
        assert field.strip() in named, (field, answer.body)
        assert {e["location"] for e in answer.body["errors"]} == {"body"}
    unknown = call(url, method="POST", token=token, body={**REPORT, "workflow": "Payroll"})
    assert unknown.status == 404 and unknown.body["errors"][0]["field"] == "workflow"
    not_json = call(url, method="POST", token=token, raw=b"{not json")
    assert not_json.status == 400 and "not valid JSON" in not_json.body["detail"]
    as_form = call(url, method="POST", token=token, raw=b"a=b",
                   headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert as_form.status == 415
    bad_key = call(url, method="POST", token=token, body=REPORT, headers={"Idempotency-Key": "é"})
    assert bad_key.status == 422
    assert bad_key.body["errors"][0] | {"detail": ""} == {
        "field": "Idempotency-Key", "location": "header", "detail": ""}  # fmt: skip
    assert escalations(bot) == [] and len(outbox_keys(bot)) == before


def test_every_write_is_audited_with_the_token_name(bot):
    token = staffed_with_token(bot, "monitoring")
    url = f"{bot.api_url}/escalations"
    assert call(url, method="POST", token=token, body=REPORT).status == 201
    assert call(url, method="POST", token=token, body={"workflow": SUPPORT}).status == 422
    with bot.session() as db:
        events = db.exec(select(AuditEvent).where(AuditEvent.actor == "api:monitoring")).all()
    calls = [(e.action, e.detail.get("status")) for e in events]
    assert calls == [("escalation.raised", None), ("api.called", 201), ("api.called", 422)]
    assert all(e.detail.get("path", "/api/v1/escalations") == "/api/v1/escalations" for e in events)


def test_the_api_never_reads_a_confidential_escalations_words(bot):
    token = staffed_with_token(bot)
    secret = "Acme's contract clause 7 was breached"
    written = call(f"{bot.api_url}/escalations", method="POST", token=token,
                   body={**REPORT, "summary": secret, "confidential": True})  # fmt: skip
    assert written.status == 201 and written.body["summary"] == "(confidential)"
    assert written.body["link"] == "(confidential)"
    by_form = escalate(bot, summary="Eve's secret", extra=CONFIDENTIAL, user=EVE)
    listed = call(f"{bot.api_url}/escalations", token=token).body["items"]
    assert [e["summary"] for e in listed] == ["(confidential)", "(confidential)"]
    assert secret not in str(listed) and "Eve's secret" not in str(listed)
    # Its owner still reads it in Slack, as with /escalate.
    assert secret in owner_dm(bot, MARIA, written.body["escalation_id"])["text"]
    assert by_form.confidential


def test_an_api_escalation_is_resolved_in_slack_and_read_back_through_the_api(bot):
    token = staffed_with_token(bot)
    number = call(f"{bot.api_url}/escalations", method="POST", token=token, body=REPORT).body[
        "escalation_id"
    ]
    resolve(bot, owner_dm(bot, MARIA, number), user=MARIA, note="credits reversed")
    bot.fake.wait_for(lambda: call(f"{bot.api_url}/escalations", token=token).body["items"][0][
        "status"] == "resolved")  # fmt: skip
    [listed] = call(f"{bot.api_url}/escalations", token=token).body["items"]
    assert listed["resolution"] == "credits reversed" and listed["resolved_by"] == MARIA
    # The reporter is a system, not a person: no DM is attempted to "api:pipeline".
    assert not [k for k in outbox_keys(bot) if k == f"escalation:{number}:resolved"]
    with bot.session() as db:
        sent_to = {m.payload.get("channel") for m in db.exec(select(OutboxMessage)).all()}
    assert not any(str(c).startswith("api:") for c in sent_to)
