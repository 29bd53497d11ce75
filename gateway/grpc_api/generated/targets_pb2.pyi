import datetime

from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AiLabel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AI_LABEL_UNSPECIFIED: _ClassVar[AiLabel]
    AI_LABEL_POSITIVE: _ClassVar[AiLabel]
    AI_LABEL_NEGATIVE: _ClassVar[AiLabel]
    AI_LABEL_NEUTRAL: _ClassVar[AiLabel]
    AI_LABEL_UNKNOWN: _ClassVar[AiLabel]

class ActionRequired(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACTION_REQUIRED_UNSPECIFIED: _ClassVar[ActionRequired]
    ACTION_REQUIRED_FOLLOW_UP: _ClassVar[ActionRequired]
    ACTION_REQUIRED_CALLBACK: _ClassVar[ActionRequired]
    ACTION_REQUIRED_ESCALATION: _ClassVar[ActionRequired]
    ACTION_REQUIRED_MISSED_GOAL: _ClassVar[ActionRequired]
    ACTION_REQUIRED_NEGATIVE_SENTIMENT: _ClassVar[ActionRequired]

class DeletedFilter(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DELETED_FILTER_UNSPECIFIED: _ClassVar[DeletedFilter]
    DELETED_FILTER_EXCLUDE: _ClassVar[DeletedFilter]
    DELETED_FILTER_INCLUDE: _ClassVar[DeletedFilter]
    DELETED_FILTER_ONLY: _ClassVar[DeletedFilter]

class TargetSortField(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TARGET_SORT_FIELD_UNSPECIFIED: _ClassVar[TargetSortField]
    TARGET_SORT_FIELD_CREATED_AT: _ClassVar[TargetSortField]
    TARGET_SORT_FIELD_UPDATED_AT: _ClassVar[TargetSortField]
    TARGET_SORT_FIELD_STAGE: _ClassVar[TargetSortField]
    TARGET_SORT_FIELD_LAST_CONTACTED_AT: _ClassVar[TargetSortField]
    TARGET_SORT_FIELD_LAST_EMAIL_AT: _ClassVar[TargetSortField]
    TARGET_SORT_FIELD_AI_LABEL: _ClassVar[TargetSortField]
    TARGET_SORT_FIELD_AI_SCORE: _ClassVar[TargetSortField]
    TARGET_SORT_FIELD_CAMPAIGN_GOAL_SCORE: _ClassVar[TargetSortField]
    TARGET_SORT_FIELD_CAMPAIGN_GOAL_RESULT: _ClassVar[TargetSortField]
    TARGET_SORT_FIELD_CALLS_MADE: _ClassVar[TargetSortField]
    TARGET_SORT_FIELD_WHATSAPP_SENT: _ClassVar[TargetSortField]
    TARGET_SORT_FIELD_EMAIL_SENT: _ClassVar[TargetSortField]

class SortDirection(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SORT_DIRECTION_UNSPECIFIED: _ClassVar[SortDirection]
    SORT_DIRECTION_ASC: _ClassVar[SortDirection]
    SORT_DIRECTION_DESC: _ClassVar[SortDirection]
AI_LABEL_UNSPECIFIED: AiLabel
AI_LABEL_POSITIVE: AiLabel
AI_LABEL_NEGATIVE: AiLabel
AI_LABEL_NEUTRAL: AiLabel
AI_LABEL_UNKNOWN: AiLabel
ACTION_REQUIRED_UNSPECIFIED: ActionRequired
ACTION_REQUIRED_FOLLOW_UP: ActionRequired
ACTION_REQUIRED_CALLBACK: ActionRequired
ACTION_REQUIRED_ESCALATION: ActionRequired
ACTION_REQUIRED_MISSED_GOAL: ActionRequired
ACTION_REQUIRED_NEGATIVE_SENTIMENT: ActionRequired
DELETED_FILTER_UNSPECIFIED: DeletedFilter
DELETED_FILTER_EXCLUDE: DeletedFilter
DELETED_FILTER_INCLUDE: DeletedFilter
DELETED_FILTER_ONLY: DeletedFilter
TARGET_SORT_FIELD_UNSPECIFIED: TargetSortField
TARGET_SORT_FIELD_CREATED_AT: TargetSortField
TARGET_SORT_FIELD_UPDATED_AT: TargetSortField
TARGET_SORT_FIELD_STAGE: TargetSortField
TARGET_SORT_FIELD_LAST_CONTACTED_AT: TargetSortField
TARGET_SORT_FIELD_LAST_EMAIL_AT: TargetSortField
TARGET_SORT_FIELD_AI_LABEL: TargetSortField
TARGET_SORT_FIELD_AI_SCORE: TargetSortField
TARGET_SORT_FIELD_CAMPAIGN_GOAL_SCORE: TargetSortField
TARGET_SORT_FIELD_CAMPAIGN_GOAL_RESULT: TargetSortField
TARGET_SORT_FIELD_CALLS_MADE: TargetSortField
TARGET_SORT_FIELD_WHATSAPP_SENT: TargetSortField
TARGET_SORT_FIELD_EMAIL_SENT: TargetSortField
SORT_DIRECTION_UNSPECIFIED: SortDirection
SORT_DIRECTION_ASC: SortDirection
SORT_DIRECTION_DESC: SortDirection

class Customer(_message.Message):
    __slots__ = ("id", "external_id", "name", "surname", "email", "phone", "status", "agent_id", "created_at", "updated_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SURNAME_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    external_id: str
    name: str
    surname: str
    email: str
    phone: str
    status: str
    agent_id: str
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., external_id: _Optional[str] = ..., name: _Optional[str] = ..., surname: _Optional[str] = ..., email: _Optional[str] = ..., phone: _Optional[str] = ..., status: _Optional[str] = ..., agent_id: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AiAnalysis(_message.Message):
    __slots__ = ("label", "score", "reason", "goal_analysis", "source", "updated_at")
    LABEL_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    GOAL_ANALYSIS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    label: AiLabel
    score: float
    reason: str
    goal_analysis: _struct_pb2.Struct
    source: str
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, label: _Optional[_Union[AiLabel, str]] = ..., score: _Optional[float] = ..., reason: _Optional[str] = ..., goal_analysis: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., source: _Optional[str] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CallAnalysis(_message.Message):
    __slots__ = ("successful", "summary_title", "transcript_summary", "agent_goal_result", "agent_goal_rationale", "customer_sentiment", "customer_sentiment_rationale", "follow_up_required", "follow_up_required_rationale", "escalation_required", "escalation_required_rationale")
    SUCCESSFUL_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_TITLE_FIELD_NUMBER: _ClassVar[int]
    TRANSCRIPT_SUMMARY_FIELD_NUMBER: _ClassVar[int]
    AGENT_GOAL_RESULT_FIELD_NUMBER: _ClassVar[int]
    AGENT_GOAL_RATIONALE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_SENTIMENT_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_SENTIMENT_RATIONALE_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_UP_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_UP_REQUIRED_RATIONALE_FIELD_NUMBER: _ClassVar[int]
    ESCALATION_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    ESCALATION_REQUIRED_RATIONALE_FIELD_NUMBER: _ClassVar[int]
    successful: str
    summary_title: str
    transcript_summary: str
    agent_goal_result: str
    agent_goal_rationale: str
    customer_sentiment: str
    customer_sentiment_rationale: str
    follow_up_required: bool
    follow_up_required_rationale: str
    escalation_required: bool
    escalation_required_rationale: str
    def __init__(self, successful: _Optional[str] = ..., summary_title: _Optional[str] = ..., transcript_summary: _Optional[str] = ..., agent_goal_result: _Optional[str] = ..., agent_goal_rationale: _Optional[str] = ..., customer_sentiment: _Optional[str] = ..., customer_sentiment_rationale: _Optional[str] = ..., follow_up_required: _Optional[bool] = ..., follow_up_required_rationale: _Optional[str] = ..., escalation_required: _Optional[bool] = ..., escalation_required_rationale: _Optional[str] = ...) -> None: ...

class CampaignAnalysis(_message.Message):
    __slots__ = ("goal_result", "goal_score", "goal_rationale", "sentiment", "sentiment_rationale", "callback_requested", "callback_requested_rationale", "next_best_action", "updated_at")
    GOAL_RESULT_FIELD_NUMBER: _ClassVar[int]
    GOAL_SCORE_FIELD_NUMBER: _ClassVar[int]
    GOAL_RATIONALE_FIELD_NUMBER: _ClassVar[int]
    SENTIMENT_FIELD_NUMBER: _ClassVar[int]
    SENTIMENT_RATIONALE_FIELD_NUMBER: _ClassVar[int]
    CALLBACK_REQUESTED_FIELD_NUMBER: _ClassVar[int]
    CALLBACK_REQUESTED_RATIONALE_FIELD_NUMBER: _ClassVar[int]
    NEXT_BEST_ACTION_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    goal_result: str
    goal_score: float
    goal_rationale: str
    sentiment: str
    sentiment_rationale: str
    callback_requested: bool
    callback_requested_rationale: str
    next_best_action: str
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, goal_result: _Optional[str] = ..., goal_score: _Optional[float] = ..., goal_rationale: _Optional[str] = ..., sentiment: _Optional[str] = ..., sentiment_rationale: _Optional[str] = ..., callback_requested: _Optional[bool] = ..., callback_requested_rationale: _Optional[str] = ..., next_best_action: _Optional[str] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Target(_message.Message):
    __slots__ = ("id", "campaign_id", "customer_id", "assigned_agent_id", "stage", "calls_made", "whatsapp_sent", "email_sent", "last_contacted_at", "last_email_at", "last_conversation_id", "created_at", "updated_at", "customer", "ai_analysis", "call_analysis", "campaign_analysis")
    ID_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    ASSIGNED_AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    CALLS_MADE_FIELD_NUMBER: _ClassVar[int]
    WHATSAPP_SENT_FIELD_NUMBER: _ClassVar[int]
    EMAIL_SENT_FIELD_NUMBER: _ClassVar[int]
    LAST_CONTACTED_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_EMAIL_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    AI_ANALYSIS_FIELD_NUMBER: _ClassVar[int]
    CALL_ANALYSIS_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ANALYSIS_FIELD_NUMBER: _ClassVar[int]
    id: str
    campaign_id: str
    customer_id: str
    assigned_agent_id: str
    stage: str
    calls_made: int
    whatsapp_sent: int
    email_sent: int
    last_contacted_at: _timestamp_pb2.Timestamp
    last_email_at: _timestamp_pb2.Timestamp
    last_conversation_id: str
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    customer: Customer
    ai_analysis: AiAnalysis
    call_analysis: CallAnalysis
    campaign_analysis: CampaignAnalysis
    def __init__(self, id: _Optional[str] = ..., campaign_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., assigned_agent_id: _Optional[str] = ..., stage: _Optional[str] = ..., calls_made: _Optional[int] = ..., whatsapp_sent: _Optional[int] = ..., email_sent: _Optional[int] = ..., last_contacted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_email_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_conversation_id: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., customer: _Optional[_Union[Customer, _Mapping]] = ..., ai_analysis: _Optional[_Union[AiAnalysis, _Mapping]] = ..., call_analysis: _Optional[_Union[CallAnalysis, _Mapping]] = ..., campaign_analysis: _Optional[_Union[CampaignAnalysis, _Mapping]] = ...) -> None: ...

class TargetFilter(_message.Message):
    __slots__ = ("stage", "ai_label", "action_required", "assigned_agent_id", "search", "date_from", "date_to", "deleted")
    STAGE_FIELD_NUMBER: _ClassVar[int]
    AI_LABEL_FIELD_NUMBER: _ClassVar[int]
    ACTION_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    ASSIGNED_AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    SEARCH_FIELD_NUMBER: _ClassVar[int]
    DATE_FROM_FIELD_NUMBER: _ClassVar[int]
    DATE_TO_FIELD_NUMBER: _ClassVar[int]
    DELETED_FIELD_NUMBER: _ClassVar[int]
    stage: str
    ai_label: AiLabel
    action_required: ActionRequired
    assigned_agent_id: str
    search: str
    date_from: _timestamp_pb2.Timestamp
    date_to: _timestamp_pb2.Timestamp
    deleted: DeletedFilter
    def __init__(self, stage: _Optional[str] = ..., ai_label: _Optional[_Union[AiLabel, str]] = ..., action_required: _Optional[_Union[ActionRequired, str]] = ..., assigned_agent_id: _Optional[str] = ..., search: _Optional[str] = ..., date_from: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., date_to: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., deleted: _Optional[_Union[DeletedFilter, str]] = ...) -> None: ...

class TargetOrder(_message.Message):
    __slots__ = ("field", "direction")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    field: TargetSortField
    direction: SortDirection
    def __init__(self, field: _Optional[_Union[TargetSortField, str]] = ..., direction: _Optional[_Union[SortDirection, str]] = ...) -> None: ...

class QuickFilterCount(_message.Message):
    __slots__ = ("name", "count")
    NAME_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    name: str
    count: int
    def __init__(self, name: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class Aggregations(_message.Message):
    __slots__ = ("quick_filters", "extra")
    QUICK_FILTERS_FIELD_NUMBER: _ClassVar[int]
    EXTRA_FIELD_NUMBER: _ClassVar[int]
    quick_filters: _containers.RepeatedCompositeFieldContainer[QuickFilterCount]
    extra: _struct_pb2.Struct
    def __init__(self, quick_filters: _Optional[_Iterable[_Union[QuickFilterCount, _Mapping]]] = ..., extra: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class ListTargetsRequest(_message.Message):
    __slots__ = ("campaign_id", "filter", "order", "page_size", "page_token", "include_aggregations", "read_mask")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_AGGREGATIONS_FIELD_NUMBER: _ClassVar[int]
    READ_MASK_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    filter: TargetFilter
    order: TargetOrder
    page_size: int
    page_token: str
    include_aggregations: bool
    read_mask: _field_mask_pb2.FieldMask
    def __init__(self, campaign_id: _Optional[str] = ..., filter: _Optional[_Union[TargetFilter, _Mapping]] = ..., order: _Optional[_Union[TargetOrder, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., include_aggregations: _Optional[bool] = ..., read_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class ListTargetsResponse(_message.Message):
    __slots__ = ("targets", "next_page_token", "total_size", "aggregations")
    TARGETS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    AGGREGATIONS_FIELD_NUMBER: _ClassVar[int]
    targets: _containers.RepeatedCompositeFieldContainer[Target]
    next_page_token: str
    total_size: int
    aggregations: Aggregations
    def __init__(self, targets: _Optional[_Iterable[_Union[Target, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ..., aggregations: _Optional[_Union[Aggregations, _Mapping]] = ...) -> None: ...

class ExportTargetsRequest(_message.Message):
    __slots__ = ("campaign_id", "filter", "order", "read_mask")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    READ_MASK_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    filter: TargetFilter
    order: TargetOrder
    read_mask: _field_mask_pb2.FieldMask
    def __init__(self, campaign_id: _Optional[str] = ..., filter: _Optional[_Union[TargetFilter, _Mapping]] = ..., order: _Optional[_Union[TargetOrder, _Mapping]] = ..., read_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class ExportTargetsResponse(_message.Message):
    __slots__ = ("targets", "total_size")
    TARGETS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    targets: _containers.RepeatedCompositeFieldContainer[Target]
    total_size: int
    def __init__(self, targets: _Optional[_Iterable[_Union[Target, _Mapping]]] = ..., total_size: _Optional[int] = ...) -> None: ...

class GetTargetRequest(_message.Message):
    __slots__ = ("campaign_id", "target_id", "read_mask")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_ID_FIELD_NUMBER: _ClassVar[int]
    READ_MASK_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    target_id: str
    read_mask: _field_mask_pb2.FieldMask
    def __init__(self, campaign_id: _Optional[str] = ..., target_id: _Optional[str] = ..., read_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class GetTargetResponse(_message.Message):
    __slots__ = ("target",)
    TARGET_FIELD_NUMBER: _ClassVar[int]
    target: Target
    def __init__(self, target: _Optional[_Union[Target, _Mapping]] = ...) -> None: ...

class BatchGetTargetsRequest(_message.Message):
    __slots__ = ("campaign_id", "target_ids", "read_mask")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_IDS_FIELD_NUMBER: _ClassVar[int]
    READ_MASK_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    target_ids: _containers.RepeatedScalarFieldContainer[str]
    read_mask: _field_mask_pb2.FieldMask
    def __init__(self, campaign_id: _Optional[str] = ..., target_ids: _Optional[_Iterable[str]] = ..., read_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class BatchGetTargetsResponse(_message.Message):
    __slots__ = ("targets", "missing_target_ids")
    TARGETS_FIELD_NUMBER: _ClassVar[int]
    MISSING_TARGET_IDS_FIELD_NUMBER: _ClassVar[int]
    targets: _containers.RepeatedCompositeFieldContainer[Target]
    missing_target_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, targets: _Optional[_Iterable[_Union[Target, _Mapping]]] = ..., missing_target_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class DeleteTargetRequest(_message.Message):
    __slots__ = ("campaign_id", "target_id", "purge")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_ID_FIELD_NUMBER: _ClassVar[int]
    PURGE_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    target_id: str
    purge: bool
    def __init__(self, campaign_id: _Optional[str] = ..., target_id: _Optional[str] = ..., purge: _Optional[bool] = ...) -> None: ...

class DeleteTargetResponse(_message.Message):
    __slots__ = ("target_id", "purged")
    TARGET_ID_FIELD_NUMBER: _ClassVar[int]
    PURGED_FIELD_NUMBER: _ClassVar[int]
    target_id: str
    purged: bool
    def __init__(self, target_id: _Optional[str] = ..., purged: _Optional[bool] = ...) -> None: ...

class RestoreTargetRequest(_message.Message):
    __slots__ = ("campaign_id", "target_id")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    target_id: str
    def __init__(self, campaign_id: _Optional[str] = ..., target_id: _Optional[str] = ...) -> None: ...

class RestoreTargetResponse(_message.Message):
    __slots__ = ("target",)
    TARGET_FIELD_NUMBER: _ClassVar[int]
    target: Target
    def __init__(self, target: _Optional[_Union[Target, _Mapping]] = ...) -> None: ...

class UpdateTargetStageRequest(_message.Message):
    __slots__ = ("campaign_id", "target_id", "stage")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_ID_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    target_id: str
    stage: str
    def __init__(self, campaign_id: _Optional[str] = ..., target_id: _Optional[str] = ..., stage: _Optional[str] = ...) -> None: ...

class UpdateTargetStageResponse(_message.Message):
    __slots__ = ("target",)
    TARGET_FIELD_NUMBER: _ClassVar[int]
    target: Target
    def __init__(self, target: _Optional[_Union[Target, _Mapping]] = ...) -> None: ...

class VerifyTargetGoalRequest(_message.Message):
    __slots__ = ("campaign_id", "target_id")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    target_id: str
    def __init__(self, campaign_id: _Optional[str] = ..., target_id: _Optional[str] = ...) -> None: ...

class VerifyTargetGoalResponse(_message.Message):
    __slots__ = ("target",)
    TARGET_FIELD_NUMBER: _ClassVar[int]
    target: Target
    def __init__(self, target: _Optional[_Union[Target, _Mapping]] = ...) -> None: ...

class EnrollItem(_message.Message):
    __slots__ = ("customer_id", "assigned_agent_id")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    ASSIGNED_AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    assigned_agent_id: str
    def __init__(self, customer_id: _Optional[str] = ..., assigned_agent_id: _Optional[str] = ...) -> None: ...

class EnrollTargetsRequest(_message.Message):
    __slots__ = ("campaign_id", "items")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    items: _containers.RepeatedCompositeFieldContainer[EnrollItem]
    def __init__(self, campaign_id: _Optional[str] = ..., items: _Optional[_Iterable[_Union[EnrollItem, _Mapping]]] = ...) -> None: ...

class EnrollTargetsResponse(_message.Message):
    __slots__ = ("requested", "result")
    REQUESTED_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    requested: int
    result: _struct_pb2.Value
    def __init__(self, requested: _Optional[int] = ..., result: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...

class NewCustomer(_message.Message):
    __slots__ = ("external_id", "name", "surname", "email", "phone", "status", "customer_agent_id", "assigned_agent_id")
    EXTERNAL_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SURNAME_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    ASSIGNED_AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    external_id: str
    name: str
    surname: str
    email: str
    phone: str
    status: str
    customer_agent_id: str
    assigned_agent_id: str
    def __init__(self, external_id: _Optional[str] = ..., name: _Optional[str] = ..., surname: _Optional[str] = ..., email: _Optional[str] = ..., phone: _Optional[str] = ..., status: _Optional[str] = ..., customer_agent_id: _Optional[str] = ..., assigned_agent_id: _Optional[str] = ...) -> None: ...

class CreateCustomerAndEnrollRequest(_message.Message):
    __slots__ = ("campaign_id", "customer")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    customer: NewCustomer
    def __init__(self, campaign_id: _Optional[str] = ..., customer: _Optional[_Union[NewCustomer, _Mapping]] = ...) -> None: ...

class CreateCustomerAndEnrollResponse(_message.Message):
    __slots__ = ("created", "skipped", "reason")
    CREATED_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    created: bool
    skipped: bool
    reason: str
    def __init__(self, created: _Optional[bool] = ..., skipped: _Optional[bool] = ..., reason: _Optional[str] = ...) -> None: ...

class ImportTargetsMetadata(_message.Message):
    __slots__ = ("campaign_id", "file_name", "content_type", "skip_if_in_other_campaigns")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SKIP_IF_IN_OTHER_CAMPAIGNS_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    file_name: str
    content_type: str
    skip_if_in_other_campaigns: bool
    def __init__(self, campaign_id: _Optional[str] = ..., file_name: _Optional[str] = ..., content_type: _Optional[str] = ..., skip_if_in_other_campaigns: _Optional[bool] = ...) -> None: ...

class ImportTargetsRequest(_message.Message):
    __slots__ = ("metadata", "chunk")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    metadata: ImportTargetsMetadata
    chunk: bytes
    def __init__(self, metadata: _Optional[_Union[ImportTargetsMetadata, _Mapping]] = ..., chunk: _Optional[bytes] = ...) -> None: ...

class ImportRowError(_message.Message):
    __slots__ = ("row", "field", "message")
    ROW_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    row: int
    field: str
    message: str
    def __init__(self, row: _Optional[int] = ..., field: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class ImportTargetsResponse(_message.Message):
    __slots__ = ("total", "created", "updated", "skipped", "targets_created", "targets_skipped", "errors", "target")
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    UPDATED_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_FIELD_NUMBER: _ClassVar[int]
    TARGETS_CREATED_FIELD_NUMBER: _ClassVar[int]
    TARGETS_SKIPPED_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    total: int
    created: int
    updated: int
    skipped: int
    targets_created: int
    targets_skipped: int
    errors: _containers.RepeatedCompositeFieldContainer[ImportRowError]
    target: Target
    def __init__(self, total: _Optional[int] = ..., created: _Optional[int] = ..., updated: _Optional[int] = ..., skipped: _Optional[int] = ..., targets_created: _Optional[int] = ..., targets_skipped: _Optional[int] = ..., errors: _Optional[_Iterable[_Union[ImportRowError, _Mapping]]] = ..., target: _Optional[_Union[Target, _Mapping]] = ...) -> None: ...
