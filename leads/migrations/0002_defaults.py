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
    ("转介绍", "channel", "referral", 25),
    ("来电咨询", "channel", "inbound_call", 25),
    ("网页表单", "channel", "web_form", 15),
    ("广告投放", "channel", "advertising", 10),
    ("社交媒体", "channel", "social", 10),
    ("市场调研名单", "channel", "market_list", -5),
    ("有姓名", "has_field", "name", 5),
    ("有公司", "has_field", "company", 10),
    ("有地区", "has_field", "region", 5),
    ("有邮箱", "has_field", "email", 5),
    ("有微信", "has_field", "wechat", 5),
    ("有意向产品", "has_field", "product", 10),
    ("有预计购买时间", "has_field", "timeline", 5),
    ("意向高", "intent", "high", 30),
    ("意向中", "intent", "medium", 15),
    ("意向低", "intent", "low", -10),
    ("预算 1 万以上", "budget_at_least", "10000", 10),
    ("预算 10 万以上", "budget_at_least", "100000", 15),
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
