"""What the built-in indicators are called on screen, in the reader's language.

The built-in indicators are rows (`performance/migrations/0002_default_indicators.py`)
whose `name` admins may change. While an indicator still carries the name it was created
with, pages, exports and the API show that name translated; once an admin renames it,
their name is shown as they wrote it. Families and units are choices and translate
through `get_family_display()` / `get_unit_display()`.
"""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

# code: (the name the data migration writes, the same name translated)
BUILTIN_NAMES = {
    "sales_amount": ("Sales amount", pgettext_lazy("indicator", "Sales amount")),
    "orders": ("Orders", pgettext_lazy("indicator", "Orders")),
    "conversion": ("Conversion rate", pgettext_lazy("indicator", "Conversion rate")),
    "revisit_score": ("Revisit satisfaction", pgettext_lazy("indicator", "Revisit satisfaction")),
    "complaints": ("Complaints", pgettext_lazy("indicator", "Complaints")),
    "calls": ("Calls", pgettext_lazy("indicator", "Calls")),
    "talk_time": ("Talk time", pgettext_lazy("indicator", "Talk time")),
    "followups": ("Follow-ups", pgettext_lazy("indicator", "Follow-ups")),
    "ontime_followup": (
        "On-time follow-up rate",
        pgettext_lazy("indicator", "On-time follow-up rate"),
    ),
    "contacted_24h": ("Contacted within 24 h", pgettext_lazy("indicator", "Contacted within 24 h")),
    "quality_professionalism": (
        "Quality: professionalism",
        pgettext_lazy("indicator", "Quality: professionalism"),
    ),
    "quality_communication": (
        "Quality: communication",
        pgettext_lazy("indicator", "Quality: communication"),
    ),
    "quality_problem_solving": (
        "Quality: problem solving",
        pgettext_lazy("indicator", "Quality: problem solving"),
    ),
    "quality_overall": ("Quality: overall", pgettext_lazy("indicator", "Quality: overall")),
    "cash_collected": ("Cash collected", pgettext_lazy("indicator", "Cash collected")),
    "occupancy": ("Occupancy", pgettext_lazy("indicator", "Occupancy")),
    "pause_minutes": ("Pause minutes", pgettext_lazy("indicator", "Pause minutes")),
    "calls_per_hour": (
        "Calls per productive hour",
        pgettext_lazy("indicator", "Calls per productive hour"),
    ),
    "handle_time": ("Average handle time", pgettext_lazy("indicator", "Average handle time")),
}


def indicator_label(*, code: str, name: str) -> str:
    """The indicator's name to show: translated while it is the built-in one, else as named."""
    builtin = BUILTIN_NAMES.get(code)
    if builtin is not None and name == builtin[0]:
        return str(builtin[1])
    return name


def builtin_label(code: str) -> str | None:
    """The translated name of a built-in indicator code (None for any other code)."""
    builtin = BUILTIN_NAMES.get(code)
    return str(builtin[1]) if builtin is not None else None
