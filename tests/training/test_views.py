"""The training pages as each role sees them: what shows, what is refused, query counts."""

import pytest
from django.urls import reverse

from crm.models import MemberStatus
from tests.factories import make_member
from tests.leads.factories import LeadFactory
from tests.training.factories import CaseFactory, CourseFactory, LevelFactory, SessionFactory
from training.models import Enrollment, EnrollmentStatus, PromotionProposal
from training.services import call_scripts, case_library, enrollments

pytestmark = pytest.mark.django_db


def _enrolled(org):
    course = CourseFactory(title="进阶课程", has_exam=True, pass_mark=60)
    rows = {}
    for member in (org.agent_a1, org.agent_b1, org.agent_c1):
        rows[member.pk], _ = enrollments.enroll(member=member, course=course, by=org.admin.user)
    return course, rows


class TestMyTraining:
    def test_an_agent_sees_their_plan_history_and_progress(self, org, client_as):
        _enrolled(org)
        done = CourseFactory(title="企业文化", certificate_valid_months=12)
        enrollment, _ = enrollments.enroll(member=org.agent_a1, course=done, by=org.admin.user)
        enrollments.record_result(enrollment=enrollment, by=org.admin.user)
        LevelFactory(name="初级坐席", rank=1)
        body = client_as(org.agent_a1).get("/training/").content.decode()
        assert "进阶课程" in body and "企业文化" in body
        assert "初级坐席" in body  # the next level
        assert "valid until" in body or "有效期" in body or "until" in body

    def test_an_onboarding_hire_is_told_what_is_missing(self, org, client_as, onboarding):
        body = client_as(onboarding.hire).get("/training/").content.decode()
        assert 'id="onboarding-status"' in body
        assert "产品知识" in body and "企业文化" in body


class TestTeamTraining:
    def test_a_manager_sees_only_their_team(self, org, client_as, onboarding):
        _course, rows = _enrolled(org)
        body = client_as(org.manager_a).get("/training/team/").content.decode()
        assert f'id="enrollment-{rows[org.agent_a1.pk].pk}"' in body
        assert f'id="enrollment-{rows[org.agent_b1.pk].pk}"' not in body
        assert f'id="agent-{onboarding.hire.pk}"' in body
        assert f'id="agent-{org.agent_c1.pk}"' not in body

    def test_a_head_sees_their_subtree(self, org, client_as):
        _course, rows = _enrolled(org)
        body = client_as(org.south_head).get("/training/team/").content.decode()
        assert f'id="enrollment-{rows[org.agent_c1.pk].pk}"' in body
        assert f'id="enrollment-{rows[org.agent_a1.pk].pk}"' not in body

    def test_agents_have_no_team_page(self, org, client_as):
        assert client_as(org.agent_a1).get("/training/team/").status_code == 403
        assert client_as(org.agent_a1).get("/training/team/enroll/").status_code == 403

    def test_the_list_costs_the_same_queries_whatever_its_size(
        self, org, client_as, django_assert_max_num_queries
    ):
        client = client_as(org.admin)
        _enrolled(org)
        LevelFactory()
        client.get("/training/team/")  # warm up (sessions, content types)
        with django_assert_max_num_queries(40) as few:
            client.get("/training/team/")
        course = CourseFactory(has_exam=True, pass_mark=60)
        LevelFactory.create_batch(3)
        for _n in range(8):
            member = make_member(team=org.team_b, status=MemberStatus.ONBOARDING)
            enrollments.enroll(member=member, course=course, by=org.admin.user)
            enrollments.enroll(
                member=member,
                course=course,
                session=SessionFactory(course=course),
                by=org.admin.user,
            )
        with django_assert_max_num_queries(len(few.captured_queries)) as many:
            response = client.get("/training/team/")
        assert response.status_code == 200
        assert len(many.captured_queries) == len(few.captured_queries)

    def test_enroll_a_team_and_record_a_result_from_the_pages(self, org, client_as):
        course = CourseFactory(has_exam=True, pass_mark=60)
        client = client_as(org.manager_a)
        response = client.post(
            "/training/team/enroll/", {"course": course.pk, "team": org.team_a.pk}
        )
        assert response.status_code == 302
        assert Enrollment.objects.filter(course=course).count() == 2
        enrollment = Enrollment.objects.get(member=org.agent_a1)
        client.post(
            f"/training/enrollments/{enrollment.pk}/result/", {"attended": "1", "score": "88"}
        )
        enrollment.refresh_from_db()
        assert (enrollment.status, enrollment.score) == (EnrollmentStatus.PASSED, 88)

    def test_enrolling_with_nothing_chosen_is_a_form_error(self, org, client_as):
        course = CourseFactory()
        response = client_as(org.manager_a).post("/training/team/enroll/", {"course": course.pk})
        assert response.status_code == 400
        assert "Choose agents or a team" in response.content.decode()

    def test_a_manager_cannot_enroll_another_teams_agent(self, org, client_as):
        course = CourseFactory()
        response = client_as(org.manager_a).post(
            "/training/team/enroll/", {"course": course.pk, "members": [org.agent_b1.pk]}
        )
        assert response.status_code == 400  # not among the choices
        assert not Enrollment.objects.exists()

    def test_out_of_scope_enrollment_result_is_404(self, org, client_as):
        _course, rows = _enrolled(org)
        response = client_as(org.manager_a).post(
            f"/training/enrollments/{rows[org.agent_b1.pk].pk}/result/", {"attended": "1"}
        )
        assert response.status_code == 404

    def test_activate_by_hand_is_refused_with_a_message(self, org, client_as, onboarding):
        client = client_as(org.manager_a)
        response = client.post(f"/training/members/{onboarding.hire.pk}/activate/", follow=True)
        assert "not passed yet" in response.content.decode()
        onboarding.hire.refresh_from_db()
        assert onboarding.hire.status == MemberStatus.ONBOARDING
        assert (
            client_as(org.manager_b)
            .post(f"/training/members/{onboarding.hire.pk}/activate/")
            .status_code
            == 404
        )


