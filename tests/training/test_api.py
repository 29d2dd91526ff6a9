"""The training API: scoped lists and details (404 out of scope), 400s naming the field."""

import pytest

from crm.models import MemberStatus
from tests.leads.factories import LeadFactory
from tests.training.factories import CaseFactory, CourseFactory, LevelFactory, SessionFactory
from training.models import Enrollment, MemberLevel
from training.services import case_library, enrollments

pytestmark = pytest.mark.django_db


def _ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def enrolled(org):
    course = CourseFactory(has_exam=True, pass_mark=60)
    return {
        member: enrollments.enroll(member=getattr(org, member), course=course, by=org.admin.user)[0]
        for member in ("agent_a1", "agent_a2", "agent_b1", "agent_c1")
    }


@pytest.mark.parametrize(
    "role, expected",
    [
        ("admin", {"agent_a1", "agent_a2", "agent_b1", "agent_c1"}),
        ("inspector", {"agent_a1", "agent_a2", "agent_b1", "agent_c1"}),
        ("head", {"agent_a1", "agent_a2", "agent_b1", "agent_c1"}),
        ("south_head", {"agent_c1"}),
        ("manager_a", {"agent_a1", "agent_a2"}),
        ("agent_a1", {"agent_a1"}),
    ],
)
def test_enrollments_follow_the_scope(org, api_as, enrolled, role, expected):
    api = api_as(getattr(org, role))
    assert _ids(api.get("/api/training/enrollments/")) == {enrolled[m].pk for m in expected}
    for member, enrollment in enrolled.items():
        status = api.get(f"/api/training/enrollments/{enrollment.pk}/").status_code
        assert status == (200 if member in expected else 404), (role, member)


def test_enroll_and_record_result_through_the_api(org, api_as, onboarding):
    api = api_as(org.manager_a)
    created = api.post(
        "/api/training/enrollments/",
        {"member": onboarding.hire.pk, "course": onboarding.product.pk},
        format="json",
    )
    assert created.status_code == 201, created.content
    again = api.post(
        "/api/training/enrollments/",
        {"member": onboarding.hire.pk, "course": onboarding.product.pk},
        format="json",
    )
    assert again.status_code == 200 and again.json()["id"] == created.json()["id"]
    culture = api.post(
        "/api/training/enrollments/",
        {"member": onboarding.hire.pk, "course": onboarding.culture.pk},
        format="json",
    ).json()
    bad = api.post(
        f"/api/training/enrollments/{created.json()['id']}/record-result/",
        {"score": 101},
        format="json",
    )
    assert bad.status_code == 400 and "score" in bad.json()
    api.post(f"/api/training/enrollments/{culture['id']}/record-result/", {}, format="json")
    passed = api.post(
        f"/api/training/enrollments/{created.json()['id']}/record-result/",
        {"attended": True, "score": 75},
        format="json",
    )
    assert passed.status_code == 200 and passed.json()["status"] == "passed"
    onboarding.hire.refresh_from_db()
    assert onboarding.hire.status == MemberStatus.ACTIVE


def test_enrolling_out_of_scope_is_a_400_naming_member(org, api_as):
    course = CourseFactory()
    response = api_as(org.manager_a).post(
        "/api/training/enrollments/",
        {"member": org.agent_b1.pk, "course": course.pk},
        format="json",
    )
    assert response.status_code == 400 and "member" in response.json()
    response = api_as(org.manager_a).post(
        "/api/training/enrollments/", {"member": org.agent_a1.pk}, format="json"
    )
    assert response.status_code == 400 and "course" in response.json()
    assert not Enrollment.objects.exists()


def test_agents_do_not_enroll_or_record(org, api_as, enrolled):
    api = api_as(org.agent_a1)
    course = CourseFactory()
    response = api.post(
        "/api/training/enrollments/",
        {"member": org.agent_a1.pk, "course": course.pk},
        format="json",
    )
    assert response.status_code == 403
    response = api.post(
        f"/api/training/enrollments/{enrolled['agent_a1'].pk}/record-result/",
        {"score": 100},
        format="json",
    )
    assert response.status_code == 403


