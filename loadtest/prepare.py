"""`python -m loadtest.prepare`: the load test's data, once, and who the simulated users are.

Runs with the production settings against the load database (bin/load sets the
environment). The call center is made by the benchmark's generators (bench/org.py,
bench/leads.py, bench/orders.py, bench/aftersales.py) at the size below, each step
reused when already there, so a second `make load` starts in seconds. Then:

- every simulated user gets a session, as if they had logged in once at the start of
  their shift (a real login costs a deliberately slow password hash: the locustfile logs
  `LOAD_FORM_LOGINS` users in through the form, and measures that apart);
- `var/load-plan.json` lists them: agents with some of their open leads (to open, to
  follow up, to search by phone), each team's pool (to claim from), managers with their
  team's leads and agents (to reassign).

Sizes come from `LOAD_<FIELD>` (or the bench's `BENCH_<FIELD>`) environment variables.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import sys
import time
from collections import defaultdict
from importlib import import_module

DEFAULTS = {
    "agents": 2400,  # about 2,000 of them active: the rest onboarding, on leave or gone
    "teams": 170,
    "divisions": 4,
    "leads": 200_000,
    "followups": 400_000,
    "lead_agents": 2400,
    "lead_teams": 170,
    "orders": 20_000,
    "revisits": 20_000,
    "calls": 400_000,
    "quality_scores": 20_000,
}
LEADS_PER_AGENT = 12  # an agent opens, follows up and searches these
REASSIGNED_PER_AGENT = 3  # others of theirs, for their manager to move (never the above)
POOL_PER_TEAM = 60


def size_from_env():
    import dataclasses

    from bench.config import Size

    known = {field.name for field in dataclasses.fields(Size)}
    values = {}
    for name, default in DEFAULTS.items():
        if name not in known:
            continue
        raw = os.environ.get(f"LOAD_{name.upper()}") or os.environ.get(f"BENCH_{name.upper()}")
        values[name] = int(raw) if raw else default
    return Size(**values)


def ensure_database() -> None:
    from django.conf import settings

    from bench.database import ensure_database as create_if_missing

    if create_if_missing(settings.DATABASES["default"]):
        print(f"load: created database {settings.DATABASES['default']['NAME']}")


def generate() -> dict[str, int]:
    from bench import generate as generator

    size = size_from_env()
    print(f"load: data size {size.as_dict()}")
    generator._ensure_marker_table()
    stored = generator._stored_markers()
    wanted = generator._fingerprints(size)
    same_size = all(
        stored.get(step.name, ("",))[0] == wanted[step.name] for step in generator.STEPS
    )
    if same_size and not os.environ.get("LOAD_REGENERATE"):
        # Earlier load runs added follow-ups, claims and reassignments, so the bench's row
        # count check would regenerate everything; for load that drift is fine.
        print("load: reusing the data generated earlier (LOAD_REGENERATE=1 to start afresh)")
    else:
        generator.generate(size, log=lambda line: print(line.replace("bench:", "load:")))
    return generator.data_counts()


def _sessions(user_ids: list[int]) -> dict[int, str]:
    """One signed-in session per user, stored where the site keeps sessions."""
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )

    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    users = get_user_model().objects.in_bulk(user_ids)
    keys = {}
    for user_id in user_ids:
        store = store_class()
        store[SESSION_KEY] = str(user_id)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
        store[HASH_SESSION_KEY] = users[user_id].get_session_auth_hash()
        store.create()
        keys[user_id] = store.session_key
    return keys


def plan(seed: int = 2026) -> dict:
    """Who the simulated users are and what each may touch."""
    from django.db.models import Q
    from django.utils import timezone

    from crm.models import Member, MemberStatus, Role
    from leads.models import OPEN_STATUSES, Lead, LeadPolicy, TeamLeadSettings
    from leads.services.pool import owned_open_leads

    rng = random.Random(seed)
    # Leads the reclaim sweep (beat, during the run) leaves alone: contacted or assigned
    # well inside the shortest reclaim period, so no simulated agent loses one mid-run.
    overrides = TeamLeadSettings.objects.filter(reclaim_after_days__isnull=False)
    reclaim_days = min(
        [
            LeadPolicy.current().reclaim_after_days,
            *overrides.values_list("reclaim_after_days", flat=True),
        ]
    )
    fresh = owned_open_leads().filter(
        clock__gt=timezone.now() - dt.timedelta(days=max(1, reclaim_days - 2))
    )
    active = Q(status__in=[MemberStatus.ACTIVE, MemberStatus.ONBOARDING])
    members = list(
        Member.objects.filter(active, user__is_active=True, team__isnull=False)
        .filter(role__in=[Role.AGENT, Role.TEAM_MANAGER])
        .values_list("user_id", "user__username", "role", "team_id")
        .order_by("user__username")
    )
    owned: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for lead_id, owner_id, phone in (
        fresh.values_list("pk", "owner_id", "phone")
        .order_by("owner_id", "-next_followup_at", "pk")
        .iterator(chunk_size=20_000)
    ):
        if len(owned[owner_id]) < LEADS_PER_AGENT + REASSIGNED_PER_AGENT:
            owned[owner_id].append((lead_id, phone))
    pool: dict[int, list[int]] = defaultdict(list)
    for lead_id, team_id in (
        Lead.objects.filter(owner__isnull=True, team__isnull=False, status__in=OPEN_STATUSES)
        .values_list("pk", "team_id")
        .order_by("team_id", "pk")
        .iterator(chunk_size=20_000)
    ):
        if len(pool[team_id]) < POOL_PER_TEAM:
            pool[team_id].append(lead_id)

    agents_of: dict[int, list[int]] = defaultdict(list)
    for user_id, _username, role, team_id in members:
        if role == Role.AGENT:
            agents_of[team_id].append(user_id)
    agents, managers = [], []
    for user_id, username, role, team_id in members:
        if role == Role.AGENT and owned.get(user_id):
            agents.append(
                {
                    "username": username,
                    "user_id": user_id,
                    "team_id": team_id,
                    "leads": [lead_id for lead_id, _phone in owned[user_id][:LEADS_PER_AGENT]],
                    # The agent types the number as a customer says it: no +86.
                    "phones": [
                        phone.removeprefix("+86")
                        for _lead, phone in owned[user_id][:LEADS_PER_AGENT]
                    ],
                }
            )
        elif role == Role.TEAM_MANAGER and agents_of.get(team_id):
            team_leads = [
                lead_id
                for agent_id in agents_of[team_id]
                for lead_id, _phone in owned.get(agent_id, [])[LEADS_PER_AGENT:]
            ]
            if team_leads:
                managers.append(
                    {
                        "username": username,
                        "user_id": user_id,
                        "team_id": team_id,
                        "leads": team_leads,
                        "agents": agents_of[team_id],
                    }
                )
    rng.shuffle(agents)
    # The calling session's phone events are signed like a phone system's (no adapter:
    # agents' calls are tel: links, the events come from the load generator).
    from calling.services.phone import phone_settings_save

    phone_secret = os.environ.get("LOAD_PHONE_SECRET", "load-phone-secret")
    phone_settings_save(adapter="none", source="load", webhook_secret=phone_secret)
    sessions = _sessions([a["user_id"] for a in agents] + [m["user_id"] for m in managers])
    for person in agents + managers:
        person["session"] = sessions[person["user_id"]]
    return {
        "password": os.environ.get("LOAD_PASSWORD", "bench1234"),
        "agents": agents,
        "managers": managers,
        "pool": {str(team_id): ids for team_id, ids in pool.items()},
        "phone_secret": phone_secret,
    }


def main() -> int:
    import django

    django.setup()
    from django.conf import settings

    started = time.perf_counter()
    ensure_database()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    counts = generate()
    people = plan()
    output = settings.VAR_DIR / "load-plan.json"
    people["counts"] = counts
    output.write_text(json.dumps(people))
    print(
        f"load: {len(people['agents'])} agents and {len(people['managers'])} managers signed"
        f" in; plan in {output} ({time.perf_counter() - started:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
