"""The records behind a live figure: one indicator, one subject, any span.

Exactly `Metric.drilldown()` — the records `performance.metrics` summed for the figure —
narrowed to the agents who were in the subject's teams during the span (the membership
join still decides which rows count). Who may open it: the agent themselves, anyone who
sees a team the agent was in during the span, anyone who sees the team or department.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from crm import access
from crm.api import user_name
from crm.models import Team, TeamMembership
from crm.templatetags.fast_urls import reverse_ids

from ...metrics import Metric, metric_for
from ...models import Level
from ...periods import Span
from ..scorecards import _for_page, record_rows

_EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)


@dataclass
class Subject:
    level: str
    id: int
    name: str
    department_path: str = ""


def subject_of(user, level: str, subject_id: int, span: Span) -> Subject | None:
    """The subject if `user` may see its figures over `span`, else None."""
    if level == Level.AGENT:
        from django.contrib.auth import get_user_model

        agent = get_user_model().objects.filter(pk=subject_id).first()
        if agent is None:
            return None
        allowed = (
            agent.pk == user.pk
            or access.scope_of(user).sees_all
            or TeamMembership.objects.overlapping(*span.bounds)
            .filter(member__user_id=agent.pk, team__in=access.visible_teams(user))
            .exists()
        )
        return Subject(level, agent.pk, user_name(agent)) if allowed else None
    if level == Level.TEAM:
        team = access.visible_teams(user).filter(pk=subject_id).first()
        return Subject(level, team.pk, team.name) if team else None
    if level == Level.DEPARTMENT:
        department = access.visible_departments(user).filter(pk=subject_id).first()
        if department is None:
            return None
        return Subject(level, department.pk, department.name, department.path)
    return None


def _teams_of(subject: Subject) -> list[int]:
    if subject.level == Level.TEAM:
        return [subject.id]
    return list(
        Team.objects.filter(department__path__startswith=subject.department_path).values_list(
            "pk", flat=True
        )
    )


def figure_records(metric: Metric, subject: Subject, span: Span) -> QuerySet:
    """Every record behind the subject's figure over `span`, newest first."""
    if subject.level == Level.AGENT:
        return metric.drilldown(span, agent_id=subject.id)
    users = (
        TeamMembership.objects.overlapping(*span.bounds)
        .filter(team_id__in=_teams_of(subject))
        .values("member__user_id")
    )
    if subject.level == Level.TEAM:
        rows = metric.drilldown(span, team_id=subject.id)
    else:
        rows = metric.drilldown(span, department_path=subject.department_path)
    return rows.filter(**{f"{metric.agent}__in": users})


@dataclass
class RecordsPage:
    rows: list
    count: int
    numerator: object
    denominator: object
    value: object
    has_next: bool


def records_page(user, source: str, subject: Subject, span: Span, *, page: int, size: int):
    """One page of the records (newest first), how many there are and what they add up to."""
    metric = metric_for(source)
    records = figure_records(metric, subject, span)
    count = records.count()
    numerator, denominator = metric.add_up(records)
    offset = (max(page, 1) - 1) * size
    rows = list(_for_page(records)[offset : offset + size])
    return RecordsPage(
        rows=with_order_links(record_rows(user, metric, rows), rows),
        count=count,
        numerator=numerator,
        denominator=denominator,
        value=metric.figure(numerator, denominator),
        has_next=offset + size < count,
    )


def with_order_links(rows, records) -> list:
    """Give each row of a sale or a revisit its order's number and page."""
    for row, record in zip(rows, records, strict=True):
        with_order = record._meta.label in (
            "orders.SalesEntry",
            "orders.Payment",
            "aftersales.Revisit",
        )
        order_id = record.order_id if with_order else None
        row.order_number = record.order.number if order_id else ""
        row.order_url = reverse_ids("orders:detail", order_id) if order_id else ""
        prefix = f"{row.order_number} · "
        if order_id and row.detail.startswith(prefix):
            row.detail = row.detail[len(prefix) :]  # the number is the link now
    return rows


def parse_moment(raw: str | None) -> dt.datetime | None:
    """An ISO date (local midnight) or date-time (local when naive); None when unreadable."""
    if not raw:
        return None
    try:
        moment = dt.datetime.fromisoformat(raw)
    except ValueError:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_current_timezone())
    if (
        not dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
        <= moment
        <= dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
    ):
        return None
    return moment
