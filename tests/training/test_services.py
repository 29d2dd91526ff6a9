"""Enrollments and results, promotion criteria and approvals, call scripts and cases."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from crm.models import Member
from tests.leads.factories import LeadFactory
from tests.training.factories import CourseFactory, LevelFactory, SessionFactory
from training.models import (
    CallScript,
    Enrollment,
    EnrollmentStatus,
    MemberLevel,
    ProposalStatus,
    TrainingEvent,
)
from training.services import call_scripts, case_library, enrollments, promotions

pytestmark = pytest.mark.django_db


class TestEnrolling:
    def test_enrolling_twice_changes_nothing(self, org):
        course = CourseFactory()
        first, created = enrollments.enroll(
            member=org.agent_a1, course=course, by=org.manager_a.user
        )
        again, created_again = enrollments.enroll(
            member=org.agent_a1, course=course, by=org.manager_a.user
        )
        assert created and not created_again and first == again
        assert TrainingEvent.objects.filter(kind=TrainingEvent.Kind.ENROLLED).count() == 1

    def test_the_database_refuses_a_second_enrollment_without_session(self, org):
        course = CourseFactory()
        Enrollment.objects.create(member=org.agent_a1, course=course)
        with pytest.raises(IntegrityError):
            Enrollment.objects.create(member=org.agent_a1, course=course)

    def test_a_manager_enrolls_a_whole_team_once(self, org):
        course = CourseFactory()
        session = SessionFactory(course=course)
        assert (
            enrollments.enroll_many(
                course=course, session=session, team=org.team_a, by=org.manager_a.user
            )
            == 2
        )
        assert (
            enrollments.enroll_many(
                course=course, session=session, team=org.team_a, by=org.manager_a.user
            )
            == 0
        )
        assert set(Enrollment.objects.values_list("member", flat=True)) == {
            org.agent_a1.pk,
            org.agent_a2.pk,
        }

    def test_a_manager_cannot_enroll_another_team(self, org):
        course = CourseFactory()
        with pytest.raises(ValidationError) as refused:
            enrollments.enroll(member=org.agent_b1, course=course, by=org.manager_a.user)
        assert "member" in refused.value.message_dict
        with pytest.raises(ValidationError) as refused:
            enrollments.enroll_many(course=course, team=org.team_b, by=org.manager_a.user)
        assert "team" in refused.value.message_dict

    def test_agents_and_heads_do_not_enroll(self, org):
        course = CourseFactory()
        for member in (org.agent_a1, org.head):
            with pytest.raises(ValidationError):
                enrollments.enroll(member=org.agent_a1, course=course, by=member.user)

    def test_a_session_of_another_course_is_refused(self, org):
        with pytest.raises(ValidationError) as refused:
            enrollments.enroll(
                member=org.agent_a1,
                course=CourseFactory(),
                session=SessionFactory(),
                by=org.admin.user,
            )
        assert "session" in refused.value.message_dict


class TestResults:
    def test_pass_when_the_score_reaches_the_pass_mark_and_certificate_expiry(self, org):
        course = CourseFactory(has_exam=True, pass_mark=70, certificate_valid_months=12)
        enrollment, _ = enrollments.enroll(member=org.agent_a1, course=course, by=org.admin.user)
        failed = enrollments.record_result(enrollment=enrollment, score=69, by=org.admin.user)
        assert failed.status == EnrollmentStatus.FAILED and failed.completed_on is None
        passed = enrollments.record_result(
            enrollment=enrollment, score=70, by=org.admin.user, completed_on=dt.date(2026, 1, 31)
        )
        assert passed.status == EnrollmentStatus.PASSED
        assert passed.certificate_expires_on == dt.date(2027, 1, 31)
        with pytest.raises(ValidationError) as refused:
            enrollments.record_result(enrollment=enrollment, score=90, by=org.admin.user)
        assert "status" in refused.value.message_dict  # passed is final

    def test_attending_without_a_score_then_absent_is_refused(self, org):
        course = CourseFactory(has_exam=True, pass_mark=60)
        enrollment, _ = enrollments.enroll(member=org.agent_a1, course=course, by=org.admin.user)
        attended = enrollments.record_result(enrollment=enrollment, by=org.admin.user)
        assert attended.status == EnrollmentStatus.ATTENDED
        with pytest.raises(ValidationError):
            enrollments.record_result(enrollment=enrollment, attended=False, by=org.admin.user)

    def test_absent_with_a_score_is_refused_naming_score(self, org):
        enrollment, _ = enrollments.enroll(
            member=org.agent_a1, course=CourseFactory(), by=org.admin.user
        )
        with pytest.raises(ValidationError) as refused:
            enrollments.record_result(
                enrollment=enrollment, attended=False, score=50, by=org.admin.user
            )
        assert "score" in refused.value.message_dict

    def test_a_manager_records_only_for_their_team(self, org):
        enrollment, _ = enrollments.enroll(
            member=org.agent_b1, course=CourseFactory(), by=org.admin.user
        )
        with pytest.raises(ValidationError):
            enrollments.record_result(enrollment=enrollment, by=org.manager_a.user)
        enrollments.record_result(enrollment=enrollment, by=org.manager_b.user)


def _ladder():
    advanced = CourseFactory(title="异议处理进阶", has_exam=True, pass_mark=70)
    junior = LevelFactory(name="初级坐席", rank=1)
    agent = LevelFactory(name="坐席", rank=2, min_tenure_months=3)
    agent.required_courses.set([advanced])
    senior = LevelFactory(name="高级坐席", rank=3, min_tenure_months=12)
    return advanced, junior, agent, senior


def _hired_months_ago(member: Member, months: int) -> Member:
    member.hire_date = timezone.localdate() - dt.timedelta(days=31 * months + 1)
    member.save(update_fields=["hire_date"])
    return member


def _place(*, member: Member, level) -> None:
    """Put a member on a promotion level (as an approved proposal does)."""
    MemberLevel.objects.update_or_create(member=member, defaults={"level": level})


class TestPromotion:
    def test_progress_says_what_is_missing(self, org):
        advanced, junior, agent, _senior = _ladder()
        _place(member=org.agent_a1, level=junior)
        _hired_months_ago(org.agent_a1, 1)
        progress = promotions.promotion_progress(member=org.agent_a1)
        assert progress["current"] == junior and progress["next"] == agent
        assert progress["months_missing"] == 2
        assert progress["courses_missing"] == [advanced] and not progress["eligible"]

    def test_a_member_without_a_level_aims_at_the_first(self, org):
        _advanced, junior, _agent, _senior = _ladder()
        progress = promotions.promotion_progress(member=org.agent_a1)
        assert progress["current"] is None and progress["next"] == junior
        assert progress["eligible"]

    def test_the_criteria_must_be_met_to_propose(self, org):
        advanced, junior, agent, _senior = _ladder()
        _place(member=org.agent_a1, level=junior)
        _hired_months_ago(org.agent_a1, 4)
        with pytest.raises(ValidationError) as refused:
            promotions.promotion_propose(
                member=org.agent_a1, to_level=agent, reasons="业绩好", by=org.manager_a.user
            )
        assert "异议处理进阶" in refused.value.message_dict["to_level"][0]
        enrollment, _ = enrollments.enroll(member=org.agent_a1, course=advanced, by=org.admin.user)
        enrollments.record_result(enrollment=enrollment, score=80, by=org.admin.user)
        proposal = promotions.promotion_propose(
            member=org.agent_a1, to_level=agent, reasons="业绩好", by=org.manager_a.user
        )
        assert proposal.from_level == junior and proposal.status == ProposalStatus.PROPOSED
        with pytest.raises(ValidationError, match="already open"):
            promotions.promotion_propose(
                member=org.agent_a1, to_level=agent, reasons="again", by=org.manager_a.user
            )

    def test_only_the_next_level(self, org):
        _advanced, junior, _agent, senior = _ladder()
        _place(member=org.agent_a1, level=junior)
        with pytest.raises(ValidationError) as refused:
            promotions.promotion_propose(
                member=org.agent_a1, to_level=senior, reasons="跳级", by=org.manager_a.user
            )
        assert "to_level" in refused.value.message_dict

    def test_a_manager_proposes_only_for_their_team(self, org):
        _advanced, junior, _agent, _senior = _ladder()
        with pytest.raises(ValidationError) as refused:
            promotions.promotion_propose(
                member=org.agent_b1, to_level=junior, reasons="好", by=org.manager_a.user
            )
        assert "member" in refused.value.message_dict
        with pytest.raises(ValidationError):  # agents do not propose
            promotions.promotion_propose(
                member=org.agent_a2, to_level=junior, reasons="好", by=org.agent_a1.user
            )

    def test_a_head_approves_in_their_subtree_and_the_level_changes(self, org):
        _advanced, junior, _agent, _senior = _ladder()
        east = promotions.promotion_propose(
            member=org.agent_a1, to_level=junior, reasons="转正", by=org.manager_a.user
        )
        south = promotions.promotion_propose(
            member=org.agent_c1, to_level=junior, reasons="转正", by=org.manager_c.user
        )
        with pytest.raises(ValidationError):  # a manager does not approve
            promotions.promotion_approve(proposal=east, by=org.manager_a.user)
        with pytest.raises(ValidationError):  # east is not under the south head
            promotions.promotion_approve(proposal=east, by=org.south_head.user)
        promotions.promotion_approve(proposal=south, by=org.south_head.user, note="同意")
        approved = promotions.promotion_approve(proposal=east, by=org.head.user)
        assert approved.status == ProposalStatus.APPROVED and approved.decided_by == org.head.user
        assert MemberLevel.objects.get(member=org.agent_a1).level == junior
        with pytest.raises(ValidationError, match="already been decided"):
            promotions.promotion_reject(proposal=east, by=org.head.user, note="晚了")

    def test_a_rejection_needs_a_note(self, org):
        _advanced, junior, _agent, _senior = _ladder()
        proposal = promotions.promotion_propose(
            member=org.agent_a1, to_level=junior, reasons="转正", by=org.manager_a.user
        )
        with pytest.raises(ValidationError) as refused:
            promotions.promotion_reject(proposal=proposal, by=org.admin.user, note=" ")
        assert "note" in refused.value.message_dict
        rejected = promotions.promotion_reject(proposal=proposal, by=org.admin.user, note="再观察")
        assert rejected.status == ProposalStatus.REJECTED
        assert not MemberLevel.objects.filter(member=org.agent_a1).exists()


class TestScripts:
    def test_publishing_makes_a_new_version_and_retires_the_old(self, org):
        first = call_scripts.script_publish(
            product="企业宽带", stage="opening", title="开场", body="您好", by=org.admin.user
        )
        second = call_scripts.script_publish(
            product="企业宽带", stage="opening", title="开场", body="您好！", by=org.admin.user
        )
        first.refresh_from_db()
        assert (first.version, first.active) == (1, False)
        assert (second.version, second.active) == (2, True)
        assert first.body == "您好"  # the published text is untouched

    def test_only_one_active_version_per_product_and_stage(self, org):
        call_scripts.script_publish(product="", stage="closing", title="t", body="b", by=None)
        with pytest.raises(IntegrityError):
            CallScript.objects.create(product="", stage="closing", version=9, title="t", body="b")


class TestCases:
    def test_write_with_tags_and_a_lead_in_scope(self, org):
        lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a)
        case = case_library.case_write(
            by=org.agent_a1.user,
            title="三次跟进成交",
            outcome="won",
            body="…",
            tags=["宽带", "宽带", " 跟进 "],
            lead=lead,
        )
        assert sorted(case.tags.values_list("name", flat=True)) == ["宽带", "跟进"]
        assert case.lead == lead and case.author == org.agent_a1.user

    def test_a_lead_out_of_scope_cannot_be_linked(self, org):
        lead = LeadFactory(owner=org.agent_b1.user, team=org.team_b)
        with pytest.raises(ValidationError) as refused:
            case_library.case_write(
                by=org.agent_a1.user, title="x", outcome="lost", body="y", lead=lead
            )
        assert "lead" in refused.value.message_dict

    def test_a_manager_features_for_their_own_team_only(self, org):
        case = case_library.case_write(by=org.agent_a1.user, title="x", outcome="won", body="y")
        case_library.case_feature(case=case, team=org.team_a, by=org.manager_a.user)
        assert case.featured_for_team == org.team_a
        with pytest.raises(ValidationError):
            case_library.case_feature(case=case, team=org.team_b, by=org.manager_a.user)
        with pytest.raises(ValidationError):
            case_library.case_feature(case=case, team=org.team_a, by=org.agent_a1.user)
        with pytest.raises(ValidationError):  # not the south head's team
            case_library.case_feature(case=case, team=None, by=org.south_head.user)
        case_library.case_feature(case=case, team=None, by=org.manager_a.user)
        assert case.featured_for_team is None

    def test_comments_and_only_the_author_revises(self, org):
        case = case_library.case_write(by=org.agent_a1.user, title="x", outcome="won", body="y")
        case_library.case_comment(case=case, body="学到了", by=org.agent_c1.user)
        with pytest.raises(ValidationError):
            case_library.case_comment(case=case, body="  ", by=org.agent_c1.user)
        with pytest.raises(ValidationError):
            case_library.case_write(
                by=org.agent_c1.user, title="改", outcome="won", body="y", case=case
            )
        assert case.comments.count() == 1


class TestScorecardThresholds:
    """A level may ask for figures on last month's scorecard (performance app)."""

    def _last_month_card(self, member: Member, *, total: str, conversion: str | None):
        from decimal import Decimal

        from performance.models import Indicator, Level, PeriodKind, Scorecard, ScorecardValue
        from performance.periods import current_period

        period = current_period(PeriodKind.MONTH).previous()
        card = Scorecard.objects.create(
            level=Level.AGENT,
            agent=member.user,
            period_kind=period.kind,
            period_start=period.start,
            total=Decimal(total),
        )
        if conversion is not None:
            indicator, _ = Indicator.objects.get_or_create(
                code="conversion",
                defaults={
                    "name": "转化率",
                    "family": "sales",
                    "source": "conversion",
                    "unit": "percent",
                },
            )
            ScorecardValue.objects.create(
                scorecard=card, indicator=indicator, value=Decimal(conversion)
            )
        return card

    def _level_with_thresholds(self):
        junior = LevelFactory(name="初级坐席", rank=1)
        _place(member=self.member, level=junior)
        return LevelFactory(
            name="坐席", rank=2, scorecard_thresholds={"conversion": 8, "total": 70}
        )

    def test_thresholds_are_checked_against_last_month(self, org):
        self.member = org.agent_a1
        level = self._level_with_thresholds()
        progress = promotions.promotion_progress(member=org.agent_a1)
        assert progress["next"] == level and not progress["eligible"]
        assert [t["met"] for t in progress["thresholds"]] == [False, False]  # no scorecard yet

        self._last_month_card(org.agent_a1, total="75", conversion="7.5")
        progress = promotions.promotion_progress(member=org.agent_a1)
        met = {t["code"]: t["met"] for t in progress["thresholds"]}
        assert met == {"conversion": False, "total": True} and not progress["eligible"]
        with pytest.raises(ValidationError) as refused:
            promotions.promotion_propose(
                member=org.agent_a1, to_level=level, reasons="业绩好", by=org.manager_a.user
            )
        assert "≥ 8" in refused.value.message_dict["to_level"][0]

    def test_met_thresholds_allow_the_proposal(self, org):
        self.member = org.agent_a1
        level = self._level_with_thresholds()
        self._last_month_card(org.agent_a1, total="70", conversion="8.0")
        assert promotions.promotion_progress(member=org.agent_a1)["eligible"]
        proposal = promotions.promotion_propose(
            member=org.agent_a1, to_level=level, reasons="业绩好", by=org.manager_a.user
        )
        assert proposal.to_level == level

    def test_unknown_codes_are_refused(self, org):
        from tests.performance.factories import default_indicators

        default_indicators()  # a transactional test before may have emptied the table
        with pytest.raises(ValidationError) as refused:
            promotions.check_thresholds(thresholds={"conversion_rate": 0.08})
        assert "conversion_rate" in refused.value.message_dict["scorecard_thresholds"][0]
        promotions.check_thresholds(thresholds={"conversion": 8, "total": "70"})
