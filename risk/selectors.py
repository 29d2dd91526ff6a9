"""Read queries for the risk pages, scoped through `crm.access` (fixed query counts)."""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import MemberStatus
from risk import access as risk_access

from .models import AuditEntry, RiskEvent, RiskPolicy

PERIODS = (7, 30)


def audit_entries_for(model_label: str, object_id) -> QuerySet[AuditEntry]:
    """One record's trail (for its timeline: the caller has already found the record
    through its own `visible_*` selector)."""
    return AuditEntry.objects.filter(model_label=model_label, object_id=str(object_id))


def audit_search(user, filters: Mapping) -> QuerySet[AuditEntry]:
    rows = risk_access.visible_audit_entries(user)
    if filters.get("actor"):
        rows = rows.filter(actor_label__icontains=filters["actor"])
    if filters.get("model"):
        rows = rows.filter(model_label=filters["model"])
    if filters.get("object_id"):
        rows = rows.filter(object_id=str(filters["object_id"]))
    if filters.get("action"):
        rows = rows.filter(action=filters["action"])
    if filters.get("since"):
        rows = rows.filter(at__gte=_day_start(filters["since"]))
    if filters.get("until"):
        rows = rows.filter(at__lt=_day_start(filters["until"]) + dt.timedelta(days=1))
    return rows.order_by("-at", "-id")


def exports_for(user, filters: Mapping) -> QuerySet:
    rows = risk_access.visible_exports(user).select_related("user")
    if filters.get("user"):
        rows = rows.filter(user__username__icontains=filters["user"])
    if filters.get("kind"):
        rows = rows.filter(kind=filters["kind"])
    if filters.get("since"):
        rows = rows.filter(at__gte=_day_start(filters["since"]))
    if filters.get("until"):
        rows = rows.filter(at__lt=_day_start(filters["until"]) + dt.timedelta(days=1))
    return rows.order_by("-at", "-id")


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


@dataclass
class PersonRow:
    user_id: int
    name: str
    username: str
    member_id: int | None
    status: str | None
    count: int
    rows: int = 0
    flags: list[str] = field(default_factory=list)

    @property
    def member_url(self) -> str:
        return reverse("org:member_detail", args=[self.member_id]) if self.member_id else ""

    @property
    def exports_url(self) -> str:
        return reverse("risk:exports") + f"?user={self.username}"


@dataclass
class Dashboard:
    days: int
    since: dt.datetime
    refused: dict[str, int]
    reveals: list[PersonRow]
    exports: list[PersonRow]
    reveal_median: float
    export_median: float

    @property
    def anomalies(self) -> list[tuple[str, PersonRow]]:
        found = [(_("Reveals"), row) for row in self.reveals if row.flags]
        found += [(_("Exports"), row) for row in self.exports if row.flags]
        return found


def _people(rows, *, count_key: str, rows_key: str | None = None) -> list[PersonRow]:
    people = []
    for row in rows:
        name = (row.get("user__first_name") or "").strip() or row.get("user__username") or ""
        people.append(
            PersonRow(
                user_id=row["user"],
                name=name,
                username=row.get("user__username") or "",
                member_id=row.get("user__member__id"),
                status=row.get("user__member__status"),
                count=row[count_key],
                rows=row.get(rows_key) or 0 if rows_key else 0,
            )
        )
    return people


def _flag(people: list[PersonRow], policy: RiskPolicy) -> float:
    """Mark people far above their peers, and people leaving who are above the median."""
    if not people:
        return 0.0
    median = statistics.median(person.count for person in people)
    for person in people:
        if person.count >= policy.anomaly_floor and person.count > policy.anomaly_factor * median:
            person.flags.append(
                _("%(n)d, more than %(factor)d× the median (%(median)s)")
                % {"n": person.count, "factor": policy.anomaly_factor, "median": median}
            )
        if person.status in (MemberStatus.LEFT, MemberStatus.ON_LEAVE) and person.count > max(
            median, policy.anomaly_floor // 4
        ):
            person.flags.append(_("above the median while leaving or on leave"))
    return float(median)


def risk_dashboard(user, *, days: int = 7, now: dt.datetime | None = None) -> Dashboard:
    """Three aggregate queries (refusals by kind, reveals per person, exports per person)."""
    now = now or timezone.now()
    days = days if days in PERIODS else PERIODS[0]
    since = now - dt.timedelta(days=days)
    policy = RiskPolicy.current()
    refused = dict.fromkeys(RiskEvent.Kind.values, 0)
    for row in (
        risk_access.visible_risk_events(user)
        .filter(at__gte=since)
        .order_by()
        .values("kind")
        .annotate(n=Sum("count"))
    ):
        refused[row["kind"]] = row["n"] or 0
    person_fields = (
        "user",
        "user__username",
        "user__first_name",
        "user__member__id",
        "user__member__status",
    )
    reveals = _people(
        risk_access.visible_reveals(user)
        .filter(at__gte=since)
        .order_by()
        .values(*person_fields)
        .annotate(n=Count("pk"))
        .order_by("-n"),
        count_key="n",
    )
    exports = _people(
        risk_access.visible_exports(user)
        .filter(at__gte=since)
        .order_by()
        .values(*person_fields)
        .annotate(n=Count("pk"), total=Sum("row_count"))
        .order_by("-n"),
        count_key="n",
        rows_key="total",
    )
    reveal_median = _flag(reveals, policy)
    export_median = _flag(exports, policy)
    return Dashboard(days, since, refused, reveals, exports, reveal_median, export_median)
