"""Merging two customers and undoing it.

`customers_merge` moves the leads of `loser` to `winner` in one UPDATE (their orders,
tickets and revisits belong to the customer through the lead, so they move with it), moves
the contacts the winner does not have, takes the chosen field values, hides the loser
(`merged_into`) and records it all in a `Merge`: who, when, the ids moved per kind and each
field's value before and after. `merge_undo` puts back exactly what the record says moved
and the winner's values before. Both run under row locks in one transaction, set-based
whatever the number of leads, and write a summarising audit entry.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.models import Revisit, ServiceTicket
from leads.models import Lead
from orders.models import Order
from risk.audit import acting_as, record_bulk

from ..models import Contact, Customer, Merge
from .tiers import tiers_recompute

#: The winner's fields a merge may take from the loser (the merge screen: one choice each).
MERGE_FIELDS = ("kind", "name", "company", "notes", "owner", "team")
WINNER, LOSER = "winner", "loser"


def _field_value(customer: Customer, field: str):
    return getattr(customer, Customer._meta.get_field(field).attname)


def _lock(*pks: int) -> dict[int, Customer]:
    rows = Customer.objects.select_for_update().filter(pk__in=pks).order_by("pk")
    return {row.pk: row for row in rows}


@transaction.atomic
def customers_merge(
    *,
    winner: Customer,
    loser: Customer,
    by: AbstractBaseUser,
    choices: Mapping[str, str] | None = None,
) -> Merge:
    """Merge `loser` into `winner`; `choices` says per field whose value wins (the
    winner's unless "loser"). Refused (on `loser`) for the same customer or one already
    merged, and (on the field) for an unknown field or choice."""
    if winner.pk == loser.pk:
        raise ValidationError({"loser": _("Choose two different customers.")})
    choices = dict(choices or {})
    for field, choice in choices.items():
        if field not in MERGE_FIELDS:
            raise ValidationError({field: _("This field cannot be chosen in a merge.")})
        if choice not in (WINNER, LOSER):
            raise ValidationError({field: _("Choose the kept customer's value or the other's.")})
    locked = _lock(winner.pk, loser.pk)
    kept, gone = locked.get(winner.pk), locked.get(loser.pk)
    if kept is None or gone is None:
        raise ValidationError({"loser": _("This customer does not exist.")})
    if kept.is_merged or gone.is_merged:
        raise ValidationError({"loser": _("This customer has already been merged.")})

    lead_ids = list(
        Lead.objects.filter(customer_id=gone.pk).order_by("pk").values_list("pk", flat=True)
    )
    Lead.objects.filter(customer_id=gone.pk).update(customer_id=kept.pk)
    have = set(Contact.objects.filter(customer_id=kept.pk).values_list("kind", "value"))
    contact_ids = [
        pk
        for pk, kind, value in Contact.objects.filter(customer_id=gone.pk)
        .order_by("pk")
        .values_list("pk", "kind", "value")
        if (kind, value) not in have
    ]
    Contact.objects.filter(pk__in=contact_ids).update(customer_id=kept.pk)
    moved = {
        "leads": lead_ids,
        "contacts": contact_ids,
        # These belong to the customer through their lead: recorded, moved with it.
        "orders": list(
            Order.objects.filter(lead_id__in=lead_ids).order_by("pk").values_list("pk", flat=True)
        ),
        "tickets": list(
            ServiceTicket.objects.filter(lead_id__in=lead_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        ),
        "revisits": list(
            Revisit.objects.filter(lead_id__in=lead_ids).order_by("pk").values_list("pk", flat=True)
        ),
    }
    fields = {}
    for field in MERGE_FIELDS:
        if choices.get(field) != LOSER:
            continue
        before, after = _field_value(kept, field), _field_value(gone, field)
        if before != after:
            fields[field] = {"before": before, "after": after}
            setattr(kept, Customer._meta.get_field(field).attname, after)
    now = timezone.now()
    with acting_as(by):
        if fields:
            kept.save(update_fields=[*fields, "updated_at"])
        gone.merged_into = kept
        gone.save(update_fields=["merged_into", "updated_at"])
        merge = Merge.objects.create(
            winner=kept, loser=gone, by=by, at=now, moved=moved, fields=fields
        )
        record_bulk(
            model_label="customers.customer",
            object_id=f"merge:{merge.pk}",
            summary={
                "merge": merge.pk,
                "winner": kept.pk,
                "loser": gone.pk,
                **{kind: len(ids) for kind, ids in moved.items()},
            },
            description=f"{gone.pk} → {kept.pk}",
        )
    tiers_recompute(customer_ids=[kept.pk, gone.pk], now=now)
    return merge


@transaction.atomic
def merge_undo(*, merge: Merge, by: AbstractBaseUser) -> Merge:
    """Undo `merge`: its leads and contacts go back to the merged-in customer, the kept
    customer's fields get their values before, the merged-in customer is shown again.
    Refused (on `merge`) once undone, or while the kept customer is itself merged into
    another (undo that merge first)."""
    locked_merge = Merge.objects.select_for_update().get(pk=merge.pk)
    if locked_merge.undone_at is not None:
        raise ValidationError({"merge": _("This merge has already been undone.")})
    locked = _lock(locked_merge.winner_id, locked_merge.loser_id)
    kept, gone = locked[locked_merge.winner_id], locked[locked_merge.loser_id]
    if kept.is_merged:
        raise ValidationError(
            {"merge": _("The kept customer was merged again since: undo that merge first.")}
        )
    moved = locked_merge.moved
    Lead.objects.filter(pk__in=moved.get("leads", []), customer_id=kept.pk).update(
        customer_id=gone.pk
    )
    Contact.objects.filter(pk__in=moved.get("contacts", []), customer_id=kept.pk).update(
        customer_id=gone.pk
    )
    now = timezone.now()
    with acting_as(by):
        if locked_merge.fields:
            for field, values in locked_merge.fields.items():
                setattr(kept, Customer._meta.get_field(field).attname, values["before"])
            kept.save(update_fields=[*locked_merge.fields, "updated_at"])
        gone.merged_into = None
        gone.save(update_fields=["merged_into", "updated_at"])
        locked_merge.undone_at = now
        locked_merge.undone_by = by
        locked_merge.save(update_fields=["undone_at", "undone_by"])
        record_bulk(
            model_label="customers.customer",
            object_id=f"unmerge:{locked_merge.pk}",
            summary={"merge": locked_merge.pk, "winner": kept.pk, "loser": gone.pk},
            description=f"{kept.pk} ↛ {gone.pk}",
        )
    tiers_recompute(customer_ids=[kept.pk, gone.pk], now=now)
    merge.undone_at, merge.undone_by = now, by
    return locked_merge