class TestCatalog:
    def test_everyone_reads_active_courses_admins_also_retired(self, org, client_as):
        live = CourseFactory(title="在用课程")
        retired = CourseFactory(title="停用课程", active=False)
        agent = client_as(org.agent_a1)
        body = agent.get("/training/courses/").content.decode()
        assert "在用课程" in body and "停用课程" not in body
        assert agent.get(f"/training/courses/{live.pk}/").status_code == 200
        assert agent.get(f"/training/courses/{retired.pk}/").status_code == 404
        assert client_as(org.admin).get(f"/training/courses/{retired.pk}/").status_code == 200

    def test_admin_creates_a_course_and_a_session(self, org, client_as):
        client = client_as(org.admin)
        response = client.post(
            "/training/courses/new/",
            {
                "kind": "onboarding",
                "title": "合规红线",
                "required_for_onboarding": "on",
                "has_exam": "on",
                "pass_mark": "80",
                "active": "on",
            },
        )
        assert response.status_code == 302
        course = PromotionProposal
        from training.models import Course

        course = Course.objects.get(title="合规红线")
        assert course.required_for_onboarding and course.pass_mark == 80
        bad = client.post(
            f"/training/courses/{course.pk}/sessions/",
            {
                "starts_at": "2026-12-01T10:00",
                "ends_at": "2026-12-01T09:00",
                "trainer": "王老师",
                "place": "",
            },
        )
        assert bad.status_code == 400
        good = client.post(
            f"/training/courses/{course.pk}/sessions/",
            {
                "starts_at": "2026-12-01T10:00",
                "ends_at": "2026-12-01T12:00",
                "trainer": "王老师",
                "place": "3楼",
            },
        )
        assert good.status_code == 302 and course.sessions.count() == 1

    def test_an_exam_without_a_pass_mark_is_a_form_error(self, org, client_as):
        response = client_as(org.admin).post(
            "/training/courses/new/", {"kind": "in_service", "title": "x", "has_exam": "on"}
        )
        assert response.status_code == 400 and "pass mark" in response.content.decode()

    def test_managers_do_not_configure_courses(self, org, client_as):
        assert client_as(org.manager_a).get("/training/courses/new/").status_code == 403


