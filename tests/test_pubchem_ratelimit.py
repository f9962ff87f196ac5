"""RateLimiter: PubChem's limits held exactly, on a virtual clock (no wall-time asserts)."""

from __future__ import annotations

import asyncio
import itertools
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from sensortop.pubchem.ratelimit import (
    RateLimiter,
    ThrottleLevel,
    parse_retry_after,
    parse_throttling_control,
)
from support import max_in_window

# Header values as the live PubChem service sent them (recorded responses).
GREEN = ("Request Count status: Green (0%), Request Time status: Green (0%), "
         "Service status: Green (20%)")  # fmt: skip
BUSY_503 = ("Request Count status: Green (0%), Request Time status: Green (0%), "
            "Service status: Green (13%), too many requests per second or blacklisted")  # fmt: skip
YELLOW = ("Request Count status: Yellow (60%), Request Time status: Green (4%), "
          "Service status: Green (13%)")  # fmt: skip
RED = ("Request Count status: Green (3%), Request Time status: Red (80%), "
       "Service status: Yellow (55%)")  # fmt: skip
BLACK = ("Request Count status: Black (100%), Request Time status: Green (0%), "
         "Service status: Green (13%)")  # fmt: skip


class VirtualClock:
    """Time that passes only when someone sleeps; the limiter sleeps one waiter at a time."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


def make_limiter(clock: VirtualClock, **kwargs: object) -> RateLimiter:
    kwargs.setdefault("margin", 0.0)
    return RateLimiter(clock=clock, sleep=clock.sleep, **kwargs)  # type: ignore[arg-type]


async def grant_times(limiter: RateLimiter, count: int) -> list[float]:
    return sorted(await asyncio.gather(*(limiter.acquire() for _ in range(count))))



async def test_never_grants_six_in_any_one_second_window() -> None:
    clock = VirtualClock()
    limiter = make_limiter(clock)
    times = await grant_times(limiter, 60)
    assert max_in_window(times, 1.0) == 5


async def test_callers_arriving_at_random_moments_never_get_six_in_a_second() -> None:
    clock = VirtualClock()
    limiter = make_limiter(clock)
    rng = random.Random(4)
    times: list[float] = []

    async def caller() -> None:
        for _ in range(10):
            clock.now += rng.choice([0.0, 0.0, 0.05, 0.3, 0.9])
            times.append(await limiter.acquire())

    await asyncio.gather(*(caller() for _ in range(6)))
    assert len(times) == 60
    assert max_in_window(times, 1.0) <= 5


async def test_a_burst_of_five_goes_at_once() -> None:
    clock = VirtualClock()
    times = await grant_times(make_limiter(clock), 5)
    assert times == [1000.0] * 5


async def test_the_sixth_waits_a_full_second_after_the_first() -> None:
    clock = VirtualClock()
    times = await grant_times(make_limiter(clock), 6)
    assert times[5] - times[0] == pytest.approx(1.0)


async def test_margin_widens_the_window() -> None:
    clock = VirtualClock()
    times = await grant_times(make_limiter(clock, margin=0.1), 6)
    assert times[5] - times[0] == pytest.approx(1.1)


async def test_never_grants_more_than_400_in_any_minute() -> None:
    clock = VirtualClock()
    limiter = make_limiter(clock, per_second=50)
    times = await grant_times(limiter, 900)
    assert max_in_window(times, 60.0) == 400


async def test_concurrency_cap_holds_back_the_next_request() -> None:
    clock = VirtualClock()
    limiter = make_limiter(clock, max_concurrent=2)
    inside = 0
    most = 0
    release = asyncio.Event()

    async def request() -> None:
        nonlocal inside, most
        async with limiter.slot():
            inside += 1
            most = max(most, inside)
            await release.wait()
            inside -= 1

    tasks = [asyncio.create_task(request()) for _ in range(5)]
    for _ in range(20):
        await asyncio.sleep(0)
    assert inside == 2
    release.set()
    await asyncio.gather(*tasks)
    assert most == 2


async def test_black_light_stops_every_grant_for_the_pause() -> None:
    clock = VirtualClock()
    limiter = make_limiter(clock, black_pause=30.0)
    await limiter.acquire()
    limiter.observe({"X-Throttling-Control": BLACK})
    assert limiter.level is ThrottleLevel.BLACK
    assert limiter.blocked_for() == pytest.approx(30.0)
    granted = await limiter.acquire()
    assert granted - 1000.0 >= 30.0


async def test_black_light_waits_for_retry_after_when_sent() -> None:
    clock = VirtualClock()
    limiter = make_limiter(clock, black_pause=30.0)
    limiter.observe({"X-Throttling-Control": BLACK}, retry_after=5.0)
    granted = await limiter.acquire()
    assert granted - 1000.0 == pytest.approx(5.0)


async def test_yellow_light_spaces_requests_half_a_second_apart() -> None:
    clock = VirtualClock()
    limiter = make_limiter(clock)
    limiter.observe({"X-Throttling-Control": YELLOW})
    times = await grant_times(limiter, 6)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) == pytest.approx(0.5)


async def test_red_light_spaces_requests_a_second_apart() -> None:
    clock = VirtualClock()
    limiter = make_limiter(clock)
    limiter.observe({"X-Throttling-Control": RED})
    assert limiter.level is ThrottleLevel.RED
    times = await grant_times(limiter, 4)
    assert [b - a for a, b in itertools.pairwise(times)] == pytest.approx([1, 1, 1])


async def test_green_light_after_yellow_restores_full_speed() -> None:
    clock = VirtualClock()
    limiter = make_limiter(clock)
    limiter.observe({"X-Throttling-Control": YELLOW})
    limiter.observe({"X-Throttling-Control": GREEN})
    assert await grant_times(limiter, 5) == [1000.0] * 5


async def test_missing_header_keeps_the_last_level() -> None:
    clock = VirtualClock()
    limiter = make_limiter(clock)
    limiter.observe({"X-Throttling-Control": YELLOW})
    limiter.observe({})
    assert limiter.level is ThrottleLevel.YELLOW


async def test_a_level_without_news_expires() -> None:
    clock = VirtualClock()
    limiter = make_limiter(clock, level_ttl=60.0)
    limiter.observe({"X-Throttling-Control": YELLOW})
    clock.now += 61
    assert limiter.level is ThrottleLevel.GREEN


async def test_pause_for_retry_after_holds_every_caller() -> None:
    clock = VirtualClock()
    limiter = make_limiter(clock)
    limiter.pause(30.0)
    times = await grant_times(limiter, 3)
    assert min(times) == pytest.approx(1030.0)


def test_limits_below_one_are_refused() -> None:
    with pytest.raises(ValueError):
        RateLimiter(per_second=0)


@pytest.mark.parametrize(
    ("header", "level"),
    [
        (GREEN, ThrottleLevel.GREEN),
        (BUSY_503, ThrottleLevel.GREEN),  # "blacklisted" in the 503 text is not a Black light
        (YELLOW, ThrottleLevel.YELLOW),
        (RED, ThrottleLevel.RED),
        (BLACK, ThrottleLevel.BLACK),
        (None, None),
        ("", None),
        ("something else entirely", None),
    ],
)
def test_throttling_header_is_read_as_its_worst_status(
    header: str | None, level: ThrottleLevel | None
) -> None:
    assert parse_throttling_control(header) is level


def test_retry_after_in_seconds() -> None:
    assert parse_retry_after("30") == 30.0


def test_retry_after_as_http_date() -> None:
    now = datetime(2026, 8, 16, 12, 0, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=45), usegmt=True)
    assert parse_retry_after(later, now=now) == pytest.approx(45.0)


@pytest.mark.parametrize("value", [None, "", "soon"])
def test_unreadable_retry_after_is_ignored(value: str | None) -> None:
    assert parse_retry_after(value) is None
