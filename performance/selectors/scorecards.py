"""Reads for scorecards, their drill-downs, targets and quality scores (scoped by crm.access).

The records behind a figure are those `performance.metrics` summed: a user who may see a
scorecard sees its records (an agent who moved teams keeps counting for the old team's
figures, so the old team's manager sees those records behind them even though the agent's
current records are no longer theirs).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Prefetch, Q, QuerySet

from crm.api import user_name
from crm.models import TeamMembership
from crm.templatetags.fast_urls import reverse_ids
from performance import access as performance_access
from risk import access as risk_access

from ..db import scorecards as db
from ..metrics import Metric, metric_for
from ..models import Indicator, Level, QualityScore, Scorecard, ScorecardValue, Target
from ..periods import Period


def scorecards_for(user, period: Period, *, level: str | None = None) -> QuerySet[Scorecard]:
    rows = performance_access.visible_scorecards(user).filter(
        period_kind=period.kind, period_start=period.start
    )
    if level:
        rows = rows.filter(level=level)
    return rows.select_related("agent", "team", "department")


def with_values(scorecards: QuerySet[Scorecard]) -> QuerySet[Scorecard]:
    """Scorecards with their values (and each value's indicator) in one more query."""
    return scorecards.prefetch_related(
        Prefetch(
            "values",
            queryset=ScorecardValue.objects.select_related("indicator").order_by(
                "indicator__position", "indicator_id"
            ),
        )
    )


def scorecard_of(user, pk: int) -> Scorecard | None:
    return (
        with_values(
            performance_access.visible_scorecards(user).select_related(
                "agent", "team", "department"
            )
        )
        .filter(pk=pk)
        .first()
    )


def own_scorecard(user, period: Period) -> Scorecard | None:
    return (
        performance_access.visible_scorecards(user)
        .filter(level=Level.AGENT, agent=user, period_kind=period.kind, period_start=period.start)
        .first()
    )


def period_of(scorecard: Scorecard) -> Period:
    return Period(scorecard.period_kind, scorecard.period_start)


def subject_name(scorecard: Scorecard) -> str:
    if scorecard.level == Level.AGENT:
        return user_name(scorecard.agent)
    return str(scorecard.team if scorecard.level == Level.TEAM else scorecard.department)


def _teams_of(scorecard: Scorecard) -> Q:
    """The memberships behind a team's or a department's scorecard."""
    if scorecard.level == Level.TEAM:
        return Q(team_id=scorecard.team_id)
    return Q(team__department__path__startswith=scorecard.department.path)


def _users_in_teams(scorecard: Scorecard, period: Period):
    """Users who were in the scorecard's teams at some time in the period (narrows the
    drill-down to their indexed rows; the membership join still decides which rows count)."""
    return (
        TeamMembership.objects.overlapping(*period.bounds)
        .filter(_teams_of(scorecard))
        .values("member__user_id")
    )


def drilldown_records(scorecard: Scorecard, indicator: Indicator) -> QuerySet:
    """The records behind one value of a scorecard, newest first, ready for a page."""
    metric = metric_for(indicator.source)
    period = period_of(scorecard)
    if scorecard.level == Level.AGENT:
        rows = metric.drilldown(period, agent_id=scorecard.agent_id)
    elif scorecard.level == Level.TEAM:
        rows = metric.drilldown(period, team_id=scorecard.team_id).filter(
            **{f"{metric.agent}__in": _users_in_teams(scorecard, period)}
        )
    else:
        rows = metric.drilldown(period, department_path=scorecard.department.path).filter(
            **{f"{metric.agent}__in": _users_in_teams(scorecard, period)}
        )
    return _for_page(rows)


def drilldown_page(
    scorecard: Scorecard, indicator: Indicator, *, page: int, size: int = 50
) -> tuple[list, bool]:
    """One page of `drilldown_records` (newest first) and whether there is a next page.

    Pages are not counted (the figure on the scorecard says how much is behind it). For a
    team, PostgreSQL reads each membership's newest records along the (agent, time) index,
    at most one page deep, and merges them; for a division or the center (many
    memberships), it reads everyone's newest records along the time index until the page
    is full (`performance.db`): a busy team's month of calls is tens of thousands of rows,
    and a page needs fifty. The intervals are exactly those the membership join of
    `performance.metrics` matches, so the rows are the same; tests hold both to it.
    """
    offset = (max(page, 1) - 1) * size
    metric = metric_for(indicator.source)
    # State rows count by overlap with the period (clipped), not by a time inside it: the
    # per-membership index merge does not apply to them (a day's rows per agent are few).
    if (
        scorecard.level == Level.AGENT
        or connection.vendor != "postgresql"
        or metric.within is not None
    ):
        rows = list(drilldown_records(scorecard, indicator)[offset : offset + size + 1])
        return rows[:size], len(rows) > size
    period = period_of(scorecard)
    start, end = period.bounds
    stays = (
        TeamMembership.objects.overlapping(start, end)
        .filter(_teams_of(scorecard))
        .values_list("member__user_id", "started_at", "ended_at")
    )
    windows = []
    for user_id, began, ended in stays:
        low, high = max(began, start), min(ended or end, end)
        if low < high:
            windows.append((user_id, low, high))
    if not windows:
        return [], False
    ids = db.newest_in_windows(metric, windows, offset=offset, limit=size + 1)
    rows = metric.records(period).filter(pk__in=ids[:size]).order_by(f"-{metric.time}", "-pk")
    return list(_for_page(rows)), len(ids) > size


_RELATED = {
    "leads.FollowUp": ("agent", "lead"),
    "leads.Call": ("agent", "lead"),
    "leads.Lead": ("owner",),
    "orders.SalesEntry": ("agent", "order", "order__lead"),
    "orders.Payment": ("agent", "order", "order__lead"),
    "aftersales.Revisit": ("assignee", "lead", "order"),
    "aftersales.ServiceTicket": ("lead", "lead__owner"),
    "performance.QualityScore": ("agent", "followup__lead", "call__lead"),
    "calling.StateChange": ("user", "pause_code"),
}
_PERSON = ("username", "first_name", "last_name")
_LEAD = ("name", "phone")
# Only the columns a drill-down row shows: leads and users are wide, and building 150 full
# model instances per page costs more than the page's queries.
_ONLY = {
    "leads.FollowUp": (
        "id", "agent_id", "lead_id", "channel", "disposition", "created_at", "next_followup_at",
        *(f"agent__{f}" for f in _PERSON), *(f"lead__{f}" for f in _LEAD),
    ),
    "leads.Call": (
        "id", "agent_id", "lead_id", "direction", "duration_seconds", "started_at",
        *(f"agent__{f}" for f in _PERSON), *(f"lead__{f}" for f in _LEAD),
    ),
    "leads.Lead": (
        "id", "name", "phone", "status", "assigned_at", "owner_id",
        *(f"owner__{f}" for f in _PERSON),
    ),
    "orders.SalesEntry": (
        "id", "agent_id", "order_id", "kind", "amount", "at", "order__number", "order__lead_id",
        *(f"agent__{f}" for f in _PERSON), *(f"order__lead__{f}" for f in _LEAD),
    ),
    "orders.Payment": (
        "id", "agent_id", "order_id", "kind", "method", "amount", "paid_at", "order__number",
        "order__lead_id", *(f"agent__{f}" for f in _PERSON), *(f"order__lead__{f}" for f in _LEAD),
    ),
    "aftersales.Revisit": (
        "id", "assignee_id", "lead_id", "order_id", "satisfaction", "done_at", "order__number",
        *(f"assignee__{f}" for f in _PERSON), *(f"lead__{f}" for f in _LEAD),
    ),
    "aftersales.ServiceTicket": (
        "id", "lead_id", "subject", "status", "opened_at", "lead__owner_id",
        *(f"lead__{f}" for f in _LEAD), *(f"lead__owner__{f}" for f in _PERSON),
    ),
    "performance.QualityScore": (
        "id", "agent_id", "followup_id", "call_id", "professionalism", "communication",
        "problem_solving", "overall", "scored_at", "followup__lead_id", "call__lead_id",
        *(f"agent__{f}" for f in _PERSON),
        *(f"followup__lead__{f}" for f in _LEAD), *(f"call__lead__{f}" for f in _LEAD),
    ),
    "calling.StateChange": (
        "id", "user_id", "state", "pause_code_id", "started_at", "ended_at", "source",
        "pause_code__code", "pause_code__name", *(f"user__{f}" for f in _PERSON),
    ),
}  # fmt: skip


def _for_page(rows: QuerySet) -> QuerySet:
    label = rows.model._meta.label
    return rows.select_related(*_RELATED[label]).only(*_ONLY[label])


@dataclass
class RecordRow:
    """One record behind a figure, as the drill-down page and API show it."""

    kind: str
    id: int
    at: object
    agent: object
    lead_id: int | None
    lead_name: str
    lead_url: str
    phone: str
    detail: str
    amount: object = None


def record_rows(user, metric: Metric, records) -> list[RecordRow]:
    """Rows for a page of records; phones as `risk.access.phone_for` shows them to `user`."""
    rows = []
    for record in records:
        label = record._meta.label
        lead = _lead_of(record, label)
        agent = getattr(record, metric.agent.split("__")[0], None)
        if label == "aftersales.ServiceTicket":
            agent = record.lead.owner
        rows.append(
            RecordRow(
                kind=label.split(".")[1].lower(),
                id=record.pk,
                at=_time_of(record, metric),
                agent=agent,
                lead_id=lead.pk if lead else None,
                lead_url=reverse_ids("leads:detail", lead.pk) if lead else "",
                lead_name=lead.name if lead else "",
                phone=risk_access.phone_for(user, lead.phone) if lead else "",
                detail=_detail(record, label),
                amount=_amount(record, label, metric),
            )
        )
    return rows


def _time_of(record, metric: Metric):
    value = record
    for part in metric.time.split("__"):
        value = getattr(value, part)
    return value


def _lead_of(record, label: str):
    if label == "leads.Lead":
        return record
    if label == "calling.StateChange":
        return None
    if label in ("orders.SalesEntry", "orders.Payment"):
        return record.order.lead
    if label == "performance.QualityScore":
        return (record.followup or record.call).lead
    return record.lead


def _detail(record, label: str) -> str:
    from django.utils.translation import gettext as _

    if label == "leads.FollowUp":
        text = f"{record.get_channel_display()} · {record.get_disposition_display()}"
        if hasattr(record, "on_time"):
            text += " · " + (_("on time") if record.on_time else _("late"))
        return text
    if label == "leads.Call":
        return f"{record.get_direction_display()} · {record.duration_seconds} s"
    if label == "leads.Lead":
        text = record.get_status_display()
        if hasattr(record, "contacted"):
            text += " · " + (_("contacted within 24 h") if record.contacted else _("not in 24 h"))
        return text
    if label == "orders.SalesEntry":
        return f"{record.order.number} · {record.get_kind_display()}"
    if label == "orders.Payment":
        kind = f"{record.get_kind_display()} · {record.get_method_display()}"
        return f"{record.order.number} · {kind}"
    if label == "aftersales.Revisit":
        return _("Satisfaction %(n)s") % {"n": record.satisfaction}
    if label == "aftersales.ServiceTicket":
        return f"{record.subject} · {record.get_status_display()}"
    if label == "performance.QualityScore":
        return f"{record.professionalism}/{record.communication}/{record.problem_solving}"
    if label == "calling.StateChange":
        text = record.get_state_display()
        if record.pause_code_id:
            text += f" · {record.pause_code.label}"
        return f"{text} · {record.get_source_display()}"
    return ""


def _amount(record, label: str, metric: Metric):
    if label in ("orders.SalesEntry", "orders.Payment"):
        return record.amount
    if label == "leads.Call":
        return record.duration_seconds
    if label == "aftersales.Revisit":
        return record.satisfaction
    if label == "performance.QualityScore":
        return record.overall
    if label == "calling.StateChange":
        # Seconds of the row inside the span (the clipped part the figure sums).
        return round(getattr(record, "seconds_in_span", 0) or 0)
    return None


# --- targets and quality scores -------------------------------------------------------


def targets_for(user, period: Period, *, level: str) -> dict[tuple[int, int], Target]:
    """{(subject id, indicator id): target} of the period at `level` that `user` sees."""
    field = {Level.AGENT: "agent_id", Level.TEAM: "team_id"}.get(level, "department_id")
    rows = performance_access.visible_targets(user).filter(
        level=level, period_kind=period.kind, period_start=period.start
    )
    return {(getattr(t, field), t.indicator_id): t for t in rows}


def quality_scores_for(user) -> QuerySet[QualityScore]:
    return performance_access.visible_quality_scores(user).select_related(
        "agent", "scorer", "followup__lead", "call__lead"
    )
