"""The onboarding gate: a new hire takes no leads until the required courses are passed."""

import pytest
from django.core.exceptions import ValidationError

from crm.models import MemberEvent, MemberStatus
from leads.models import Lead, RoutingRule
from leads.services import assignment, pool
from tests.leads.factories import LeadFactory
from training.models import EnrollmentStatus, TrainingEvent
from training.services import enrollments, onboarding_gate
from training.services.onboarding_gate import onboarding_missing

pytestmark = pytest.mark.django_db


def _enroll_all(onboarding, by):
    return [
        enrollments.enroll(member=onboarding.hire, course=course, by=by)[0]
        for course in (onboarding.culture, onboarding.product)
    ]


def test_an_onboarding_agent_gets_no_leads_until_the_last_pass(org, onboarding):
    RoutingRule.objects.create(name="A", team=org.team_a)
    # Only the hire is in team A's rotation besides agents who are busy elsewhere.
    for member in (org.agent_a1, org.agent_a2):
        from crm.services import member_set_status

        member_set_status(member=member, status=MemberStatus.ON_LEAVE)
    culture, product = _enroll_all(onboarding, org.manager_a.user)
    LeadFactory.create_batch(2)
    assignment.assign_pending_leads()
    assert not Lead.objects.filter(owner=onboarding.hire.user).exists()

    enrollments.record_result(enrollment=culture, by=org.manager_a.user)
    onboarding.hire.refresh_from_db()
    assert onboarding.hire.status == MemberStatus.ONBOARDING  # one course still missing
    assert onboarding_missing(member=onboarding.hire) == [onboarding.product]

    enrollments.record_result(enrollment=product, score=59, by=org.manager_a.user)
    onboarding.hire.refresh_from_db()
    assert onboarding.hire.status == MemberStatus.ONBOARDING  # failed: below the pass mark

    passed = enrollments.record_result(enrollment=product, score=60, by=org.manager_a.user)
    assert passed.status == EnrollmentStatus.PASSED and passed.completed_on
    onboarding.hire.refresh_from_db()
    assert onboarding.hire.status == MemberStatus.ACTIVE
    # Recorded, with who approved: a training event and the member's status event.
    event = TrainingEvent.objects.get(member=onboarding.hire, kind=TrainingEvent.Kind.ACTIVATED)
    assert event.by == org.manager_a.user and event.data["override"] is False
    status_event = MemberEvent.objects.filter(
        member=onboarding.hire, kind=MemberEvent.Kind.STATUS
    ).latest("at")
    assert status_event.by == org.manager_a.user and status_event.data["to"] == "active"

    LeadFactory.create_batch(2)
    assignment.assign_pending_leads()
    assert Lead.objects.filter(owner=onboarding.hire.user).count() >= 2


def test_an_onboarding_agent_cannot_claim_from_the_pool_until_active(org, onboarding):
    lead = LeadFactory(team=org.team_a)
    with pytest.raises(ValidationError, match="not active"):
        pool.lead_claim(lead_id=lead.pk, user=onboarding.hire.user)
    for enrollment in _enroll_all(onboarding, org.admin.user):
        enrollments.record_result(enrollment=enrollment, score=90, by=org.admin.user)
    pool.lead_claim(lead_id=lead.pk, user=onboarding.hire.user)
    lead.refresh_from_db()
    assert lead.owner == onboarding.hire.user


def test_an_elective_course_does_not_open_the_gate(org, onboarding):
    for enrollment in _enroll_all(onboarding, org.admin.user)[:1]:
        enrollments.record_result(enrollment=enrollment, by=org.admin.user)
    elective, _ = enrollments.enroll(
        member=onboarding.hire, course=onboarding.elective, by=org.admin.user
    )
    enrollments.record_result(enrollment=elective, by=org.admin.user)
    onboarding.hire.refresh_from_db()
    assert onboarding.hire.status == MemberStatus.ONBOARDING


class TestActivatingByHand:
    def test_a_manager_is_refused_while_courses_are_missing(self, org, onboarding):
        with pytest.raises(ValidationError) as refused:
            onboarding_gate.onboarding_activate(member=onboarding.hire, by=org.manager_a.user)
        assert "产品知识" in str(refused.value.message_dict["member"])
        onboarding.hire.refresh_from_db()
        assert onboarding.hire.status == MemberStatus.ONBOARDING

    def test_an_admin_overrides_only_with_a_reason_that_is_recorded(self, org, onboarding):
        with pytest.raises(ValidationError) as refused:
            onboarding_gate.onboarding_activate(member=onboarding.hire, by=org.admin.user)
        assert "reason" in refused.value.message_dict
        onboarding_gate.onboarding_activate(
            member=onboarding.hire, by=org.admin.user, reason="已在原公司完成同等培训"
        )
        onboarding.hire.refresh_from_db()
        assert onboarding.hire.status == MemberStatus.ACTIVE
        event = TrainingEvent.objects.get(kind=TrainingEvent.Kind.ACTIVATED)
        assert event.data == {
            "override": True,
            "reason": "已在原公司完成同等培训",
            "missing": ["产品知识", "企业文化"],
        }
        assert event.by == org.admin.user

    def test_a_manager_of_another_team_cannot_touch_the_hire(self, org, onboarding):
        with pytest.raises(ValidationError):
            onboarding_gate.onboarding_activate(member=onboarding.hire, by=org.manager_b.user)

    def test_the_org_pages_status_form_is_for_admins_only(self, org, onboarding, client_as):
        """The other way to set someone active by hand: the member page's status form.
        Only administrators have it (the override), and its note lands in the history."""
        response = client_as(org.manager_a).post(
            f"/org/members/{onboarding.hire.pk}/status/", {"status": "active"}
        )
        assert response.status_code in (403, 404)
        onboarding.hire.refresh_from_db()
        assert onboarding.hire.status == MemberStatus.ONBOARDING

    def test_once_everything_is_passed_a_manager_may_activate(self, org, onboarding):
        """E.g. the courses were passed while the hire was on leave: nothing missing."""
        from training.models import Enrollment

        for course in (onboarding.culture, onboarding.product):
            Enrollment.objects.create(
                member=onboarding.hire,
                course=course,
                status=EnrollmentStatus.PASSED,
                completed_on="2026-01-05",
            )
        onboarding_gate.onboarding_activate(member=onboarding.hire, by=org.manager_a.user)
        onboarding.hire.refresh_from_db()
        assert onboarding.hire.status == MemberStatus.ACTIVE
