"""Capture: one pipeline for every door a lead comes in by — the entry form, the API, the
inbound API (web forms, ad platforms) and file imports:

    clean → screen (do-not-call) → dedup → score → write → route

one module per step (`cleaning`, `screening`, `dedup`, `scoring`, `writing`, and
`leads.services.routing`, the only writer of `Assignment`), run for one capture by
`pipeline` and for an import's chunk of rows by `batch`. A phone we already know never
makes a second lead: the capture is recorded as a duplicate `LeadSource` on the existing
lead and only fills the fields it still lacks, because what an agent already wrote down is
worth more than what a web form sends later.

The do-not-call list itself is kept by `risk` (`risk.services.do_not_call_add`, …).
"""

from .cleaning import LEAD_FIELDS, budget_parse, lead_fields_clean, phone_normalize
from .pipeline import EDITABLE_FIELDS, CaptureResult, lead_capture, lead_update
from .scoring import (
    DEFAULT_SCORING_RULES,
    SCORABLE_FIELDS,
    Scorer,
    lead_rescore,
    lead_score,
    scoring_rules_install_defaults,
)
from .screening import DoNotCallRefused, close_leads_for_do_not_call

__all__ = [
    "DEFAULT_SCORING_RULES",
    "EDITABLE_FIELDS",
    "LEAD_FIELDS",
    "SCORABLE_FIELDS",
    "CaptureResult",
    "DoNotCallRefused",
    "Scorer",
    "budget_parse",
    "close_leads_for_do_not_call",
    "lead_capture",
    "lead_fields_clean",
    "lead_rescore",
    "lead_score",
    "lead_update",
    "phone_normalize",
    "scoring_rules_install_defaults",
]
