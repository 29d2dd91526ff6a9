"""Quality scoring: who may score what, the rubric, once per scorer, never one's own work."""

import pytest
from django.core.exceptions import ValidationError

from performance.models import QualityScore
from performance.services.quality import score_quality
from tests.leads.factories import CallFactory, FollowUpFactory, LeadFactory
from tests.performance.factories import default_indicators

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _indicators(db):
    default_indicators()


GOOD = {"professionalism": 5, "communication": 4, "problem_solving": 3}


@pytest.fixture
def work(org):
    lead_a = LeadFactory(owner=org.agent_a1.user, team=org.team_a)
    lead_c = LeadFactory(owner=org.agent_c1.user, team=org.team_c)
    return {
        "followup_a": FollowUpFactory(lead=lead_a),
        "call_a": CallFactory(lead=lead_a),
        "call_c": CallFactory(lead=lead_c),
        "call_manager": CallFactory(lead=lead_a, agent=org.manager_a.user),
        "call_nobody": CallFactory(lead=None, agent=None),
    }


def _errors(**kwargs):
    with pytest.raises(ValidationError) as caught:
        score_quality(**kwargs)
    return caught.value.message_dict if hasattr(caught.value, "error_dict") else caught.value


def test_the_inspector_scores_any_follow_up_and_the_overall_is_the_mean(org, work):
    score = score_quality(
        by=org.inspector.user, followup_id=work["followup_a"].pk, scores=GOOD, comment=" ok "
    )
    assert score.agent == org.agent_a1.user and score.overall == 80
    assert score.comment == "ok"
    score_quality(by=org.inspector.user, call_id=work["call_c"].pk, scores=GOOD)
    assert QualityScore.objects.count() == 2


def test_a_manager_scores_only_their_team_and_not_their_own_calls(org, work):
    score_quality(by=org.manager_a.user, call_id=work["call_a"].pk, scores=GOOD)
    assert "call" in _errors(by=org.manager_a.user, call_id=work["call_c"].pk, scores=GOOD)
    own = _errors(by=org.manager_a.user, call_id=work["call_manager"].pk, scores=GOOD)
    assert "call" in own


def test_agents_may_not_score(org, work):
    error = _errors(by=org.agent_a2.user, call_id=work["call_a"].pk, scores=GOOD)
    assert "may not" in str(error)


def test_once_per_scorer_and_record(org, work):
    score_quality(by=org.inspector.user, call_id=work["call_a"].pk, scores=GOOD)
    assert "call" in _errors(by=org.inspector.user, call_id=work["call_a"].pk, scores=GOOD)
    score_quality(by=org.manager_a.user, call_id=work["call_a"].pk, scores=GOOD)


def test_rubric_errors_name_the_part(org, work):
    errors = _errors(
        by=org.inspector.user,
        call_id=work["call_a"].pk,
        scores={"professionalism": 0, "communication": "x", "problem_solving": 6},
    )
    assert set(errors) == {"professionalism", "communication", "problem_solving"}


def test_one_record_exactly_and_a_call_with_an_agent(org, work):
    assert "followup" in _errors(by=org.inspector.user, scores=GOOD)
    both = _errors(
        by=org.inspector.user,
        call_id=work["call_a"].pk,
        followup_id=work["followup_a"].pk,
        scores=GOOD,
    )
    assert "followup" in both
    assert "call" in _errors(by=org.inspector.user, call_id=work["call_nobody"].pk, scores=GOOD)
    assert "call" in _errors(by=org.inspector.user, call_id=999999, scores=GOOD)
