"""Working days (Monday to Friday): what a request's 15-day deadline counts.

The codebase has no holiday calendar; public holidays (and the weekend days China swaps
for them) are not known here, so a deadline over a holiday comes a little early, never
late.
"""

from __future__ import annotations

import datetime as dt

WEEKEND = (5, 6)  # Saturday, Sunday


def is_working_day(day: dt.date) -> bool:
    return day.weekday() not in WEEKEND


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The working day `days` working days after `start` (`start` itself not counted)."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    while days:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (negative when `end` is
    before `start`): 0 on the day itself, 1 the next working day."""
    if end < start:
        return -working_days_between(end, start)
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count
