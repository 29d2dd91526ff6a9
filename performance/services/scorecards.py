"""Recomputing scorecards: every agent, team and department of a period, set-based.

`recompute_scorecards(period)` runs one grouped SQL statement per active indicator
(`performance.metrics`), rolls the rows up in memory (agents → teams at the time →
departments whose subtree holds the team), adds targets, achievement, weighted points,
totals and ranks, and writes everything in one transaction with bulk statements. Running
it twice gives the same rows (scorecards are matched by subject, values upserted on
(scorecard, indicator)), so the periodic job and the "Recompute now" button can overlap.

Decisions:

* Agents: members whose role is agent and who were in a team at any time in the period.
  Their team for ranking (and for target roll-ups) is the last team they were in during
  the period. Teams: active teams and any team an agent was in during the period.
  Departments: every department whose subtree holds one of those teams.
* Targets are explicit `Target` rows. A team without its own target for an additive
  indicator (amount, counts, minutes) gets the sum of its agents' targets; a department
  the sum of its teams' (own or summed). Rates and scores have no default.
* Achievement = value / target × 100; for lower-is-better indicators target / value × 100
  (a value of 0 achieves the cap). It is capped at `ACHIEVEMENT_CAP` for the points:
  points = weight × min(achievement, cap) / 100; the total is the sum of the points.
* Ranks: agents within their team, teams within their department, departments among
  their siblings; equal totals share a rank (1, 2, 2, 4).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from crm.models import Department, Role, Team, TeamMembership

from ..db import scorecards as db
from ..metrics import (
    ACHIEVEMENT_CAP,
    achievement_of,
    aggregate_all,
    metric_for,
    quantize,
    roll_up,
)
from ..models import Indicator, KpiWeight, Level, Scorecard, ScorecardValue, Target
from ..periods import Period
from ..periods import period_containing as current_period_of

_TWO = Decimal("0.01")
# One definition of a figure's precision and of achievement: performance.metrics.
_q4 = quantize


def points_of(*, weight: Decimal, achievement: Decimal | None) -> Decimal:
    if achievement is None:
        return Decimal("0.00")
    capped = max(min(achievement, ACHIEVEMENT_CAP), Decimal("0"))
    return (weight * capped / 100).quantize(_TWO, rounding=ROUND_HALF_UP)


def _ranks(totals: dict, groups: dict) -> dict:
    """{subject: (rank, rank_of)}: competition ranking by total within each group."""
    members = defaultdict(list)
    for subject, group in groups.items():
        if subject in totals:
            members[group].append(subject)
    result = {}
    for subjects in members.values():
        ordered = sorted(subjects, key=lambda s: (-totals[s], s))
        rank = 0
        previous = None
        for position, subject in enumerate(ordered, start=1):
            if totals[subject] != previous:
                rank, previous = position, totals[subject]
            result[subject] = (rank, len(ordered))
    return result


class _Org:
    """Who is in the period: agents with their teams, teams, departments and subtrees."""

    def __init__(self, period: Period):
        start, end = period.bounds
        stays = (
            TeamMembership.objects.overlapping(start, end)
            .filter(member__role=Role.AGENT)
            .order_by("started_at", "id")
            .values_list("member__user_id", "team_id")
        )
        self.agent_team: dict[int, int] = {}
        self.team_agents: dict[int, set[int]] = defaultdict(set)
        for user_id, team_id in stays:
            self.agent_team[user_id] = team_id  # the last stay wins
            self.team_agents[team_id].add(user_id)
        departments = list(Department.objects.values_list("id", "path", "parent_id"))
        self.department_parent = {pk: parent for pk, _path, parent in departments}
        teams = Team.objects.filter(Q(is_active=True) | Q(pk__in=list(self.team_agents)))
        self.team_department: dict[int, int] = {}
        self.team_departments: dict[int, list[int]] = {}
        paths = {pk: path for pk, path, _parent in departments}
        for team_id, department_id in teams.values_list("id", "department_id"):
            self.team_department[team_id] = department_id
            team_path = paths.get(department_id, "")
            self.team_departments[team_id] = [
                pk for pk, path, _parent in departments if path and team_path.startswith(path)
            ]
        self.departments = sorted({d for ds in self.team_departments.values() for d in ds})
        self.department_teams: dict[int, list[int]] = defaultdict(list)
        for team_id, department_ids in self.team_departments.items():
            for department_id in department_ids:
                self.department_teams[department_id].append(team_id)

    def subjects(self, level: str) -> list[int]:
        if level == Level.AGENT:
            return sorted(self.agent_team)
        if level == Level.TEAM:
            return sorted(self.team_department)
        return list(self.departments)


def _targets(period: Period, org: _Org, indicators) -> dict:
    """{(level, subject id, indicator id): target}, with the additive defaults filled in."""
    explicit = {}
    rows = Target.objects.filter(period_kind=period.kind, period_start=period.start).values_list(
        "level", "agent_id", "team_id", "department_id", "indicator_id", "value"
    )
    for level, agent_id, team_id, department_id, indicator_id, value in rows:
        subject = {Level.AGENT: agent_id, Level.TEAM: team_id}.get(level, department_id)
        explicit[(level, subject, indicator_id)] = value
    targets = dict(explicit)
    for indicator in indicators:
        if not metric_for(indicator.source).additive:
            continue
        team_sums: dict[int, Decimal] = {}
        for agent_id, team_id in org.agent_team.items():
            value = explicit.get((Level.AGENT, agent_id, indicator.pk))
            if value is not None:
                team_sums[team_id] = team_sums.get(team_id, Decimal("0")) + value
        for team_id in org.team_department:
            key = (Level.TEAM, team_id, indicator.pk)
            if key not in targets and team_id in team_sums:
                targets[key] = team_sums[team_id]
        for department_id in org.departments:
            key = (Level.DEPARTMENT, department_id, indicator.pk)
            if key in targets:
                continue
            values = [
                targets[(Level.TEAM, team_id, indicator.pk)]
                for team_id in org.department_teams[department_id]
                if (Level.TEAM, team_id, indicator.pk) in targets
            ]
            if values:
                targets[key] = sum(values, Decimal("0"))
    return targets


def current_periods(*, today: dt.date | None = None) -> list[Period]:
    """What the periodic job keeps fresh: this week, month and quarter, and during the first
    three days of a month the previous month too (late records, final ranks)."""
    today = today or timezone.localdate()
    month = current_period_of("month", today)
    periods = [current_period_of("week", today), month, current_period_of("quarter", today)]
    if today.day <= 3:
        periods.append(month.previous())
    return periods


def queue_recompute(*, period: Period) -> None:
    """Recompute one period in the background once the caller's transaction commits."""
    from ..tasks import recompute_scorecards_task

    transaction.on_commit(
        lambda: recompute_scorecards_task.delay(period.kind, period.start.isoformat())
    )


