"""Leads: capture, screening, assignment, the public pool, follow-ups and calls.

A `Lead` is the customer as telesales knows them, one per normalized phone number (E.164):
a second capture of the same phone is recorded as another `LeadSource` on the same lead,
never as a second lead. Ownership moves only through `leads.services` and every move is an
append-only `Assignment` row, so "why did she get it" always has an answer.

The models live in modules by concept (`leads`, `basis`, `rules`, `work`, `imports`,
`loads`); all of them are importable from `leads.models` as before.
"""

from .basis import ConsentNotice
from .costs import CampaignCost
from .imports import (
    ImportJob,
    ImportRow,
    InboundKey,
)
from .leads import (
    OPEN_STATUSES,
    TIMELINE_HIDDEN_FIELDS,
    Campaign,
    Channel,
    Grade,
    Intent,
    LawfulBasis,
    Lead,
    LeadEvent,
    LeadSource,
    LeadStatus,
)
from .loads import AgentOpenLeads, AgentOpenLeadsDelta
from .rules import (
    Assignment,
    CallingWindow,
    LeadPolicy,
    RoutingRule,
    ScoringRule,
    TeamLeadSettings,
)
from .work import (
    Call,
    Disposition,
    DispositionRule,
    FollowUp,
    FollowUpChannel,
)

__all__ = [
    "OPEN_STATUSES",
    "TIMELINE_HIDDEN_FIELDS",
    "AgentOpenLeads",
    "AgentOpenLeadsDelta",
    "Assignment",
    "Call",
    "CallingWindow",
    "Campaign",
    "CampaignCost",
    "Channel",
    "ConsentNotice",
    "Disposition",
    "DispositionRule",
    "FollowUp",
    "FollowUpChannel",
    "Grade",
    "ImportJob",
    "ImportRow",
    "InboundKey",
    "Intent",
    "LawfulBasis",
    "Lead",
    "LeadEvent",
    "LeadPolicy",
    "LeadSource",
    "LeadStatus",
    "RoutingRule",
    "ScoringRule",
    "TeamLeadSettings",
]
