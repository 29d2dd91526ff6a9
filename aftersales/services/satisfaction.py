"""When satisfaction drops (the seeds' customer-satisfaction response): a team whose
average over its last N recorded revisits falls below the admin-set threshold
(`SatisfactionPolicy`) alerts its manager and the nearest department head above it, once,
with a link to the revisits behind the average. It alerts again only after the average
came back to the threshold or above (the drop is marked recovered) and fell again.

Checked when a revisit is recorded (`revisit_record`) and by a periodic sweep
(`aftersales.tasks.satisfaction_sweep`) that catches policy changes. Idempotent: at most
one open drop per team (a partial unique constraint), and each notification's key names
the drop, so two checks at once or a retried sweep alert once.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm.models import Department, Team
from crm.services import notify

from ..models import Revisit, RevisitStatus, SatisfactionDrop, SatisfactionPolicy

_TWO = Decimal("0.01")


def last_scores(*, team_id: int, window: int) -> list[tuple[int, int]]:
    """(revisit id, satisfaction) of the team's `window` most recent scored revisits."""
    return list(
        Revisit.objects.filter(
            order__team_id=team_id, status=RevisitStatus.DONE, satisfaction__isnull=False
        )
        .order_by("-done_at", "-id")
        .values_list("pk", "satisfaction")[:window]
    )


def _nearest_head(team: Team):
    ids = [int(part) for part in team.department.path.strip("/").split("/") if part]
    heads = Department.objects.filter(pk__in=ids, head__isnull=False).values_list("path", "head")
    return max(heads, key=lambda row: len(row[0]), default=(None, None))[1]


def _alert(drop: SatisfactionDrop, team: Team) -> None:
    url = reverse("aftersales:revisit_list") + f"?view=team&when=done&drop={drop.pk}"
    with translation.override(settings.LANGUAGE_CODE):
        text = _(
            "Satisfaction of %(team)s fell to %(average)s over its last %(count)s revisits "
            "(alert below %(threshold)s)."
        ) % {
            "team": team.name,
            "average": drop.average,
            "count": len(drop.revisit_ids),
            "threshold": drop.threshold,
        }
    for user_id in {team.manager_id, _nearest_head(team)} - {None}:
        notify(
            user_id=user_id,
            key=f"satisfaction-drop:{drop.pk}",
            text=text,
            kind="satisfaction",
            url=url,
        )


def satisfaction_check(*, team_id: int | None, now: dt.datetime | None = None) -> str:
    """Compare the team's recent average with the policy: "dropped" (alerted now),
    "still low", "recovered", "ok", or "unknown" (too few revisits, no team, inactive)."""
    if team_id is None:
        return "unknown"
    policy = SatisfactionPolicy.current()
    if not policy.is_active:
        return "unknown"
    scores = last_scores(team_id=team_id, window=policy.window)
    if len(scores) < policy.window:
        return "unknown"
    average = (Decimal(sum(score for _pk, score in scores)) / len(scores)).quantize(
        _TWO, rounding=ROUND_HALF_UP
    )
    now = now or timezone.now()
    open_drop = SatisfactionDrop.objects.filter(team_id=team_id, recovered_at__isnull=True)
    if average >= policy.threshold:
        return "recovered" if open_drop.update(recovered_at=now) else "ok"
    if open_drop.exists():
        return "still low"
    team = Team.objects.select_related("department").get(pk=team_id)
    try:
        with transaction.atomic():
            drop = SatisfactionDrop.objects.create(
                team=team,
                average=average,
                threshold=policy.threshold,
                revisit_ids=[pk for pk, _score in scores],
                fired_at=now,
            )
    except IntegrityError:  # another check opened it at the same moment
        return "still low"
    _alert(drop, team)
    return "dropped"


def satisfaction_sweep() -> dict[str, int]:
    """Check every team (the beat's safety net: policy changes, missed checks)."""
    counts: dict[str, int] = {}
    for team_id in Team.objects.order_by("pk").values_list("pk", flat=True):
        result = satisfaction_check(team_id=team_id)
        counts[result] = counts.get(result, 0) + 1
    return counts
