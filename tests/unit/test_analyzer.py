"""The sandbox's goal analyzer and stage rule, as documented in sandbox/analyzer.py."""

from __future__ import annotations

import pytest

from sandbox.analyzer import analyze, goal_keywords, next_stage

GOAL = "Get the customer to agree to upgrade to the green energy plan and book an installation visit."


def test_keywords_drop_short_words_and_stopwords() -> None:
    assert goal_keywords(GOAL) == ["agree", "book", "energy", "green", "installation", "plan", "upgrade", "visit"]


def test_only_customer_lines_count_for_sentiment() -> None:
    result = analyze(GOAL, "Agent: yes yes great perfect\nCustomer: no thanks, not interested")
    assert result.sentiment == "negative"
    assert result.result == "not_achieved"


def test_not_interested_is_not_also_interested() -> None:
    result = analyze("", "Customer: I am not interested")
    assert (result.sentiment, result.score) == ("negative", round(0.4 * 1.0 + 0.6 * 0.0, 2))


def test_score_formula() -> None:
    # 4 of 8 keywords mentioned (upgrade, green, energy, plan); customer: 1 positive, 1 negative.
    conversation = "Agent: the green energy plan upgrade\nCustomer: sure\nCustomer: too expensive"
    result = analyze(GOAL, conversation)
    assert result.score == round(0.4 * 0.5 + 0.6 * 0.5, 2) == 0.5
    assert result.result == "partially_achieved"
    assert result.sentiment == "neutral"
    assert "4/8" in result.rationale


def test_unprefixed_text_counts_as_the_customer() -> None:
    assert analyze("", "yes, sounds good").sentiment == "positive"


def test_empty_conversation_is_unknown_and_keeps_stage() -> None:
    result = analyze(GOAL, "  \n ")
    assert (result.result, result.score, result.sentiment) == ("unknown", 0.0, "unknown")
    assert next_stage("contacted", result) == "contacted"


@pytest.mark.parametrize(
    ("conversation", "stage"),
    [
        ("Customer: yes, great, book the installation visit for the green energy plan upgrade, I agree", "converted"),
        ("Customer: maybe, call me back tomorrow", "callback"),
        ("Customer: no, never, stop calling", "lost"),
        ("Customer: hmm", "follow_up"),
    ],
)
def test_stage_rule(conversation: str, stage: str) -> None:
    assert next_stage("contacted", analyze(GOAL, conversation)) == stage


def test_deterministic() -> None:
    text = "Agent: hi\nCustomer: sure, later maybe"
    assert analyze(GOAL, text) == analyze(GOAL, text)