class TestPromotionPages:
    def test_manager_proposes_head_approves(self, org, client_as):
        level = LevelFactory(name="初级坐席", rank=1)
        response = client_as(org.manager_a).post(
            "/training/promotions/propose/",
            {"member": org.agent_a1.pk, "to_level": level.pk, "reasons": "表现稳定"},
        )
        assert response.status_code == 302
        proposal = PromotionProposal.objects.get()
        assert (
            client_as(org.south_head)
            .get("/training/promotions/")
            .content.decode()
            .count(f'id="proposal-{proposal.pk}"')
            == 0
        )
        assert (
            client_as(org.south_head)
            .post(f"/training/promotions/{proposal.pk}/approve/")
            .status_code
            == 404
        )
        assert (
            client_as(org.manager_a)
            .post(f"/training/promotions/{proposal.pk}/approve/")
            .status_code
            == 403
        )
        client_as(org.head).post(f"/training/promotions/{proposal.pk}/approve/", {"note": "同意"})
        proposal.refresh_from_db()
        assert proposal.status == "approved"

    def test_a_proposal_that_fails_the_criteria_is_a_form_error(self, org, client_as):
        level = LevelFactory(name="初级坐席", rank=1, min_tenure_months=200)
        response = client_as(org.manager_a).post(
            "/training/promotions/propose/",
            {"member": org.agent_a1.pk, "to_level": level.pk, "reasons": "好"},
        )
        assert response.status_code == 400 and "criteria are not met" in response.content.decode()


class TestScriptsBesideTheLead:
    def test_the_lead_page_loads_the_scripts_partial(self, org, client_as):
        lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a, product="企业宽带")
        body = client_as(org.agent_a1).get(f"/leads/{lead.pk}/").content.decode()
        assert reverse("training:lead_scripts", args=[lead.pk]) in body
        assert 'hx-trigger="load"' in body

    def test_product_scripts_with_general_fallback_by_stage(self, org, client_as):
        call_scripts.script_publish(
            product="企业宽带", stage="opening", title="宽带开场", body="宽带开场白", by=None
        )
        call_scripts.script_publish(
            product="", stage="opening", title="通用开场", body="通用开场白", by=None
        )
        call_scripts.script_publish(
            product="", stage="closing", title="通用促成", body="通用促成语", by=None
        )
        call_scripts.script_publish(
            product="云服务器", stage="closing", title="云促成", body="云服务器促成", by=None
        )
        lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a, product="企业宽带")
        body = (
            client_as(org.agent_a1)
            .get(f"/training/scripts/for-lead/{lead.pk}/", HTTP_HX_REQUEST="true")
            .content.decode()
        )
        assert "宽带开场白" in body and "通用开场白" not in body  # the product's wins
        assert "通用促成语" in body and "云服务器促成" not in body  # falls back to general
        assert body.index("宽带开场白") < body.index("通用促成语")  # in the order of a call

    def test_a_lead_out_of_scope_is_404(self, org, client_as):
        lead = LeadFactory(owner=org.agent_b1.user, team=org.team_b)
        assert (
            client_as(org.agent_a1).get(f"/training/scripts/for-lead/{lead.pk}/").status_code == 404
        )

    def test_admin_publishes_a_new_version_from_the_page(self, org, client_as):
        first = call_scripts.script_publish(
            product="", stage="opening", title="t", body="v1", by=None
        )
        client = client_as(org.admin)
        assert "v1" in client.get(f"/training/scripts/new/?from={first.pk}").content.decode()
        response = client.post(
            "/training/scripts/new/",
            {"product": "", "stage": "opening", "title": "t", "body": "v2"},
        )
        assert response.status_code == 302
        assert client_as(org.agent_a1).get("/training/scripts/").content.decode().count("v2") >= 1
        assert client_as(org.agent_a1).get("/training/scripts/new/").status_code == 403


