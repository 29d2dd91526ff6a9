"""Turnover (人员流失): monthly attrition per team and department, and new agents' ramp-up.

Definitions (all counts are of staff members, managers included, like headcount snapshots):

* **leavers** of a month: members with status *left* whose `leave_date` is in the month,
  counted for the team of their last membership (`crm.TeamMembership`): an agent who
  moved teams and then left counts for the team they left from.
* **hires**: members whose `hire_date` is in the month, for the team of their first
  membership.
* **average headcount**: the mean of the team's `HeadcountSnapshot`s in the month when
  there are any; otherwise (headcount at the month's start + at its end) / 2, both counted
  from the membership intervals [started_at, ended_at).
* **attrition %** = leavers / average headcount × 100 (empty when the headcount is 0).
* **tenure at exit**: mean of (leave_date − hire_date) in days over the month's leavers.
* A department's figures are the sums over the teams of its subtree (attrition and tenure
  recomputed from the sums).

Each figure is one SQL aggregate over the twelve months (GROUP BY team and month): the
number of queries does not depend on the number of teams, months or members.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from crm import access
from crm.models import (
    Department,
    HeadcountSnapshot,
    LeaveReason,
    Member,
    MemberStatus,
    Role,
    Team,
    TeamMembership,
)

MONTHS = 12
RAMP_DAYS = 90
BUCKET_DAYS = 30
HUNDRED = Decimal("100")
CENTS = Decimal("0.01")


def _month_start(day: dt.date, back: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def last_months(today: dt.date | None = None, count: int = MONTHS) -> list[dt.date]:
    """The first days of the last `count` months, oldest first, this month included."""
    today = today or timezone.localdate()
    return [_month_start(today, back) for back in range(count - 1, -1, -1)]


def _moment(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def _as_date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


@dataclass
class MonthFigures:
    month: dt.date
    leavers: int = 0
    hires: int = 0
    average_headcount: Decimal = Decimal("0")
    tenure_days_total: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def attrition(self) -> Decimal | None:
        if not self.average_headcount:
            return None
        return (Decimal(self.leavers) * HUNDRED / self.average_headcount).quantize(CENTS)

    @property
    def mean_tenure_days(self) -> Decimal | None:
        if not self.leavers:
            return None
        return (Decimal(self.tenure_days_total) / self.leavers).quantize(Decimal("0.1"))

    def add(self, other: MonthFigures) -> None:
        self.leavers += other.leavers
        self.hires += other.hires
        self.average_headcount += other.average_headcount
        self.tenure_days_total += other.tenure_days_total
        for reason, n in other.reasons.items():
            self.reasons[reason] = self.reasons.get(reason, 0) + n


@dataclass
class TurnoverRow:
    level: str  # "team" or "department"
    pk: int
    name: str
    department_path: str
    months: list[MonthFigures]

    @property
    def total(self) -> MonthFigures:
        """The twelve months together: leavers and hires summed, headcount averaged."""
        total = MonthFigures(month=self.months[0].month)
        for month in self.months:
            total.add(month)
        total.average_headcount = (total.average_headcount / len(self.months)).quantize(CENTS)
        return total

    @property
    def trend(self) -> str:
        """ "up", "down" or "flat": attrition of the last three months against the three
        before (leavers over the summed average headcounts of each quarter)."""

        def rate(cells) -> Decimal:
            heads = sum((c.average_headcount for c in cells), Decimal("0"))
            return Decimal(sum(c.leavers for c in cells)) / heads if heads else Decimal("0")

        recent, before = rate(self.months[-3:]), rate(self.months[-6:-3])
        if recent > before:
            return "up"
        return "down" if recent < before else "flat"

    @property
    def peak_attrition(self) -> Decimal:
        return max((m.attrition or Decimal("0") for m in self.months), default=Decimal("0"))


@dataclass
class Turnover:
    months: list[dt.date]
    teams: list[TurnoverRow]
    departments: list[TurnoverRow]
    reasons: list[tuple[str, str]]


def _scoped_teams(user):
    scope = access.scope_of(user)
    if scope.sees_all:
        return Team.objects.all()
    return Team.objects.filter(pk__in=scope.team_ids)


def _scoped_departments(user):
    """Departments whose whole subtree the user sees: heads' subtrees, everything for admins."""
    scope = access.scope_of(user)
    if scope.sees_all:
        return Department.objects.all()
    if not scope.department_paths:
        return Department.objects.none()
    q = Q()
    for path in scope.department_paths:
        q |= Q(path__startswith=path)
    return Department.objects.filter(q)


