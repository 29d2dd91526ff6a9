"""Incentives: a manager proposes, a head over the team decides, the agent sees approvals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from crm import access
from crm.models import Notification
from performance import access as performance_access
from performance.models import Incentive
from performance.selectors import people as selectors
from performance.services import incentives
from tests.performance.people_fixtures import MARCH

Kind, Status = Incentive.Kind, Incentive.Status


def field_of(error) -> set[str]:
    return set(error.value.message_dict)


def propose(org, *, by="manager_a", agent="agent_a1", kind=Kind.BONUS, amount="800", **extra):
    return incentives.incentive_propose(
        by=getattr(org, by).user,
        agent=getattr(org, agent).user,
        kind=kind,
        amount=amount,
        period=MARCH,
        reason=extra.pop("reason", "月度销售第一"),
    )


def test_a_proposal_is_recorded_and_the_heads_over_the_team_hear_of_it(org):
    incentive = propose(org)
    assert incentive.status == Status.PROPOSED and incentive.amount == Decimal("800.00")
    assert incentive.team == org.team_a and incentive.proposed_by == org.manager_a.user
    told = set(
        Notification.objects.filter(key=f"incentive-proposed:{incentive.pk}").values_list(
            "user", flat=True
        )
    )
    assert told == {org.head.user_id}  # east has no head of its own; south's head is elsewhere
    c = propose(org, by="manager_c", agent="agent_c1")
    told = set(
        Notification.objects.filter(key=f"incentive-proposed:{c.pk}").values_list("user", flat=True)
    )
    assert told == {org.head.user_id, org.south_head.user_id}


@pytest.mark.parametrize(
    ("kind", "amount", "field"),
    [
        (Kind.BONUS, None, "amount"),
        (Kind.DEDUCTION, "0", "amount"),
        (Kind.DEDUCTION, "-5", "amount"),
        (Kind.WARNING, "100", "amount"),
        (Kind.PROMOTION, "1", "amount"),
        ("gift", None, "kind"),
    ],
)
def test_amounts_go_with_bonuses_and_deductions_only(org, kind, amount, field):
    with pytest.raises(ValidationError) as error:
        propose(org, kind=kind, amount=amount)
    assert field_of(error) == {field}


def test_warnings_and_promotions_have_no_amount(org):
    assert propose(org, kind=Kind.WARNING, amount=None).amount is None
    assert propose(org, kind=Kind.PROMOTION, amount="").amount is None


@pytest.mark.parametrize(
    ("by", "agent"),
    [("manager_b", "agent_a1"), ("agent_a2", "agent_a1"), ("manager_a", "manager_a")],
)
def test_managers_propose_for_their_own_agents_only(org, by, agent):
    with pytest.raises(ValidationError) as error:
        propose(org, by=by, agent=agent)
    assert field_of(error) == {"agent"}


def test_a_reason_is_required(org):
    with pytest.raises(ValidationError) as error:
        propose(org, reason="  ")
    assert field_of(error) == {"reason"}


def test_the_head_approves_and_agent_and_proposer_hear_of_it(org):
    incentive = propose(org)
    assert not performance_access.visible_incentives(org.agent_a1.user).exists()
    approved = incentives.incentive_approve(by=org.head.user, incentive=incentive, note="同意")
    assert approved.status == Status.APPROVED and approved.decided_by == org.head.user
    assert approved.decision_note == "同意" and approved.decided_at
    assert Notification.objects.filter(
        user=org.agent_a1.user, key=f"incentive-approved:{incentive.pk}"
    ).exists()
    assert Notification.objects.filter(
        user=org.manager_a.user, key=f"incentive-approved:{incentive.pk}"
    ).exists()
    access.forget_scope(org.agent_a1.user)
    assert list(performance_access.visible_incentives(org.agent_a1.user)) == [incentive]
    assert not performance_access.visible_incentives(org.agent_a2.user).exists()


def test_a_rejection_needs_a_note_and_is_not_announced_to_the_agent(org):
    incentive = propose(org)
    with pytest.raises(ValidationError) as error:
        incentives.incentive_reject(by=org.head.user, incentive=incentive, note="")
    assert field_of(error) == {"note"}
    rejected = incentives.incentive_reject(by=org.head.user, incentive=incentive, note="证据不足")
    assert rejected.status == Status.REJECTED
    assert not Notification.objects.filter(user=org.agent_a1.user, kind="incentive").exists()
    assert Notification.objects.filter(
        user=org.manager_a.user, key=f"incentive-rejected:{incentive.pk}"
    ).exists()
    assert not performance_access.visible_incentives(org.agent_a1.user).exists()


def test_a_head_decides_only_in_their_subtree(org):
    incentive = propose(org)  # team_a is in east, not under south_head
    with pytest.raises(ValidationError) as error:
        incentives.incentive_approve(by=org.south_head.user, incentive=incentive)
    assert field_of(error) == {"incentive"}
    c = propose(org, by="manager_c", agent="agent_c1")
    assert incentives.incentive_approve(by=org.south_head.user, incentive=c).status == "approved"


def test_managers_and_agents_do_not_decide(org):
    incentive = propose(org)
    for who in ("manager_a", "agent_a1", "inspector"):
        with pytest.raises(ValidationError) as error:
            incentives.incentive_approve(by=getattr(org, who).user, incentive=incentive)
        assert field_of(error) == {"incentive"}


def test_the_proposer_never_decides_their_own_proposal(org):
    incentive = propose(org, by="head", agent="agent_a1")
    with pytest.raises(ValidationError) as error:
        incentives.incentive_approve(by=org.head.user, incentive=incentive)
    assert field_of(error) == {"decided_by"}
    assert incentives.incentive_approve(by=org.admin.user, incentive=incentive).status == (
        "approved"
    )


def test_decided_incentives_do_not_move_again(org):
    incentive = propose(org)
    incentives.incentive_approve(by=org.head.user, incentive=incentive)
    for move in (
        lambda: incentives.incentive_approve(by=org.admin.user, incentive=incentive),
        lambda: incentives.incentive_reject(by=org.admin.user, incentive=incentive, note="x"),
        lambda: incentives.incentive_withdraw(by=org.manager_a.user, incentive=incentive),
    ):
        with pytest.raises(ValidationError) as error:
            move()
        assert field_of(error) == {"status"}


def test_the_proposer_withdraws_while_proposed(org):
    incentive = propose(org)
    with pytest.raises(ValidationError) as error:
        incentives.incentive_withdraw(by=org.head.user, incentive=incentive)
    assert field_of(error) == {"proposed_by"}
    withdrawn = incentives.incentive_withdraw(by=org.manager_a.user, incentive=incentive)
    assert withdrawn.status == Status.WITHDRAWN
    with pytest.raises(ValidationError) as error:
        incentives.incentive_approve(by=org.head.user, incentive=incentive)
    assert field_of(error) == {"status"}


def test_waiting_for_my_decision_lists_the_heads_subtree_without_their_own(org):
    a = propose(org)
    c = propose(org, by="manager_c", agent="agent_c1")
    own = propose(org, by="head", agent="agent_b1")
    assert set(selectors.incentives_waiting_for(org.head.user)) == {a, c}
    assert set(selectors.incentives_waiting_for(org.south_head.user)) == {c}
    assert not selectors.incentives_waiting_for(org.manager_a.user).exists()
    assert own.status == Status.PROPOSED