class TestCaseLibrary:
    def test_search_by_text_tag_and_outcome(self, org, client_as):
        won = case_library.case_write(
            by=org.agent_a1.user,
            title="宽带三次跟进",
            outcome="won",
            body="连锁门店",
            tags=["宽带"],
        )
        lost = case_library.case_write(
            by=org.agent_c1.user, title="云服务器流失", outcome="lost", body="价格", tags=["价格"]
        )
        client = client_as(org.agent_b1)  # every agent reads the whole library
        body = client.get("/training/cases/", {"q": "门店"}).content.decode()
        assert won.title in body and lost.title not in body
        body = client.get("/training/cases/", {"tag": "价格"}).content.decode()
        assert lost.title in body and won.title not in body
        body = client.get("/training/cases/", {"outcome": "won"}).content.decode()
        assert won.title in body and lost.title not in body

    def test_write_comment_and_feature(self, org, client_as):
        agent = client_as(org.agent_a1)
        response = agent.post(
            "/training/cases/new/",
            {"title": "转介绍成交", "outcome": "won", "body": "回访时推荐", "tags": "转介绍, 回访"},
        )
        assert response.status_code == 302
        from training.models import Case

        case = Case.objects.get()
        agent.post(f"/training/cases/{case.pk}/comments/", {"body": "学习了"})
        assert case.comments.count() == 1
        assert (
            agent.post(f"/training/cases/{case.pk}/feature/", {"team": org.team_a.pk}).status_code
            == 403
        )
        client_as(org.manager_a).post(
            f"/training/cases/{case.pk}/feature/", {"team": org.team_a.pk}
        )
        case.refresh_from_db()
        assert case.featured_for_team == org.team_a
        featured = (
            client_as(org.agent_a2).get("/training/cases/", {"featured": "on"}).content.decode()
        )
        assert "转介绍成交" in featured
        other = client_as(org.agent_b1).get("/training/cases/", {"featured": "on"}).content.decode()
        assert "转介绍成交" not in other

    def test_linking_a_lead_out_of_scope_is_a_form_error(self, org, client_as):
        lead = LeadFactory(owner=org.agent_b1.user, team=org.team_b)
        response = client_as(org.agent_a1).post(
            "/training/cases/new/",
            {"title": "x", "outcome": "won", "body": "y", "lead": lead.pk},
        )
        assert response.status_code == 400

    def test_the_library_costs_the_same_queries_whatever_its_size(
        self, org, client_as, django_assert_max_num_queries
    ):
        client = client_as(org.agent_a1)
        CaseFactory(author=org.agent_a1.user)
        client.get("/training/cases/")
        with django_assert_max_num_queries(40) as few:
            client.get("/training/cases/")
        for n in range(10):
            case = case_library.case_write(
                by=org.agent_b1.user, title=f"c{n}", outcome="lost", body="b", tags=[f"t{n}", "x"]
            )
            case_library.case_comment(case=case, body="hi", by=org.agent_a2.user)
        with django_assert_max_num_queries(len(few.captured_queries)) as many:
            client.get("/training/cases/")
        assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.parametrize("role", ["admin", "inspector", "head", "manager_a", "agent_a1"])
def test_every_training_page_opens_for_staff(org, client_as, role):
    course = CourseFactory()
    case = CaseFactory(author=org.agent_a1.user)
    script = call_scripts.script_publish(product="", stage="opening", title="t", body="b", by=None)
    client = client_as(getattr(org, role))
    for url in [
        "/training/",
        "/training/courses/",
        f"/training/courses/{course.pk}/",
        "/training/scripts/",
        f"/training/scripts/{script.pk}/",
        "/training/cases/",
        f"/training/cases/{case.pk}/",
        "/training/cases/new/",
    ]:
        assert client.get(url).status_code == 200, (role, url)


def test_an_admin_overrides_the_gate_from_the_page_with_a_reason(org, client_as, onboarding):
    client = client_as(org.admin)
    refused = client.post(f"/training/members/{onboarding.hire.pk}/activate/", follow=True)
    assert "Give a reason" in refused.content.decode()
    client.post(f"/training/members/{onboarding.hire.pk}/activate/", {"reason": "原公司已完成培训"})
    onboarding.hire.refresh_from_db()
    assert onboarding.hire.status == MemberStatus.ACTIVE


@pytest.mark.parametrize(
    "url",
    [
        "/admin/training/course/",
        "/admin/training/course/add/",
        "/admin/training/promotionlevel/add/",
        "/admin/training/callscript/",
        "/admin/training/case/",
    ],
)
def test_the_django_admin_configures_training(org, client_as, url):
    call_scripts.script_publish(product="", stage="opening", title="t", body="b", by=None)
    assert client_as(org.admin).get(url).status_code == 200
