"""The data generator: an ordered list of steps, each filling some tables for a `Size`.

To grow the data set, add a step to `STEPS` (a function taking the `Size`, the size fields
it depends on and the models it writes) and, if it should show in the report, a line to
`COUNTS`. Steps run in order, so a step can read what earlier ones wrote (leads need
agents).

Re-running is cheap: each step leaves a marker row (`bench_generated`) with a fingerprint
of its code version, its size fields and the steps before it, plus the row counts it
left. A step whose marker matches and whose tables still hold those counts is reused.
Otherwise it and every later step are emptied (TRUNCATE … CASCADE) and generated again,
each in one transaction with its marker, so an interrupted run never looks complete.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import F, Model, QuerySet
from django.utils import timezone

from aftersales.models import Revisit, RevisitStatus, ServiceTicket
from calling.models import StateChange
from crm.models import Department, Member, MemberEvent, MemberStatus, Team, TeamMembership
from customers.models import Contact, Customer
from leads.models import Assignment, Call, FollowUp, Lead
from orders.models import (
    UNDELIVERED_STATUSES,
    Installment,
    Order,
    OrderLine,
    Payment,
    SalesEntry,
)
from performance.models import ChannelDay, QualityScore, Scorecard

from . import aftersales, customers, floor, kpi, leads, money, orders, org
from .bulk import analyze, exact_count, truncate
from .config import Size

MARKER_TABLE = "bench_generated"


@dataclass(frozen=True)
class Step:
    name: str
    run: Callable[[Size], None]
    # The `Size` fields the step's output depends on: changing one regenerates the step.
    depends_on: tuple[str, ...]
    # Every model the step writes: emptied before it runs, counted to verify reuse.
    models: tuple[type[Model], ...]
    # Bump when the step's code changes what it writes, to regenerate existing data.
    version: int = 1


STEPS: list[Step] = [
    Step(
        "org",
        org.generate_org,
        depends_on=("agents", "teams", "divisions", "seed"),
        models=org.MODELS,
    ),
    Step(
        "leads",
        leads.generate_leads,
        depends_on=("leads", "followups", "lead_agents", "lead_teams", "seed"),
        models=leads.MODELS,
    ),
    Step(
        "orders",
        orders.generate_orders,
        depends_on=("orders", "seed"),
        models=orders.MODELS,
    ),
    Step(
        "aftersales",
        aftersales.generate_aftersales,
        depends_on=("revisits", "seed"),
        models=aftersales.MODELS,
    ),
    Step(
        "kpi",
        kpi.generate_kpi,
        depends_on=("calls", "quality_scores", "seed"),
        models=kpi.MODELS,
    ),
    Step(
        "money",
        money.generate_money,
        depends_on=("orders", "seed"),
        models=money.MODELS,
    ),
    Step(
        "floor",
        floor.generate_floor,
        depends_on=("state_days", "seed"),
        models=floor.MODELS,
    ),
    Step(
        "customers",
        customers.generate_customers,
        depends_on=("seed",),
        models=customers.MODELS,
    ),
]

User = get_user_model()


def _end_of_today():
    return timezone.localtime().replace(hour=23, minute=59, second=59)


# What the report prints as the data size, in order ("table.part" prints indented).
COUNTS: list[tuple[str, QuerySet]] = [
    ("users", User.objects.all()),
    ("departments", Department.objects.all()),
    ("teams", Team.objects.all()),
    ("members", Member.objects.all()),
    ("members.active", Member.objects.filter(status=MemberStatus.ACTIVE)),
    ("members.onboarding", Member.objects.filter(status=MemberStatus.ONBOARDING)),
    ("members.on_leave", Member.objects.filter(status=MemberStatus.ON_LEAVE)),
    ("members.left", Member.objects.filter(status=MemberStatus.LEFT)),
    ("memberships", TeamMembership.objects.all()),
    ("memberships.open", TeamMembership.objects.filter(ended_at__isnull=True)),
    ("member_events", MemberEvent.objects.all()),
    ("leads", Lead.objects.all()),
    ("leads.owned", Lead.objects.filter(owner__isnull=False)),
    ("leads.pool", Lead.objects.filter(owner__isnull=True)),
    ("leads.due today or overdue", Lead.objects.filter(next_followup_at__lt=_end_of_today())),
    ("follow_ups", FollowUp.objects.all()),
    ("assignments", Assignment.objects.all()),
    ("orders", Order.objects.all()),
    (
        "orders.undelivered past due",
        Order.objects.filter(
            status__in=UNDELIVERED_STATUSES, expected_delivery_on__lt=timezone.localdate()
        ),
    ),
    ("order_lines", OrderLine.objects.all()),
    ("sales_entries", SalesEntry.objects.all()),
    ("payments", Payment.objects.all()),
    ("installments", Installment.objects.all()),
    ("installments.open", Installment.objects.filter(paid_amount__lt=F("amount"))),
    ("channel_days", ChannelDay.objects.all()),
    ("revisits", Revisit.objects.all()),
    ("revisits.scheduled", Revisit.objects.filter(status=RevisitStatus.SCHEDULED)),
    ("service_tickets", ServiceTicket.objects.all()),
    ("calls", Call.objects.all()),
    ("quality_scores", QualityScore.objects.all()),
    ("scorecards", Scorecard.objects.all()),
    ("agent_states", StateChange.objects.all()),
    ("customers", Customer.objects.all()),
    ("customers.with a tier", Customer.objects.filter(tier__isnull=False)),
    ("contacts", Contact.objects.all()),
]


@dataclass(frozen=True)
class Outcome:
    step: str
    reused: bool
    seconds: float
    counts: dict[str, int]


def data_counts() -> dict[str, int]:
    return {label: queryset.count() for label, queryset in COUNTS}


def generate(
    size: Size, *, force: bool = False, log: Callable[[str], None] = print
) -> list[Outcome]:
    """Bring the database to `size`, reusing whatever earlier runs already generated."""
    _ensure_marker_table()
    stored = _stored_markers()
    fingerprints = _fingerprints(size)

    outcomes: list[Outcome] = []
    stale_from = len(STEPS)
    for index, step in enumerate(STEPS):
        marker = stored.get(step.name)
        counts = _live_counts(step)
        if force or marker is None or marker != (fingerprints[step.name], counts):
            stale_from = index
            break
        outcomes.append(Outcome(step.name, True, 0.0, counts))
        log(f"bench: reusing step {step.name!r} ({_summary(counts)})")

    stale = STEPS[stale_from:]
    if not stale:
        return outcomes
    with transaction.atomic():
        truncate(model for step in stale for model in step.models)
        _delete_markers([step.name for step in stale])
    for step in stale:
        log(f"bench: generating step {step.name!r} …")
        started = time.perf_counter()
        with transaction.atomic():
            step.run(size)
            counts = _live_counts(step)
            seconds = time.perf_counter() - started
            _save_marker(step.name, fingerprints[step.name], counts, seconds)
        outcomes.append(Outcome(step.name, False, seconds, counts))
        log(f"bench: generated step {step.name!r} in {seconds:.1f} s ({_summary(counts)})")
    analyze()
    return outcomes


def _fingerprints(size: Size) -> dict[str, str]:
    """Each step's fingerprint covers the steps before it: new agents mean new leads."""
    result: dict[str, str] = {}
    previous = ""
    for step in STEPS:
        payload = {"v": step.version, "size": size.pick(step.depends_on), "after": previous}
        previous = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]
        result[step.name] = previous
    return result


