"""Agents and managers of a call center, as Locust users (started by bin/load).

Each simulated user acts about every 30 s (`wait_time` between 20 and 40 s), like a person
who is mostly on the phone:

- an agent's day: open the worklist, open one of their leads, log a follow-up, claim a
  lead from their team's pool, search their worklist by phone;
- an agent in a calling session (the preview dialer): start the session, then again and
  again the next lead, call it, the phone system's events (signed, as the phone system
  posts them), save & next;
- a manager's morning: the team's leads, the team's orders, reassign a lead, export the
  team's leads, the team performance dashboard (when the site has one).

Who they are comes from var/load-plan.json (loadtest/prepare.py): each has a session
made at the start of their shift; `LOAD_FORM_LOGINS` of them (default 50) log in through
the login form instead, timed apart ("login"), since a login is once a shift and its
password hash is slow on purpose. The site runs with the production settings behind
what would be a TLS proxy: requests say `X-Forwarded-Proto: https`, and the secure
cookies are sent by hand (a cookie jar would not send them over plain http).

At the end it prints p50/p95/p99 per endpoint, the overall p95, the error rate and the
request rate, PASS or FAIL against the targets (`LOAD_P95_MS`, default 300 ms;
`LOAD_MAX_ERROR_RATE`, default 0.001), and writes var/load-results.json.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import itertools
import json
import os
import random
import secrets
import string
import time
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path
from urllib.parse import urlencode

import gevent
from locust import between, events, task
from locust.contrib.fasthttp import FastHttpUser

ROOT = Path(__file__).resolve().parent.parent
PLAN = json.loads((ROOT / "var" / "load-plan.json").read_text())
P95_TARGET_MS = float(os.environ.get("LOAD_P95_MS", "300"))
MAX_ERROR_RATE = float(os.environ.get("LOAD_MAX_ERROR_RATE", "0.001"))
FORM_LOGINS = int(os.environ.get("LOAD_FORM_LOGINS", "50"))
# Measured from this long after the last user started: the ramp-up (and its logins, a slow
# hash each) queues requests that are not what a steady day looks like.
WARMUP_SECONDS = float(os.environ.get("LOAD_WARMUP", "30"))
RESULTS = Path(os.environ.get("LOAD_RESULTS", ROOT / "var" / "load-results.json"))

_agents = itertools.cycle(PLAN["agents"])
_managers = itertools.cycle(PLAN["managers"])
_logins = itertools.count()
_login_times: list[float] = []
_login_failures = 0


def _token() -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))


class Person(FastHttpUser):
    """FastHttpUser (geventhttpclient): the load generator shares the 2 cores with the
    server, and the requests-based client spent several times more CPU per request."""

    abstract = True
    wait_time = between(20, 40)

    def on_start(self) -> None:
        # Cookies are sent by hand (the production cookies are Secure, the loopback is not
        # TLS): the client keeps none of its own.
        self.client.cookiejar = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
        self.client.client.cookiejar = self.client.cookiejar
        self.person = self.next_person()
        self.csrf = _token()
        self.origin = self.host.replace("http://", "https://", 1)
        session = self.person["session"]
        if next(_logins) < FORM_LOGINS:
            session = self.form_login() or session
        self.cookie = f"sessionid={session}; csrftoken={self.csrf}"
        # People start their shift over a while, not all on the same click.
        gevent.sleep(random.uniform(0, 30))

    def headers(self, extra: dict | None = None) -> dict:
        return {
            "X-Forwarded-Proto": "https",
            "Cookie": getattr(self, "cookie", f"csrftoken={self.csrf}"),
            **(extra or {}),
        }

    def form_login(self) -> str | None:
        """The login form, as a browser does it: the page, then the credentials."""
        global _login_failures
        started = time.perf_counter()
        self.client.get("/accounts/login/", headers=self.headers(), name="login page")
        response = self.client.post(
            "/accounts/login/",
            data={
                "username": self.person["username"],
                "password": PLAN["password"],
                "csrfmiddlewaretoken": self.csrf,
            },
            headers=self.headers({"Referer": f"{self.origin}/accounts/login/"}),
            allow_redirects=False,
            name="login",
        )
        _login_times.append((time.perf_counter() - started) * 1000)
        session = _cookie(response, "sessionid")
        if response.status_code != 302 or not session:
            _login_failures += 1
            return None
        return session

    def page(self, path: str, name: str, **params) -> None:
        with self.client.get(
            f"{path}?{urlencode(params)}" if params else path,
            headers=self.headers(),
            allow_redirects=False,
            name=name,
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} {response.headers.get('Location', '')}")

    def post(self, path: str, name: str, data: dict, *, ok=(200, 302)) -> None:
        data = {**data, "csrfmiddlewaretoken": self.csrf}
        with self.client.post(
            path,
            data=data,
            headers=self.headers({"Referer": f"{self.origin}{path}"}),
            allow_redirects=False,
            name=name,
            catch_response=True,
        ) as response:
            location = response.headers.get("Location", "")
            if response.status_code not in ok or "/accounts/login" in location:
                response.failure(f"{response.status_code} {location}")


def _cookie(response, name: str) -> str | None:
    """A cookie set by the answer (Set-Cookie headers, as geventhttpclient gives them)."""
    headers = response.headers
    values = headers.get_all("Set-Cookie") if hasattr(headers, "get_all") else None
    if values is None:
        raw = headers.get("Set-Cookie") or ""
        values = raw.split(", ") if raw else []
    for value in values:
        key, _, rest = value.partition("=")
        if key.strip() == name:
            return rest.split(";", 1)[0]
    return None


class Agent(Person):
    weight = 19

    def next_person(self) -> dict:
        return next(_agents)

    @task(3)
    def worklist(self) -> None:
        self.page("/leads/", "worklist")

    @task(3)
    def open_lead(self) -> None:
        lead = random.choice(self.person["leads"])
        self.page(f"/leads/{lead}/", "lead")

    @task(2)
    def log_followup(self) -> None:
        lead = random.choice(self.person["leads"])
        # Outcomes that keep the lead on the desk: a run of no-answers sends it back to the
        # pool, and the agent's next requests on it would be 404s of the script, not the site.
        later = dt.datetime.now() + dt.timedelta(days=random.randint(1, 5))  # noqa: DTZ005
        self.post(
            f"/leads/{lead}/followups/",
            "follow-up",
            {
                "channel": "phone",
                "disposition": random.choice(["reached", "call_back", "interested"]),
                "call_duration_seconds": random.randint(0, 300),
                "notes": "客户说下周再联系",
                "next_followup_at": later.strftime("%Y-%m-%dT%H:%M"),
            },
        )

    @task(1)
    def claim_from_pool(self) -> None:
        self.page("/leads/pool/", "pool")
        pool = PLAN["pool"].get(str(self.person["team_id"]))
        if pool:
            self.post(f"/leads/pool/{random.choice(pool)}/claim/", "claim", {})

    @task(1)
    def search_by_phone(self) -> None:
        self.page("/leads/", "search by phone", q=random.choice(self.person["phones"]))


class Dialer(Person):
    """An agent working leads one after another in a calling session (issue 17)."""

    weight = 4
    wait_time = between(20, 40)  # about one call every half minute

    def next_person(self) -> dict:
        return next(_agents)

    def on_start(self) -> None:
        super().on_start()
        self.post("/calling/start/", "dialer start", {})

    def event(self, call_id: str, kind: str) -> None:
        """What the phone system posts: signed with the webhook secret prepare.py set."""
        body = json.dumps(
            {"call_id": call_id, "event": kind, "at": dt.datetime.now(dt.UTC).isoformat()}
        ).encode()
        digest = hmac.new(PLAN["phone_secret"].encode(), body, hashlib.sha256).hexdigest()
        with self.client.post(
            "/api/calling/events/",
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-Signature": f"sha256={digest}",
                "X-Forwarded-Proto": "https",
            },
            name="phone event",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(str(response.status_code))

    @task
    def call_next(self) -> None:
        with self.client.get(
            "/api/calling/session/next/",
            headers=self.headers({"Accept": "application/json"}),
            name="dialer next",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(str(response.status_code))
                return
            lead = (response.json() or {}).get("lead")
        if not lead:
            return
        # A refusal by the calling rules (the load data's calling hours) is an answer, not
        # an error: the agent writes the lead up or skips it all the same.
        self.post("/calling/dial/", "dialer call", {"lead": lead["id"]}, ok=(302, 400))
        call_id = secrets.token_hex(8)
        for kind in ("ringing", "answered", "hangup"):
            self.event(call_id, kind)
        later = dt.datetime.now() + dt.timedelta(days=random.randint(1, 5))  # noqa: DTZ005
        self.post(
            "/calling/save/",
            "dialer save & next",
            {
                "lead": lead["id"],
                "disposition": random.choice(["reached", "call_back", "interested"]),
                "notes": "客户说下周再联系",
                "next_followup_at": later.strftime("%Y-%m-%dT%H:%M"),
            },
            ok=(302, 400),
        )


class Manager(Person):
    weight = 1
    has_dashboard = None

    def next_person(self) -> dict:
        return next(_managers)

    @task(3)
    def team_leads(self) -> None:
        self.page("/leads/team/", "team leads")

    @task(2)
    def team_orders(self) -> None:
        self.page("/orders/team/", "team orders")

    @task(1)
    def reassign(self) -> None:
        self.post(
            "/leads/team/reassign/",
            "reassign",
            {
                "lead_ids": random.choice(self.person["leads"]),
                "agent": random.choice(self.person["agents"]),
                "reason": "调整工作量",
            },
        )

    @task(1)
    def export(self) -> None:
        self.page("/leads/team/export/", "export", format="csv")

    @task(1)
    def dashboard(self) -> None:
        if Manager.has_dashboard is None:
            response = self.client.get(
                "/performance/", headers=self.headers(), allow_redirects=False, name="performance"
            )
            Manager.has_dashboard = response.status_code != 404
            return
        if Manager.has_dashboard:
            self.page("/performance/", "performance")


# --- the figures ------------------------------------------------------------------------


@events.spawning_complete.add_listener
def start_measuring(**_kwargs) -> None:
    def reset() -> None:
        gevent.sleep(WARMUP_SECONDS)
        _environment["env"].runner.stats.reset_all()
        print(f"load: warm-up over, measuring from now ({WARMUP_SECONDS:.0f} s after ramp-up)")

    gevent.spawn(reset)


_environment: dict = {}


@events.init.add_listener
def remember(environment, **_kwargs) -> None:
    _environment["env"] = environment


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@events.quitting.add_listener
def report(environment, **_kwargs) -> None:
    stats = environment.stats
    total = stats.total
    rows = []
    for entry in sorted(stats.entries.values(), key=lambda e: -e.num_requests):
        if entry.name.startswith("login"):
            continue
        rows.append(
            {
                "name": entry.name,
                "method": entry.method,
                "requests": entry.num_requests,
                "failures": entry.num_failures,
                "p50_ms": entry.get_response_time_percentile(0.50),
                "p95_ms": entry.get_response_time_percentile(0.95),
                "p99_ms": entry.get_response_time_percentile(0.99),
                "max_ms": round(entry.max_response_time or 0),
            }
        )
    login_entries = [e for e in stats.entries.values() if e.name.startswith("login")]
    requests = total.num_requests - sum(e.num_requests for e in login_entries)
    failures = total.num_failures - sum(e.num_failures for e in login_entries)
    # Overall figures without the once-a-shift login (its entries are subtracted).
    times: dict[int, int] = dict(total.response_times)
    for entry in login_entries:
        for bucket, count in entry.response_times.items():
            times[bucket] = times.get(bucket, 0) - count
    overall_p95 = _bucket_percentile(times, 0.95)
    overall_p99 = _bucket_percentile(times, 0.99)
    error_rate = failures / requests if requests else 1.0
    seconds = max(1.0, total.last_request_timestamp - total.start_time) if requests else 1.0
    passed = bool(requests) and overall_p95 < P95_TARGET_MS and error_rate < MAX_ERROR_RATE
    result = {
        "users": environment.parsed_options.num_users if environment.parsed_options else None,
        "duration_s": round(seconds, 1),
        "requests": requests,
        "failures": failures,
        "error_rate": error_rate,
        "requests_per_s": round(requests / seconds, 2),
        "p95_ms": overall_p95,
        "p99_ms": overall_p99,
        "targets": {"p95_ms": P95_TARGET_MS, "error_rate": MAX_ERROR_RATE},
        "passed": passed,
        "endpoints": rows,
        "logins": {
            "count": len(_login_times),
            "failures": _login_failures,
            "p50_ms": round(_percentile(_login_times, 0.5)),
            "p95_ms": round(_percentile(_login_times, 0.95)),
        },
        "errors": [
            {"name": e.name, "method": e.method, "error": str(e.error), "count": e.occurrences}
            for e in stats.errors.values()
        ],
        "data": PLAN.get("counts", {}),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    environment.process_exit_code = 0 if passed else 1
    _result.update(result)


_result: dict = {}


@events.quit.add_listener
def print_result(**_kwargs) -> None:
    """After Locust's own tables: the figures that matter, and the verdict, last."""
    if _result:
        _print(_result)


