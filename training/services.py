"""Training actions. Views, the API, the admin, the demo and tasks call these.

The onboarding gate: an agent stays "onboarding" (and so takes no leads: see
`crm.models.Member.takes_leads`) until every active course marked "required for
onboarding" is passed. Recording the last pass activates them through
`crm.services.member_set_status` (which writes the member event) and a `TrainingEvent`
of kind "activated" naming who recorded the pass.

Activating by hand (`onboarding_activate`) is refused while a required course is not
passed, except for an administrator who gives a reason: the override and its reason are
recorded in the training history and in the member's status event. (The org pages' status
form is for administrators only; its note is recorded in the member's history too.)
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import access
from crm.models import Member, MemberStatus, Role, Team
from crm.services import member_set_status, notify
from leads import access as leads_access
from training import access as training_access

from . import uploads
from .models import (
    ENROLLMENT_MOVES,
    CallScript,
    Case,
    CaseComment,
    CaseTag,
    Course,
    CourseKind,
    Enrollment,
    EnrollmentStatus,
    Material,
    MemberLevel,
    PromotionLevel,
    PromotionProposal,
    ProposalStatus,
    Session,
    TrainingEvent,
)

# --- courses, sessions, materials ---------------------------------------------------------


@transaction.atomic
def course_save(*, course: Course) -> Course:
    if course.kind != CourseKind.ONBOARDING:
        course.required_for_onboarding = False
    if course.has_exam and course.pass_mark is None:
        raise ValidationError({"pass_mark": _("A course with an exam needs a pass mark.")})
    course.full_clean()
    course.save()
    return course


@transaction.atomic
def session_save(*, session: Session) -> Session:
    for field in ("starts_at", "ends_at"):
        moment = getattr(session, field)
        if moment is not None and not 2000 <= timezone.localtime(moment).year <= 2100:
            raise ValidationError({field: _("Give a date between 2000 and 2100.")})
    if session.starts_at and session.ends_at and session.ends_at <= session.starts_at:
        raise ValidationError({"ends_at": _("A session ends after it starts.")})
    if not session.place and not session.link:
        raise ValidationError({"place": _("Give a place or a meeting link.")})
    session.full_clean()
    session.save()
    return session


@transaction.atomic
def material_upload(*, course: Course, upload, by) -> Material:
    """Store a checked file under MEDIA_ROOT/training/ with a random name."""
    name, content_type = uploads.check_material(upload)
    material = Material(
        course=course,
        original_name=name,
        size=upload.size,
        content_type=content_type,
        uploaded_by=by,
    )
    material.file.save(name, upload, save=False)
    material.save()
    return material


def material_delete(*, material: Material) -> None:
    storage, path = material.file.storage, material.file.name
    material.delete()
    transaction.on_commit(lambda: storage.delete(path))


# --- enrollments and results --------------------------------------------------------------


def _check_enroller(*, member: Member, by) -> None:
    if not training_access.can_manage_training(by):
        raise ValidationError({"member": _("You may not enroll staff in courses.")})
    if not access.visible_members(by).filter(pk=member.pk).exists():
        raise ValidationError({"member": _("This member is not in your team.")})
    if member.status == MemberStatus.LEFT:
        raise ValidationError({"member": _("This member has left.")})


@transaction.atomic
def enroll(
    *, member: Member, course: Course, by, session: Session | None = None
) -> tuple[Enrollment, bool]:
    """Enroll one member; enrolling them again in the same course and session changes
    nothing. Returns (enrollment, created)."""
    _check_enroller(member=member, by=by)
    if not course.active:
        raise ValidationError({"course": _("This course is no longer offered.")})
    if session is not None and session.course_id != course.pk:
        raise ValidationError({"session": _("This session belongs to another course.")})
    existing = Enrollment.objects.filter(member=member, course=course, session=session).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            enrollment = Enrollment.objects.create(
                member=member, course=course, session=session, enrolled_by=by
            )
    except IntegrityError:  # enrolled at the same moment by someone else
        return Enrollment.objects.get(member=member, course=course, session=session), False
    TrainingEvent.objects.create(
        member=member,
        kind=TrainingEvent.Kind.ENROLLED,
        enrollment=enrollment,
        by=by,
        data={"course": course.pk, "session": session.pk if session else None},
    )
    return enrollment, True


@transaction.atomic
def enroll_many(
    *,
    course: Course,
    by,
    members: Iterable[Member] = (),
    team: Team | None = None,
    session: Session | None = None,
) -> int:
    """Enroll members and/or every current agent of a team; returns how many are new."""
    chosen = {member.pk: member for member in members}
    if team is not None:
        if not _team_is_yours(team, by):
            raise ValidationError({"team": _("This team is not yours.")})
        for member in Member.objects.filter(team=team, role=Role.AGENT).exclude(
            status=MemberStatus.LEFT
        ):
            chosen.setdefault(member.pk, member)
    if not chosen:
        raise ValidationError({"members": _("Choose at least one member or a team.")})
    created = 0
    for member in chosen.values():
        _enrollment, new = enroll(member=member, course=course, session=session, by=by)
        created += new
    return created


@transaction.atomic
def record_result(
    *,
    enrollment: Enrollment,
    by,
    attended: bool = True,
    score: int | None = None,
    passed: bool | None = None,
    completed_on: dt.date | None = None,
) -> Enrollment:
    """Record attendance and, where there is one, the exam score.

    A course with an exam is passed when the score reaches its pass mark; one without is
    passed by attending (or as `passed` says). Absent: no score. Passing the last required
    onboarding course activates the agent.
    """
    if not training_access.can_manage_training(by) or not (
        training_access.visible_enrollments(by).filter(pk=enrollment.pk).exists()
    ):
        raise ValidationError({"enrollment": _("You may not record results for this member.")})
    locked = Enrollment.objects.select_for_update().select_related("course").get(pk=enrollment.pk)
    course = locked.course
    if score is not None and not 0 <= score <= 100:
        raise ValidationError({"score": _("A score is between 0 and 100.")})
    if not attended:
        if score is not None:
            raise ValidationError({"score": _("An absent member has no score.")})
        status = EnrollmentStatus.ABSENT
    elif course.has_exam:
        if score is None:
            status = EnrollmentStatus.ATTENDED
        else:
            status = (
                EnrollmentStatus.PASSED if score >= course.pass_mark else EnrollmentStatus.FAILED
            )
    else:
        status = EnrollmentStatus.FAILED if passed is False else EnrollmentStatus.PASSED
    if status not in ENROLLMENT_MOVES[locked.status]:
        raise ValidationError(
            {
                "status": _("An enrollment that is %(from)s cannot become %(to)s.")
                % {
                    "from": locked.get_status_display(),
                    "to": EnrollmentStatus(status).label,
                }
            }
        )
    previous = locked.status
    locked.status = status
    locked.score = score if course.has_exam else None
    if status == EnrollmentStatus.PASSED:
        locked.completed_on = completed_on or timezone.localdate()
        if course.certificate_valid_months:
            locked.certificate_expires_on = _add_months(
                locked.completed_on, course.certificate_valid_months
            )
    locked.save(update_fields=["status", "score", "completed_on", "certificate_expires_on"])
    TrainingEvent.objects.create(
        member_id=locked.member_id,
        kind=TrainingEvent.Kind.RESULT,
        enrollment=locked,
        by=by,
        data={"from": previous, "to": status, "score": locked.score},
    )
    if status == EnrollmentStatus.PASSED and course.required_for_onboarding:
        member = Member.objects.get(pk=locked.member_id)
        if member.status == MemberStatus.ONBOARDING and not onboarding_missing(member):
            _activate(member=member, by=by, reason="", missing=[])
    return locked


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


# --- the onboarding gate ------------------------------------------------------------------


def required_onboarding_courses():
    return Course.objects.filter(
        active=True, kind=CourseKind.ONBOARDING, required_for_onboarding=True
    ).order_by("title")


def onboarding_missing(member: Member) -> list[Course]:
    """The required onboarding courses the member has not passed yet."""
    passed = Enrollment.objects.filter(member=member, status=EnrollmentStatus.PASSED).values(
        "course"
    )
    return list(required_onboarding_courses().exclude(pk__in=passed))


def _activate(*, member: Member, by, reason: str, missing: list[Course]) -> Member:
    """`missing`: the required courses not passed, as the caller just computed them."""
    note = reason or _("Required onboarding courses passed.")
    member = member_set_status(member=member, status=MemberStatus.ACTIVE, by=by, note=note)
    TrainingEvent.objects.create(
        member=member,
        kind=TrainingEvent.Kind.ACTIVATED,
        by=by,
        data={
            "override": bool(missing),
            "reason": reason,
            "missing": [course.title for course in missing],
        },
    )
    return member


@transaction.atomic
def onboarding_activate(*, member: Member, by, reason: str = "") -> Member:
    """Make an onboarding member active by hand. Refused while a required course is not
    passed, unless an administrator overrides it with a reason (recorded)."""
    if not access.visible_members(by).filter(pk=member.pk).exists():
        raise ValidationError({"member": _("This member is not in your team.")})
    if not training_access.can_manage_training(by):
        raise ValidationError({"member": _("You may not activate staff.")})
    member = Member.objects.get(pk=member.pk)
    if member.status != MemberStatus.ONBOARDING:
        raise ValidationError({"member": _("This member is not onboarding.")})
    missing = onboarding_missing(member)
    reason = (reason or "").strip()
    if missing:
        if not access.scope_of(by).is_admin:
            raise ValidationError(
                {
                    "member": _("Required onboarding courses are not passed yet: %(courses)s.")
                    % {"courses": "、".join(course.title for course in missing)}
                }
            )
        if not reason:
            raise ValidationError(
                {"reason": _("Give a reason to activate someone who has not passed onboarding.")}
            )
    return _activate(member=member, by=by, reason=reason, missing=missing)


# --- promotion paths ----------------------------------------------------------------------


def tenure_months(member: Member, today: dt.date | None = None) -> int:
    today = today or timezone.localdate()
    months = (today.year - member.hire_date.year) * 12 + today.month - member.hire_date.month
    if today.day < member.hire_date.day:
        months -= 1
    return max(months, 0)


_UNKNOWN = object()


def scorecard_figures(user_ids) -> dict[int, dict[str, tuple]]:
    """Each agent's figures on their scorecard of the last complete month.

    Promotion thresholds are judged on a closed month, not on the month under way: the
    figures of an open month move every quarter of an hour. Returns
    {user_id: {indicator code: (value, higher_is_better, name), "total": (total, True, …)}}.
    """
    from performance.labels import indicator_label
    from performance.models import Level, PeriodKind, ScorecardValue
    from performance.periods import current_period

    period = current_period(PeriodKind.MONTH).previous()
    figures: dict[int, dict[str, tuple]] = defaultdict(dict)
    rows = ScorecardValue.objects.filter(
        scorecard__level=Level.AGENT,
        scorecard__agent_id__in=list(user_ids),
        scorecard__period_kind=period.kind,
        scorecard__period_start=period.start,
    ).values_list(
        "scorecard__agent_id",
        "scorecard__total",
        "indicator__code",
        "indicator__name",
        "indicator__higher_is_better",
        "value",
    )
    for user_id, total, code, name, higher, value in rows:
        figures[user_id]["total"] = (total, True, _("weighted total"))
        figures[user_id][code] = (value, higher, indicator_label(code=code, name=name))
    return figures


def check_thresholds(thresholds) -> None:
    """Scorecard thresholds name indicator codes (or "total") and give numbers."""
    from performance.models import Indicator

    if not isinstance(thresholds, dict):
        raise ValidationError({"scorecard_thresholds": _("Give indicator codes and numbers.")})
    known = set(Indicator.objects.values_list("code", flat=True)) | {"total"}
    unknown = sorted(str(code) for code in thresholds if code not in known)
    if unknown:
        raise ValidationError(
            {
                "scorecard_thresholds": _("Unknown indicator codes: %(codes)s.")
                % {"codes": ", ".join(unknown)}
            }
        )
    for code, value in thresholds.items():
        if not _is_number(value):
            raise ValidationError(
                {"scorecard_thresholds": _("%(code)s needs a number.") % {"code": code}}
            )


def _is_number(value) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return False
    try:
        Decimal(str(value))
    except InvalidOperation:
        return False
    return True


def _thresholds(level: PromotionLevel, figures: dict[str, tuple]) -> list[dict]:
    """Each scorecard threshold of `level`, with the member's figure and whether it is met.

    A threshold names an indicator code (or "total") and a value in the indicator's unit,
    e.g. {"conversion": 8} for 8 %. An unknown code or a missing figure is not met.
    """
    from performance.labels import builtin_label

    checks = []
    for code, threshold in sorted((level.scorecard_thresholds or {}).items()):
        unnamed = _("weighted total") if code == "total" else builtin_label(code) or code
        value, higher, name = figures.get(code, (None, True, unnamed))
        try:
            limit = Decimal(str(threshold))
        except (InvalidOperation, ValueError):
            limit = None
        met = (
            value is not None
            and limit is not None
            and (value >= limit if higher else value <= limit)
        )
        checks.append({"code": code, "name": name, "threshold": limit, "value": value, "met": met})
    return checks


def promotion_progress(
    member: Member, *, levels=None, passed_ids=None, current=_UNKNOWN, figures=None
) -> dict:
    """How far a member is from the next level: tenure, courses and scorecard thresholds.

    `levels` (ordered, with required courses prefetched), `passed_ids`, `current` and
    `figures` (from `scorecard_figures`) may be given by a page that computes progress for
    many members with a fixed number of queries.
    """
    if levels is None:
        levels = list(PromotionLevel.objects.prefetch_related("required_courses"))
    if current is _UNKNOWN:
        held = MemberLevel.objects.filter(member=member).select_related("level").first()
        current = held.level if held else None
    if passed_ids is None:
        passed_ids = set(
            Enrollment.objects.filter(member=member, status=EnrollmentStatus.PASSED).values_list(
                "course_id", flat=True
            )
        )
    rank = current.rank if current else -1
    following = next((level for level in levels if level.rank > rank), None)
    tenure = tenure_months(member)
    if following is None:
        return {
            "current": current,
            "next": None,
            "tenure_months": tenure,
            "months_missing": 0,
            "courses_done": [],
            "courses_missing": [],
            "thresholds": [],
            "eligible": False,
        }
    required = list(following.required_courses.all())
    done = [course for course in required if course.pk in passed_ids]
    missing = [course for course in required if course.pk not in passed_ids]
    months_missing = max(following.min_tenure_months - tenure, 0)
    thresholds = []
    if following.scorecard_thresholds:
        if figures is None:
            figures = scorecard_figures([member.user_id]).get(member.user_id, {})
        thresholds = _thresholds(following, figures)
    return {
        "current": current,
        "next": following,
        "tenure_months": tenure,
        "months_missing": months_missing,
        "courses_done": done,
        "courses_missing": missing,
        "thresholds": thresholds,
        "eligible": not missing and not months_missing and all(t["met"] for t in thresholds),
    }


@transaction.atomic
def promotion_propose(
    *, member: Member, to_level: PromotionLevel, by, reasons: str
) -> PromotionProposal:
    """A manager proposes one of their agents for the next level; the criteria must be met."""
    if not training_access.can_propose_promotion(by):
        raise ValidationError({"member": _("You may not propose promotions.")})
    if not access.visible_members(by).filter(pk=member.pk).exists() or member.pk == getattr(
        getattr(by, "member", None), "pk", None
    ):
        raise ValidationError({"member": _("This member is not in your team.")})
    if member.status == MemberStatus.LEFT:
        raise ValidationError({"member": _("This member has left.")})
    if not (reasons or "").strip():
        raise ValidationError({"reasons": _("Say why this member deserves the promotion.")})
    progress = promotion_progress(member)
    if progress["next"] is None or progress["next"].pk != to_level.pk:
        raise ValidationError({"to_level": _("A member is proposed for the next level only.")})
    if not progress["eligible"]:
        problems = []
        if progress["months_missing"]:
            problems.append(
                _("%(months)s more months of tenure") % {"months": progress["months_missing"]}
            )
        if progress["courses_missing"]:
            problems.append(
                _("courses not passed: %(courses)s")
                % {"courses": "、".join(c.title for c in progress["courses_missing"])}
            )
        unmet = [t for t in progress["thresholds"] if not t["met"]]
        if unmet:
            problems.append(
                _("scorecard below the threshold: %(figures)s")
                % {"figures": "、".join(f"{t['name']} ≥ {t['threshold']}" for t in unmet)}
            )
        raise ValidationError(
            {"to_level": _("The criteria are not met: %(what)s.") % {"what": "; ".join(problems)}}
        )
    if PromotionProposal.objects.filter(member=member, status=ProposalStatus.PROPOSED).exists():
        raise ValidationError({"member": _("A proposal for this member is already open.")})
    proposal = PromotionProposal.objects.create(
        member=member,
        from_level=progress["current"],
        to_level=to_level,
        proposed_by=by,
        reasons=reasons.strip(),
    )
    TrainingEvent.objects.create(
        member=member,
        kind=TrainingEvent.Kind.PROPOSED,
        by=by,
        data={"proposal": proposal.pk, "to_level": to_level.pk},
    )
    return proposal


def _lock_open_proposal(proposal: PromotionProposal, by) -> PromotionProposal:
    if not training_access.can_approve_promotion(by) or not (
        training_access.visible_promotion_proposals(by).filter(pk=proposal.pk).exists()
    ):
        raise ValidationError({"proposal": _("You may not decide this proposal.")})
    locked = PromotionProposal.objects.select_for_update().get(pk=proposal.pk)
    if locked.status != ProposalStatus.PROPOSED:
        raise ValidationError({"status": _("This proposal has already been decided.")})
    return locked


@transaction.atomic
def promotion_approve(*, proposal: PromotionProposal, by, note: str = "") -> PromotionProposal:
    locked = _lock_open_proposal(proposal, by)
    locked.status = ProposalStatus.APPROVED
    locked.decided_by, locked.decided_at = by, timezone.now()
    locked.decision_note = (note or "").strip()
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    MemberLevel.objects.update_or_create(
        member_id=locked.member_id,
        defaults={"level": locked.to_level, "since": timezone.localdate(), "set_by": by},
    )
    TrainingEvent.objects.create(
        member_id=locked.member_id,
        kind=TrainingEvent.Kind.APPROVED,
        by=by,
        data={"proposal": locked.pk, "to_level": locked.to_level_id},
    )
    return locked


@transaction.atomic
def promotion_reject(*, proposal: PromotionProposal, by, note: str) -> PromotionProposal:
    if not (note or "").strip():
        raise ValidationError({"note": _("Say why the proposal is rejected.")})
    locked = _lock_open_proposal(proposal, by)
    locked.status = ProposalStatus.REJECTED
    locked.decided_by, locked.decided_at = by, timezone.now()
    locked.decision_note = note.strip()
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    TrainingEvent.objects.create(
        member_id=locked.member_id,
        kind=TrainingEvent.Kind.REJECTED,
        by=by,
        data={"proposal": locked.pk, "note": locked.decision_note},
    )
    return locked


@transaction.atomic
def member_level_set(*, member: Member, level: PromotionLevel, by=None) -> MemberLevel:
    """Place a member on a level directly (the demo, an initial import)."""
    row, _created = MemberLevel.objects.update_or_create(
        member=member, defaults={"level": level, "set_by": by}
    )
    return row


# --- call scripts -------------------------------------------------------------------------


@transaction.atomic
def script_publish(*, product: str, stage: str, title: str, body: str, by) -> CallScript:
    """Publish a new version of the script for (product, stage); the previous one retires.
    A published version is never edited."""
    product = (product or "").strip()
    if not (body or "").strip():
        raise ValidationError({"body": _("The script is empty.")})
    if not (title or "").strip():
        raise ValidationError({"title": _("Give the script a title.")})
    current = (
        CallScript.objects.select_for_update()
        .filter(product=product, stage=stage)
        .aggregate(top=Max("version"))["top"]
    )
    CallScript.objects.filter(product=product, stage=stage, active=True).update(active=False)
    script = CallScript(
        product=product,
        stage=stage,
        version=(current or 0) + 1,
        title=title.strip(),
        body=body.strip(),
        active=True,
        published_by=by,
    )
    script.full_clean()
    script.save()
    return script


# --- the case library ---------------------------------------------------------------------


def _tags(names: Iterable[str]) -> list[CaseTag]:
    cleaned = []
    for name in names:
        name = name.strip().lstrip("#")[:30]
        if name and name not in cleaned:
            cleaned.append(name)
    return [CaseTag.objects.get_or_create(name=name)[0] for name in cleaned[:10]]


def parse_tags(text: str) -> list[str]:
    return [part for part in text.replace("，", ",").replace(" ", ",").split(",") if part.strip()]


@transaction.atomic
def case_write(
    *,
    by,
    title: str,
    outcome: str,
    body: str,
    lessons: str = "",
    tags: Iterable[str] = (),
    lead=None,
    order=None,
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


def _team_is_yours(team: Team, by) -> bool:
    """A manager's own team; for heads and admins any team they see."""
    if access.scope_of(by).role == Role.TEAM_MANAGER:
        return team.manager_id == by.pk
    return access.visible_teams(by).filter(pk=team.pk).exists()


