"""The /cadence help message: every command with an example."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from handlers.blocks.kit import context, divider, escape, fallback_text, header, section


@dataclass(frozen=True)
class CommandHelp:
    """One line of help."""

    usage: str
    example: str
    summary: str


HELP_SECTIONS: list[tuple[str, list[CommandHelp]]] = [
    (
        "Workflows",
        [
            CommandHelp("/cadence workflow add NAME [in #channel] [outcome \"…\"] [risk low|medium|high]",
                        "/cadence workflow add Support resolution in #ai-support-gov outcome \"reduce time to resolution\" risk high",
                        "Register an AI-enabled workflow and its governance channel (default: this channel, risk medium)."),
            CommandHelp("/cadence workflow list", "/cadence workflow list", "Every workflow with its owners."),
            CommandHelp("/cadence workflow show NAME", "/cadence workflow show Support resolution",
                        "One workflow: channel, outcome, risk tier, owners and gaps."),
            CommandHelp("/cadence workflow rename NAME to NEW NAME",
                        "/cadence workflow rename Support resolution to Support triage", "Rename a workflow."),
            CommandHelp("/cadence workflow archive NAME", "/cadence workflow archive Support triage",
                        "Retire a workflow; its history is kept."),
        ],
    ),
    (
        "Owners",
        [
            CommandHelp("/owner outcome @person WORKFLOW", "/owner outcome @maria Support resolution",
                        "Name the outcome owner, accountable for the business result."),
            CommandHelp("/owner workflow @person WORKFLOW", "/owner workflow @li Support resolution",
                        "Name the workflow owner, accountable for end-to-end execution."),
            CommandHelp("/owner stage \"STAGE\" @person WORKFLOW",
                        "/owner stage \"Exception handling\" @sam Support resolution", "Name a stage owner."),
            CommandHelp("/owner", "/owner", "Open a form to assign an owner."),
            CommandHelp("/owner list [WORKFLOW]", "/owner list Support resolution", "Who owns what, and the gaps."),
        ],
    ),
    (
        "AI council and decision rights",
        [
            CommandHelp("/cadence council add|remove @person", "/cadence council add @dana",
                        "Manage the AI council, the body above owners."),
            CommandHelp("/cadence council list", "/cadence council list", "Who sits on the council."),
            CommandHelp("/cadence council channel #channel", "/cadence council channel #ai-council",
                        "Where the monthly council report is posted (until set, DMed to each member)."),
            CommandHelp("/cadence rights WORKFLOW", "/cadence rights Support resolution",
                        "Edit who recommends, approves, executes and is informed at each decision point."),
            CommandHelp("/cadence risk WORKFLOW [low|medium|high: REASON]",
                        "/cadence risk Support resolution high: it now issues refunds",
                        "Show the risk tier and its guardrails, or ask the council to change it."),
            CommandHelp("/cadence map WORKFLOW", "/cadence map Support resolution",
                        "Post the one-page escalation map, with its gaps, in this channel."),
            CommandHelp("/cadence canvas WORKFLOW", "/cadence canvas Support resolution",
                        "Try the channel canvas (map and decision log) again once canvases are enabled."),
        ],
    ),
    (
        "Escalations",
        [
            CommandHelp("/escalate [WHAT HAPPENED]", "/escalate the refund bot promised credits",
                        "Open the escalation form from any channel; it goes to whoever the decision-rights map says."),
            CommandHelp("/escalate WORKFLOW: WHAT HAPPENED [#kind]",
                        "/escalate Support resolution: refund bot promised credits #policy-exception",
                        "The form with workflow, kind and summary filled in."),
            CommandHelp("/escalate list", "/escalate list", "Escalations you raised and open ones you own."),
            CommandHelp("/escalate show NUMBER", "/escalate show 42", "One escalation: owner, status and timeline."),
            CommandHelp("/cadence gaps", "/cadence gaps",
                        "Where escalations changed hands, or were acted on, without explicit authority."),
        ],
    ),
    (
        "Weekly governance",
        [
            CommandHelp("/cadence review WORKFLOW [: REASON]",
                        "/cadence review Support resolution: vote before the refund policy launch",
                        "Open a governance session now, beside the weekly one (owners and council)."),
            CommandHelp("/cadence triggers WORKFLOW", "/cadence triggers Support resolution",
                        "Risk-review thresholds per metric; crossing one opens a risk review (outcome owner, council)."),
            CommandHelp("/cadence kpi WORKFLOW", "/cadence kpi Support resolution",
                        "Edit the KPI tree, goal to technical inputs, and link scorecard metrics to it (outcome owner)."),
            CommandHelp("/cadence trends WORKFLOW", "/cadence trends Support resolution",
                        "Post the scorecard's last 12 weeks in this channel, as text and a chart."),
            CommandHelp("/cadence decisions WORKFLOW", "/cadence decisions Support resolution",
                        "The decision log: each week's decision, rationale and follow-ups."),
            CommandHelp("/cadence scorecard WORKFLOW", "/cadence scorecard Support resolution",
                        "Report this week's throughput, quality, exception rate and rework (owners and council)."),
            CommandHelp("/cadence settings [DAY] [HH:MM] [TIME/ZONE]",
                        "/cadence settings Monday 09:30 Europe/Paris",
                        "When the weekly governance threads open (change: AI council or admins)."),
        ],
    ),
    (
        "30-day accountability reset",
        [
            CommandHelp("/cadence reset WORKFLOW [because REASON]", "/cadence reset Support resolution",
                        "Start a 30-day reset of one focus workflow (outcome owner or council); its checklist is posted in the governance channel. While one runs, only a council member starts another, with a reason."),
            CommandHelp("/cadence reset status", "/cadence reset status", "Every running reset: day, items done, late and next."),
            CommandHelp("/cadence reset stop WORKFLOW: REASON", "/cadence reset stop Support resolution: the team moves to billing",
                        "Stop a reset early; a reason is required."),
            CommandHelp("/cadence reset next WORKFLOW", "/cadence reset next Billing disputes",
                        "Name the next 30-day focus workflow (the last item of week 4)."),
        ],
    ),
    (
        "Evidence",
        [
            CommandHelp("/cadence report [MONTH | last month | QUARTER]", "/cadence report Q4 2026",
                        "The council report of a past period, privately (council, admins; outcome owners see their workflows)."),
            CommandHelp("/cadence export KIND [csv|json|md] [PERIOD]", "/cadence export decisions csv last quarter",
                        "Decisions, escalations, actions, scorecards, votes, gaps or the audit log as a file in your DM."),
            CommandHelp("/cadence api token create|list|revoke [NAME]", "/cadence api token create data-pipeline",
                        "Tokens for the integration API (/api/v1/), shown once when created (AI council)."),
        ],
    ),
    ("Help", [CommandHelp("/cadence help", "/cadence help", "This list.")]),
]  # fmt: skip

SUBCOMMAND_NAMES = [
    "help", "workflow", "council", "rights", "map", "canvas", "gaps", "decisions", "scorecard",
    "settings", "review", "triggers", "risk", "trends", "report", "export", "reset", "api", "kpi",
]  # fmt: skip


def build_help(*, intro: str | None = None) -> list[dict[str, Any]]:
    """The help message blocks, optionally led by a sentence (e.g. a "did you mean")."""
    blocks: list[dict[str, Any]] = []
    if intro:
        blocks.append(section(intro))
    blocks.append(header("Cadence commands"))
    for title, commands in HELP_SECTIONS:
        blocks.append(divider())
        lines = [f"*{title}*"]
        for item in commands:
            lines.append(
                f"• `{escape(item.usage)}`\n   {escape(item.summary)}  _e.g._ `{escape(item.example)}`"
            )
        blocks.append(section("\n".join(lines)))
    blocks.append(context("Names of workflows match whatever the case. Mention people with @."))
    return blocks


def help_text(*, intro: str | None = None) -> str:
    """Notification text for the help message."""
    return fallback_text((intro + " " if intro else "") + "Cadence commands: /cadence help")
