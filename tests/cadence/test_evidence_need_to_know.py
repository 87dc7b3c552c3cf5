"""The council report and exports keep a confidential escalation's words to those who may read
them (cadence/escalations/visibility.py)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, select

from cadence.escalations.visibility import WITHHELD
from cadence.evidence.counting import compute_report
from cadence.evidence.exports import ExportRequest, stream_rows
from cadence.evidence.periods import Period
from storage.db import new_session
from storage.models import Escalation
from tests.cadence.helpers import TEAM
from tests.cadence.report_history import seed_two_months

NOVEMBER = Period(date(2026, 11, 1))


@pytest.fixture
def history(any_engine, frozen_clock):
    """The two months of the report tests, with every council matter made confidential."""
    db = new_session(any_engine)
    seed_two_months(db, frozen_clock)
    matters = db.exec(
        select(Escalation).where(
            (Escalation.council_matter != None) | Escalation.needs_council  # noqa: E711
        )
    ).all()
    for escalation in matters:
        escalation.confidential = True
        escalation.routed_to = escalation.routed_to or "UOWNER"
        db.add(escalation)
    db.commit()
    yield db, matters
    db.close()


def test_the_report_names_confidential_matters_without_their_words(history):
    db, matters = history
    figures = compute_report(db, team_id=TEAM, period=NOVEMBER, timezone="Europe/Paris")
    reported = figures.council_matters
    assert reported, "the story has council matters in November"
    words = {e.summary for e in matters} | {e.resolution for e in matters if e.resolution}
    for matter in reported:
        assert matter.summary == WITHHELD and matter.resolution is None
    attention = " ".join(a.text for a in figures.attention)
    assert not any(w in attention for w in words)


def rows(db: Session, reader: str | None) -> dict[int, dict]:
    request = ExportRequest("escalations", team_id=TEAM, default_zone="UTC", reader=reader)
    return {r["escalation_id"]: r for r in stream_rows(db, request)}


def test_an_export_withholds_confidential_words_from_everyone_but_their_people(history):
    db, matters = history
    confidential = matters[0]
    for reader in (
        None,
        confidential.raised_by,
        confidential.routed_to,
    ):  # council, reporter, owner
        assert rows(db, reader)[confidential.id]["summary"] == confidential.summary
    outsider = rows(db, "U0OUTSIDER")
    assert outsider[confidential.id]["summary"] == WITHHELD
    assert outsider[confidential.id]["status"] == confidential.status  # the facts stay
    ordinary = db.exec(select(Escalation).where(Escalation.confidential == False)).first()  # noqa: E712
    assert outsider[ordinary.id]["summary"] == ordinary.summary
    gaps = ExportRequest("gaps", team_id=TEAM, default_zone="UTC", reader="U0OUTSIDER")
    for row in stream_rows(db, gaps):
        if row["escalation_id"] in {e.id for e in matters}:
            assert row["summary"] == WITHHELD
