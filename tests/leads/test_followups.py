"""Follow-ups: every disposition's rule, the status pipeline, and the reminders.

Given an agent with a lead, when they log what happened on a call, then the lead moves
the way the admin's disposition rules say — and nothing else moves.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from crm.models import Notification
from leads.models import (
    Assignment,
    Call,
    DispositionRule,
    FollowUp,
    Lead,
    LeadStatus,
)
from leads.services.capture import scoring_rules_install_defaults
from leads.services.followups import (
    disposition_rules_install_defaults,
    followup_log,
    remind_due_followups,
    reminder_key,
)
from risk.models import DoNotCall
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def disposition_rules(db):
    """The default rules, as the data migration installs them (a flushed test database
    has lost migration data)."""
    disposition_rules_install_defaults()


@pytest.fixture
def agent(org):
    return org.agent_a1.user


@pytest.fixture
def lead(agent, org):
    return LeadFactory(owner=agent, team=org.team_a)


def log(lead, agent, disposition, **kwargs):
    kwargs.setdefault("channel", "phone")
    return followup_log(lead=lead, agent=agent, disposition=disposition, **kwargs)


def in_hours(hours: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=hours)


class TestDispositionRules:
    def test_the_default_rules_are_installed_for_every_disposition(self):
        rules = {rule.disposition: rule for rule in DispositionRule.objects.all()}
        assert set(rules) >= {"reached", "no_answer", "busy", "wrong_number", "call_back"}
        assert rules["no_answer"].retry_after_minutes == 120
        assert rules["no_answer"].return_to_pool_after == 5
        assert rules["call_back"].requires_next_followup
        assert rules["not_interested"].cooloff_days == 30

    def test_reaching_a_new_lead_makes_it_contacted_and_records_the_touch(self, lead, agent):
        followup = log(lead, agent, "reached", notes="聊得不错")
        lead.refresh_from_db()
        assert lead.status == LeadStatus.CONTACTED
        assert lead.followup_count == 1
        assert lead.last_contact_at == followup.created_at
        assert lead.next_followup_at is None
        assert followup.agent == agent and followup.notes == "聊得不错"

    @pytest.mark.parametrize(
        ("disposition", "status"),
        [
            ("interested", LeadStatus.INTERESTED),
            ("wrong_number", LeadStatus.INVALID),
            ("won", LeadStatus.WON),
            ("lost", LeadStatus.LOST),
            ("not_interested", LeadStatus.LOST),
        ],
    )
    def test_each_outcome_moves_the_status(self, lead, agent, disposition, status):
        log(lead, agent, disposition, next_followup_at=None)
        lead.refresh_from_db()
        assert lead.status == status

    def test_a_closing_outcome_clears_the_next_follow_up_and_records_why(self, lead, agent):
        log(lead, agent, "wrong_number", next_followup_at=in_hours(3))
        lead.refresh_from_db()
        assert lead.status == LeadStatus.INVALID
        assert lead.next_followup_at is None
        assert lead.closed_reason == "Wrong number"

    def test_the_status_never_moves_backwards(self, lead, agent):
        log(lead, agent, "interested")
        log(lead, agent, "reached")
        log(lead, agent, "no_answer")
        lead.refresh_from_db()
        assert lead.status == LeadStatus.INTERESTED
        assert lead.followup_count == 3

    def test_new_contacted_interested_won(self, lead, agent):
        seen = []
        for disposition in ("reached", "interested", "won"):
            log(lead, agent, disposition)
            lead.refresh_from_db()
            seen.append(lead.status)
        assert seen == ["contacted", "interested", "won"]

    def test_no_answer_schedules_a_retry_and_counts_the_miss(self, lead, agent):
        before = timezone.now()
        log(lead, agent, "no_answer")
        log(lead, agent, "busy")
        lead.refresh_from_db()
        assert lead.status == LeadStatus.NEW
        assert lead.missed_calls == 2
        retry = lead.next_followup_at - before
        assert dt.timedelta(minutes=119) < retry < dt.timedelta(minutes=122)

    def test_reaching_the_customer_resets_the_misses(self, lead, agent):
        for _ in range(4):
            log(lead, agent, "no_answer")
        log(lead, agent, "reached")
        log(lead, agent, "no_answer")
        lead.refresh_from_db()
        assert lead.missed_calls == 1
        assert lead.owner == agent

    def test_the_fifth_miss_in_a_row_returns_the_lead_to_the_pool(self, lead, agent, org):
        for _ in range(5):
            log(lead, agent, "no_answer")
        lead.refresh_from_db()
        assert lead.owner is None
        assert lead.team == org.team_a
        assert lead.status == LeadStatus.NEW
        assert lead.missed_calls == 0
        assert lead.next_followup_at is None
        back = Assignment.objects.get(lead=lead, kind=Assignment.Kind.RETURN)
        assert back.from_user == agent and "5" in back.reason
        assert FollowUp.objects.filter(lead=lead).count() == 5

    def test_an_admin_edited_rule_takes_effect(self, lead, agent):
        DispositionRule.objects.filter(disposition="no_answer").update(
            retry_after_minutes=30, return_to_pool_after=2
        )
        log(lead, agent, "no_answer")
        lead.refresh_from_db()
        assert lead.next_followup_at - timezone.now() < dt.timedelta(minutes=31)
        log(lead, agent, "no_answer")
        lead.refresh_from_db()
        assert lead.owner is None

    def test_not_interested_closes_with_a_cool_off(self, lead, agent):
        log(lead, agent, "not_interested")
        lead.refresh_from_db()
        assert lead.status == LeadStatus.LOST
        cooloff = lead.cooloff_until - timezone.now()
        assert dt.timedelta(days=29, hours=23) < cooloff <= dt.timedelta(days=30)

    def test_call_back_needs_a_time_and_sets_it(self, lead, agent):
        with pytest.raises(ValidationError) as error:
            log(lead, agent, "call_back")
        assert "next_followup_at" in error.value.message_dict
        when = in_hours(26)
        log(lead, agent, "call_back", next_followup_at=when)
        lead.refresh_from_db()
        assert lead.next_followup_at == when
        assert lead.status == LeadStatus.CONTACTED

    def test_an_agent_chosen_time_wins_over_the_retry_rule(self, lead, agent):
        when = in_hours(30)
        log(lead, agent, "no_answer", next_followup_at=when)
        lead.refresh_from_db()
        assert lead.next_followup_at == when

    def test_a_next_follow_up_in_the_past_is_refused(self, lead, agent):
        with pytest.raises(ValidationError) as error:
            log(lead, agent, "reached", next_followup_at=in_hours(-1))
        assert "next_followup_at" in error.value.message_dict
        assert not FollowUp.objects.exists()

    def test_asked_not_to_be_called_puts_the_number_on_the_list(self, lead, agent):
        log(lead, agent, "do_not_call")
        lead.refresh_from_db()
        assert lead.status == LeadStatus.LOST
        entry = DoNotCall.objects.get(phone=lead.phone)
        assert entry.source == DoNotCall.Source.CUSTOMER


class TestRefusals:
    def test_a_phone_follow_up_to_a_do_not_call_number_is_refused(self, lead, agent):
        DoNotCall.objects.create(phone=lead.phone, reason="regulator")
        with pytest.raises(ValidationError) as error:
            log(lead, agent, "reached")
        assert "channel" in error.value.message_dict
        # Other channels are not calls: an SMS the customer asked for may still be logged.
        log(lead, agent, "reached", channel="sms")

    def test_a_closed_lead_takes_no_follow_up(self, agent, org):
        lead = LeadFactory(owner=agent, team=org.team_a, status=LeadStatus.WON)
        with pytest.raises(ValidationError) as error:
            log(lead, agent, "reached")
        assert "lead" in error.value.message_dict

    def test_a_lead_in_cool_off_takes_no_follow_up(self, agent, org):
        lead = LeadFactory(owner=agent, team=org.team_a, cooloff_until=in_hours(48))
        with pytest.raises(ValidationError):
            log(lead, agent, "reached")

    def test_an_agent_cannot_log_on_a_colleagues_lead(self, lead, org):
        with pytest.raises(ValidationError) as error:
            log(lead, org.agent_a2.user, "reached")
        assert "lead" in error.value.message_dict

    def test_the_team_manager_may_step_in_but_not_an_inspector_or_another_manager(self, lead, org):
        log(lead, org.manager_a.user, "reached")
        for outsider in (org.inspector, org.manager_b):
            with pytest.raises(ValidationError):
                log(lead, outsider.user, "reached")
        assert FollowUp.objects.get().agent == org.manager_a.user


class TestWhatTheFollowUpCarries:
    def test_needs_analysis_is_copied_to_the_lead_and_it_is_graded_again(self, lead, agent):
        scoring_rules_install_defaults()
        log(lead, agent, "interested", product="企业版", budget=Decimal("50000"), timeline="本月")
        lead.refresh_from_db()
        assert (lead.product, lead.budget, lead.timeline) == ("企业版", Decimal("50000"), "本月")
        assert any(item["kind"] == "budget_at_least" for item in lead.score_details)

    def test_a_typed_in_call_is_stored_with_the_follow_up(self, lead, agent):
        followup = log(lead, agent, "reached", call_duration_seconds=185)
        call = Call.objects.get()
        assert followup.call == call
        assert (call.lead, call.agent, call.duration_seconds) == (lead, agent, 185)
        assert call.callee == lead.phone and call.source == "manual"

    def test_a_refused_follow_up_leaves_no_stray_call(self, lead, agent):
        with pytest.raises(ValidationError):
            log(lead, agent, "call_back", call_duration_seconds=30)
        assert not Call.objects.exists()

    def test_a_phone_system_call_can_be_attached(self, lead, agent):
        call = Call.objects.create(agent=agent, started_at=timezone.now(), duration_seconds=42)
        followup = log(lead, agent, "reached", call=call)
        call.refresh_from_db()
        assert followup.call == call and call.lead == lead


class TestReminders:
    def test_an_owner_is_told_once_about_a_follow_up_coming_due(self, lead, agent):
        due = in_hours(0.1)
        Lead.objects.filter(pk=lead.pk).update(next_followup_at=due)
        assert remind_due_followups() == 1
        assert remind_due_followups() == 0
        note = Notification.objects.get(user=agent)
        assert note.key == reminder_key(lead.pk, due)
        assert note.url == f"/leads/{lead.pk}/"
        assert lead.phone[-4:] in note.text and lead.phone[5:9] not in note.text

    def test_overdue_ones_are_told_once_and_far_ones_not_yet(self, agent, org):
        overdue = LeadFactory(owner=agent, team=org.team_a, next_followup_at=in_hours(-2))
        LeadFactory(owner=agent, team=org.team_a, next_followup_at=in_hours(5))
        LeadFactory(status=LeadStatus.WON, owner=agent, next_followup_at=in_hours(0.1))
        LeadFactory(next_followup_at=in_hours(0.1))  # in the pool: nobody to tell
        assert remind_due_followups() == 1
        assert remind_due_followups() == 0
        assert Notification.objects.get().key.startswith(f"followup-due:{overdue.pk}:")

    def test_a_rescheduled_follow_up_is_a_new_reminder(self, lead, agent):
        Lead.objects.filter(pk=lead.pk).update(next_followup_at=in_hours(0.1))
        remind_due_followups()
        Lead.objects.filter(pk=lead.pk).update(next_followup_at=in_hours(0.2))
        assert remind_due_followups() == 1
        assert Notification.objects.filter(user=agent).count() == 2

    def test_logging_the_follow_up_marks_its_reminder_handled(self, lead, agent):
        Lead.objects.filter(pk=lead.pk).update(next_followup_at=in_hours(0.1))
        remind_due_followups()
        log(lead, agent, "reached")
        assert Notification.objects.get().read_at is not None

    def test_the_sweep_is_a_fixed_number_of_queries(
        self, agent, org, django_assert_max_num_queries
    ):
        for hours in (-1, 0.05, 0.1, 0.15):
            LeadFactory(owner=agent, team=org.team_a, next_followup_at=in_hours(hours))
        with django_assert_max_num_queries(3):
            assert remind_due_followups() == 4

    def test_the_celery_task_runs_the_sweep(self, lead):
        from leads.tasks import followup_reminders_sweep

        Lead.objects.filter(pk=lead.pk).update(next_followup_at=in_hours(0.1))
        assert followup_reminders_sweep() == 1
