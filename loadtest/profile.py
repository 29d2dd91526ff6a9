"""`python -m loadtest.profile`: each endpoint of the load test, one request at a time.

Same settings and data as `make load` (run bin/load once first, or set its environment;
see bin/load): for a sample agent and manager from var/load-plan.json, the median server
time of each page over `--runs` requests and its SQL query count. `--cprofile NAME`
prints where the time of that endpoint goes (cumulative, top 30 functions).

    bin/load --profile                      # the table
    bin/load --profile --cprofile worklist  # and the profile of one endpoint
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import hashlib
import hmac
import json
import pstats
import secrets
import statistics
import sys
import time


def endpoints(plan: dict) -> list[tuple[str, str, str, dict | None, dict]]:
    """(name, method, path, data, person) for each thing the simulated users do."""
    agent = plan["agents"][0]
    manager = plan["managers"][0]
    dialer = plan["agents"][1]
    lead = agent["leads"][0]
    pool = plan["pool"].get(str(agent["team_id"])) or [0]
    return [
        ("worklist", "get", "/leads/", None, agent),
        ("lead", "get", f"/leads/{lead}/", None, agent),
        (
            "follow-up",
            "post",
            f"/leads/{lead}/followups/",
            {
                "channel": "phone",
                "disposition": "call_back",
                "call_duration_seconds": 30,
                "notes": "客户说下周再联系",
                "next_followup_at": "2030-01-07T10:00",
            },
            agent,
        ),
        ("pool", "get", "/leads/pool/", None, agent),
        ("claim", "post", f"/leads/pool/{pool[-1]}/claim/", {}, agent),
        ("search by phone", "get", f"/leads/?q={agent['phones'][0]}", None, agent),
        ("team leads", "get", "/leads/team/", None, manager),
        ("team orders", "get", "/orders/team/", None, manager),
        (
            "reassign",
            "post",
            "/leads/team/reassign/",
            {"lead_ids": manager["leads"][0], "agent": manager["agents"][0], "reason": "x"},
            manager,
        ),
        ("export", "get", "/leads/team/export/?format=csv", None, manager),
        ("performance", "get", "/performance/", None, manager),
        # The calling session, in the order a dialer works it (see locustfile.Dialer).
        ("dialer start", "post", "/calling/start/", {}, dialer),
        ("dialer next", "get", "/api/calling/session/next/", None, dialer),
        ("dialer call", "post", "/calling/dial/", {"lead": held}, dialer),
        ("phone event", "event", "/api/calling/events/", None, None),
        (
            "dialer save & next",
            "post",
            "/calling/save/",
            {
                "lead": held,
                "disposition": "call_back",
                "notes": "客户说下周再联系",
                "next_followup_at": "2030-01-07T10:00",
            },
            dialer,
        ),
    ]


def held(client) -> int:
    """The lead the dialer holds now (asked of the API, as the Locust dialer does)."""
    answer = client.get("/api/calling/session/next/", HTTP_ACCEPT="application/json").json()
    return (answer.get("lead") or {}).get("id") or 0


def signed_event(plan: dict) -> tuple[bytes, str]:
    """A phone event of a new call, signed as the phone system signs it."""
    body = json.dumps(
        {
            "call_id": secrets.token_hex(8),
            "event": "ringing",
            "at": dt.datetime.now(dt.UTC).isoformat(),
        }
    ).encode()
    digest = hmac.new(plan["phone_secret"].encode(), body, hashlib.sha256).hexdigest()
    return body, f"sha256={digest}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="loadtest.profile", description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--only", default="", help="endpoints whose name contains this")
    parser.add_argument("--cprofile", default="", help="profile this endpoint")
    parser.add_argument("--queries", action="store_true", help="print every query's SQL")
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    plan = json.loads((settings.VAR_DIR / "load-plan.json").read_text())
    print(f"{'endpoint':<18} {'status':>6} {'median':>9} {'max':>9} {'queries':>8}")
    for name, method, path, data, person in endpoints(plan):
        if args.only not in name:
            continue
        client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
        if person:
            client.cookies["sessionid"] = person["session"]

        def prepared(client=client, method=method, path=path, data=data):
            """The request, ready to send: what it needs asked beforehand (the held lead,
            a new signed event), so only the request itself is timed."""
            if method == "event":
                body, signature = signed_event(plan)
                return lambda: client.post(
                    path, body, content_type="application/json", HTTP_X_SIGNATURE=signature
                )
            if method == "get":
                accept = "application/json" if "/api/" in path else "*/*"
                return lambda: client.get(path, HTTP_ACCEPT=accept)
            values = {k: v(client) if callable(v) else v for k, v in (data or {}).items()}
            return lambda: client.post(path, values, HTTP_REFERER="https://127.0.0.1/")

        prepared()()  # warm: templates, caches, connection
        times, status, queries = [], None, 0
        for _ in range(args.runs):
            request = prepared()
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = request()
                times.append((time.perf_counter() - started) * 1000)
            status, queries = response.status_code, len(captured)
        if args.queries:
            for query in captured.captured_queries:
                print(f"  {float(query['time']) * 1000:7.1f} ms  {query['sql'][:300]}")
        print(
            f"{name:<18} {status:>6} {statistics.median(times):>7.1f}ms"
            f" {max(times):>7.1f}ms {queries:>8}"
        )
        if args.cprofile and args.cprofile == name:
            profiler = cProfile.Profile()
            for _ in range(args.runs):
                request = prepared()
                profiler.enable()
                request()
                profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
            request = prepared()
            with CaptureQueriesContext(connection) as captured:
                request()
            slow = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:5]
            for query in slow:
                print(f"  {float(query['time']) * 1000:7.1f} ms  {query['sql'][:400]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
