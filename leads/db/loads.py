"""Each agent's open-lead count: counted (the reference, any database) or kept (PostgreSQL:
`leads.models.loads`, filled by triggers on `leads_lead`).

`open_leads_by_user()` is what the team page reads (`open_leads_kept()` is the same as a
per-row expression); `fold()` adds the appended deltas into the base rows (beat,
`leads.tasks.fold_open_lead_counts`).
`tests/leads/test_open_lead_counts.py` checks the kept counts against counting after
every kind of write.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Count, IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce

from ..models import OPEN_STATUSES, AgentOpenLeads, AgentOpenLeadsDelta, Lead


def kept() -> bool:
    return connection.vendor == "postgresql"


def open_leads_counted(user_ref: str = "user_id"):
    """The reference: count the agent's open leads (reads each of them)."""
    counted = (
        Lead.objects.filter(owner_id=OuterRef(user_ref), status__in=OPEN_STATUSES)
        .order_by()
        .values("owner_id")
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def open_leads_kept(user_ref: str = "user_id"):
    """The kept count: the agent's base row plus the deltas not folded yet (a few rows)."""
    base = AgentOpenLeads.objects.filter(user_id=OuterRef(user_ref)).values("open_leads")
    deltas = (
        AgentOpenLeadsDelta.objects.filter(user_id=OuterRef(user_ref))
        .order_by()
        .values("user_id")
        .annotate(n=Sum("delta"))
        .values("n")
    )
    return Coalesce(Subquery(base, output_field=IntegerField()), 0) + Coalesce(
        Subquery(deltas, output_field=IntegerField()), 0
    )


def open_leads_by_user(user_ids) -> dict[int, int]:
    """Many agents' open leads in one grouped statement: the kept base rows and deltas are
    read whole (a row per agent; no per-agent lookup, so a center head's 500 agents cost a
    few pages, not 500 index probes); elsewhere the reference count."""
    user_ids = list(user_ids)
    if not user_ids:
        return {}
    if not kept():
        counted = (
            Lead.objects.filter(owner_id__in=user_ids, status__in=OPEN_STATUSES)
            .order_by()
            .values_list("owner_id")
            .annotate(n=Count("*"))
        )
        return dict(counted)
    with connection.cursor() as cursor:
        if len(user_ids) > FEW_AGENTS:
            # Many agents: the kept tables whole (a row per agent and a few deltas: a few
            # pages) beat an index probe per agent.
            cursor.execute(ALL_SQL)
            wanted = set(user_ids)
            return {user: n for user, n in cursor.fetchall() if user in wanted}
        cursor.execute(BY_USER_SQL, [user_ids])
        return dict(cursor.fetchall())


FEW_AGENTS = 40
KEPT_SQL = """
SELECT user_id, sum(n)::int FROM (
    SELECT user_id, open_leads AS n FROM leads_agentopenleads
    UNION ALL
    SELECT user_id, delta FROM leads_agentopenleadsdelta
) AS kept {where} GROUP BY user_id
"""
ALL_SQL = KEPT_SQL.format(where="")
BY_USER_SQL = KEPT_SQL.format(where="WHERE user_id = ANY(%s)")


FOLD_SQL = """
WITH folded AS (DELETE FROM leads_agentopenleadsdelta RETURNING user_id, delta)
INSERT INTO leads_agentopenleads (user_id, open_leads)
SELECT user_id, sum(delta) FROM folded GROUP BY user_id
ON CONFLICT (user_id) DO UPDATE
SET open_leads = leads_agentopenleads.open_leads + EXCLUDED.open_leads
"""


def fold() -> int:
    """Add the deltas into the base rows, in one statement (deltas appended meanwhile by
    other transactions stay for the next fold). Returns the agents whose count moved."""
    if not kept():
        return 0
    with connection.cursor() as cursor:
        cursor.execute(FOLD_SQL)
        return cursor.rowcount


def open_leads_of(user_id: int) -> int:
    """One agent's open leads (the kept count on PostgreSQL: two index lookups)."""
    if not kept():
        return Lead.objects.filter(owner_id=user_id, status__in=OPEN_STATUSES).count()
    with connection.cursor() as cursor:
        cursor.execute(OF_ONE_SQL, [user_id, user_id])
        return int(cursor.fetchone()[0])


OF_ONE_SQL = """
SELECT COALESCE((SELECT open_leads FROM leads_agentopenleads WHERE user_id = %s), 0)
     + COALESCE((SELECT sum(delta) FROM leads_agentopenleadsdelta WHERE user_id = %s), 0)
"""