def turnover(user, *, today: dt.date | None = None) -> Turnover:
    """The last twelve months of turnover for the teams and departments `user` sees."""
    months = last_months(today)
    first, end = months[0], _month_start(months[-1], -1)
    boundaries = [*months, end]
    teams = list(
        _scoped_teams(user).select_related("department").order_by("department__path", "name")
    )
    team_ids = [team.pk for team in teams]
    index = {month: i for i, month in enumerate(months)}
    figures = {team.pk: [MonthFigures(month=m) for m in months] for team in teams}

    # Leavers: for the team of their last membership, by month and reason.
    last_team = (
        TeamMembership.objects.filter(member=OuterRef("pk"))
        .order_by("-started_at", "-pk")
        .values("team_id")[:1]
    )
    leavers = (
        Member.objects.filter(status=MemberStatus.LEFT, leave_date__gte=first, leave_date__lt=end)
        .annotate(left_team=Subquery(last_team), month=TruncMonth("leave_date"))
        .filter(left_team__in=team_ids)
        .values("left_team", "month", "leave_reason")
        .annotate(
            n=Count("pk"),
            tenure=Sum(
                ExpressionWrapper(F("leave_date") - F("hire_date"), output_field=DurationField())
            ),
        )
        .order_by()
    )
    for row in leavers:
        cell = figures[row["left_team"]][index[_as_date(row["month"])]]
        cell.leavers += row["n"]
        cell.reasons[row["leave_reason"] or LeaveReason.OTHER] = (
            cell.reasons.get(row["leave_reason"] or LeaveReason.OTHER, 0) + row["n"]
        )
        cell.tenure_days_total += row["tenure"].days if row["tenure"] else 0

    # Hires: for the team of their first membership.
    first_team = (
        TeamMembership.objects.filter(member=OuterRef("pk"))
        .order_by("started_at", "pk")
        .values("team_id")[:1]
    )
    hires = (
        Member.objects.filter(hire_date__gte=first, hire_date__lt=end)
        .annotate(first_team=Subquery(first_team), month=TruncMonth("hire_date"))
        .filter(first_team__in=team_ids)
        .values("first_team", "month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in hires:
        figures[row["first_team"]][index[_as_date(row["month"])]].hires += row["n"]

    # Headcount: snapshots where there are any, else the membership intervals.
    snapshots = {
        (row["team"], _as_date(row["month"])): Decimal(str(row["mean"]))
        for row in HeadcountSnapshot.objects.filter(
            team_id__in=team_ids, day__gte=first, day__lt=end
        )
        .annotate(month=TruncMonth("day"))
        .values("team", "month")
        .annotate(mean=Avg("headcount"))
        .order_by()
    }
    counts = {
        f"at{i}": Count(
            "pk",
            filter=Q(started_at__lte=_moment(day))
            & (Q(ended_at__isnull=True) | Q(ended_at__gt=_moment(day))),
        )
        for i, day in enumerate(boundaries)
    }
    intervals = {
        row["team"]: row
        for row in TeamMembership.objects.filter(team_id__in=team_ids, started_at__lt=_moment(end))
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=_moment(first)))
        .values("team")
        .annotate(**counts)
        .order_by()
    }
    for team_id, cells in figures.items():
        row = intervals.get(team_id, {})
        for i, cell in enumerate(cells):
            snapshot = snapshots.get((team_id, cell.month))
            if snapshot is not None:
                cell.average_headcount = snapshot.quantize(CENTS)
            else:
                both = row.get(f"at{i}", 0) + row.get(f"at{i + 1}", 0)
                cell.average_headcount = (Decimal(both) / 2).quantize(CENTS)

    team_rows = [
        TurnoverRow("team", team.pk, team.name, team.department.path, figures[team.pk])
        for team in teams
        if team.is_active
        or any(c.leavers or c.hires or c.average_headcount for c in figures[team.pk])
    ]
    department_rows = []
    for department in _scoped_departments(user).order_by("path"):
        cells = [MonthFigures(month=m) for m in months]
        for team_row in team_rows:
            if team_row.department_path.startswith(department.path):
                for cell, part in zip(cells, team_row.months, strict=True):
                    cell.add(part)
        department_rows.append(
            TurnoverRow("department", department.pk, department.name, department.path, cells)
        )
    return Turnover(
        months=months,
        teams=team_rows,
        departments=department_rows,
        reasons=list(LeaveReason.choices),
    )


def turnover_rows(data: Turnover) -> list[dict]:
    """Flat rows (one per subject and month) for the API and the exports."""
    rows = []
    for row in [*data.departments, *data.teams]:
        for cell in row.months:
            rows.append(
                {
                    "month": cell.month,
                    "level": row.level,
                    "team": row.pk if row.level == "team" else None,
                    "department": row.pk if row.level == "department" else None,
                    "name": row.name,
                    "leavers": cell.leavers,
                    "hires": cell.hires,
                    "average_headcount": cell.average_headcount,
                    "attrition": cell.attrition,
                    "mean_tenure_days": cell.mean_tenure_days,
                    "reasons": dict(cell.reasons),
                }
            )
    return rows


# --- ramp-up of new agents ----------------------------------------------------------------


@dataclass
class Bucket:
    calls: Decimal = Decimal("0")
    followups: Decimal = Decimal("0")
    sales: Decimal = Decimal("0")
    complete: bool = True


