"""Read queries of the training pages and API, scoped by `crm.access` and already joined
for the page that uses them (a constant number of queries whatever the page size)."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Prefetch, Q, QuerySet

from crm import access
from crm.models import Member, MemberStatus, Role
from training import access as training_access

from .models import (
    CallScript,
    Case,
    CaseComment,
    Course,
    Enrollment,
    EnrollmentStatus,
    MemberLevel,
    PromotionLevel,
    ScriptStage,
)
from .services import onboarding_gate, promotions


def courses_for_catalog(user, *, kind: str = "") -> QuerySet[Course]:
    rows = training_access.visible_courses(user).annotate(
        session_count=Count("sessions", distinct=True),
        material_count=Count("materials", distinct=True),
    )
    if kind:
        rows = rows.filter(kind=kind)
    return rows.order_by("kind", "title")


def onboarding_remaining(member: Member | None) -> list[tuple[Course, Enrollment | None]]:
    """A new hire's required onboarding courses not passed yet, each with their enrollment
    (None when not enrolled yet), for the notice on the worklist and the pool. Two queries;
    nothing for a member who is not onboarding."""
    if member is None or member.status != MemberStatus.ONBOARDING:
        return []
    missing = onboarding_gate.onboarding_missing(member=member)
    enrollments = {
        e.course_id: e
        for e in Enrollment.objects.filter(member=member, course__in=missing)
        .select_related("session")
        .order_by("enrolled_at")
    }
    return [(course, enrollments.get(course.pk)) for course in missing]


def enrollments_of(user, member: Member) -> QuerySet[Enrollment]:
    return (
        training_access.visible_enrollments(user)
        .filter(member=member)
        .select_related("course", "session")
        .order_by("-enrolled_at", "-id")
    )


def team_enrollments(user, *, status: str = "", course: int | None = None):
    rows = (
        training_access.visible_enrollments(user)
        .select_related("course", "session", "member__user", "member__team")
        .order_by("-enrolled_at", "-id")
    )
    if status:
        rows = rows.filter(status=status)
    if course:
        rows = rows.filter(course_id=course)
    return rows


def team_members_progress(user) -> list[dict]:
    """Each agent in scope (not gone): onboarding courses missing and promotion progress,
    computed with a fixed number of queries."""
    members = list(
        access.visible_members(user)
        .filter(role=Role.AGENT)
        .exclude(status=MemberStatus.LEFT)
        .select_related("user", "team", "training_level__level")
        .order_by("team__name", "employee_no")
    )
    # New hires first: their onboarding is what a manager acts on.
    members.sort(key=lambda member: member.status != MemberStatus.ONBOARDING)
    return _progress_for(members)


def _progress_for(members: list[Member]) -> list[dict]:
    passed: dict[int, set[int]] = defaultdict(set)
    for member_id, course_id in Enrollment.objects.filter(
        member__in=[m.pk for m in members], status=EnrollmentStatus.PASSED
    ).values_list("member_id", "course_id"):
        passed[member_id].add(course_id)
    levels = list(PromotionLevel.objects.prefetch_related("required_courses"))
    figures = (
        promotions.scorecard_figures(user_ids=[m.user_id for m in members])
        if any(level.scorecard_thresholds for level in levels)
        else {}
    )
    required = list(onboarding_gate.required_onboarding_courses())
    rows = []
    for member in members:
        try:
            current = member.training_level.level
        except MemberLevel.DoesNotExist:
            current = None
        rows.append(
            {
                "member": member,
                "onboarding_missing": [c for c in required if c.pk not in passed[member.pk]],
                "progress": promotions.promotion_progress(
                    member=member,
                    levels=levels,
                    passed_ids=passed[member.pk],
                    current=current,
                    figures=figures.get(member.user_id, {}),
                ),
            }
        )
    return rows


def my_progress(member: Member) -> dict:
    return _progress_for(
        [Member.objects.select_related("user", "training_level__level").get(pk=member.pk)]
    )[0]


def proposals_for(user, *, status: str = ""):
    rows = training_access.visible_promotion_proposals(user).select_related(
        "member__user", "member__team", "from_level", "to_level", "proposed_by", "decided_by"
    )
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("status", "-created_at", "-id")


def scripts_list(user, *, product: str | None = None, active_only: bool = True):
    rows = training_access.visible_call_scripts(user).select_related("published_by")
    if active_only:
        rows = rows.filter(active=True)
    if product is not None:
        rows = rows.filter(product=product)
    return rows.order_by("product", "stage", "-version")


STAGE_ORDER = [stage for stage, _label in ScriptStage.choices]


def scripts_for_lead(user, lead) -> list[tuple[str, list[CallScript]]]:
    """The active scripts for the lead's product, each stage falling back to the general
    script; grouped by stage in the order of a call."""
    product = (lead.product or "").strip()
    rows = list(
        training_access.visible_call_scripts(user).filter(active=True, product__in={product, ""})
    )
    by_stage: dict[str, list[CallScript]] = {}
    for stage in STAGE_ORDER:
        specific = [s for s in rows if s.stage == stage and s.product == product and product]
        general = [s for s in rows if s.stage == stage and s.product == ""]
        chosen = specific or general
        if chosen:
            by_stage[stage] = chosen
    return [(ScriptStage(stage).label, scripts) for stage, scripts in by_stage.items()]


def cases_search(user, *, q: str = "", tag: str = "", outcome: str = "", featured: bool = False):
    rows = (
        training_access.visible_cases(user)
        .select_related("author__member", "featured_for_team", "lead", "order")
        .prefetch_related("tags")
        .annotate(comment_count=Count("comments", distinct=True))
    )
    if q:
        rows = rows.filter(Q(title__icontains=q) | Q(body__icontains=q) | Q(lessons__icontains=q))
    if tag:
        rows = rows.filter(tags__name=tag)
    if outcome:
        rows = rows.filter(outcome=outcome)
    if featured:
        team_id = access.scope_of(user).own_team_id
        rows = rows.filter(featured_for_team_id=team_id) if team_id else rows.none()
    return rows.order_by("-created_at", "-id")


def case_detail(user, pk: int) -> Case:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(
        training_access.visible_cases(user)
        .select_related("author", "featured_for_team", "lead", "order")
        .prefetch_related(
            "tags",
            Prefetch(
                "comments",
                queryset=CaseComment.objects.select_related("author").order_by("created_at", "id"),
            ),
        ),
        pk=pk,
    )
