"""The benchmark scenarios as GraphQL documents: this gateway's schema and Hive Gateway's (Mesh from OpenAPI)."""

from __future__ import annotations

from pathlib import Path

OPERATIONS = Path(__file__).resolve().parents[2] / "graphql" / "operations"


def operation(name: str) -> str:
    return (OPERATIONS / f"{name}.graphql").read_text(encoding="utf-8")


# Every field of CampaignTargetWithCustomerOut: the same data as the web list page's TargetRow fragment.
HIVE_TARGET_FIELDS = """
  id campaign_id customer_id assigned_agent_id stage calls_made whatsapp_sent email_sent ai_label ai_score
  ai_reason goal_analysis analysis_source call_successful call_summary_title transcript_summary agent_goal_result
  agent_goal_rationale customer_sentiment customer_sentiment_rationale follow_up_required
  follow_up_required_rationale escalation_required escalation_required_rationale campaign_goal_result
  campaign_goal_score campaign_goal_rationale campaign_sentiment campaign_sentiment_rationale callback_requested
  callback_requested_rationale campaign_next_best_action campaign_analysis_updated_at analysis_updated_at
  last_contacted_at last_email_at last_conv_id created_at updated_at
  customer { id customer_id name surname email phone status agent_id }
"""
LIST = "list_campaign_targets_campaigns__campaign_id__targets_get"
PAGE = "PaginatedResponse_LEFT_SQUARE_BRACE_CampaignTargetWithCustomerOut_RIGHT_SQUARE_BRACE_"


def hive_web_list(key: str, campaign: str, limit: int = 50, ai_label: str | None = None,
                  search: str | None = None) -> str:
    narrowing = (f', ai_label: "{ai_label.lower()}"' if ai_label else "") + (f', q: "{search}"' if search else "")
    return f"""query {{ {LIST}(X_API_Key: "{key}", campaign_id: "{campaign}", limit: {limit}, sort_field: "created_at",
      sort_dir: desc, include_aggregations: true{narrowing}) {{
      ... on {PAGE} {{ meta {{ total }} aggregations {{ quick_filters extra }}
      data {{ {HIVE_TARGET_FIELDS} }} }} }} }}"""


def hive_mobile_detail(key: str, campaign: str) -> str:
    """The REST API has no target-by-id: a Hive client lists a 200 page (deleted included) and picks the id."""
    return f"""query {{ {LIST}(X_API_Key: "{key}", campaign_id: "{campaign}", limit: 200,
      include_deleted: true) {{
      ... on {PAGE} {{ data {{ id stage last_contacted_at customer {{ name surname phone email }}
      campaign_goal_result campaign_next_best_action }} }} }} }}"""


def hive_dashboard(key: str, campaigns: list[str], lookup_campaign: str) -> str:
    lists = "\n".join(
        f"""c{i}: {LIST}(X_API_Key: "{key}", campaign_id: "{c}", limit: 10, include_aggregations: true) {{
          ... on {PAGE} {{ meta {{ total }} aggregations {{ quick_filters extra }}
          data {{ id stage customer {{ name surname }} }} }} }}"""
        for i, c in enumerate(campaigns))
    return f"""query {{ {lists}
      lookups: {LIST}(X_API_Key: "{key}", campaign_id: "{lookup_campaign}", limit: 200, include_deleted: true) {{
        ... on {PAGE} {{ data {{ id stage customer {{ name }} }} }} }} }}"""


def hive_update_stage(key: str, campaign: str, target: str) -> str:
    return f"""mutation {{ update_campaign_target_stage_campaigns__campaign_id__targets__target_id__stage_patch(
      X_API_Key: "{key}", campaign_id: "{campaign}", target_id: "{target}", input: {{stage: "qualified"}}) {{
      ... on CampaignTargetWithCustomerOut {{ id stage updated_at }} }} }}"""


def hive_verify_goal(key: str, campaign: str, target: str) -> str:
    return f"""mutation {{ verify_goal_for_target_campaigns__campaign_id__targets__target_id__verify_goal_post(
      X_API_Key: "{key}", campaign_id: "{campaign}", target_id: "{target}") {{
      ... on CampaignTargetWithCustomerOut {{ id stage campaign_goal_result campaign_goal_score
      campaign_goal_rationale campaign_sentiment callback_requested campaign_next_best_action
      campaign_analysis_updated_at }} }} }}"""


# Varied web lists, as many users send them: page sizes, AI-label quick filters and search terms cycled
# (90 distinct requests), so identical reads are rarely in flight together.
VARIED_SIZES = (10, 20, 25, 30, 40, 50)
VARIED_LABELS = (None, "POSITIVE", "NEGATIVE", "NEUTRAL", "UNKNOWN")
VARIED_SEARCHES = (None, "a", "e")


def varied_web_lists() -> list[tuple[int, str | None, str | None]]:
    return [(size, label, search) for size in VARIED_SIZES for label in VARIED_LABELS for search in VARIED_SEARCHES]
