"""The sandbox's deterministic, rule-based campaign goal analyzer and the stage rule that follows it.

The real service sends the campaign goal and the concatenated conversations to a language model. The
sandbox replaces that with rules simple enough to predict from a test:

1. Only what the customer says counts for sentiment: lines starting ``Customer:`` or ``User:``
   (case-insensitive). If no line has a speaker prefix, every line counts as the customer's.
2. ``positive`` / ``negative`` = how many of the phrases in ``POSITIVE_PHRASES`` / ``NEGATIVE_PHRASES``
   occur in those lines (negative phrases are removed before positive ones are counted, so
   "not interested" is not also "interested").
3. ``coverage`` = the share of the goal's keywords (words of 4+ letters, minus ``STOPWORDS``) that occur
   anywhere in the conversation; 1.0 when the goal has no keywords.
4. ``agreement`` = positive / (positive + negative), or 0.5 when both are zero.
5. ``score`` = round(0.4 * coverage + 0.6 * agreement, 2).
6. result: no conversation -> ``unknown`` (score 0); score >= 0.7 -> ``achieved``;
   score >= 0.4 -> ``partially_achieved``; otherwise ``not_achieved``.
7. sentiment: positive > negative -> ``positive``; negative > positive -> ``negative``; else ``neutral``
   (``unknown`` without a conversation).
8. callback requested when any phrase of ``CALLBACK_PHRASES`` occurs in the customer's lines.

Stage rule (``next_stage``), first match wins: achieved -> ``converted``; callback requested ->
``callback``; partially achieved -> ``follow_up``; not achieved with negative sentiment -> ``lost``;
not achieved otherwise -> ``follow_up``; unknown -> the stage is left as it was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

POSITIVE_PHRASES = (
    "yes", "sure", "sounds good", "great", "interested", "agree", "deal", "sign me up", "book",
    "confirm", "perfect", "of course", "let's do it", "happy to",
)
NEGATIVE_PHRASES = (
    "not interested", "no thanks", "no thank you", "stop calling", "don't call", "do not call",
    "never", "cancel", "too expensive", "unsubscribe", "not now", "no",
)
CALLBACK_PHRASES = ("call me back", "call back", "callback", "later", "tomorrow", "next week", "another time")
STOPWORDS = frozenset(
    """that this with from have will your their them they into about there which would could should
    customer customers target targets goal campaign make sure""".split()
)
_SPEAKER = re.compile(r"^\s*(customer|user)\s*:", re.IGNORECASE)
_ANY_SPEAKER = re.compile(r"^\s*[A-Za-z ]{1,20}:")


@dataclass(frozen=True)
class GoalAnalysis:
    """The ``campaign_*`` analysis fields verify-goal writes onto a target."""

    result: str
    score: float
    rationale: str
    sentiment: str
    sentiment_rationale: str
    callback_requested: bool
    callback_rationale: str
    next_best_action: str


def _count(phrases: tuple[str, ...], text: str) -> tuple[int, str]:
    """Occurrences of whole-word phrases, longest first; returns the count and the text with them removed."""
    total = 0
    for phrase in sorted(phrases, key=len, reverse=True):
        pattern = re.compile(rf"\b{re.escape(phrase)}\b")
        total += len(pattern.findall(text))
        text = pattern.sub(" ", text)
    return total, text


def _customer_lines(conversation: str) -> str:
    lines = conversation.splitlines()
    if not any(_ANY_SPEAKER.match(line) for line in lines):
        return conversation.lower()
    return "\n".join(_SPEAKER.sub("", line) for line in lines if _SPEAKER.match(line)).lower()


def goal_keywords(goal: str) -> list[str]:
    words = re.findall(r"[a-z]{4,}", goal.lower())
    return sorted({w for w in words if w not in STOPWORDS})


def analyze(goal: str, conversation: str) -> GoalAnalysis:
    """Judge a concatenated conversation against a campaign goal by the rules in this module's docstring."""
    if not conversation.strip():
        return GoalAnalysis(
            result="unknown", score=0.0, rationale="No completed call conversations to analyze.",
            sentiment="unknown", sentiment_rationale="No customer statements available.",
            callback_requested=False, callback_rationale="No customer statements available.",
            next_best_action="call_customer",
        )
    said = _customer_lines(conversation)
    negative, remainder = _count(NEGATIVE_PHRASES, said)
    positive, _ = _count(POSITIVE_PHRASES, remainder)
    callbacks, _ = _count(CALLBACK_PHRASES, said)
    keywords = goal_keywords(goal)
    lowered = conversation.lower()
    matched = [k for k in keywords if k in lowered]
    coverage = len(matched) / len(keywords) if keywords else 1.0
    agreement = positive / (positive + negative) if positive + negative else 0.5
    score = round(0.4 * coverage + 0.6 * agreement, 2)
    result = "achieved" if score >= 0.7 else "partially_achieved" if score >= 0.4 else "not_achieved"
    sentiment = "positive" if positive > negative else "negative" if negative > positive else "neutral"
    callback = callbacks > 0
    if result == "achieved":
        action = "confirm_and_close"
    elif callback:
        action = "schedule_callback"
    elif result == "partially_achieved":
        action = "follow_up_call"
    else:
        action = "close_as_lost" if sentiment == "negative" else "follow_up_call"
    return GoalAnalysis(
        result=result,
        score=score,
        rationale=(
            f"Goal keywords mentioned: {len(matched)}/{len(keywords)}"
            f"{' (' + ', '.join(matched) + ')' if matched else ''}; customer agreement {agreement:.2f}"
            f" from {positive} positive and {negative} negative statements; score {score:.2f}."
        ),
        sentiment=sentiment,
        sentiment_rationale=f"{positive} positive and {negative} negative customer statements.",
        callback_requested=callback,
        callback_rationale=(
            f"The customer asked to be contacted again ({callbacks} mention(s))." if callback
            else "The customer did not ask to be called back."
        ),
        next_best_action=action,
    )


def next_stage(current: str, analysis: GoalAnalysis) -> str:
    """The stage a target moves to after goal verification (see the module docstring)."""
    if analysis.result == "achieved":
        return "converted"
    if analysis.callback_requested:
        return "callback"
    if analysis.result == "partially_achieved":
        return "follow_up"
    if analysis.result == "not_achieved":
        return "lost" if analysis.sentiment == "negative" else "follow_up"
    return current
