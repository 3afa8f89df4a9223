"""Working days, as drift counts them: a referral made on a Friday is not overdue on Monday."""

from __future__ import annotations

import datetime as dt

from caf_desktop.common.uk_time import add_working_days, working_days_between
from hypothesis import given
from hypothesis import strategies as st

FRIDAY = dt.date(2026, 12, 4)


def test_the_weekend_does_not_count() -> None:
    assert add_working_days(FRIDAY, 1) == dt.date(2026, 12, 7)  # Monday
    assert add_working_days(FRIDAY, 3) == dt.date(2026, 12, 9)
    assert working_days_between(FRIDAY, dt.date(2026, 12, 6)) == 0  # Sunday
    assert working_days_between(FRIDAY, dt.date(2026, 12, 9)) == 3
    assert working_days_between(FRIDAY, FRIDAY) == 0
    assert working_days_between(FRIDAY, dt.date(2026, 12, 1)) == 0


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 1, 1)), st.integers(0, 400))
def test_counting_undoes_adding(start: dt.date, count: int) -> None:
    end = add_working_days(start, count)
    assert working_days_between(start, end) == count
    assert end.weekday() < 5 or count == 0
