"""Generator step "floor": agent state rows, so the wallboard and the efficiency
indicators have something to read.

For every active agent, `state_days` (30) past days of a working day 09:00–18:00 local in
10-minute rows cycling ready → on a call → wrap-up → ready → on a call → wrap-up → paused
(a code in turn), then offline until the next morning; today, three hours of the same
cycle up to an hour ago, and one open row (ready, on a call, wrap-up, paused or offline by
the agent's id) started within the last hour. Written by one `INSERT … SELECT` over
`generate_series` each (500 agents × 30 days × 55 rows ≈ 800,000 rows in seconds).
"""

from __future__ import annotations

from django.db import connection

from calling.models import PauseCode, StateChange

from .config import Size

MODELS = (StateChange,)
CODES = ("lunch", "training", "meeting", "restroom", "break")


def generate_floor(size: Size) -> None:
    codes = dict(PauseCode.objects.filter(code__in=CODES).values_list("code", "pk"))
    code_ids = [codes[c] for c in CODES if c in codes]
    if not code_ids:
        return
    params = {"days": size.state_days, "codes": code_ids, "ncodes": len(code_ids)}
    agents = """
        SELECT u.id AS uid, row_number() OVER (ORDER BY u.id) AS a
        FROM auth_user u JOIN crm_member m ON m.user_id = u.id
        WHERE m.role = 'agent' AND m.status = 'active'
    """
    cycle = """
        CASE (k + ag.a) %% 7 WHEN 1 THEN 'on_call' WHEN 4 THEN 'on_call'
            WHEN 2 THEN 'wrap_up' WHEN 5 THEN 'wrap_up' WHEN 6 THEN 'paused' ELSE 'ready' END
    """
    with connection.cursor() as cursor:
        # Past days: 54 rows of 10 minutes from 09:00 local, then offline.
        cursor.execute(
            f"""
            INSERT INTO calling_statechange (user_id, state, pause_code_id, started_at,
                ended_at, source, note)
            SELECT s.uid, s.state,
                   CASE WHEN s.state = 'paused'
                        THEN (%(codes)s::bigint[])[1 + ((s.k / 7 + s.a) %% %(ncodes)s)] END,
                   s.at, LEAST(s.at + s.length, now() - interval '4 hours'),
                   CASE WHEN s.state IN ('on_call', 'wrap_up') THEN 'phone' ELSE 'agent' END,
                   ''
            FROM (
                SELECT ag.uid, ag.a, k,
                       CASE WHEN k = 54 THEN 'offline' ELSE {cycle} END AS state,
                       (date_trunc('day', now() AT TIME ZONE 'Asia/Shanghai')
                          - d * interval '1 day' + interval '9 hours'
                          + k * interval '10 minutes') AT TIME ZONE 'Asia/Shanghai' AS at,
                       CASE WHEN k = 54 THEN interval '15 hours'
                            ELSE interval '10 minutes' END AS length
                FROM ({agents}) ag(uid, a),
                     generate_series(1, %(days)s) d, generate_series(0, 54) k
            ) s(uid, a, k, state, at, length)
            """,  # noqa: S608
            params,
        )
        # Today: three hours of the cycle up to an hour ago, then one open row.
        cursor.execute(
            f"""
            INSERT INTO calling_statechange (user_id, state, pause_code_id, started_at,
                ended_at, source, note)
            SELECT s.uid, s.state,
                   CASE WHEN s.state = 'paused'
                        THEN (%(codes)s::bigint[])[1 + ((s.k / 7 + s.a) %% %(ncodes)s)] END,
                   s.at, s.at + interval '10 minutes',
                   CASE WHEN s.state IN ('on_call', 'wrap_up') THEN 'phone' ELSE 'agent' END,
                   ''
            FROM (
                SELECT ag.uid, ag.a, k, {cycle} AS state,
                       now() - interval '4 hours' + k * interval '10 minutes' AS at
                FROM ({agents}) ag(uid, a), generate_series(0, 17) k
            ) s(uid, a, k, state, at)
            """,  # noqa: S608
            params,
        )
        cursor.execute(
            f"""
            INSERT INTO calling_statechange (user_id, state, pause_code_id, started_at,
                ended_at, source, note)
            SELECT ag.uid, s.state,
                   CASE WHEN s.state = 'paused'
                        THEN (%(codes)s::bigint[])[1 + (ag.a %% %(ncodes)s)] END,
                   now() - (ag.a %% 60) * interval '1 minute', NULL,
                   CASE WHEN s.state IN ('on_call', 'wrap_up') THEN 'phone' ELSE 'agent' END,
                   ''
            FROM ({agents}) ag(uid, a)
            CROSS JOIN LATERAL (
                SELECT (ARRAY['ready', 'on_call', 'wrap_up', 'paused', 'offline'])[1 + ag.a %% 5]
            ) s(state)
            """,  # noqa: S608
            params,
        )
