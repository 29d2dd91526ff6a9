"""Tiers after the sale (RFM): each customer's recency, frequency and money from their
sold orders, and the first active tier whose thresholds hold.

`tiers_recompute` is the nightly job (`customers.tasks.tiers_recompute`, beat via
`customers.periodic`) and also runs for the two customers of a merge or undo. Set-based
on PostgreSQL (`customers.db.recompute_sql`: one UPDATE), the ORM reference elsewhere;
idempotent: a second run changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from .. import db


@transaction.atomic
def tiers_recompute(
    *, now: dt.datetime | None = None, customer_ids: Iterable[int] | None = None
) -> int:
    """Recompute the RFM figures and tiers (of `customer_ids`, else of every customer);
    the number of customers whose figures or tier changed."""
    now = now or timezone.now()
    if connection.vendor == "postgresql":
        return db.recompute_sql(now=now, customer_ids=customer_ids)
    return db.recompute_reference(now=now, customer_ids=customer_ids)


def tier_saved() -> None:
    """A tier or its thresholds changed: every customer's tier is recomputed (a task,
    queued once the change is committed)."""
    from ..tasks import tiers_recompute as task

    transaction.on_commit(task.delay)