def queue_current_recompute() -> None:
    """Indicators or weights changed: recompute the current periods after commit."""
    from ..tasks import recompute_current_scorecards

    transaction.on_commit(recompute_current_scorecards.delay)


_SUBJECT_FIELD = {Level.AGENT: "agent_id", Level.TEAM: "team_id", Level.DEPARTMENT: "department_id"}


def recompute_scorecards(*, period: Period, levels: Iterable[str] | None = None) -> dict:
    """Compute and store every scorecard of `period` for `levels` (default: all three).

    Returns counts: {"scorecards": n, "values": n}.
    """
    with transaction.atomic():
        db.recompute_take_turns(period)
        return _recompute(period, levels)


def _recompute(period: Period, levels) -> dict:
    levels = [level for level in Level.values if levels is None or level in levels]
    indicators = list(Indicator.objects.filter(is_active=True).order_by("position", "id"))
    weights = {
        (indicator_id, level): weight
        for indicator_id, level, weight in KpiWeight.objects.values_list(
            "indicator_id", "level", "weight"
        )
    }
    org = _Org(period)
    rows = aggregate_all([indicator.source for indicator in indicators], period)
    figures = {
        indicator.pk: roll_up(rows[indicator.source], team_departments=org.team_departments)
        for indicator in indicators
    }
    targets = _targets(period, org, indicators)

    cards: dict[tuple[str, int], dict] = {}
    for level in levels:
        for subject in org.subjects(level):
            values = []
            total = Decimal("0")
            for indicator in indicators:
                metric = metric_for(indicator.source)
                bucket = {
                    Level.AGENT: figures[indicator.pk].agents,
                    Level.TEAM: figures[indicator.pk].teams,
                    Level.DEPARTMENT: figures[indicator.pk].departments,
                }[level].get(subject)
                numerator, denominator = bucket if bucket else (Decimal("0"), Decimal("0"))
                if metric.denominator is None:
                    denominator = None
                value = _q4(metric.value(numerator, denominator))
                target = targets.get((level, subject, indicator.pk))
                achievement = achievement_of(
                    value=value, target=target, higher_is_better=indicator.higher_is_better
                )
                weight = weights.get((indicator.pk, level), Decimal("0"))
                points = points_of(weight=weight, achievement=achievement)
                total += points
                values.append(
                    {
                        "indicator_id": indicator.pk,
                        "numerator": _q4(numerator),
                        "denominator": _q4(denominator),
                        "value": value,
                        "target": target,
                        "achievement": achievement,
                        "weight": weight,
                        "points": points,
                    }
                )
            cards[(level, subject)] = {"total": total, "values": values}

    groups = {}
    for level, subject in cards:
        if level == Level.AGENT:
            groups[(level, subject)] = org.agent_team.get(subject)
        elif level == Level.TEAM:
            groups[(level, subject)] = org.team_department.get(subject)
        else:
            groups[(level, subject)] = org.department_parent.get(subject)
    ranks = {}
    for level in levels:
        level_totals = {key: card["total"] for key, card in cards.items() if key[0] == level}
        ranks.update(_ranks(level_totals, {k: groups[k] for k in level_totals}))
    return _write(period, levels, cards, ranks, [i.pk for i in indicators])


