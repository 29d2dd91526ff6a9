"""The defaults a new center starts with: disposition rules and a scoring model.

- Disposition rules say what happens after each outcome of a follow-up.
- Scoring rules grade the first leads before an admin tunes them.

Both are copied here (not imported from leads.services) so this migration keeps doing what
it did when the service's defaults change. They only fill in what is missing, so migrating
a database where an admin already changed them keeps the admin's rules.
"""

from django.db import migrations

DISPOSITION_DEFAULTS = {
    # disposition: (set_status, retry_after_minutes, return_to_pool_after, cooloff_days,
    #               requires_next_followup)
    "reached": ("contacted", None, None, None, False),
    "no_answer": ("", 120, 5, None, False),
    "busy": ("", 120, 5, None, False),
    "wrong_number": ("invalid", None, None, None, False),
    "call_back": ("contacted", None, None, None, True),
    "not_interested": ("lost", None, None, 30, False),
    "interested": ("interested", None, None, None, False),
    "won": ("won", None, None, None, False),
    "lost": ("lost", None, None, None, False),
    "do_not_call": ("lost", None, None, None, False),
}

DEFAULT_SCORING_RULES = (
    ("Referral", "channel", "referral", 25),
    ("Inbound call", "channel", "inbound_call", 25),
    ("Web form", "channel", "web_form", 15),
    ("Advertising", "channel", "advertising", 10),
    ("Social media", "channel", "social", 10),
    ("Market research list", "channel", "market_list", -5),
    ("Has a name", "has_field", "name", 5),
    ("Has a company", "has_field", "company", 10),
    ("Has a region", "has_field", "region", 5),
    ("Has an email", "has_field", "email", 5),
    ("Has WeChat", "has_field", "wechat", 5),
    ("Names a product", "has_field", "product", 10),
    ("States a timeline", "has_field", "timeline", 5),
    ("High intent", "intent", "high", 30),
    ("Medium intent", "intent", "medium", 15),
    ("Low intent", "intent", "low", -10),
    ("Budget 10,000+", "budget_at_least", "10000", 10),
    ("Budget 100,000+", "budget_at_least", "100000", 15),
)


def install_disposition_rules(apps, schema_editor):
    DispositionRule = apps.get_model("leads", "DispositionRule")
    for disposition, (
        status,
        retry,
        pool_after,
        cooloff,
        needs_next,
    ) in DISPOSITION_DEFAULTS.items():
        DispositionRule.objects.get_or_create(
            disposition=disposition,
            defaults={
                "set_status": status,
                "retry_after_minutes": retry,
                "return_to_pool_after": pool_after,
                "cooloff_days": cooloff,
                "requires_next_followup": needs_next,
            },
        )


def uninstall_disposition_rules(apps, schema_editor):
    DispositionRule = apps.get_model("leads", "DispositionRule")
    DispositionRule.objects.filter(disposition__in=DISPOSITION_DEFAULTS).delete()


def install_scoring_rules(apps, schema_editor):
    ScoringRule = apps.get_model("leads", "ScoringRule")
    if ScoringRule.objects.exists():
        return
    ScoringRule.objects.bulk_create(
        ScoringRule(name=name, kind=kind, value=value, points=points)
        for name, kind, value, points in DEFAULT_SCORING_RULES
    )


class Migration(migrations.Migration):
    dependencies = [("leads", "0001_initial")]

    operations = [
        migrations.RunPython(install_disposition_rules, uninstall_disposition_rules),
        migrations.RunPython(install_scoring_rules, migrations.RunPython.noop),
    ]