@dataclass
class RampUp:
    member: Member
    buckets: list[Bucket]
    tenured: Bucket | None  # the team's tenured agents' average per 30 days


def _per_agent_day(queryset, moment: str):
    """(agent, local day) → count: one GROUP BY over the agents' first 90 days (coarse
    bounds in SQL; the exact day is bucketed by the caller)."""
    hire = F("agent__member__hire_date")
    return (
        queryset.filter(
            **{
                f"{moment}__gte": hire - dt.timedelta(days=1),
                f"{moment}__lt": hire + dt.timedelta(days=RAMP_DAYS + 1),
            }
        )
        .annotate(day=TruncDate(moment))
        .values("agent_id", "day")
        .annotate(n=Count("pk"))
        .order_by()
    )


def ramp_up(user, *, today: dt.date | None = None) -> list[RampUp]:
    """Agents hired in the last twelve months: calls, follow-ups and sales in each 30-day
    bucket of their first 90 days, beside their team's tenured agents' 30-day average
    (tenured: active agents hired more than 90 days ago; their last 90 days / 3)."""
    from leads.models import Call, FollowUp
    from orders.models import SalesEntry

    today = today or timezone.localdate()
    since = today - dt.timedelta(days=365)
    members = list(
        access.visible_members(user)
        .filter(role=Role.AGENT, hire_date__gt=since, hire_date__lte=today)
        .select_related("user", "team")
        .order_by("-hire_date", "employee_no")
    )
    if not members:
        return []
    by_user = {member.user_id: member for member in members}
    ids = list(by_user)
    buckets = {
        uid: [
            Bucket(complete=(m.hire_date + dt.timedelta(days=BUCKET_DAYS * (i + 1)) <= today))
            for i in range(RAMP_DAYS // BUCKET_DAYS)
        ]
        for uid, m in by_user.items()
    }

    def place(agent_id, day, attribute, amount):
        offset = (_as_date(day) - by_user[agent_id].hire_date).days
        if 0 <= offset < RAMP_DAYS:
            bucket = buckets[agent_id][offset // BUCKET_DAYS]
            setattr(bucket, attribute, getattr(bucket, attribute) + amount)

    for row in _per_agent_day(Call.objects.filter(agent_id__in=ids), "started_at"):
        place(row["agent_id"], row["day"], "calls", row["n"])
    for row in _per_agent_day(FollowUp.objects.filter(agent_id__in=ids), "created_at"):
        place(row["agent_id"], row["day"], "followups", row["n"])
    for row in (
        SalesEntry.objects.filter(agent_id__in=ids, day__gte=F("agent__member__hire_date"))
        .values("agent_id", "day")
        .annotate(amount=Sum("amount"))
        .order_by()
    ):
        place(row["agent_id"], row["day"], "sales", row["amount"] or Decimal("0"))

    tenured = _tenured_averages({m.team_id for m in members if m.team_id}, today)
    return [
        RampUp(member=m, buckets=buckets[m.user_id], tenured=tenured.get(m.team_id))
        for m in members
    ]


def _tenured_averages(team_ids: set[int], today: dt.date) -> dict[int, Bucket]:
    from leads.models import Call, FollowUp
    from orders.models import SalesEntry

    if not team_ids:
        return {}
    tenured = Member.objects.filter(
        team_id__in=team_ids,
        role=Role.AGENT,
        status=MemberStatus.ACTIVE,
        hire_date__lte=today - dt.timedelta(days=RAMP_DAYS),
    )
    heads = {
        row["team"]: row["n"] for row in tenured.values("team").annotate(n=Count("pk")).order_by()
    }
    start = _moment(today - dt.timedelta(days=RAMP_DAYS - 1))
    agents = tenured.values("user_id")
    team = "agent__member__team"
    calls = dict(
        Call.objects.filter(agent_id__in=agents, started_at__gte=start)
        .values_list(team)
        .annotate(n=Count("pk"))
        .order_by()
    )
    followups = dict(
        FollowUp.objects.filter(agent_id__in=agents, created_at__gte=start)
        .values_list(team)
        .annotate(n=Count("pk"))
        .order_by()
    )
    sales = dict(
        SalesEntry.objects.filter(agent_id__in=agents, day__gte=_as_date(start.date()))
        .values_list(team)
        .annotate(n=Sum("amount"))
        .order_by()
    )
    periods = Decimal(RAMP_DAYS // BUCKET_DAYS)
    result = {}
    for team_id, n in heads.items():
        divisor = n * periods
        result[team_id] = Bucket(
            calls=(Decimal(calls.get(team_id, 0)) / divisor).quantize(Decimal("0.1")),
            followups=(Decimal(followups.get(team_id, 0)) / divisor).quantize(Decimal("0.1")),
            sales=(Decimal(sales.get(team_id) or 0) / divisor).quantize(CENTS),
        )
    return result
