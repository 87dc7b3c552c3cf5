"""Reading command text: workflow specs, mentions, quoted phrases."""

from __future__ import annotations

import pytest

from cadence.errors import InvalidInput
from cadence.vocabulary import RiskTier
from handlers.parsing import (
    WorkflowSpec,
    parse_workflow_add,
    require_one_user,
    split_quoted,
    strip_users,
    user_mentions,
)

EXAMPLE = "/owner outcome @maria Support resolution"
LOW, MEDIUM, HIGH = RiskTier.LOW, RiskTier.MEDIUM, RiskTier.HIGH


# --- parse_workflow_add ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Support resolution", WorkflowSpec("Support resolution", None, None, MEDIUM)),
        ("  Support   resolution  ", WorkflowSpec("Support resolution", None, None, MEDIUM)),
        ('"Support resolution"', WorkflowSpec("Support resolution", None, None, MEDIUM)),
        ("“Support resolution”", WorkflowSpec("Support resolution", None, None, MEDIUM)),
        # The channel, anywhere, with or without "in" and a label.
        ("Support resolution <#CGOV>", WorkflowSpec("Support resolution", "CGOV", None, MEDIUM)),
        (
            "Support resolution in <#CGOV|ai-support-gov>",
            WorkflowSpec("Support resolution", "CGOV", None, MEDIUM),
        ),
        (
            "<#CGOV|ai-support-gov> Support resolution",
            WorkflowSpec("Support resolution", "CGOV", None, MEDIUM),
        ),
        (
            "Support IN <#cgov|gov> resolution",
            WorkflowSpec("Support resolution", "CGOV", None, MEDIUM),
        ),
        ("Private review in <#G0PRIV>", WorkflowSpec("Private review", "G0PRIV", None, MEDIUM)),
        # Outcomes, quoted or after a colon.
        (
            'Support resolution outcome "Faster refunds, fewer tickets"',
            WorkflowSpec("Support resolution", None, "Faster refunds, fewer tickets", MEDIUM),
        ),
        (
            "Support resolution outcome “Faster refunds”",
            WorkflowSpec("Support resolution", None, "Faster refunds", MEDIUM),
        ),
        (
            'Support resolution outcome: "Faster refunds"',
            WorkflowSpec("Support resolution", None, "Faster refunds", MEDIUM),
        ),
        (
            'Support resolution Outcome = "Faster   refunds"',
            WorkflowSpec("Support resolution", None, "Faster refunds", MEDIUM),
        ),
        (
            "Support resolution outcome: Faster refunds, fewer tickets",
            WorkflowSpec("Support resolution", None, "Faster refunds, fewer tickets", MEDIUM),
        ),
        ('Support resolution outcome ""', WorkflowSpec("Support resolution", None, None, MEDIUM)),
        # Risk tiers.
        ("Support resolution risk high", WorkflowSpec("Support resolution", None, None, HIGH)),
        ("Support resolution risk: low", WorkflowSpec("Support resolution", None, None, LOW)),
        ("Support resolution RISK=Medium", WorkflowSpec("Support resolution", None, None, MEDIUM)),
        ('Support resolution risk: "high"', WorkflowSpec("Support resolution", None, None, HIGH)),
        ("Support resolution Risk Low", WorkflowSpec("Support resolution", None, None, LOW)),
        # Everything together, in any order after the name.
        (
            'Support resolution in <#CGOV|gov> outcome "Faster refunds" risk high',
            WorkflowSpec("Support resolution", "CGOV", "Faster refunds", HIGH),
        ),
        (
            'Support resolution risk: low outcome "Faster refunds" in <#CGOV>',
            WorkflowSpec("Support resolution", "CGOV", "Faster refunds", LOW),
        ),
        (
            "Support resolution outcome: Faster refunds risk high",
            WorkflowSpec("Support resolution", None, "Faster refunds", HIGH),
        ),
        (
            "Support resolution risk high outcome: Faster refunds in <#CGOV>",
            WorkflowSpec("Support resolution", "CGOV", "Faster refunds", HIGH),
        ),
        # Names that contain the keywords themselves.
        ("Fraud risk scoring", WorkflowSpec("Fraud risk scoring", None, None, MEDIUM)),
        ("High risk review", WorkflowSpec("High risk review", None, None, MEDIUM)),
        ("Fraud risk scoring risk: low", WorkflowSpec("Fraud risk scoring", None, None, LOW)),
        ("Fraud risk scoring risk high", WorkflowSpec("Fraud risk scoring", None, None, HIGH)),
        ("Outcome tracking", WorkflowSpec("Outcome tracking", None, None, MEDIUM)),
        ("Customer outcomes review", WorkflowSpec("Customer outcomes review", None, None, MEDIUM)),
        (
            "Outcome tracking outcome: Better tracking risk low",
            WorkflowSpec("Outcome tracking", None, "Better tracking", LOW),
        ),
        (
            'Risk outcome review outcome "Fewer surprises" in <#CGOV>',
            WorkflowSpec("Risk outcome review", "CGOV", "Fewer surprises", MEDIUM),
        ),
    ],
)
def test_parse_workflow_add(text: str, expected: WorkflowSpec) -> None:
    assert parse_workflow_add(text) == expected


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Support resolution risk: extreme", "extreme"),
        ("Support resolution risk=CRITICAL", "critical"),
        ('Support resolution risk: "severe"', "severe"),
    ],
)
def test_bad_risk_tier_is_refused(text: str, word: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_workflow_add(text)
    assert caught.value.user_message == f"Risk tier must be low, medium or high (not *{word}*)."


def test_two_channels_are_refused() -> None:
    with pytest.raises(InvalidInput, match="one governance channel"):
        parse_workflow_add("Support resolution <#CGOV> in <#C0GENERAL>")


@pytest.mark.parametrize("text", ["Support <@UMARIA> resolution", "Maria's bot <@UMARIA|maria>"])
def test_people_in_the_name_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match="can't contain mentions of people"):
        parse_workflow_add(text)