def test_enroll_a_team(org, api_as):
    course = CourseFactory()
    session = SessionFactory(course=course)
    api = api_as(org.manager_a)
    body = {"team": org.team_a.pk, "course": course.pk, "session": session.pk}
    assert api.post("/api/training/enrollments/enroll-team/", body, format="json").json() == {
        "created": 2
    }
    other = api.post(
        "/api/training/enrollments/enroll-team/",
        {"team": org.team_b.pk, "course": course.pk},
        format="json",
    )
    assert other.status_code == 400 and "team" in other.json()


def test_courses_admins_write_everyone_reads(org, api_as):
    admin = api_as(org.admin)
    created = admin.post(
        "/api/training/courses/",
        {"kind": "onboarding", "title": "合规", "required_for_onboarding": True, "has_exam": True},
        format="json",
    )
    assert created.status_code == 400 and "pass_mark" in created.json()
    created = admin.post(
        "/api/training/courses/",
        {"kind": "onboarding", "title": "合规", "has_exam": True, "pass_mark": 80},
        format="json",
    )
    assert created.status_code == 201
    course_id = created.json()["id"]
    retire = admin.patch(f"/api/training/courses/{course_id}/", {"active": False}, format="json")
    assert retire.status_code == 200 and retire.json()["active"] is False
    agent = api_as(org.agent_a1)
    assert agent.get(f"/api/training/courses/{course_id}/").status_code == 404
    assert agent.post("/api/training/courses/", {"title": "x"}, format="json").status_code == 403
    admin = api_as(org.admin)  # one client, signed in again
    session = admin.post(
        "/api/training/sessions/",
        {
            "course": course_id,
            "starts_at": "2026-12-01T10:00:00+08:00",
            "ends_at": "2026-12-01T09:00:00+08:00",
            "trainer": "王老师",
            "place": "3楼",
        },
        format="json",
    )
    assert session.status_code == 400 and "ends_at" in session.json()


