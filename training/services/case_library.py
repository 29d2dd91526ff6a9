"""The case library: writing up won and lost cases, tags, featuring, comments."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm import access
from crm.models import Team
from leads import access as leads_access
from leads.models import Lead
from orders.models import Order
from training import access as training_access

from ..models import Case, CaseComment, CaseTag
from .enrollments import team_is_yours


def _tags(names: Iterable[str]) -> list[CaseTag]:
    cleaned = []
    for name in names:
        name = name.strip().lstrip("#")[:30]
        if name and name not in cleaned:
            cleaned.append(name)
    return [CaseTag.objects.get_or_create(name=name)[0] for name in cleaned[:10]]


def parse_tags(*, text: str) -> list[str]:
    return [part for part in text.replace("，", ",").replace(" ", ",").split(",") if part.strip()]


@transaction.atomic
def case_write(
    *,
    by: User,
    title: str,
    outcome: str,
    body: str,
    lessons: str = "",
    tags: Iterable[str] = (),
    lead: Lead | None = None,
    order: Order | None = None,
    case: Case | None = None,
) -> Case:
    """Write up (or, by its author or an admin, revise) a won or lost case."""
    if case is not None and case.author_id != by.pk and not access.scope_of(by).is_admin:
        raise ValidationError({"case": _("Only the author may change this case.")})
    if lead is not None and not leads_access.visible_leads(by).filter(pk=lead.pk).exists():
        raise ValidationError({"lead": _("You cannot link a lead you do not see.")})
    if order is not None:
        if not leads_access.visible_leads(by).filter(pk=order.lead_id).exists():
            raise ValidationError({"order": _("You cannot link an order you do not see.")})
        lead = lead or order.lead
    case = case or Case(author=by)
    case.title, case.outcome, case.body, case.lessons = title, outcome, body, lessons
    case.lead, case.order = lead, order
    case.full_clean(exclude=["author", "featured_for_team", "featured_by"])
    case.save()
    case.tags.set(_tags(tags))
    return case


@transaction.atomic
def case_feature(*, case: Case, team: Team | None, by: User) -> Case:
    """Feature a case for a team (a manager their own), or clear it with team=None."""
    if not training_access.can_feature_case(by):
        raise ValidationError({"team": _("You may not feature cases.")})
    if team is None:
        current = case.featured_for_team
        if current is not None and not team_is_yours(team=current, by=by):
            raise ValidationError({"team": _("This case is featured for a team not yours.")})
    elif not team_is_yours(team=team, by=by):
        raise ValidationError({"team": _("This team is not yours.")})
    case.featured_for_team, case.featured_by = team, by if team else None
    case.save(update_fields=["featured_for_team", "featured_by"])
    return case


@transaction.atomic
def case_comment(*, case: Case, by: User, body: str) -> CaseComment:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("The comment is empty.")})
    return CaseComment.objects.create(case=case, author=by, body=body[:4000])