def _live_counts(step: Step) -> dict[str, int]:
    return {model._meta.label: exact_count(model) for model in step.models}


def _summary(counts: dict[str, int]) -> str:
    return ", ".join(f"{label.split('.')[-1]}: {n:,}" for label, n in counts.items())


# --- the marker table: outside Django's migrations, it only exists in the bench database --


def _ensure_marker_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (
                step text PRIMARY KEY,
                fingerprint text NOT NULL,
                counts jsonb NOT NULL,
                seconds double precision NOT NULL,
                generated_at timestamptz NOT NULL DEFAULT now()
            )
            """
        )


def _stored_markers() -> dict[str, tuple[str, dict[str, int]]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT step, fingerprint, counts FROM {MARKER_TABLE}")  # noqa: S608
        rows = cursor.fetchall()
    # Django has psycopg hand jsonb over as text (its JSONField decodes it itself).
    return {
        step: (fingerprint, json.loads(counts) if isinstance(counts, str) else counts)
        for step, fingerprint, counts in rows
    }


def _delete_markers(steps: list[str]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {MARKER_TABLE} WHERE step = ANY(%s)", [steps])  # noqa: S608


def _save_marker(step: str, fingerprint: str, counts: dict[str, int], seconds: float) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {MARKER_TABLE} (step, fingerprint, counts, seconds)"  # noqa: S608
            " VALUES (%s, %s, %s, %s)",
            [step, fingerprint, json.dumps(counts), seconds],
        )