def test_promotions_through_the_api(org, api_as):
    level = LevelFactory(name="初级坐席", rank=1)
    proposed = api_as(org.manager_a).post(
        "/api/training/promotion-proposals/",
        {"member": org.agent_a1.pk, "to_level": level.pk, "reasons": "稳定"},
        format="json",
    )
    assert proposed.status_code == 201, proposed.content
    pk = proposed.json()["id"]
    assert (
        api_as(org.south_head)
        .post(f"/api/training/promotion-proposals/{pk}/approve/", {}, format="json")
        .status_code
        == 404
    )
    assert (
        api_as(org.manager_a)
        .post(f"/api/training/promotion-proposals/{pk}/approve/", {}, format="json")
        .status_code
        == 403
    )
    rejected = api_as(org.head).post(
        f"/api/training/promotion-proposals/{pk}/reject/", {"note": ""}, format="json"
    )
    assert rejected.status_code == 400 and "note" in rejected.json()
    approved = api_as(org.head).post(
        f"/api/training/promotion-proposals/{pk}/approve/", {"note": "同意"}, format="json"
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert MemberLevel.objects.get(member=org.agent_a1).level == level
    assert _ids(api_as(org.agent_b1).get("/api/training/promotion-proposals/")) == set()
    assert _ids(api_as(org.agent_a1).get("/api/training/promotion-proposals/")) == {pk}
    levels = api_as(org.agent_a1).get("/api/training/promotion-levels/")
    assert _ids(levels) == {level.pk}


def test_call_scripts_publish_new_versions(org, api_as):
    admin = api_as(org.admin)
    first = admin.post(
        "/api/training/call-scripts/",
        {"product": "企业宽带", "stage": "opening", "title": "开场", "body": "v1"},
        format="json",
    ).json()
    second = admin.post(
        "/api/training/call-scripts/",
        {"product": "企业宽带", "stage": "opening", "title": "开场", "body": "v2"},
        format="json",
    ).json()
    assert (first["version"], second["version"]) == (1, 2)
    agent = api_as(org.agent_a1)
    active = agent.get("/api/training/call-scripts/", {"active": "true", "product": "企业宽带"})
    assert _ids(active) == {second["id"]}
    assert (
        agent.post(
            "/api/training/call-scripts/",
            {"stage": "opening", "title": "t", "body": "b"},
            format="json",
        ).status_code
        == 403
    )
    admin = api_as(org.admin)  # one client, signed in again
    bad = admin.post(
        "/api/training/call-scripts/", {"stage": "nope", "title": "t", "body": "b"}, format="json"
    )
    assert bad.status_code == 400 and "stage" in bad.json()


def test_cases_search_comment_feature(org, api_as):
    lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a)
    agent = api_as(org.agent_a1)
    created = agent.post(
        "/api/training/cases/",
        {"title": "宽带签约", "outcome": "won", "body": "门店", "tags": ["宽带"], "lead": lead.pk},
        format="json",
    )
    assert created.status_code == 201, created.content
    case_id = created.json()["id"]
    CaseFactory(title="别的", body="无关")
    other = api_as(org.agent_c1)
    assert _ids(other.get("/api/training/cases/", {"search": "门店"})) == {case_id}
    assert _ids(other.get("/api/training/cases/", {"search": "宽带"})) == {case_id}
    hidden_lead = LeadFactory(owner=org.agent_c1.user, team=org.team_c)
    agent = api_as(org.agent_a1)  # one client, signed in again
    refused = agent.post(
        "/api/training/cases/",
        {"title": "x", "outcome": "won", "body": "y", "lead": hidden_lead.pk},
        format="json",
    )
    assert refused.status_code == 400 and "lead" in refused.json()
    other = api_as(org.agent_c1)
    comment = other.post(f"/api/training/cases/{case_id}/comments/", {"body": "赞"}, format="json")
    assert comment.status_code == 201
    assert len(other.get(f"/api/training/cases/{case_id}/comments/").json()) == 1
    assert (
        other.post(
            f"/api/training/cases/{case_id}/feature/", {"team": org.team_c.pk}, format="json"
        ).status_code
        == 403
    )
    featured = api_as(org.manager_c).post(
        f"/api/training/cases/{case_id}/feature/", {"team": org.team_c.pk}, format="json"
    )
    assert featured.status_code == 200 and featured.json()["featured_for_team"] == org.team_c.pk
    not_theirs = api_as(org.manager_c).post(
        f"/api/training/cases/{case_id}/feature/", {"team": org.team_a.pk}, format="json"
    )
    assert not_theirs.status_code == 400 and "team" in not_theirs.json()


def test_anonymous_callers_get_nothing(api):
    for url in ("/api/training/courses/", "/api/training/enrollments/", "/api/training/cases/"):
        assert api.get(url).status_code in (401, 403)


def test_the_list_query_count_is_constant(org, api_as, django_assert_max_num_queries, enrolled):
    api = api_as(org.admin)
    api.get("/api/training/enrollments/")
    with django_assert_max_num_queries(20) as few:
        api.get("/api/training/enrollments/")
    course = CourseFactory()
    for member in (org.agent_a1, org.agent_a2, org.agent_b1):
        enrollments.enroll(member=member, course=course, by=org.admin.user)
    with django_assert_max_num_queries(len(few.captured_queries)):
        api.get("/api/training/enrollments/")
    for _n in range(5):
        case = CaseFactory(author=org.agent_a1.user)
        case_library.case_comment(case=case, body="x", by=org.agent_a2.user)
    api.get("/api/training/cases/")
    with django_assert_max_num_queries(20) as few:
        api.get("/api/training/cases/")
    CaseFactory.create_batch(5, author=org.agent_b1.user)
    with django_assert_max_num_queries(len(few.captured_queries)):
        api.get("/api/training/cases/")