@transaction.atomic
def case_feature(*, case: Case, team: Team | None, by) -> Case:
    """Feature a case for a team (a manager their own), or clear it with team=None."""
    if not training_access.can_feature_case(by):
        raise ValidationError({"team": _("You may not feature cases.")})
    if team is None:
        current = case.featured_for_team
        if current is not None and not _team_is_yours(current, by):
            raise ValidationError({"team": _("This case is featured for a team not yours.")})
    elif not _team_is_yours(team, by):
        raise ValidationError({"team": _("This team is not yours.")})
    case.featured_for_team, case.featured_by = team, by if team else None
    case.save(update_fields=["featured_for_team", "featured_by"])
    return case


@transaction.atomic
def case_comment(*, case: Case, by, body: str) -> CaseComment:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("The comment is empty.")})
    return CaseComment.objects.create(case=case, author=by, body=body[:4000])


# --- reminders ----------------------------------------------------------------------------


def send_reminders(*, now: dt.datetime | None = None) -> dict:
    """Upcoming sessions (next 24 h), certificates expiring within 30 days, and new hires
    still onboarding after TRAINING_ONBOARDING_ALERT_DAYS (to their manager). Each message
    has a key, so a second run sends nothing new."""
    from django.urls import reverse

    now = now or timezone.now()
    today = timezone.localdate(now)
    counts = {"sessions": 0, "certificates": 0, "onboarding": 0}
    my_training = reverse("training:mine")
    upcoming = Enrollment.objects.filter(
        status=EnrollmentStatus.ENROLLED,
        session__starts_at__gt=now,
        session__starts_at__lte=now + dt.timedelta(hours=24),
        member__status__in=(MemberStatus.ACTIVE, MemberStatus.ONBOARDING),
    ).select_related("session__course", "member")
    for enrollment in upcoming:
        session = enrollment.session
        when = timezone.localtime(session.starts_at)
        counts["sessions"] += notify(
            user_id=enrollment.member.user_id,
            key=f"training-session:{enrollment.pk}:{session.starts_at:%Y%m%d%H%M}",
            kind="training",
            text=_("Training %(course)s starts %(when)s (%(where)s).")
            % {
                "course": session.course.title,
                "when": when.strftime("%m-%d %H:%M"),
                "where": session.place or session.link,
            },
            url=my_training,
        )
    expiring = Enrollment.objects.filter(
        status=EnrollmentStatus.PASSED,
        certificate_expires_on__gte=today,
        certificate_expires_on__lte=today + dt.timedelta(days=30),
        member__status__in=(MemberStatus.ACTIVE, MemberStatus.ON_LEAVE),
    ).select_related("course", "member")
    for enrollment in expiring:
        counts["certificates"] += notify(
            user_id=enrollment.member.user_id,
            key=f"training-certificate:{enrollment.pk}:{enrollment.certificate_expires_on}",
            kind="training",
            text=_("Your certificate for %(course)s expires on %(day)s.")
            % {"course": enrollment.course.title, "day": enrollment.certificate_expires_on},
            url=my_training,
        )
    days = settings.TRAINING_ONBOARDING_ALERT_DAYS
    stuck = Member.objects.filter(
        status=MemberStatus.ONBOARDING,
        hire_date__lte=today - dt.timedelta(days=days),
        team__manager__isnull=False,
    ).select_related("user", "team")
    team_page = reverse("training:team")
    for member in stuck:
        counts["onboarding"] += notify(
            user_id=member.team.manager_id,
            key=f"training-onboarding:{member.pk}",
            kind="training",
            text=_("%(name)s is still onboarding %(days)s days after being hired.")
            % {"name": member.display_name, "days": (today - member.hire_date).days},
            url=team_page,
        )
    return counts
