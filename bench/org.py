"""Generator step "org": one center, its regional divisions, teams, managers and agents.

Rows are written in bulk (bulk_create for what needs ids back, COPY for history), never
through `crm.services` row by row, which would take minutes at the sizes later issues
need. The invariants the services keep are kept here by construction:

- departments get their materialized path and depth from `services.department_save`
  (there are only a handful);
- a team's manager is a user whose member has role team_manager and sits in that team;
- every member in a team has exactly one open membership starting at their hire (or at
  their move, for the few who changed team); a member who left has a closed one, a leave
  date and reason, and an inactive account; nobody else has a leave date;
- each member has a "joined" event, and movers and status changes have theirs.

Usernames are predictable so measurements can name their actor: admin, inspector, head
(the center), head1…headN (the divisions), manager01…, agent001….
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from crm import services
from crm.demo import LANGUAGES, PRODUCTS, chinese_names
from crm.models import (
    Department,
    LeaveReason,
    Member,
    MemberEvent,
    MemberStatus,
    Role,
    Skill,
    Team,
    TeamMembership,
)

from .bulk import copy_rows
from .config import Size

User = get_user_model()

PASSWORD = "bench1234"
ADMIN, INSPECTOR, CENTER_HEAD = "admin", "inspector", "head"
DIVISIONS = [
    ("华东事业部", "华东", ["上海", "江苏", "浙江"]),
    ("华南事业部", "华南", ["广东", "福建", "广西"]),
    ("华北事业部", "华北", ["北京", "天津", "河北"]),
    ("西南事业部", "西南", ["四川", "重庆", "云南"]),
]
LEAVE_REASONS = [
    LeaveReason.RESIGNED,
    LeaveReason.RESIGNED,
    LeaveReason.RESIGNED,
    LeaveReason.DISMISSED,
    LeaveReason.CONTRACT_ENDED,
    LeaveReason.OTHER,
]

# All the models this step writes: emptied (with everything pointing at them) before the
# step runs again, and counted to check that reused data is still complete.
MODELS = (User, Department, Team, Member, TeamMembership, MemberEvent, Skill)


def division_spec(index: int) -> tuple[str, str, list[str]]:
    if index < len(DIVISIONS):
        return DIVISIONS[index]
    return (f"第{index + 1}事业部", f"{index + 1}区", [f"{index + 1}区"])


@dataclass
class _Person:
    """A member to be, with the history that goes with them."""

    username: str
    name: str
    role: str
    employee_no: str
    hire_date: dt.date
    status: str = MemberStatus.ACTIVE
    team_index: int | None = None
    extension: str = ""
    capacity: int = 30
    leave_date: dt.date | None = None
    leave_reason: str = ""
    # The team before a move (an index into the teams); the current one starts at `moved`.
    previous_team: int | None = None
    moved: dt.datetime | None = None
    skill_keys: list[tuple[str, str]] = field(default_factory=list)


def generate_org(size: Size) -> None:
    rng = random.Random(size.seed)
    today = timezone.localdate()
    people = _plan_people(size, rng, today)
    skills = _create_skills(size)

    password = make_password(PASSWORD)
    users = User.objects.bulk_create(
        [
            User(
                username=p.username,
                first_name=p.name,
                email=f"{p.username}@bench.example",
                password=password,
                is_staff=p.role == Role.ADMIN,
                is_superuser=p.role == Role.ADMIN,
                is_active=p.status != MemberStatus.LEFT,
            )
            for p in people
        ],
        batch_size=2000,
    )
    user_of = {p.username: u for p, u in zip(people, users, strict=True)}

    divisions = _create_departments(size, user_of)
    teams = Team.objects.bulk_create(
        [
            Team(
                name=f"{division_spec(d)[1]}{t + 1:02d}组",
                department=divisions[d],
                manager=user_of[_manager_username(i)],
                target_size=_team_target(size, i),
            )
            for i, (d, t) in enumerate(_team_slots(size))
        ]
    )

    members = Member.objects.bulk_create(
        [
            Member(
                user=user_of[p.username],
                role=p.role,
                team=teams[p.team_index] if p.team_index is not None else None,
                employee_no=p.employee_no,
                extension=p.extension,
                hire_date=p.hire_date,
                status=p.status,
                leave_date=p.leave_date,
                leave_reason=p.leave_reason,
                leave_note="个人发展" if p.leave_reason == LeaveReason.RESIGNED else "",
                daily_lead_capacity=p.capacity,
            )
            for p in people
        ],
        batch_size=2000,
    )
    admin_id = user_of[ADMIN].pk
    pairs = list(zip(people, members, strict=True))
    copy_rows(
        TeamMembership,
        ("member", "team", "started_at", "ended_at", "moved_by", "reason"),
        _memberships(pairs, teams, admin_id),
    )
    copy_rows(MemberEvent, ("member", "kind", "at", "by", "data"), _events(pairs, teams, admin_id))
    copy_rows(
        Member.skills.through,
        ("member", "skill"),
        ((m.pk, skills[key].pk) for p, m in pairs for key in p.skill_keys),
    )
    services.headcount_snapshot_take(day=today)


# --- planning: who is who, decided up front with one seeded random stream ---------------


def _team_slots(size: Size) -> list[tuple[int, int]]:
    """(division index, index of the team within it) for every team, divisions filled evenly."""
    slots = []
    for d in range(size.divisions):
        first = d * size.teams // size.divisions
        last = (d + 1) * size.teams // size.divisions
        slots += [(d, t) for t in range(last - first)]
    return slots


def _team_target(size: Size, team_index: int) -> int:
    """Agents are dealt round-robin, so the first `agents % teams` teams get one more."""
    return size.agents // size.teams + (1 if team_index < size.agents % size.teams else 0)


def _manager_username(team_index: int) -> str:
    return f"manager{team_index + 1:02d}"


def _plan_people(size: Size, rng: random.Random, today: dt.date) -> list[_Person]:
    slots = _team_slots(size)
    names = iter(chinese_names(rng, 3 + size.divisions + size.teams + size.agents))

    def hired(low: int, high: int) -> dt.date:
        return today - dt.timedelta(days=rng.randint(low, high))

    people = [
        _Person(ADMIN, next(names), Role.ADMIN, "A0001", hired(900, 1500)),
        _Person(INSPECTOR, next(names), Role.INSPECTOR, "Q0001", hired(300, 900)),
        _Person(CENTER_HEAD, next(names), Role.DEPARTMENT_HEAD, "H0001", hired(1200, 2000)),
    ]
    people += [
        _Person(
            f"head{d + 1}", next(names), Role.DEPARTMENT_HEAD, f"H{d + 2:04d}", hired(700, 1800)
        )
        for d in range(size.divisions)
    ]
    people += [
        _Person(
            _manager_username(t),
            next(names),
            Role.TEAM_MANAGER,
            f"M{t + 1:04d}",
            hired(400, 1600),
            team_index=t,
            extension=f"8{t + 1:04d}",
        )
        for t in range(size.teams)
    ]
    width = max(3, len(str(size.agents)))
    for i in range(size.agents):
        team_index = i % size.teams
        person = _Person(
            f"agent{i + 1:0{width}d}",
            next(names),
            Role.AGENT,
            f"E{i + 1:05d}",
            today,
            team_index=team_index,
            extension=f"6{i + 1:05d}",
            capacity=rng.choice([20, 30, 30, 40]),
        )
        _plan_agent(person, rng, today, size.teams)
        regions = division_spec(slots[team_index][0])[2]
        person.skill_keys = [
            (Skill.Kind.PRODUCT, rng.choice(PRODUCTS)),
            (Skill.Kind.REGION, rng.choice(regions)),
            (Skill.Kind.LANGUAGE, LANGUAGES[0]),
        ]
        if rng.random() < 0.1:
            person.skill_keys.append((Skill.Kind.LANGUAGE, rng.choice(LANGUAGES[1:])))
        people.append(person)
    return people


def _plan_agent(person: _Person, rng: random.Random, today: dt.date, teams: int) -> None:
    """Tenure and status like a real floor: many new faces, some long-timers, turnover."""
    tenure = rng.choice([rng.randint(0, 40), rng.randint(41, 400), rng.randint(401, 1200)])
    person.hire_date = today - dt.timedelta(days=tenure)
    draw = rng.random()
    if tenure < 14:
        person.status = MemberStatus.ONBOARDING
    elif draw < 0.07:
        person.status = MemberStatus.LEFT
        person.leave_date = person.hire_date + dt.timedelta(days=rng.randint(7, tenure))
        person.leave_reason = rng.choice(LEAVE_REASONS)
    elif draw < 0.10:
        person.status = MemberStatus.ON_LEAVE
    if person.status != MemberStatus.LEFT and tenure > 60 and rng.random() < 0.05:
        person.previous_team = (person.team_index + rng.randint(1, teams - 1)) % teams
        move_day = person.hire_date + dt.timedelta(days=rng.randint(30, tenure - 1))
        person.moved = _start_of(move_day) + dt.timedelta(hours=10)


# --- writing ----------------------------------------------------------------------------


def _create_skills(size: Size) -> dict[tuple[str, str], Skill]:
    wanted = [(Skill.Kind.PRODUCT, name) for name in PRODUCTS]
    wanted += [(Skill.Kind.LANGUAGE, name) for name in LANGUAGES]
    regions = {r for d in range(size.divisions) for r in division_spec(d)[2]}
    wanted += [(Skill.Kind.REGION, name) for name in sorted(regions)]
    created = Skill.objects.bulk_create([Skill(kind=kind, name=name) for kind, name in wanted])
    return {(s.kind, s.name): s for s in created}


def _create_departments(size: Size, user_of: dict) -> list[Department]:
    center = services.department_save(
        department=Department(
            name="星辰电销中心", kind=Department.Kind.CENTER, head=user_of[CENTER_HEAD]
        )
    )
    return [
        services.department_save(
            department=Department(
                name=division_spec(d)[0],
                kind=Department.Kind.REGION,
                parent=center,
                head=user_of[f"head{d + 1}"],
            )
        )
        for d in range(size.divisions)
    ]


def _memberships(pairs, teams: list[Team], admin_id: int):
    for person, member in pairs:
        if person.team_index is None:
            continue
        team_id = teams[person.team_index].pk
        started = _start_of(person.hire_date)
        if person.previous_team is not None and person.moved is not None:
            yield (member.pk, teams[person.previous_team].pk, started, person.moved, None, "")
            yield (member.pk, team_id, person.moved, None, admin_id, "支援调岗")
        elif person.leave_date is not None:
            ended = max(_start_of(person.leave_date + dt.timedelta(days=1)), started)
            yield (member.pk, team_id, started, ended, None, "")
        else:
            yield (member.pk, team_id, started, None, None, "")


def _events(pairs, teams: list[Team], admin_id: int):
    now = timezone.now()
    for person, member in pairs:
        first_team = person.previous_team if person.previous_team is not None else person.team_index
        yield (
            member.pk,
            MemberEvent.Kind.JOINED,
            _start_of(person.hire_date),
            admin_id,
            {
                "team": teams[first_team].pk if first_team is not None else None,
                "role": person.role,
                "status": MemberStatus.ONBOARDING if person.role == Role.AGENT else person.status,
            },
        )
        if person.moved is not None and person.previous_team is not None:
            yield (
                member.pk,
                MemberEvent.Kind.MOVED,
                person.moved,
                admin_id,
                {
                    "from": teams[person.previous_team].pk,
                    "to": teams[person.team_index].pk,
                    "reason": "支援调岗",
                },
            )
        if person.status in (MemberStatus.LEFT, MemberStatus.ON_LEAVE):
            at = (
                _start_of(person.leave_date) + dt.timedelta(hours=18)
                if person.leave_date
                else now - dt.timedelta(days=3)
            )
            yield (
                member.pk,
                MemberEvent.Kind.STATUS,
                at,
                admin_id,
                {
                    "from": MemberStatus.ACTIVE,
                    "to": person.status,
                    "leave_date": person.leave_date.isoformat() if person.leave_date else None,
                    "leave_reason": person.leave_reason,
                    "note": "",
                },
            )


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
