"""The bench judges a missed time against its own floor: a slower machine is not a miss."""

import math

from bench.measure import BUFFER_BUDGET, FLOOR_REQUEST, Result, judge_by_floor


def _result(name: str, median: float, *, target: float | None = None, buffers=None) -> Result:
    verdict = "" if target is None else ("PASS" if median <= target else "FAIL")
    return Result(
        name, "/x/", "u", 200, 30, median, median, median, math.nan, 3, 3, 0, "",
        f"≤ {target} ms" if target else "", verdict, buffers, target,
    )  # fmt: skip


def test_a_miss_within_the_floors_multiple_passes_by_ratio():
    floor = _result(FLOOR_REQUEST, 4.0)  # twice the quiet machine's 2 ms
    slow_machine = _result("page", 50.0, target=30)  # 12.5× floor; target 15× of 2 ms
    really_slow = _result("other", 70.0, target=30)  # 17.5×
    judge_by_floor([floor, slow_machine, really_slow], quiet_floor_ms=2.0)
    assert slow_machine.verdict == "PASS ×"
    assert really_slow.verdict == "FAIL"


def test_a_query_over_the_buffer_budget_fails_whatever_the_time():
    floor = _result(FLOOR_REQUEST, 4.0)
    heavy = _result("page", 40.0, target=30, buffers=BUFFER_BUDGET + 1)
    judge_by_floor([floor, heavy], quiet_floor_ms=2.0)
    assert heavy.verdict == "FAIL"
