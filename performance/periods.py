"""Periods: a week (from Monday), a month (from the 1st) or a quarter, in local time.

Every figure in this app is for `(period_kind, period_start)`; the bounds are half-open
[start, end) aware datetimes in the current time zone (`Asia/Shanghai` by default), so a
follow-up at 23:59 on the 31st counts for that month wherever the server runs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from .models import PeriodKind


@dataclass(frozen=True)
class Period:
    kind: str
    start: dt.date

    @property
    def end(self) -> dt.date:
        """The first day after the period."""
        if self.kind == PeriodKind.WEEK:
            return self.start + dt.timedelta(days=7)
        months = 3 if self.kind == PeriodKind.QUARTER else 1
        year, month = divmod(self.start.month - 1 + months, 12)
        return dt.date(self.start.year + year, month + 1, 1)

    @property
    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) as aware datetimes at local midnight."""
        tz = timezone.get_current_timezone()
        return (
            dt.datetime.combine(self.start, dt.time.min, tzinfo=tz),
            dt.datetime.combine(self.end, dt.time.min, tzinfo=tz),
        )

    def previous(self) -> Period:
        return period_containing(self.kind, self.start - dt.timedelta(days=1))

    def next(self) -> Period:
        return Period(self.kind, self.end)

    def contains(self, day: dt.date) -> bool:
        return self.start <= day < self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def __str__(self) -> str:
        if self.kind == PeriodKind.WEEK:
            return f"{self.start:%Y-%m-%d}–{self.end - dt.timedelta(days=1):%m-%d}"
        if self.kind == PeriodKind.QUARTER:
            return f"{self.start.year} Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start:%Y-%m}"


def period_containing(kind: str, day: dt.date) -> Period:
    """The period of `kind` that contains `day`."""
    if kind == PeriodKind.WEEK:
        return Period(kind, day - dt.timedelta(days=day.weekday()))
    if kind == PeriodKind.QUARTER:
        return Period(kind, dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1))
    if kind == PeriodKind.MONTH:
        return Period(kind, day.replace(day=1))
    raise ValueError(f"unknown period kind: {kind!r}")


def current_period(kind: str = PeriodKind.MONTH) -> Period:
    return period_containing(kind, timezone.localdate())


def parse_period(kind: str | None, start: str | dt.date | None) -> Period:
    """A period from request parameters; a start inside a period snaps to its first day.

    Raises ValueError with a message naming the bad part.
    """
    kind = kind or PeriodKind.MONTH
    if kind not in PeriodKind.values:
        raise ValueError(f"period_kind must be one of {', '.join(PeriodKind.values)}")
    if not start:
        return current_period(kind)
    if isinstance(start, str):
        try:
            start = dt.date.fromisoformat(start)
        except ValueError:
            raise ValueError("period_start must be a date (YYYY-MM-DD)") from None
    return period_containing(kind, start)


@dataclass(frozen=True)
class Span:
    """Any half-open [start, end) of aware datetimes a figure is computed over: today so
    far, a week, month or quarter to date. `Metric.records()` reads `bounds` alone, so a
    Span and a Period are interchangeable there."""

    start: dt.datetime
    end: dt.datetime

    @property
    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        return self.start, self.end


def to_date(period: Period, now: dt.datetime) -> Span:
    """The period up to `now` (all of it once it is over)."""
    start, end = period.bounds
    return Span(start, min(end, max(start, now)))


def today_so_far(now: dt.datetime) -> Span:
    """Local midnight to `now`."""
    day = timezone.localdate(now)
    start = dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())
    return Span(start, now)
