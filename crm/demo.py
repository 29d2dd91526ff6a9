"""The demo center that `make run` seeds and the tests check.

Realistic and deterministic (a fixed random seed): a call center of ~55 seats in five
teams, with a few agents in onboarding, on leave, moved between teams or already gone,
so turnover and history pages have something to show.
"""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from . import demo_steps, services
from .models import Department, LeaveReason, MemberStatus, Role, Skill, Team

DEMO_PASSWORD = "demo1234"  # noqa: S105 - published demo credentials, demo data only
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彩春菊兰凤洁"
    "梅琳素云莲真环雪荣爱妹霞香月莺媛艳瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦"
    "黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪"
    "澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝思丽"
)
TEAM_NAMES = ["华东一组", "华东二组", "华东三组", "华南一组", "华南二组"]
PRODUCTS = ["企业宽带", "云服务器", "财税代账", "商标注册"]
REGIONS = ["上海", "江苏", "浙江", "广东", "福建"]
LANGUAGES = ["普通话", "粤语", "English"]


def is_seeded() -> bool:
    return get_user_model().objects.filter(username="admin").exists()


def chinese_names(rng: random.Random, count: int) -> list[str]:
    names: set[str] = set()
    ordered: list[str] = []
    while len(ordered) < count:
        given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
        name = rng.choice(SURNAMES) + given
        if name not in names:
            names.add(name)
            ordered.append(name)
    return ordered


@transaction.atomic
def seed(*, agents_per_team: int = 11, seed: int = 2026) -> dict[str, int]:
    rng = random.Random(seed)
    today = timezone.localdate()
    names = iter(chinese_names(rng, 5 * (agents_per_team + 1) + 10))
    skills = {
        kind: [Skill.objects.get_or_create(kind=kind, name=name)[0] for name in values]
        for kind, values in (
            (Skill.Kind.PRODUCT, PRODUCTS),
            (Skill.Kind.REGION, REGIONS),
            (Skill.Kind.LANGUAGE, LANGUAGES),
        )
    }

    admin = services.member_create(
        username="admin",
        password=DEMO_PASSWORD,
        full_name="系统管理员",
        employee_no="A0001",
        role=Role.ADMIN,
        status=MemberStatus.ACTIVE,
        hire_date=today - dt.timedelta(days=900),
    )
    head = services.member_create(
        username="head",
        password=DEMO_PASSWORD,
        full_name=next(names),
        employee_no="H0001",
        role=Role.DEPARTMENT_HEAD,
        status=MemberStatus.ACTIVE,
        hire_date=today - dt.timedelta(days=1400),
        by=admin.user,
    )
    services.member_create(
        username="inspector",
        password=DEMO_PASSWORD,
        full_name=next(names),
        employee_no="Q0001",
        role=Role.INSPECTOR,
        status=MemberStatus.ACTIVE,
        hire_date=today - dt.timedelta(days=600),
        by=admin.user,
    )
    center = services.department_save(
        department=Department(name="星辰电销中心", kind=Department.Kind.CENTER, head=head.user),
        by=admin.user,
    )
    east = services.department_save(
        department=Department(name="华东事业部", kind=Department.Kind.REGION, parent=center),
        by=admin.user,
    )
    south = services.department_save(
        department=Department(name="华南事业部", kind=Department.Kind.REGION, parent=center),
        by=admin.user,
    )
    services.department_save(
        department=Department(name="质检与培训部", kind=Department.Kind.FUNCTION, parent=center),
        by=admin.user,
    )

    teams: list[Team] = []
    agent_no = 0
    for index, team_name in enumerate(TEAM_NAMES):
        team = services.team_save(
            team=Team(name=team_name, department=east if index < 3 else south, target_size=12),
            by=admin.user,
        )
        manager = services.member_create(
            username=f"manager{index + 1}",
            password=DEMO_PASSWORD,
            full_name=next(names),
            employee_no=f"M{index + 1:04d}",
            role=Role.TEAM_MANAGER,
            team=team,
            status=MemberStatus.ACTIVE,
            hire_date=today - dt.timedelta(days=rng.randint(500, 1500)),
            extension=f"8{index + 1}00",
            by=admin.user,
        )
        team.manager = manager.user
        services.team_save(team=team, by=admin.user)
        teams.append(team)
        for _ in range(agents_per_team):
            agent_no += 1
            tenure = rng.choice([rng.randint(3, 40), rng.randint(41, 400), rng.randint(401, 1200)])
            status = MemberStatus.ONBOARDING if tenure < 14 else MemberStatus.ACTIVE
            region = REGIONS[index] if index < len(REGIONS) else rng.choice(REGIONS)
            agent = services.member_create(
                username=f"agent{agent_no:02d}",
                password=DEMO_PASSWORD,
                full_name=next(names),
                employee_no=f"E{agent_no:04d}",
                role=Role.AGENT,
                team=team,
                status=status,
                hire_date=today - dt.timedelta(days=tenure),
                extension=f"8{index + 1}{agent_no:02d}",
                daily_lead_capacity=rng.choice([20, 30, 30, 40]),
                skills=[
                    rng.choice(skills[Skill.Kind.PRODUCT]),
                    next(s for s in skills[Skill.Kind.REGION] if s.name == region),
                    skills[Skill.Kind.LANGUAGE][0],
                ],
                by=admin.user,
            )
            if agent_no in (7, 29):
                services.member_set_status(
                    member=agent, status=MemberStatus.ON_LEAVE, by=manager.user, note="病假"
                )

    # A little history: one agent moved between teams, two left this quarter.
    from .models import Member

    mover = Member.objects.get(user__username="agent05")
    joined = mover.memberships.get(ended_at__isnull=True).started_at
    services.member_move(
        member=mover,
        team=teams[1],
        by=admin.user,
        reason="支援华东二组",
        at=max(timezone.now() - dt.timedelta(days=20), joined + dt.timedelta(hours=1)),
    )
    for username, days_ago, reason in (
        ("agent12", 9, LeaveReason.RESIGNED),
        ("agent40", 35, LeaveReason.DISMISSED),
    ):
        leaver = Member.objects.get(user__username=username)
        services.member_set_status(
            member=leaver,
            status=MemberStatus.LEFT,
            by=admin.user,
            leave_date=max(leaver.hire_date, today - dt.timedelta(days=days_ago)),
            leave_reason=reason,
            note="个人发展" if reason == LeaveReason.RESIGNED else "多次违规",
        )
    services.headcount_snapshot_take()
    return {"teams": len(teams), "agents": agent_no, "users": Member.objects.count()}


DEMO_LOGINS = [
    ("admin", "Administrator / 管理员"),
    ("head", "Department head / 部门经理"),
    ("inspector", "Quality inspector / 质检员"),
    ("manager1", "Team manager / 客户经理 (manager1 … manager5)"),
    ("agent01", "Agent / 坐席 (agent01 … agent55)"),
]


demo_steps.register(
    "crm",
    demo_steps.DemoStep(
        order=0,
        seed=seed,
        is_seeded=is_seeded,
        created="Demo center created: {summary}",
        present="Demo center already present.",
    ),
)
