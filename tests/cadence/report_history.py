"""Two months of a Paris workspace's life, written through the domain as it happened.

September's last days set up the map; every Monday of October and November opens both active
workflows' threads; decisions come later each week (so November is slower than October), some
weeks go undecided, escalations are raised, acknowledged, resolved, climbed and grabbed without
authority, and follow-ups are done on time, late or never. A third workflow stays quiet.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from cadence.escalations import lifecycle, raising
from cadence.escalations.raising import Report, Severity
from cadence.governance import actions as governance_actions
from cadence.governance import decisions, threads
from cadence.governance import queries as governance_queries
from cadence.vocabulary import CouncilMatter, DecisionPoint, GovernanceChoice, OwnerRole
from storage.models import WorkspaceSettings
from tests.cadence.helpers import DANA, EVE, LI, MARIA, SAM, TEAM, assign, make_workflow, seat
from tests.conftest import FrozenClock

PARIS = "Europe/Paris"
ZONE = ZoneInfo(PARIS)
MONDAYS = [date(2026, 10, 5) + timedelta(weeks=i) for i in range(9)]  # 5 Oct .. 30 Nov
CHOICES = [
    GovernanceChoice.CONTINUE,
    GovernanceChoice.PAUSE,
    GovernanceChoice.STABILIZE,
    GovernanceChoice.PAUSE,
    GovernanceChoice.REDESIGN,
]
END = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)  # before the report is due (09:00 Paris)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """A Paris wall-clock time as UTC."""
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE).astimezone(UTC)


@dataclass
class Timeline:
    """Things to do at given moments, done in order with the clock set to each moment."""

    db: Session
    clock: FrozenClock
    team_id: str = TEAM
    queue: list[tuple[datetime, int, Callable[[], object]]] = field(default_factory=list)
    order: itertools.count = field(default_factory=itertools.count)

    def at(self, moment: datetime, action: Callable[[], object]) -> None:
        """Schedule an action (it may schedule more); equal moments keep their order."""
        heapq.heappush(self.queue, (moment, next(self.order), action))

    def run(self, until: datetime) -> None:
        """Do everything due up to `until`, committing after each step."""
        while self.queue and self.queue[0][0] <= until:
            moment, _, action = heapq.heappop(self.queue)
            self.clock.current = moment
            action()
            self.db.commit()
        self.clock.current = until


def seed_two_months(db: Session, clock: FrozenClock, *, team_id: str = TEAM) -> dict[str, int]:
    """The whole story up to END; the workflow ids by name."""
    clock.current = datetime(2026, 9, 28, 8, 0, tzinfo=UTC)
    db.add(WorkspaceSettings(team_id=team_id, timezone=PARIS))
    support = make_workflow(db, "Support resolution", team_id=team_id)
    renewals = make_workflow(db, "Renewal risk", team_id=team_id)
    quiet = make_workflow(db, "Onboarding", team_id=team_id)
    assign(db, support, OwnerRole.OUTCOME, MARIA)
    assign(db, support, OwnerRole.WORKFLOW, LI)
    assign(db, renewals, OwnerRole.OUTCOME, SAM)
    assign(db, renewals, OwnerRole.WORKFLOW, LI)
    seat(db, DANA, team_id=team_id)
    db.commit()
    line = Timeline(db, clock, team_id)
    for week, monday in enumerate(MONDAYS):
        for j, workflow in enumerate((support, renewals)):
            owner = (MARIA, SAM)[j]
            line.at(
                local(monday, 9) + timedelta(minutes=j),
                lambda w=workflow, m=monday, k=week, o=owner, j=j: _week(line, w, m, k, o, j),
            )
        line.at(
            local(monday + timedelta(days=1), 10), lambda k=week: _support_case(line, support, k)
        )
        line.at(
            local(monday + timedelta(days=3), 14), lambda k=week: _renewal_case(line, renewals, k)
        )
    # Half an hour into 1 November in Paris (still 31 October in UTC): a November escalation.
    line.at(
        datetime(2026, 10, 31, 23, 30, tzinfo=UTC),
        lambda: _raise(
            renewals,
            DecisionPoint.INCIDENT_RESPONSE,
            None,
            Severity.SEV2,
            "Midnight outage",
            db,
            "edge",
        ),
    )
    line.run(END)
    return {"support": support.id or 0, "renewals": renewals.id or 0, "quiet": quiet.id or 0}


def _week(line: Timeline, workflow, monday: date, week: int, owner, j: int) -> None:
    db = line.db
    session = threads.open_session(
        db,
        workflow_id=workflow.id,
        week_start=monday,
        opening=line.clock.current,
        default_zone=PARIS,
    )
    if session is None:
        return  # stopped and redesigning: no thread until its re-review week
    if (week + j) % 4 == 3:
        return  # this week is left undecided
    choice = CHOICES[(week + j) % len(CHOICES)]
    latency = timedelta(hours=2 + 3 * week + 5 * j)
    line.at(
        line.clock.current + latency,
        lambda: _decide(line, session.id, workflow, owner, choice, week),
    )


def _decide(line: Timeline, session_id: int, workflow, owner, choice, week: int) -> None:
    today = line.clock.current.astimezone(ZONE).date()
    follow_ups = []
    if choice.needs_follow_up:
        follow_ups = [
            decisions.FollowUp(f"Fix week {week}", LI.id, today + timedelta(days=3 + week % 4))
        ]
    decision = decisions.record_decision(
        line.db,
        session_id=session_id,
        team_id=line.team_id,
        actor_id=owner.id,
        choice=choice,
        rationale=f"Week {week}",
        follow_ups=follow_ups,
        re_review_on=today + timedelta(days=10) if choice.needs_follow_up else None,
        timezone=PARIS,
        default_zone=PARIS,
    )
    line.db.flush()
    for item in follow_ups:
        action = governance_queries.decision_log(line.db, workflow_id=workflow.id, limit=1)[
            0
        ].actions[0]
        due = datetime.combine(item.due_on, time(12), tzinfo=ZONE).astimezone(UTC)
        if action.id % 3 == 0:
            line.at(due - timedelta(days=1), lambda a=action.id: _complete(line, a))
        elif action.id % 3 == 1:
            line.at(due + timedelta(days=2), lambda a=action.id: _complete(line, a))
    assert decision.id is not None


def _complete(line: Timeline, action_id: int) -> None:
    governance_actions.complete_action(line.db, action_id=action_id, actor=LI.id)


def _raise(workflow, point, matter, severity, summary, db: Session, key: str):
    report = Report(workflow, point, matter, severity, summary)
    return raising.raise_escalation(
        db, report=report, raised_by=EVE.id, source_channel_id="C0GENERAL", idempotency_key=key
    ).escalation


def _support_case(line: Timeline, workflow, week: int) -> None:
    severity = [Severity.SEV3, Severity.SEV2, Severity.SEV1, Severity.SEV4][week % 4]
    e = _raise(
        workflow,
        DecisionPoint.POLICY_EXCEPTION,
        None,
        severity,
        f"Refunds {week}",
        line.db,
        f"support:{week}",
    )
    acker = DANA if e.routed_to is None else MARIA
    ack_at = line.clock.current + timedelta(minutes=15 + 10 * week)
    line.at(ack_at, lambda: lifecycle.acknowledge(line.db, escalation=e, actor=acker.id))
    if week % 3 != 2:
        line.at(
            ack_at + timedelta(hours=2 + week),
            lambda: lifecycle.resolve(line.db, escalation=e, actor=acker.id, note=f"Done {week}"),
        )


def _renewal_case(line: Timeline, workflow, week: int) -> None:
    matter = CouncilMatter.BUDGET_OVERRUN if week in (2, 6, 7) else None
    point = DecisionPoint.BUDGET if matter else DecisionPoint.INCIDENT_RESPONSE
    e = _raise(workflow, point, matter, Severity.SEV3, f"Renewals {week}", line.db, f"renew:{week}")
    start = line.clock.current
    # Someone without authority tries to act: an ownership gap, closed when the owner answers.
    line.at(
        start + timedelta(minutes=5),
        lambda: lifecycle.acknowledge(line.db, escalation=e, actor=EVE.id),
    )
    if week == 4:  # nobody answers: it climbs to the council (a re-route without a hand-off)
        line.at(
            start + timedelta(hours=30),
            lambda: lifecycle.reroute(
                line.db, escalation=e, to=None, reason="no answer", actor="cadence"
            ),
        )
        return
    if week % 2 == 0:
        acker = DANA if e.routed_to is None else SAM
        line.at(
            start + timedelta(hours=1 + week),
            lambda: lifecycle.acknowledge(line.db, escalation=e, actor=acker.id),
        )
        if week != 6:
            line.at(
                start + timedelta(hours=20 + week),
                lambda: lifecycle.resolve(line.db, escalation=e, actor=acker.id, note="Agreed"),
            )
