"""The lead state machine: which status a lead may move to from which (the pipeline).

new → contacted → interested → won / lost, or invalid at any open step; a lead may skip
ahead (a first call can win the deal), never go back, and a closed lead (won, lost,
invalid) stays closed. `leads.services.moves.lead_move` (and `lead_move_many` for
set-based jobs) is the only writer of `Lead.status`: it checks this table and writes an
append-only `LeadEvent` per move, which the lead's timeline reads.

What makes each move (`LeadEvent.Source`):
- a follow-up's disposition (`DispositionRule.set_status`): any move of the table;
- an order taken on the lead (`leads.services.followups.lead_mark_won`): → won;
- a number put on the do-not-call list (`close_leads_for_do_not_call`): → lost.
Assignment, the pool (claim, release, reclaim, return) and imports move the owner, never
the status.
"""

from __future__ import annotations

from collections.abc import Mapping

from leads.models import LeadStatus

_CLOSED = frozenset({LeadStatus.WON, LeadStatus.LOST, LeadStatus.INVALID})

#: from-status → the statuses a lead may move to. Closed statuses have no way out.
LEAD_TRANSITIONS: Mapping[str, frozenset[str]] = {
    LeadStatus.NEW: frozenset({LeadStatus.CONTACTED, LeadStatus.INTERESTED, *_CLOSED}),
    LeadStatus.CONTACTED: frozenset({LeadStatus.INTERESTED, *_CLOSED}),
    LeadStatus.INTERESTED: _CLOSED,
    LeadStatus.WON: frozenset(),
    LeadStatus.LOST: frozenset(),
    LeadStatus.INVALID: frozenset(),
}


def can_move(from_status: str, to_status: str) -> bool:
    """May a lead that is `from_status` become `to_status`?"""
    return to_status in LEAD_TRANSITIONS.get(from_status, frozenset())


def statuses_that_may_become(to_status: str) -> list[str]:
    """The statuses from which a lead may move to `to_status` (for set-based moves)."""
    return [status for status, targets in LEAD_TRANSITIONS.items() if to_status in targets]
