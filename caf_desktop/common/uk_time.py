"""Dates and times as people in England read them: UK time, day first, English month names whatever
the machine's locale."""

from __future__ import annotations

import datetime as dt
import functools

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


@functools.cache
def zone() -> dt.tzinfo | None:
    """Europe/London, or None where there is no time zone data (Windows without tzdata)."""
    import zoneinfo  # noqa: PLC0415

    try:
        return zoneinfo.ZoneInfo("Europe/London")
    except zoneinfo.ZoneInfoNotFoundError:
        return None


def local(moment: dt.datetime) -> dt.datetime:
    """The moment in UK time (the machine's local time without time zone data)."""
    found = zone()
    return moment.astimezone(found) if found is not None else moment.astimezone()


def day_words(day: dt.date) -> str:
    """`3 March 2026`."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def words(moment: dt.datetime) -> str:
    """`3 March 2026 at 14:05`, as the moment stands (no change of zone)."""
    return f"{day_words(moment)} at {moment:%H:%M}"


def stamp(moment: dt.datetime) -> str:
    """`26/11/2026 14:05`, in UK time."""
    return f"{local(moment):%d/%m/%Y %H:%M}"


def spoken(moment: dt.datetime) -> str:
    """`26 November 2026 at 14:05`, in UK time."""
    return words(local(moment))


def add_working_days(day: dt.date, count: int) -> dt.date:
    """The day `count` working days (Monday to Friday) after `day`. Bank holidays are not known
    offline, so they count as working days: an interval ends at most a day or two early."""
    while count > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """How many working days (Monday to Friday) after `start` up to and including `end` (0 if `end`
    is not after `start`)."""
    if end <= start:
        return 0
    whole_weeks, rest = divmod((end - start).days, 7)
    count = whole_weeks * 5
    day = start + dt.timedelta(days=whole_weeks * 7)
    for _ in range(rest):
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            count += 1
    return count
