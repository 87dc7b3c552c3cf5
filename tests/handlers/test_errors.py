"""The one error handler: what the person is told, and what is logged."""

from __future__ import annotations

import logging
import re

from slack_sdk import WebClient
from sqlalchemy.exc import IntegrityError

from cadence.errors import NotAuthorized
from handlers.errors import handle_error


def _body(fake, key):
    return {"response_url": fake.response_url(key), "user_id": "UEVE"}


def test_domain_errors_are_told_privately_as_they_are(fake_slack):
    client = WebClient(token="xoxb-test", base_url=fake_slack.url)
    handle_error(NotAuthorized("Sorry, only the council can."), _body(fake_slack, "a"), client)
    (answer,) = fake_slack.responses("a")
    assert answer["text"] == "Sorry, only the council can."
    assert answer["response_type"] == "ephemeral"


def test_unexpected_errors_get_an_apology_with_an_id_and_a_logged_traceback(fake_slack, caplog):
    client = WebClient(token="xoxb-test", base_url=fake_slack.url)
    with caplog.at_level(logging.ERROR, logger="cadence.errors"):
        handle_error(RuntimeError("disk on fire"), _body(fake_slack, "b"), client)
    (answer,) = fake_slack.responses("b")
    error_id = re.search(r"error id `([0-9a-f]{8})`", answer["text"]).group(1)
    assert "disk on fire" not in answer["text"] and "Traceback" not in answer["text"]
    (record,) = caplog.records
    assert error_id in record.getMessage() and record.exc_info is not None


def test_a_change_refused_by_the_schema_is_explained(fake_slack):
    client = WebClient(token="xoxb-test", base_url=fake_slack.url)
    clash = IntegrityError("INSERT ...", {}, Exception("UNIQUE constraint failed"))
    handle_error(clash, _body(fake_slack, "c"), client)
    (answer,) = fake_slack.responses("c")
    assert "at the same moment, so nothing was saved" in answer["text"]


def test_without_a_response_url_the_person_gets_a_dm(fake_slack):
    client = WebClient(token="xoxb-test", base_url=fake_slack.url)
    handle_error(NotAuthorized("No."), {"user": {"id": "UEVE"}, "type": "view_submission"}, client)
    assert fake_slack.dms("UEVE")[0]["text"] == "No."
