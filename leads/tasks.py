"""Lead jobs. Thin and idempotent: they take ids, call a service, and can run twice."""

from celery import shared_task

from .services import assignment, followups, importing, pool


@shared_task(name="leads.tasks.import_job_run")
def import_job_run(job_id: int) -> dict:
    """Process an uploaded file; a re-run resumes after the last row already accounted for."""
    return importing.import_job_run(job_id=job_id)


@shared_task(name="leads.tasks.assign_pending_leads")
def assign_pending_leads(lead_ids: list[int] | None = None) -> int:
    """Route and assign unowned new leads (all of them, or just these)."""
    return assignment.assign_pending_leads(lead_ids=lead_ids)


@shared_task(name="leads.tasks.handover_for_member")
def handover_for_member(member_id: int) -> int:
    """Hand over the open leads of an agent who went on leave or left."""
    return assignment.handover_leads(member_id=member_id)


@shared_task(name="leads.tasks.reclaim_sweep")
def reclaim_sweep() -> dict:
    """Warn agents a day ahead, then return leads with no follow-up for N days to the pool."""
    return pool.reclaim_stale_leads()


@shared_task(name="leads.tasks.followup_reminders_sweep")
def followup_reminders_sweep() -> int:
    """Notify agents of follow-ups coming due."""
    return followups.remind_due_followups()


@shared_task(name="leads.tasks.fold_open_lead_counts")
def fold_open_lead_counts() -> int:
    """Fold the kept open-lead counts' deltas into their base rows (idempotent)."""
    from .db import loads

    return loads.fold()
