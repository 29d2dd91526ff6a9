"""Moving a lead along its pipeline: the only writers of `Lead.status`.

`lead_move` moves one lead, `lead_move_many` a set of them (the jobs: do-not-call
closes, sweeps). Both check the table in `leads.states`, write the status under a row
lock, and write one append-only `LeadEvent` per lead moved (who, when, from, to, why and
what made the move), which the lead's timeline reads. The audit trail records the change
as for any save (one entry per lead; one summarising entry for a set-based move, like
the other bulk paths). A closing move (won, lost, invalid) keeps its why as the lead's
`closed_reason`.

A test (`tests/leads/test_lead_states.py`) reads the source tree and fails on any other
write of a lead's status.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from contextlib import nullcontext
from typing import NamedTuple

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from leads.models import OPEN_STATUSES, Lead, LeadEvent, LeadStatus
from leads.states import can_move, statuses_that_may_become
from risk.audit import acting_as, record_bulk

BATCH_SIZE = 2000
CLOSED_REASON_LENGTH = Lead._meta.get_field("closed_reason").max_length


def _as(by):
    """Changes are audited as made by `by` (a job without a person: whoever runs it)."""
    return acting_as(by) if by is not None else nullcontext()


def _label(status: str) -> str:
    try:
        return str(LeadStatus(status).label)
    except ValueError:
        return status


def refusal(from_status: str, to_status: str) -> ValidationError:
    """The error of a move the table does not allow, on the `status` field."""
    return ValidationError(
        {
            "status": _("A lead that is %(from)s cannot become %(to)s.")
            % {"from": _label(from_status), "to": _label(to_status)}
        }
    )


@transaction.atomic
def lead_move(
    *,
    lead: Lead,
    to: str,
    by: AbstractBaseUser | None,
    why: str,
    source: str = "",
    at: dt.datetime | None = None,
    also: Iterable[str] = (),
) -> LeadEvent:
    """Move `lead` to status `to` and record the move; refused (on `status`) off the table.

    The lead's row is locked and its stored status is the one checked, whatever the
    instance says. `also` names other fields the caller set on `lead` that are saved in
    the same UPDATE (one row write, one audit entry), e.g. the follow-up's counters.
    `at` backdates the event (a follow-up logged after the call); the row is written now.
    """
    current = (
        Lead.objects.select_for_update().filter(pk=lead.pk).values_list("status", flat=True).first()
    )
    if current is None:
        raise Lead.DoesNotExist(f"Lead {lead.pk} does not exist.")
    if not can_move(current, to):
        raise refusal(current, to)
    fields = {"status", "updated_at", *also}
    lead.status = to
    if to not in OPEN_STATUSES:
        lead.closed_reason = why[:CLOSED_REASON_LENGTH]
        fields.add("closed_reason")
    with _as(by):
        lead.save(update_fields=sorted(fields))
    return LeadEvent.objects.create(
        lead_id=lead.pk,
        at=at or timezone.now(),
        by=by,
        from_status=current,
        to_status=to,
        why=why,
        source=source,
    )


class Moved(NamedTuple):
    """What a set-based move did: leads moved, and leads left alone (the table refused)."""

    moved: int
    skipped: int


@transaction.atomic
def lead_move_many(
    *,
    leads_qs_or_ids: QuerySet[Lead] | Iterable[int],
    to: str,
    by: AbstractBaseUser | None,
    why: str | Mapping[int, str],
    source: str,
    at: dt.datetime | None = None,
) -> Moved:
    """Move a set of leads to `to` at once, each with its `LeadEvent`.

    Set-based: one locking read, then batched UPDATEs and event INSERTs, whatever the
    number of leads. A lead whose current status may not move to `to` (already closed,
    already there) is left alone and counted as skipped. `why` is one text for all, or
    each lead's own (lead id → why). The audit trail gets one summarising entry.
    """
    ids = (
        leads_qs_or_ids.order_by().values("pk")
        if isinstance(leads_qs_or_ids, QuerySet)
        else list(leads_qs_or_ids)
    )
    rows = list(
        Lead.objects.select_for_update()
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", "status")
    )
    allowed = set(statuses_that_may_become(to))
    movable = [(pk, status) for pk, status in rows if status in allowed]
    skipped = len(rows) - len(movable)
    if not movable:
        return Moved(0, skipped)
    now = timezone.now()
    closing = to not in OPEN_STATUSES
    reasons = why if isinstance(why, Mapping) else None
    for start in range(0, len(movable), BATCH_SIZE):
        batch = [pk for pk, _status in movable[start : start + BATCH_SIZE]]
        if reasons is not None and closing:
            Lead.objects.bulk_update(
                [
                    Lead(
                        pk=pk,
                        status=to,
                        closed_reason=reasons.get(pk, "")[:CLOSED_REASON_LENGTH],
                        updated_at=now,
                    )
                    for pk in batch
                ],
                ["status", "closed_reason", "updated_at"],
            )
        else:
            values = {"status": to, "updated_at": now}
            if closing:
                values["closed_reason"] = str(why)[:CLOSED_REASON_LENGTH]
            Lead.objects.filter(pk__in=batch).update(**values)
    by_id = getattr(by, "pk", None)
    LeadEvent.objects.bulk_create(
        [
            LeadEvent(
                lead_id=pk,
                at=at or now,
                by_id=by_id,
                from_status=status,
                to_status=to,
                why=reasons.get(pk, "") if reasons is not None else str(why),
                source=source,
            )
            for pk, status in movable
        ],
        batch_size=BATCH_SIZE,
    )
    with _as(by):
        record_bulk(
            model_label="leads.lead",
            object_id=f"move:{source or to}@{now:%Y%m%dT%H%M%S}",
            summary={"to": to, "source": source, "moved": len(movable), "skipped": skipped},
            description=f"{len(movable)} → {to}",
        )
    return Moved(len(movable), skipped)