def _write(period: Period, levels, cards: dict, ranks: dict, indicator_ids) -> dict:
    now = timezone.now()
    with transaction.atomic():
        existing = {}
        stale = []
        rows = Scorecard.objects.filter(
            period_kind=period.kind, period_start=period.start, level__in=levels
        ).values_list("id", "level", "agent_id", "team_id", "department_id")
        for pk, level, agent_id, team_id, department_id in rows:
            subject = {Level.AGENT: agent_id, Level.TEAM: team_id}.get(level, department_id)
            if (level, subject) in cards:
                existing[(level, subject)] = pk
            else:
                stale.append(pk)
        if stale:
            Scorecard.objects.filter(pk__in=stale).delete()
        to_create, to_update = [], []
        for key, card in cards.items():
            level, subject = key
            rank, rank_of = ranks.get(key, (None, None))
            scorecard = Scorecard(
                pk=existing.get(key),
                level=level,
                period_kind=period.kind,
                period_start=period.start,
                total=card["total"],
                rank=rank,
                rank_of=rank_of,
                computed_at=now,
                **{_SUBJECT_FIELD[level]: subject},
            )
            (to_update if scorecard.pk else to_create).append(scorecard)
        Scorecard.objects.bulk_update(
            to_update, ["total", "rank", "rank_of", "computed_at"], batch_size=500
        )
        created = Scorecard.objects.bulk_create(to_create, batch_size=500)
        ids = {**existing}
        for scorecard in created:
            subject = getattr(scorecard, _SUBJECT_FIELD[scorecard.level])
            ids[(scorecard.level, subject)] = scorecard.pk
        if None in {scorecard.pk for scorecard in created}:  # a backend without RETURNING
            ids = {
                (level, {Level.AGENT: a, Level.TEAM: t}.get(level, d)): pk
                for pk, level, a, t, d in Scorecard.objects.filter(
                    period_kind=period.kind, period_start=period.start, level__in=levels
                ).values_list("id", "level", "agent_id", "team_id", "department_id")
            }
        values = [
            ScorecardValue(scorecard_id=ids[key], **value)
            for key, card in cards.items()
            for value in card["values"]
        ]
        ScorecardValue.objects.filter(
            scorecard__period_kind=period.kind,
            scorecard__period_start=period.start,
            scorecard__level__in=levels,
        ).exclude(indicator_id__in=indicator_ids).delete()
        ScorecardValue.objects.bulk_create(
            values,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["scorecard", "indicator"],
            update_fields=[
                "numerator",
                "denominator",
                "value",
                "target",
                "achievement",
                "weight",
                "points",
            ],
        )
    return {"scorecards": len(cards), "values": len(values)}
