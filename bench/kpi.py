"""Generator step "kpi": calls and quality scores up to issue 6's size, targets, scorecards.

* Calls: `calls` (7,000,000 by default) over the last 12 months, on the leads the leads
  step gave its owners, each by the lead's owner: with the 3,000,000 follow-ups that makes
  the issue's 10,000,000 follow-ups and calls. Written by one `INSERT … SELECT` over
  `generate_series` in PostgreSQL (minutes, not hours), office hours in local time, 35%
  unanswered (0 s), the rest 20 s – 7 min; marked `source = 'bench'`.
* Quality scores: `quality_scores` (100,000) of answered calls by the inspector, rubric
  3–5, scored a day after the call.
* Targets for every agent for the current and the last month (every indicator), and the
  last and the current month's scorecards computed, so the drill-down pages and the
  dashboards have something to open.

Orders and revisits come from the orders and after-sales steps: `BENCH_ORDERS=1000000
BENCH_REVISITS=2000000` gives issue 6's full size.

Calls are not TRUNCATEd by the generator (follow-ups point at calls, and TRUNCATE … CASCADE
would empty them): this step keeps its own (`source = 'bench'`) when there are exactly
`calls` of them, else deletes and writes them again.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection

from crm.models import Member, Role
from performance.models import Indicator, Level, QualityScore, Target
from performance.periods import current_period
from performance.services.scorecards import recompute_scorecards

from . import org
from .config import Size

# Scorecards are not counted: they are recomputed (upserted) here and by the dashboard
# measurements, which must not make this step look stale.
MODELS = (Target, QualityScore)
SOURCE = "bench"
TARGETS = {
    "sales_amount": "60000",
    "orders": "12",
    "conversion": "8",
    "revisit_score": "4.3",
    "complaints": "2",
    "calls": "1200",
    "talk_time": "4000",
    "followups": "500",
    "ontime_followup": "80",
    "contacted_24h": "85",
    "quality_professionalism": "80",
    "quality_communication": "80",
    "quality_problem_solving": "80",
    "quality_overall": "80",
}


def generate_kpi(size: Size) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM leads_call WHERE source = %s", [SOURCE])
        (calls,) = cursor.fetchone()
        if calls != size.calls:  # the calls of an earlier run are kept when they fit
            cursor.execute("DELETE FROM leads_call WHERE source = %s", [SOURCE])
            cursor.execute("SELECT setseed(%s)", [(size.seed % 1000) / 1000])
            _calls(cursor, size)
        cursor.execute("SELECT setseed(%s)", [(size.seed % 1000) / 1000])
        _quality_scores(cursor, size)
    _targets()
    month = current_period()
    for period in (month.previous(), month):
        recompute_scorecards(period=period)


def _calls(cursor, size: Size) -> None:
    cursor.execute(
        """
        CREATE TEMP TABLE bench_kpi_leads ON COMMIT DROP AS
        SELECT row_number() OVER (ORDER BY id) AS n, id AS lead_id, owner_id, phone
        FROM leads_lead WHERE owner_id IS NOT NULL
        """
    )
    cursor.execute("CREATE INDEX ON bench_kpi_leads (n)")
    cursor.execute("ANALYZE bench_kpi_leads")
    cursor.execute("SELECT count(*) FROM bench_kpi_leads")
    (owned,) = cursor.fetchone()
    if not owned or not size.calls:
        return
    # Local office hours (Asia/Shanghai, UTC+8): 09:00–20:00 is 01:00–12:00 UTC.
    cursor.execute(
        """
        INSERT INTO leads_call (direction, caller, callee, extension, started_at,
            duration_seconds, recording_url, external_id, source, created_at, agent_id, lead_id)
        SELECT CASE WHEN t.x < 0.9 THEN 'outbound' ELSE 'inbound' END, '', l.phone, '',
               t.at, CASE WHEN t.y < 0.35 THEN 0 ELSE 20 + floor(t.z * 400)::int END,
               '', '', %(source)s, t.at, l.owner_id, l.lead_id
        FROM (
            SELECT 1 + floor(random() * %(owned)s)::bigint AS n,
                   date_trunc('day', now() - random() * interval '365 days')
                     + interval '1 hour' + random() * interval '11 hours' AS at,
                   random() AS x, random() AS y, random() AS z
            FROM generate_series(1, %(calls)s)
        ) t
        JOIN bench_kpi_leads l ON l.n = t.n
        """,
        {"source": SOURCE, "owned": owned, "calls": size.calls},
    )


def _quality_scores(cursor, size: Size) -> None:
    inspector = get_user_model().objects.filter(username=org.INSPECTOR).first()
    if inspector is None or not size.quality_scores:
        return
    cursor.execute(
        "SELECT count(*) FROM leads_call WHERE source = %s AND duration_seconds > 0", [SOURCE]
    )
    (answered,) = cursor.fetchone()
    every = max(1, answered // size.quality_scores)
    cursor.execute(
        """
        INSERT INTO performance_qualityscore (professionalism, communication, problem_solving,
            overall, comment, scored_at, agent_id, call_id, followup_id, scorer_id)
        SELECT p, c, s, round((p + c + s) * 20 / 3.0, 2), '',
               LEAST(now(), started_at + interval '1 day'), agent_id, id, NULL, %(scorer)s
        FROM (
            SELECT id, agent_id, started_at,
                   3 + floor(random() * 3)::int AS p, 3 + floor(random() * 3)::int AS c,
                   3 + floor(random() * 3)::int AS s
            FROM leads_call
            WHERE source = %(source)s AND duration_seconds > 0 AND id %% %(every)s = 0
            ORDER BY id
            LIMIT %(n)s
        ) picked
        """,
        {"scorer": inspector.pk, "source": SOURCE, "every": every, "n": size.quality_scores},
    )


def _targets() -> None:
    month = current_period()
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=TARGETS)}
    agents = list(Member.objects.filter(role=Role.AGENT).values_list("user_id", flat=True))
    Target.objects.bulk_create(
        [
            Target(
                level=Level.AGENT,
                agent_id=agent_id,
                indicator=indicator,
                period_kind=period.kind,
                period_start=period.start,
                value=Decimal(TARGETS[code]),
                set_at=dt.datetime.combine(period.start, dt.time(9), tzinfo=dt.UTC),
            )
            for period in (month, month.previous())
            for agent_id in agents
            for code, indicator in indicators.items()
        ],
        batch_size=2000,
    )
