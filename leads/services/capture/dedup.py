"""Dedup, the step after screening: one lead per phone. A capture of a known number makes
no second lead; it is recorded on the lead that has the number and fills in what that
lead still lacks (never overwriting what an agent wrote down) — if the capturer may edit
that lead. Whoever may not even see it learns only that the customer is already being
followed up: not which lead, not whose.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from crm import access
from leads import access as leads_access

from ...db.importing import filter_by_phones
from ...models import Lead


def known_leads(
    phones: set[str], *, fields: Iterable[str] | None = None, lock: bool = False
) -> dict[str, Lead]:
    """The leads that already have one of `phones` (E.164), by phone; locked for the rest of
    the transaction when asked (a single capture merges into the lead it finds)."""
    if not phones:
        return {}
    leads = filter_by_phones(Lead.objects, phones).order_by()
    if lock:
        leads = leads.select_for_update()
    if fields is not None:
        leads = leads.only(*fields)
    return {lead.phone: lead for lead in leads}


@dataclass(frozen=True)
class Rights:
    """What a capturer may do with the known leads their capture repeats (ids)."""

    visible: frozenset[int]
    editable: frozenset[int]


def capturer_rights(by, leads: Iterable[Lead]) -> Rights:
    """Which of `leads` the capturer may see (as a lead they may open, or in a pool they
    may claim from) and which they may edit (as `followups.can_work_lead` decides: the
    owner, or a manager, head or admin whose scope has the lead). `by` None is the system
    (the inbound API, a key): it may fill in any lead and is told which it was."""
    leads = list(leads)
    ids = {lead.pk for lead in leads}
    if by is None:
        return Rights(frozenset(ids), frozenset(ids))
    if not ids:
        return Rights(frozenset(), frozenset())
    if access.scope_of(by).sees_all:
        opened, pooled = ids, set()
    else:
        opened = set(leads_access.visible_leads(by).filter(pk__in=ids).values_list("pk", flat=True))
        pooled = set(leads_access.visible_pool(by).filter(pk__in=ids).values_list("pk", flat=True))
    works = leads_access.can_work_leads(by)
    manages = leads_access.can_manage_leads(by)
    editable = {
        lead.pk
        for lead in leads
        if (lead.owner_id is not None and lead.owner_id == by.pk and works)
        or (manages and lead.pk in opened)
    }
    return Rights(frozenset(opened | pooled | editable), frozenset(editable))