def _bucket_percentile(buckets: dict[int, int], share: float) -> float:
    count = sum(n for n in buckets.values() if n > 0)
    if not count:
        return 0.0
    seen = 0
    for bucket in sorted(buckets):
        seen += max(0, buckets[bucket])
        if seen >= share * count:
            return bucket
    return max(buckets)


def _print(result: dict) -> None:
    print()
    print(f"{'endpoint':<20} {'requests':>9} {'fail':>6} {'p50':>7} {'p95':>7} {'p99':>7}")
    for row in result["endpoints"]:
        print(
            f"{row['name']:<20} {row['requests']:>9} {row['failures']:>6}"
            f" {row['p50_ms']:>5.0f}ms {row['p95_ms']:>5.0f}ms {row['p99_ms']:>5.0f}ms"
        )
    logins = result["logins"]
    if logins["count"]:
        print(
            f"login (form, once a shift; not in the target): {logins['count']} logins,"
            f" {logins['failures']} failed, p50 {logins['p50_ms']} ms, p95 {logins['p95_ms']} ms"
        )
    for error in result["errors"][:10]:
        print(f"error: {error['method']} {error['name']}: {error['error']} x{error['count']}")
    verdict = "PASS" if result["passed"] else "FAIL"
    print(
        f"\n{verdict}: {result['users']} users for {result['duration_s']} s,"
        f" {result['requests']} requests ({result['requests_per_s']}/s),"
        f" p95 {result['p95_ms']:.0f} ms (target < {P95_TARGET_MS:.0f}),"
        f" p99 {result['p99_ms']:.0f} ms,"
        f" errors {100 * result['error_rate']:.3f}% (target < {100 * MAX_ERROR_RATE:.1f}%)"
    )
