"""Demo training data: the onboarding courses (岗前培训), an in-service and an external
course, sessions, the promotion ladder, call scripts for the demo products, a few cases,
and every demo agent's record (active agents passed onboarding; the new hires are still
onboarding with courses pending, the newest of them, agent35, with none passed yet).
Runs once; fast on SQLite."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from crm import demo_steps
from crm.demo import PRODUCTS
from crm.models import Member, MemberStatus, Role

from .models import (
    Case,
    Course,
    CourseKind,
    Enrollment,
    EnrollmentStatus,
    MemberLevel,
    PromotionLevel,
    ScriptStage,
    Session,
)
from .services import call_scripts, case_library, catalog, enrollments, promotions

ONBOARDING = [
    ("企业文化", "公司的历史、使命与价值观；服务客户的基本态度。", False, None),
    ("规章制度", "考勤、通话合规（免打扰名单、呼叫时段）、客户信息保护。", True, 80),
    ("产品知识", "企业宽带、云服务器、财税代账、商标注册的卖点、资费与开通流程。", True, 60),
    ("销售技巧", "开场白、需求分析、异议处理、促成成交；录音复盘。", True, 70),
]
IN_SERVICE = ("异议处理进阶", "常见异议（太贵、再考虑、已有供应商）的应对与演练。")
EXTERNAL = ("电话销售职业技能认证", "外部机构组织的职业技能认证考试。")
LEVELS = [
    ("初级坐席", 0, []),
    ("坐席", 3, ["异议处理进阶"]),
    ("高级坐席", 12, ["异议处理进阶", "电话销售职业技能认证"]),
    ("组长", 24, ["异议处理进阶", "电话销售职业技能认证"]),
]
SCRIPTS = {
    ScriptStage.OPENING: (
        "开场白",
        "您好，我是{company}的{agent}，看到您关注了我们的{product}，"
        "想占用您两分钟了解一下您的需求，现在方便吗？",
    ),
    ScriptStage.NEEDS_ANALYSIS: (
        "需求分析",
        "请问您目前在用什么方案？主要想解决什么问题？预算大概在什么范围？希望什么时候上线？",
    ),
    ScriptStage.OBJECTION_HANDLING: (
        "异议处理",
        "“太贵了”：理解您的顾虑，我们按月付费，也有首年优惠，算下来每天不到一杯咖啡的钱。\n"
        "“再考虑考虑”：好的，您主要还在考虑哪方面？我可以先把资料和报价发您微信。",
    ),
    ScriptStage.CLOSING: (
        "促成",
        "那我先帮您把{product}的开通申请提交上去，合同今天发到您邮箱，您看可以吗？",
    ),
}
CASES = [
    (
        "企业宽带：三次跟进拿下连锁门店",
        "won",
        "客户是一家有五家门店的连锁餐饮，首次通话只说“先发资料”。第二次电话了解到旧宽带经常掉线影响收银，"
        "第三次带上门店测速方案和首年优惠，当天签约。",
        "找到影响业务的痛点（收银掉线）比讲价格有用；每次跟进都要带新信息。",
        ["企业宽带", "多次跟进", "痛点"],
    ),
    (
        "云服务器：价格异议没处理好而流失",
        "lost",
        "客户对比了两家报价，觉得我们贵 15%。我只强调了稳定性，没有算总成本，客户最终选了对手。",
        "遇到价格异议先问清对比的配置，再按三年总成本对比；可以申请阶梯折扣。",
        ["云服务器", "价格异议"],
    ),
    (
        "财税代账：转介绍成交",
        "won",
        "老客户满意回访时主动推荐了朋友的新公司，当天加微信，第二天签约一年代账。",
        "回访时可以顺带询问转介绍；转介绍客户信任度高，节奏可以快一些。",
        ["财税代账", "转介绍", "回访"],
    ),
]


def is_seeded() -> bool:
    return Course.objects.filter(title=ONBOARDING[0][0]).exists()


@transaction.atomic
def seed() -> dict[str, int]:
    admin = get_user_model().objects.get(username="admin")
    now = timezone.now()
    today = timezone.localdate()
    courses = []
    for title, description, has_exam, pass_mark in ONBOARDING:
        courses.append(
            catalog.course_save(
                course=Course(
                    kind=CourseKind.ONBOARDING,
                    title=title,
                    description=description,
                    required_for_onboarding=True,
                    has_exam=has_exam,
                    pass_mark=pass_mark,
                )
            )
        )
    in_service = catalog.course_save(
        course=Course(
            kind=CourseKind.IN_SERVICE,
            title=IN_SERVICE[0],
            description=IN_SERVICE[1],
            has_exam=True,
            pass_mark=70,
            certificate_valid_months=12,
        )
    )
    external = catalog.course_save(
        course=Course(
            kind=CourseKind.EXTERNAL,
            title=EXTERNAL[0],
            description=EXTERNAL[1],
            has_exam=True,
            pass_mark=60,
            certificate_valid_months=24,
        )
    )
    by_title = {course.title: course for course in [*courses, in_service, external]}
    start = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time(9, 30)))
    sessions = []
    for offset, course in enumerate([*courses, in_service]):
        begins = start + dt.timedelta(days=offset)
        sessions.append(
            catalog.session_save(
                session=Session(
                    course=course,
                    starts_at=begins,
                    ends_at=begins + dt.timedelta(hours=3),
                    trainer="培训部 王老师",
                    place="3楼培训室",
                )
            )
        )
    levels = []
    for rank, (name, months, required) in enumerate(LEVELS, start=1):
        level = PromotionLevel.objects.create(
            name=name,
            rank=rank,
            min_tenure_months=months,
            scorecard_thresholds={"conversion": 5 + 2 * rank} if rank > 1 else {},
        )
        level.required_courses.set([by_title[title] for title in required])
        levels.append(level)
    for product in ["", *PRODUCTS]:
        for stage, (title, body) in SCRIPTS.items():
            call_scripts.script_publish(
                product=product,
                stage=stage,
                title=f"{product or '通用'}·{title}",
                body=body.format(company="本公司", agent="小王", product=product or "产品"),
                by=admin,
            )

    agents = list(
        Member.objects.filter(role=Role.AGENT).exclude(status=MemberStatus.LEFT).order_by("pk")
    )
    # The newest hire (agent35 in the demo) has passed nothing yet; the other new hires
    # passed a course or two.
    newest = (
        Member.objects.filter(role=Role.AGENT, status=MemberStatus.ONBOARDING)
        .order_by("-hire_date", "-pk")
        .first()
    )
    rows = []
    member_levels = []
    for index, agent in enumerate(agents):
        if agent.status == MemberStatus.ONBOARDING:
            # New hires: enrolled in the coming sessions.
            done = 0 if newest and agent.pk == newest.pk else 1 + index % 2
            for number, (course, session) in enumerate(zip(courses, sessions, strict=False)):
                passed = number < done
                rows.append(
                    Enrollment(
                        member=agent,
                        course=course,
                        session=None if passed else session,
                        enrolled_by=admin,
                        status=EnrollmentStatus.PASSED if passed else EnrollmentStatus.ENROLLED,
                        score=90 if passed and course.has_exam else None,
                        completed_on=today - dt.timedelta(days=1) if passed else None,
                    )
                )
            continue
        completed = max(agent.hire_date + dt.timedelta(days=7), agent.hire_date)
        for course in courses:
            rows.append(
                Enrollment(
                    member=agent,
                    course=course,
                    enrolled_by=admin,
                    enrolled_at=now - (today - agent.hire_date),
                    status=EnrollmentStatus.PASSED,
                    score=75 + (index * 7 + course.pk) % 25 if course.has_exam else None,
                    completed_on=min(completed, today),
                )
            )
        tenure = promotions.tenure_months(member=agent)
        if tenure >= 6 and index % 2 == 0:
            finished = min(agent.hire_date + dt.timedelta(days=120), today)
            # Some certificates run out soon: the reminders have something to say.
            expires = enrollments._add_months(finished, 12)  # 29 Feb has no twin next year
            if index % 6 == 0:
                expires = today + dt.timedelta(days=10 + index % 15)
            rows.append(
                Enrollment(
                    member=agent,
                    course=in_service,
                    enrolled_by=admin,
                    status=EnrollmentStatus.PASSED,
                    score=82,
                    completed_on=finished,
                    certificate_expires_on=expires,
                )
            )
        level = levels[0]
        if tenure >= 12 and index % 2 == 0:
            level = levels[1]
        member_levels.append(MemberLevel(member=agent, level=level, since=agent.hire_date))
        if index % 5 == 1:
            rows.append(
                Enrollment(member=agent, course=in_service, session=sessions[-1], enrolled_by=admin)
            )
    Enrollment.objects.bulk_create(rows)
    MemberLevel.objects.bulk_create(member_levels)

    authors = list(get_user_model().objects.filter(username__in=["agent01", "agent02", "manager1"]))
    for number, (title, outcome, body, lessons, tags) in enumerate(CASES):
        author = authors[number % len(authors)] if authors else admin
        case = case_library.case_write(
            by=admin,
            title=title,
            outcome=outcome,
            body=body,
            lessons=lessons,
            tags=tags,
        )
        case.author = author
        case.save(update_fields=["author"])
    manager1 = Member.objects.filter(user__username="manager1").select_related("team").first()
    if manager1 and manager1.team:
        featured = Case.objects.order_by("pk").first()
        case_library.case_feature(case=featured, team=manager1.team, by=manager1.user)
    return {
        "courses": Course.objects.count(),
        "enrollments": len(rows),
        "scripts": (len(PRODUCTS) + 1) * len(SCRIPTS),
        "cases": len(CASES),
    }


demo_steps.register(
    "training",
    demo_steps.DemoStep(
        order=50,
        seed=seed,
        is_seeded=is_seeded,
        created="Demo training created: {summary}",
        present="Demo training already present.",
    ),
)