def test_bug_unquoted_outcome_mentioning_risk_stays_whole() -> None:
    """BUG: an unquoted outcome is cut at the first word "risk", the rest joins the name.

    `outcome: Lower risk of chargebacks` gives the outcome "Lower" and the workflow name
    "Fraud scoring risk of chargebacks": the OUTCOME pattern stops before any " risk", not only
    before a real `risk <tier>` / `risk: <tier>` option.
    """
    assert parse_workflow_add("Fraud scoring outcome: Lower risk of chargebacks") == WorkflowSpec(
        "Fraud scoring", None, "Lower risk of chargebacks", MEDIUM
    )


def test_bug_name_with_risk_before_a_hyphenated_tier_word_stays_whole() -> None:
    """BUG: "risk high-value" in a name is read as the option `risk high`.

    The RISK pattern ends the tier with `\\b`, which matches before a hyphen, so the name
    "Credit risk high-value approvals" becomes "Credit -value approvals" with tier high.
    """
    assert parse_workflow_add("Credit risk high-value approvals") == WorkflowSpec(
        "Credit risk high-value approvals", None, None, MEDIUM
    )


# --- mentions --------------------------------------------------------------------------------


def test_user_mentions_in_order_without_repeats() -> None:
    text = "<@USAM|sam> and <@UMARIA> then <@USAM> and <@W0GRID> in <#CGOV>"
    assert user_mentions(text) == ["USAM", "UMARIA", "W0GRID"]
    assert strip_users(text) == "and then and in <#CGOV>"


@pytest.mark.parametrize(
    ("text", "user"),
    [
        ("<@UMARIA> Support resolution", "UMARIA"),
        ("Support resolution <@UMARIA|maria>", "UMARIA"),
        ("<@UMARIA> and again <@UMARIA|maria>", "UMARIA"),
        ("<@W0GRIDUSER>", "W0GRIDUSER"),
    ],
)
def test_require_one_user_finds_the_person(text: str, user: str) -> None:
    assert require_one_user(text, example=EXAMPLE) == user


def test_require_one_user_with_nobody() -> None:
    with pytest.raises(InvalidInput) as caught:
        require_one_user("Support resolution", example=EXAMPLE)
    assert caught.value.user_message == (
        f"Please mention the person with @. For example: `{EXAMPLE}`"
    )


def test_require_one_user_with_several() -> None:
    with pytest.raises(InvalidInput) as caught:
        require_one_user("<@UMARIA> <@ULI> Support resolution", example=EXAMPLE)
    assert caught.value.user_message == (
        f"Please mention just one person. For example: `{EXAMPLE}`"
    )


@pytest.mark.parametrize(
    ("text", "name"),
    [("@maria Support resolution", "maria"), ("Support resolution @maria.lopez", "maria.lopez")],
)
def test_require_one_user_with_a_plain_unresolved_name(text: str, name: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        require_one_user(text, example=EXAMPLE)
    assert caught.value.user_message == (
        f"I couldn't tell who *@{name}* is. Pick the person from the @ menu as you type, so "
        f"Slack sends me who they are. For example: `{EXAMPLE}`"
    )


def test_an_email_address_is_not_an_unresolved_mention() -> None:
    with pytest.raises(InvalidInput, match="Please mention the person with @"):
        require_one_user("write to maria@example.com", example=EXAMPLE)


# --- split_quoted ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '"Exception handling" <@USAM> Support resolution',
            ("Exception handling", "<@USAM> Support resolution"),
        ),
        (
            "<@USAM> “Exception   handling” Support resolution",
            ("Exception handling", "<@USAM> Support resolution"),
        ),
        ('<@USAM> “Intake" Support', ("Intake", "<@USAM> Support")),
        ('"First" and "Second"', ("First", 'and "Second"')),
    ],
)
def test_split_quoted(text: str, expected: tuple[str, str]) -> None:
    assert split_quoted(text) == expected


def test_split_quoted_without_quotes_returns_the_text_unchanged() -> None:
    assert split_quoted("  <@USAM>  Intake ") == (None, "  <@USAM>  Intake ")
    assert split_quoted('empty "" quotes') == (None, 'empty "" quotes')
