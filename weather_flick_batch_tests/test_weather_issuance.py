"""KMA publishing schedule: latest/previous/next issuances, partition keys, servability."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from weather_flick_batch.weather import issuance as iss
from weather_flick_batch.weather.issuance import (
    KST,
    IssuanceNotPublishedError,
    IssuanceTooOldError,
)

UTC = timezone.utc


def kst(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=KST)


# ----------------------------------------------------------------------------- short range


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (kst(2026, 11, 26, 8, 30), kst(2026, 11, 26, 8)),  # 08:00 published ~08:10
        (kst(2026, 11, 26, 8, 5), kst(2026, 11, 26, 5)),  # 08:00 not yet published
        (kst(2026, 11, 26, 8, 10), kst(2026, 11, 26, 8)),  # exactly at publication
        (kst(2026, 11, 26, 8, 9), kst(2026, 11, 26, 5)),
        (kst(2026, 11, 26, 1, 0), kst(2026, 11, 25, 23)),  # after midnight: yesterday 23:00
        (kst(2026, 11, 26, 0, 0), kst(2026, 11, 25, 23)),
        (kst(2026, 11, 26, 2, 9), kst(2026, 11, 25, 23)),
        (kst(2026, 11, 26, 2, 10), kst(2026, 11, 26, 2)),
        (kst(2026, 11, 26, 23, 5), kst(2026, 11, 26, 20)),
        (kst(2026, 11, 26, 23, 59), kst(2026, 11, 26, 23)),
        (kst(2027, 1, 1, 0, 30), kst(2026, 12, 31, 23)),  # year boundary
    ],
)
def test_latest_short_range_issuance(at: datetime, expected: datetime) -> None:
    got = iss.latest_short_range_issuance(at)
    assert got == expected
    assert got.tzinfo is not None and got.utcoffset() == timedelta(hours=9)


def test_utc_input_early_kst_morning_lands_on_the_kst_day() -> None:
    # 2026-11-25 23:30 UTC is 2026-11-26 08:30 KST: the issuance is the 26th's 08:00,
    # not anything on the 25th (the previous system's naive/UTC mix-up).
    at = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)
    base = iss.latest_short_range_issuance(at)
    assert base == kst(2026, 11, 26, 8)
    assert iss.kma_base_params(base) == {"base_date": "20261126", "base_time": "0800"}
    assert iss.issuance_date(base).isoformat() == "2026-11-26"


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        iss.latest_short_range_issuance(datetime(2026, 11, 26, 8, 30))
    with pytest.raises(ValueError, match="naive"):
        iss.kma_base_params(datetime(2026, 11, 26, 8))
    with pytest.raises(TypeError):
        iss.to_kst("2026-11-26")  # type: ignore[arg-type]


def test_previous_and_next_short_range_issuance() -> None:
    assert iss.previous_short_range_issuance(kst(2026, 11, 26, 2)) == kst(2026, 11, 25, 23)
    assert iss.previous_short_range_issuance(kst(2026, 11, 26, 5)) == kst(2026, 11, 26, 2)
    # Not on a base: the newest base strictly before it.
    assert iss.previous_short_range_issuance(kst(2026, 11, 26, 6, 30)) == kst(2026, 11, 26, 5)
    assert iss.next_short_range_issuance(kst(2026, 11, 26, 23)) == kst(2026, 11, 27, 2)
    assert iss.next_short_range_issuance(kst(2026, 11, 26, 5)) == kst(2026, 11, 26, 8)


def test_eight_issuances_a_day() -> None:
    b = kst(2026, 11, 26, 2)
    seen = []
    while b.date() == kst(2026, 11, 26).date():
        seen.append(b.hour)
        b = iss.next_short_range_issuance(b)
    assert seen == [2, 5, 8, 11, 14, 17, 20, 23]
    assert all(iss.is_short_range_base(kst(2026, 11, 26, h)) for h in seen)
    assert not iss.is_short_range_base(kst(2026, 11, 26, 3))
    assert not iss.is_short_range_base(kst(2026, 11, 26, 2, 30))


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (kst(2026, 11, 26, 8, 5), kst(2026, 11, 26, 8, 10)),
        (kst(2026, 11, 26, 8, 10), kst(2026, 11, 26, 11, 10)),  # strictly after
        (kst(2026, 11, 26, 23, 30), kst(2026, 11, 27, 2, 10)),
        (kst(2026, 11, 26, 0, 0), kst(2026, 11, 26, 2, 10)),
    ],
)
def test_next_short_range_publication(at: datetime, expected: datetime) -> None:
    assert iss.next_short_range_publication(at) == expected


def test_publication_time_requires_a_base() -> None:
    assert iss.short_range_publication_time(kst(2026, 11, 26, 8)) == kst(2026, 11, 26, 8, 10)
    with pytest.raises(ValueError, match="not a short-range base time"):
        iss.short_range_publication_time(kst(2026, 11, 26, 9))


@settings(max_examples=300, deadline=None)
@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31)))
def test_latest_short_range_is_newest_published(naive: datetime) -> None:
    at = naive.replace(tzinfo=KST)
    base = iss.latest_short_range_issuance(at)
    assert iss.is_short_range_base(base)
    assert base + iss.SHORT_RANGE_PUBLICATION_DELAY <= at  # published
    nxt = iss.next_short_range_issuance(base)
    assert nxt + iss.SHORT_RANGE_PUBLICATION_DELAY > at  # the next one is not yet
    assert iss.next_short_range_publication(at) == nxt + iss.SHORT_RANGE_PUBLICATION_DELAY
    assert iss.previous_short_range_issuance(nxt) == base
    assert at - base < timedelta(hours=3, minutes=10)


# ----------------------------------------------------------------------------- nowcast, mid


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (kst(2026, 11, 26, 10, 44), kst(2026, 11, 26, 9)),
        (kst(2026, 11, 26, 10, 45), kst(2026, 11, 26, 10)),
        (kst(2026, 11, 26, 0, 30), kst(2026, 11, 25, 23)),
        (kst(2026, 11, 26, 0, 50), kst(2026, 11, 26, 0)),
    ],
)
def test_latest_nowcast_issuance(at: datetime, expected: datetime) -> None:
    assert iss.latest_nowcast_issuance(at) == expected


def test_nowcast_previous_next_and_publication() -> None:
    assert iss.previous_nowcast_issuance(kst(2026, 11, 26, 0)) == kst(2026, 11, 25, 23)
    assert iss.next_nowcast_issuance(kst(2026, 11, 26, 23)) == kst(2026, 11, 27, 0)
    assert iss.next_nowcast_publication(kst(2026, 11, 26, 10, 44)) == kst(2026, 11, 26, 10, 45)
    assert iss.next_nowcast_publication(kst(2026, 11, 26, 10, 45)) == kst(2026, 11, 26, 11, 45)
    assert iss.nowcast_publication_time(kst(2026, 11, 26, 10)) == kst(2026, 11, 26, 10, 45)


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (kst(2026, 11, 26, 6, 29), kst(2026, 11, 25, 18)),
        (kst(2026, 11, 26, 6, 30), kst(2026, 11, 26, 6)),
        (kst(2026, 11, 26, 5, 0), kst(2026, 11, 25, 18)),
        (kst(2026, 11, 26, 18, 45), kst(2026, 11, 26, 18)),
        (kst(2026, 11, 26, 18, 10), kst(2026, 11, 26, 6)),
    ],
)
def test_latest_mid_range_issuance(at: datetime, expected: datetime) -> None:
    assert iss.latest_mid_range_issuance(at) == expected


def test_mid_range_previous_next_publication_and_tmfc() -> None:
    assert iss.previous_mid_range_issuance(kst(2026, 11, 26, 6)) == kst(2026, 11, 25, 18)
    assert iss.next_mid_range_issuance(kst(2026, 11, 26, 18)) == kst(2026, 11, 27, 6)
    assert iss.next_mid_range_publication(kst(2026, 11, 26, 7)) == kst(2026, 11, 26, 18, 30)
    assert iss.kma_tmfc(kst(2026, 11, 26, 6)) == "202611260600"
    # 2026-11-25 21:00 UTC is 06:00 KST on the 26th.
    assert iss.kma_tmfc(datetime(2026, 11, 25, 21, tzinfo=UTC)) == "202611260600"
    assert iss.parse_kma_tmfc("202611261800") == kst(2026, 11, 26, 18)


# ----------------------------------------------------------------------------- partition keys


def test_partition_keys_round_trip_and_match_dagster_format() -> None:
    b = kst(2026, 11, 24, 2)
    for _ in range(8 * 4):
        key = iss.short_range_partition_key(b)
        assert key == b.strftime("%Y-%m-%d-%H:%M")  # Dagster fmt "%Y-%m-%d-%H:%M"
        assert iss.short_range_base_from_partition_key(key) == b
        b = iss.next_short_range_issuance(b)
    assert iss.short_range_partition_key(kst(2026, 11, 26, 2)) == "2026-11-26-02:00"
    # A UTC-expressed base gets its KST key (02:00 KST = 17:00 UTC the day before).
    assert iss.short_range_partition_key(datetime(2026, 11, 25, 17, tzinfo=UTC)) == "2026-11-26-02:00"
    assert iss.nowcast_base_from_partition_key(iss.nowcast_partition_key(kst(2026, 11, 26, 7))) == kst(
        2026, 11, 26, 7
    )
    assert iss.mid_range_partition_key(kst(2026, 11, 26, 18)) == "2026-11-26-18:00"
    assert iss.mid_range_base_from_partition_key("2026-11-26-06:00") == kst(2026, 11, 26, 6)


@pytest.mark.parametrize("key", ["2026-11-26-03:00", "2026-11-26 02:00", "20261126", "", "2026-13-01-02:00"])
def test_bad_partition_keys(key: str) -> None:
    with pytest.raises(ValueError):
        iss.short_range_base_from_partition_key(key)


def test_partition_key_requires_a_base() -> None:
    with pytest.raises(ValueError, match="not a short-range base time"):
        iss.short_range_partition_key(kst(2026, 11, 26, 3))


def test_kma_base_params_and_inverse() -> None:
    assert iss.kma_base_params(kst(2026, 11, 26, 5)) == {"base_date": "20261126", "base_time": "0500"}
    assert iss.parse_kma_base("20261126", "0500") == kst(2026, 11, 26, 5)
    with pytest.raises(ValueError):
        iss.parse_kma_base("2026112", "0500")


# ----------------------------------------------------------------------------- servability


def test_too_old_backfill_fails_with_one_clear_line() -> None:
    now = kst(2026, 11, 26, 10)
    with pytest.raises(IssuanceTooOldError) as info:
        iss.check_servable(kst(2026, 11, 20, 5), now)
    msg = str(info.value)
    assert isinstance(info.value, ValueError)
    assert msg.startswith(
        "KMA serves only about the last 24 h of short-range issuances; "
        "2026-11-20 05:00 KST cannot be fetched"
    )
    assert "\n" not in msg


def test_servable_window_boundaries() -> None:
    now = kst(2026, 11, 26, 10)
    oldest = iss.oldest_servable_issuance(now)
    assert oldest == kst(2026, 11, 25, 11)
    assert iss.check_servable(oldest, now) == oldest
    with pytest.raises(IssuanceTooOldError):
        iss.check_servable(iss.previous_short_range_issuance(oldest), now)
    # Exactly 24 h old is still attempted.
    assert iss.oldest_servable_issuance(kst(2026, 11, 26, 11)) == kst(2026, 11, 25, 11)
    latest = iss.latest_short_range_issuance(now)
    assert iss.check_servable(latest, now) == latest


def test_not_yet_published_and_not_a_base() -> None:
    now = kst(2026, 11, 26, 8, 5)
    with pytest.raises(IssuanceNotPublishedError, match="not published before 2026-11-26 08:10 KST"):
        iss.check_servable(kst(2026, 11, 26, 8), now)
    with pytest.raises(ValueError, match="not a short-range base time"):
        iss.check_servable(kst(2026, 11, 26, 7), now)


def test_servability_of_other_products() -> None:
    now = kst(2026, 11, 26, 10)
    with pytest.raises(IssuanceTooOldError, match="mid-range issuances; 2026-11-24 18:00 KST"):
        iss.check_servable(kst(2026, 11, 24, 18), now, kind="mid_range")
    assert iss.check_servable(kst(2026, 11, 25, 18), now, kind="mid_range") == kst(2026, 11, 25, 18)
    assert iss.check_servable(kst(2026, 11, 26, 9), now, kind="nowcast") == kst(2026, 11, 26, 9)
    with pytest.raises(ValueError, match="unknown issuance kind"):
        iss.check_servable(kst(2026, 11, 26, 9), now, kind="weekly")  # type: ignore[arg-type]
