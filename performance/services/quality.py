"""Scoring the quality of a follow-up or a call (服务质量) on the rubric.

Inspectors score any record; managers, heads and admins the records they can see
(`leads.access.visible_followups` / `visible_calls`). Nobody scores their own work, and a
scorer scores a record once (the database holds that too).
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from leads import access as leads_access
from performance import access as performance_access

from ..models import QualityScore


def _rubric(scores: dict) -> dict:
    cleaned, errors = {}, {}
    for part in QualityScore.RUBRIC:
        raw = scores.get(part)
        try:
            number = int(raw)
        except (TypeError, ValueError):
            number = None
        if number is None or not 1 <= number <= 5 or str(raw).strip() not in {str(number)}:
            errors[part] = _("Give a score from 1 to 5.")
        else:
            cleaned[part] = number
    if errors:
        raise ValidationError(errors)
    return cleaned


def score_quality(
    *,
    by: User,
    followup_id: int | None = None,
    call_id: int | None = None,
    scores: dict,
    comment: str = "",
) -> QualityScore:
    """Record `by`'s rubric score of one follow-up or one call; 400-style errors by field."""
    if not performance_access.can_score_quality(by):
        raise ValidationError(_("You may not score the quality of calls and follow-ups."))
    if (followup_id is None) == (call_id is None):
        raise ValidationError({"followup": _("Score either a follow-up or a call.")})
    if followup_id is not None:
        field, record = (
            "followup",
            leads_access.visible_followups(by).filter(pk=followup_id).first(),
        )
    else:
        field, record = "call", leads_access.visible_calls(by).filter(pk=call_id).first()
    if record is None:
        raise ValidationError({field: _("No such record you may score.")})
    if record.agent_id is None:
        raise ValidationError({field: _("This call has no agent to score.")})
    if record.agent_id == by.pk:
        raise ValidationError({field: _("You may not score your own work.")})
    rubric = _rubric(scores)
    comment = (comment or "").strip()
    if len(comment) > 2000:
        raise ValidationError({"comment": _("Keep the comment under 2,000 characters.")})
    try:
        with transaction.atomic():
            return QualityScore.objects.create(
                agent_id=record.agent_id, scorer=by, comment=comment, **{field: record}, **rubric
            )
    except IntegrityError:
        raise ValidationError({field: _("You have already scored this record.")}) from None
