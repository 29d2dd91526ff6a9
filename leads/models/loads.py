"""Each agent's open-lead count, kept by the database (PostgreSQL) as leads change.

Counting an agent's open leads reads every one of them (about a buffer each, 1,500 for an
agent with 3,000 open leads at 1M leads): the team page would grow with the data. Instead,
statement-level triggers on `leads_lead` (migration 0013) append, per statement, one
`AgentOpenLeadsDelta` row per agent whose count it changed; `leads.db.loads.fold()`
(beat, every minute) adds the deltas into `AgentOpenLeads` in one statement. A reader sums
the agent's base row and its few deltas: the same number as counting, whatever wrote the
leads (services, set-based jobs, COPY, raw SQL). TRUNCATE of the leads empties both.
The statuses counted as open are written into the trigger (`OPEN_STATUSES` when 0013 was
made): a migration must replace the trigger if they change.
"""

from django.db import models


class AgentOpenLeads(models.Model):
    user_id = models.IntegerField(primary_key=True)
    open_leads = models.IntegerField(default=0)

    class Meta:
        verbose_name = "agent open leads (kept)"

    def __str__(self) -> str:
        return f"{self.user_id}: {self.open_leads}"


class AgentOpenLeadsDelta(models.Model):
    user_id = models.IntegerField(db_index=True)
    delta = models.IntegerField()

    class Meta:
        verbose_name = "agent open leads change"

    def __str__(self) -> str:
        return f"{self.user_id}: {self.delta:+d}"
