"""KMA publishing schedule: which issuance is the newest one at a given instant.

Four KMA products are fetched by the platform, each on a fixed Korea Standard Time
(KST, ``Asia/Seoul``) schedule.  Korea has had no daylight-saving time since 1988, so
wall-clock arithmetic in ``Asia/Seoul`` is exact for every date this platform handles.

=================  ===============================  ===========================================
product            base (issuance) times, KST       treated as available from
=================  ===============================  ===========================================
short-range        02, 05, 08, 11, 14, 17, 20, 23   base + 10 min (KMA publishes ~10 min later)
(getVilageFcst)    :00
nowcast            every hour, HH:00                HH:45 (the guide says ~HH:40; the exact
(getUltraSrtNcst)                                   minute is uncertain, so we stay conservative)
mid-range          06:00 and 18:00 (``tmFc``)       base + 30 min
(getMidLandFcst,
getMidTa)
ultra-short        every hour, HH:30                HH:45 (the guide: "call after HH:45"); covers
forecast                                            (H+1):00 .. (H+6):00
(getUltraSrtFcst)
=================  ===============================  ===========================================

Every function takes and returns *timezone-aware* datetimes and refuses naive ones: a
previous implementation mixed naive server time with UTC and filed issuances between
00:00 and 09:00 KST on the wrong day.  Aware inputs in any zone are accepted and
converted to KST; outputs are always in KST.

Each product is an :class:`IssuanceKind` object (:data:`SHORT_RANGE`, :data:`NOWCAST`,
:data:`MID_RANGE`, :data:`ULTRA_SHORT`): its base times, publication delay, partition keys and
servability in one place. Callers pass the object, never a product name to dispatch on; the
``*_issuance`` / ``*_partition_key`` functions below are shorthands for its methods.

KMA serves only roughly the last day of issuances (:data:`SERVABLE_WINDOW`); a backfill
beyond it cannot succeed, and :func:`check_servable` says so in one clear line instead of
letting the API answer with an obscure ``NODATA_ERROR``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from weather_flick_batch.core.timeutil import KST

__all__ = [
    "KST",
    "PARTITION_KEY_FORMAT",
    "SHORT_RANGE_BASE_HOURS",
    "SHORT_RANGE_PUBLICATION_DELAY",
    "SHORT_RANGE_PARTITION_CRON",
    "NOWCAST_PUBLICATION_DELAY",
    "NOWCAST_PARTITION_CRON",
    "MID_RANGE_BASE_HOURS",
    "MID_RANGE_PUBLICATION_DELAY",
    "MID_RANGE_PARTITION_CRON",
    "ULTRA_SHORT_BASE_HOURS",
    "ULTRA_SHORT_PUBLICATION_DELAY",
    "ULTRA_SHORT_PARTITION_CRON",
    "ULTRA_SHORT_HOURS",
    "is_ultra_short_base",
    "latest_ultra_short_issuance",
    "previous_ultra_short_issuance",
    "next_ultra_short_issuance",
    "ultra_short_publication_time",
    "next_ultra_short_publication",
    "ultra_short_partition_key",
    "ultra_short_base_from_partition_key",
    "SERVABLE_WINDOW",
    "IssuanceKind",
    "SHORT_RANGE",
    "NOWCAST",
    "MID_RANGE",
    "ULTRA_SHORT",
    "ISSUANCE_KINDS",
    "issuance_kind",
    "IssuanceTooOldError",
    "IssuanceNotPublishedError",
    "to_kst",
    "is_short_range_base",
    "is_nowcast_base",
    "is_mid_range_base",
    "latest_short_range_issuance",
    "previous_short_range_issuance",
    "next_short_range_issuance",
    "next_short_range_publication",
    "short_range_publication_time",
    "latest_nowcast_issuance",
    "previous_nowcast_issuance",
    "next_nowcast_issuance",
    "next_nowcast_publication",
    "nowcast_publication_time",
    "latest_mid_range_issuance",
    "previous_mid_range_issuance",
    "next_mid_range_issuance",
    "next_mid_range_publication",
    "mid_range_publication_time",
    "short_range_partition_key",
    "short_range_base_from_partition_key",
    "nowcast_partition_key",
    "nowcast_base_from_partition_key",
    "mid_range_partition_key",
    "mid_range_base_from_partition_key",
    "kma_base_params",
    "kma_tmfc",
    "parse_kma_base",
    "parse_kma_tmfc",
    "oldest_servable_issuance",
    "check_servable",
    "issuance_date",
]

#: The partition-key format, identical to Dagster's time-window partitions with
#: ``fmt="%Y-%m-%d-%H:%M"`` (keys are the window start in the partition timezone).
PARTITION_KEY_FORMAT = "%Y-%m-%d-%H:%M"

SHORT_RANGE_BASE_HOURS: tuple[int, ...] = (2, 5, 8, 11, 14, 17, 20, 23)
SHORT_RANGE_PUBLICATION_DELAY = timedelta(minutes=10)
#: Cron of the short-range base times (evaluate it in ``Asia/Seoul``).
SHORT_RANGE_PARTITION_CRON = "0 2,5,8,11,14,17,20,23 * * *"

NOWCAST_BASE_HOURS: tuple[int, ...] = tuple(range(24))
# The guide says ~HH:40; 45 minutes leaves margin for a late upload (uncertain in the reference).
NOWCAST_PUBLICATION_DELAY = timedelta(minutes=45)
NOWCAST_PARTITION_CRON = "0 * * * *"

MID_RANGE_BASE_HOURS: tuple[int, ...] = (6, 18)
MID_RANGE_PUBLICATION_DELAY = timedelta(minutes=30)
MID_RANGE_PARTITION_CRON = "0 6,18 * * *"

ULTRA_SHORT_BASE_HOURS: tuple[int, ...] = tuple(range(24))
# Generated at HH:30; the guide says available after HH:45 (a 2024 observation saw ~HH:40).
ULTRA_SHORT_PUBLICATION_DELAY = timedelta(minutes=15)
ULTRA_SHORT_PARTITION_CRON = "30 * * * *"
#: Hours ahead an ultra-short issuance covers: fcstTime (H+1)00 .. (H+6)00.
ULTRA_SHORT_HOURS = 6

#: How far back KMA still serves an issuance ("roughly the last day").
SERVABLE_WINDOW = timedelta(hours=24)


class IssuanceTooOldError(ValueError):
    """The requested issuance is older than KMA still serves; it can never be fetched."""


class IssuanceNotPublishedError(ValueError):
    """The requested issuance is not (yet) published at the given instant."""


@dataclass(frozen=True)
class IssuanceKind:
    """One KMA product's issuances: a daily schedule of base times and the delay until publication.

    Everything that differs between the products is here, so code handling "an issuance" takes
    the kind object: :meth:`base_from_partition_key`, :meth:`next_publication`, :meth:`previous`,
    :meth:`check_servable`... The four products are the module constants :data:`SHORT_RANGE`,
    :data:`NOWCAST`, :data:`MID_RANGE` and :data:`ULTRA_SHORT`.
    """

    name: str  # "short_range", "nowcast", "mid_range", "ultra_short" (:data:`ISSUANCE_KINDS`)
    base_hours: tuple[int, ...]
    delay: timedelta  # from the base time until KMA has published the issuance
    label: str  # human wording used in error messages
    minute: int = 0  # the base minute (ultra-short forecasts are issued at HH:30)
    #: How far back KMA still serves an issuance of this kind.
    servable_window: timedelta = SERVABLE_WINDOW

    def is_base(self, dt: datetime) -> bool:
        dt = to_kst(dt)
        return (
            dt.hour in self.base_hours
            and dt.minute == self.minute
            and dt.second == 0
            and dt.microsecond == 0
        )

    def latest_base_at_or_before(self, dt: datetime) -> datetime:
        """Newest base time <= ``dt`` (``dt`` in KST)."""
        day = dt.date()
        # The newest base is either today or, before today's first base hour, yesterday.
        for offset in (0, 1):
            d = day - timedelta(days=offset)
            for hour in reversed(self.base_hours):
                candidate = datetime.combine(d, time(hour, self.minute), tzinfo=KST)
                if candidate <= dt:
                    return candidate
        raise AssertionError("unreachable: every schedule has a base hour each day")

    def earliest_base_after(self, dt: datetime) -> datetime:
        """Oldest base time strictly > ``dt`` (``dt`` in KST)."""
        day = dt.date()
        for offset in (0, 1):
            d = day + timedelta(days=offset)
            for hour in self.base_hours:
                candidate = datetime.combine(d, time(hour, self.minute), tzinfo=KST)
                if candidate > dt:
                    return candidate
        raise AssertionError("unreachable: every schedule has a base hour each day")

    def latest(self, at: datetime) -> datetime:
        # An issuance is available once base + delay <= at, i.e. base <= at - delay.
        return self.latest_base_at_or_before(to_kst(at) - self.delay)

    def previous(self, base: datetime) -> datetime:
        return self.latest_base_at_or_before(to_kst(base) - timedelta(microseconds=1))

    def next(self, base: datetime) -> datetime:
        return self.earliest_base_after(to_kst(base))

    def next_publication(self, at: datetime) -> datetime:
        # The next publication instant strictly after ``at``: the base whose
        # base + delay > at, i.e. the earliest base > at - delay.
        return self.earliest_base_after(to_kst(at) - self.delay) + self.delay

    def require_base(self, dt: datetime) -> datetime:
        dt = to_kst(dt)
        if not self.is_base(dt):
            raise ValueError(
                f"{_fmt(dt)} is not a {self.label} base time "
                f"(base times KST: {', '.join(f'{h:02d}:{self.minute:02d}' for h in self.base_hours)})"
            )
        return dt

    def publication_time(self, base: datetime) -> datetime:
        """When the issuance with this base time is treated as published."""
        return self.require_base(base) + self.delay

    def partition_key(self, base: datetime) -> str:
        """``"YYYY-MM-DD-HH:MM"`` of the KST base time (raises ``ValueError`` if not a base time)."""
        return self.require_base(base).strftime(PARTITION_KEY_FORMAT)

    def base_from_partition_key(self, key: str) -> datetime:
        """Inverse of :meth:`partition_key` (validates the base time)."""
        try:
            naive = datetime.strptime(key, PARTITION_KEY_FORMAT)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"bad {self.label} partition key {key!r}: expected 'YYYY-MM-DD-HH:MM'"
            ) from exc
        # Partition keys are written in KST, so the wall-clock value is KST by definition.
        return self.require_base(naive.replace(tzinfo=KST))

    def oldest_servable(self, now: datetime) -> datetime:
        """The oldest issuance KMA still serves at ``now``: see :func:`oldest_servable_issuance`."""
        cutoff = to_kst(now) - self.servable_window
        if self.is_base(cutoff):
            return cutoff
        return self.earliest_base_after(cutoff)

    def check_servable(self, base: datetime, now: datetime) -> datetime:
        """Validate that issuance ``base`` can be fetched at ``now``: see :func:`check_servable`."""
        b = self.require_base(base)
        now_kst = to_kst(now)
        oldest = self.oldest_servable(now_kst)
        if b < oldest:
            raise IssuanceTooOldError(
                f"KMA serves only about the last {int(self.servable_window.total_seconds() // 3600)} h "
                f"of {self.label} issuances; {_fmt(b)} cannot be fetched "
                f"(at {_fmt(now_kst)} the oldest servable is {_fmt(oldest)})"
            )
        published = b + self.delay
        if published > now_kst:
            raise IssuanceNotPublishedError(
                f"{self.label} issuance {_fmt(b)} is not published before {_fmt(published)} "
                f"(now {_fmt(now_kst)}); the newest available is {_fmt(self.latest(now_kst))}"
            )
        return b


SHORT_RANGE = IssuanceKind(
    "short_range", SHORT_RANGE_BASE_HOURS, SHORT_RANGE_PUBLICATION_DELAY, "short-range"
)
NOWCAST = IssuanceKind("nowcast", NOWCAST_BASE_HOURS, NOWCAST_PUBLICATION_DELAY, "nowcast")
MID_RANGE = IssuanceKind("mid_range", MID_RANGE_BASE_HOURS, MID_RANGE_PUBLICATION_DELAY, "mid-range")
ULTRA_SHORT = IssuanceKind("ultra_short", ULTRA_SHORT_BASE_HOURS, ULTRA_SHORT_PUBLICATION_DELAY,
                           "ultra-short forecast", minute=30)
#: The kinds by :attr:`IssuanceKind.name`, for names read from configuration or the command line.
ISSUANCE_KINDS: dict[str, IssuanceKind] = {k.name: k for k in (SHORT_RANGE, NOWCAST, MID_RANGE, ULTRA_SHORT)}


def issuance_kind(kind: IssuanceKind | str) -> IssuanceKind:
    """``kind`` itself, or the kind of that name; ``ValueError`` for an unknown name."""
    if isinstance(kind, IssuanceKind):
        return kind
    try:
        return ISSUANCE_KINDS[kind]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown issuance kind {kind!r}; expected one of {sorted(ISSUANCE_KINDS)}"
        ) from None


def _fmt(dt: datetime) -> str:
    return to_kst(dt).strftime("%Y-%m-%d %H:%M KST")


def to_kst(dt: datetime) -> datetime:
    """Convert an aware datetime to KST; raise ``ValueError`` for a naive one.

    Naive datetimes are refused rather than guessed: guessing "server local time" is
    exactly the bug that filed 00:00–09:00 KST issuances on the previous UTC day.
    """
    if not isinstance(dt, datetime):
        raise TypeError(f"expected a datetime, got {type(dt).__name__}")
    if dt.tzinfo is None or dt.tzinfo.utcoffset(dt) is None:
        raise ValueError(
            f"naive datetime {dt.isoformat()} given; pass a timezone-aware datetime "
            "(e.g. tzinfo=ZoneInfo('Asia/Seoul'))"
        )
    return dt.astimezone(KST)


# --------------------------------------------------------------------------- short range


def is_short_range_base(dt: datetime) -> bool:
    """True if ``dt`` is exactly a short-range base time (02, 05, ..., 23:00 KST)."""
    return SHORT_RANGE.is_base(dt)


def latest_short_range_issuance(at: datetime) -> datetime:
    """The newest short-range base time already published at ``at``.

    >>> latest_short_range_issuance(datetime(2026, 11, 26, 8, 30, tzinfo=KST)).hour
    8
    >>> latest_short_range_issuance(datetime(2026, 11, 26, 8, 5, tzinfo=KST)).hour
    5
    """
    return SHORT_RANGE.latest(at)


def previous_short_range_issuance(base: datetime) -> datetime:
    """The short-range base time immediately before ``base`` (strictly earlier)."""
    return SHORT_RANGE.previous(base)


def next_short_range_issuance(base: datetime) -> datetime:
    """The short-range base time immediately after ``base`` (strictly later)."""
    return SHORT_RANGE.next(base)


def short_range_publication_time(base: datetime) -> datetime:
    """When the issuance with this base time is treated as published."""
    return SHORT_RANGE.publication_time(base)


def next_short_range_publication(at: datetime) -> datetime:
    """The first short-range publication instant strictly after ``at`` (for cache TTLs)."""
    return SHORT_RANGE.next_publication(at)


# --------------------------------------------------------------------------- nowcast


def is_nowcast_base(dt: datetime) -> bool:
    """True if ``dt`` is exactly on the hour (every hour is a nowcast base)."""
    return NOWCAST.is_base(dt)


def latest_nowcast_issuance(at: datetime) -> datetime:
    """The newest nowcast base (HH:00) published at ``at`` (available from HH:45)."""
    return NOWCAST.latest(at)


def previous_nowcast_issuance(base: datetime) -> datetime:
    """The nowcast base time immediately before ``base``."""
    return NOWCAST.previous(base)


def next_nowcast_issuance(base: datetime) -> datetime:
    """The nowcast base time immediately after ``base``."""
    return NOWCAST.next(base)


def nowcast_publication_time(base: datetime) -> datetime:
    """When the nowcast with this base time is treated as published (HH:45)."""
    return NOWCAST.publication_time(base)


def next_nowcast_publication(at: datetime) -> datetime:
    """The first nowcast publication instant strictly after ``at``."""
    return NOWCAST.next_publication(at)


# --------------------------------------------------------------------------- mid range


def is_mid_range_base(dt: datetime) -> bool:
    """True if ``dt`` is exactly a mid-range ``tmFc`` (06:00 or 18:00 KST)."""
    return MID_RANGE.is_base(dt)


def latest_mid_range_issuance(at: datetime) -> datetime:
    """The newest mid-range ``tmFc`` published at ``at`` (available 30 min after)."""
    return MID_RANGE.latest(at)


def previous_mid_range_issuance(base: datetime) -> datetime:
    """The mid-range ``tmFc`` immediately before ``base``."""
    return MID_RANGE.previous(base)


def next_mid_range_issuance(base: datetime) -> datetime:
    """The mid-range ``tmFc`` immediately after ``base``."""
    return MID_RANGE.next(base)


def mid_range_publication_time(base: datetime) -> datetime:
    """When the mid-range issuance with this ``tmFc`` is treated as published."""
    return MID_RANGE.publication_time(base)


def next_mid_range_publication(at: datetime) -> datetime:
    """The first mid-range publication instant strictly after ``at``."""
    return MID_RANGE.next_publication(at)


# --------------------------------------------------------------------------- ultra-short forecast


def is_ultra_short_base(dt: datetime) -> bool:
    """True if ``dt`` is exactly an ultra-short forecast base time (every hour at HH:30 KST)."""
    return ULTRA_SHORT.is_base(dt)


def latest_ultra_short_issuance(at: datetime) -> datetime:
    """The newest ultra-short forecast base (HH:30) published at ``at`` (available from HH:45).

    >>> latest_ultra_short_issuance(datetime(2026, 12, 7, 14, 50, tzinfo=KST)).strftime("%H:%M")
    '14:30'
    >>> latest_ultra_short_issuance(datetime(2026, 12, 7, 14, 40, tzinfo=KST)).strftime("%H:%M")
    '13:30'
    """
    return ULTRA_SHORT.latest(at)


def previous_ultra_short_issuance(base: datetime) -> datetime:
    """The ultra-short base time immediately before ``base`` (one hour earlier)."""
    return ULTRA_SHORT.previous(base)


def next_ultra_short_issuance(base: datetime) -> datetime:
    """The ultra-short base time immediately after ``base``."""
    return ULTRA_SHORT.next(base)


def ultra_short_publication_time(base: datetime) -> datetime:
    """When the ultra-short forecast with this base time is treated as published (HH:45)."""
    return ULTRA_SHORT.publication_time(base)


def next_ultra_short_publication(at: datetime) -> datetime:
    """The first ultra-short publication instant strictly after ``at``."""
    return ULTRA_SHORT.next_publication(at)


# --------------------------------------------------------------------------- partition keys


def short_range_partition_key(base: datetime) -> str:
    """Partition key of a short-range issuance: ``"YYYY-MM-DD-HH:MM"`` of its KST base time.

    The format is Dagster's time-window format ``"%Y-%m-%d-%H:%M"`` so a
    ``TimeWindowPartitionsDefinition(cron_schedule=SHORT_RANGE_PARTITION_CRON,
    timezone="Asia/Seoul", fmt=PARTITION_KEY_FORMAT)`` yields the same keys.
    Raises ``ValueError`` if ``base`` is not a short-range base time.
    """
    return SHORT_RANGE.partition_key(base)


def short_range_base_from_partition_key(key: str) -> datetime:
    """Inverse of :func:`short_range_partition_key` (validates the base hour)."""
    return SHORT_RANGE.base_from_partition_key(key)


def nowcast_partition_key(base: datetime) -> str:
    """Partition key of a nowcast base hour, same format as the short-range keys."""
    return NOWCAST.partition_key(base)


def nowcast_base_from_partition_key(key: str) -> datetime:
    """Inverse of :func:`nowcast_partition_key`."""
    return NOWCAST.base_from_partition_key(key)


def mid_range_partition_key(base: datetime) -> str:
    """Partition key of a mid-range ``tmFc``, same format as the short-range keys."""
    return MID_RANGE.partition_key(base)


def mid_range_base_from_partition_key(key: str) -> datetime:
    """Inverse of :func:`mid_range_partition_key`."""
    return MID_RANGE.base_from_partition_key(key)


def ultra_short_partition_key(base: datetime) -> str:
    """Partition key of an ultra-short forecast base (``"YYYY-MM-DD-HH:30"``)."""
    return ULTRA_SHORT.partition_key(base)


def ultra_short_base_from_partition_key(key: str) -> datetime:
    """Inverse of :func:`ultra_short_partition_key`."""
    return ULTRA_SHORT.base_from_partition_key(key)


# --------------------------------------------------------------------------- KMA parameters


def kma_base_params(base: datetime) -> dict[str, str]:
    """``{"base_date": "YYYYMMDD", "base_time": "HHMM"}`` for a base time, in KST."""
    b = to_kst(base)
    return {"base_date": b.strftime("%Y%m%d"), "base_time": b.strftime("%H%M")}


def kma_tmfc(base: datetime) -> str:
    """The mid-range ``tmFc`` parameter ``"YYYYMMDDHHMM"`` for a base time, in KST."""
    return to_kst(base).strftime("%Y%m%d%H%M")


def parse_kma_base(base_date: str, base_time: str) -> datetime:
    """Inverse of :func:`kma_base_params`: KST datetime from ``YYYYMMDD`` and ``HHMM``."""
    try:
        naive = datetime.strptime(f"{base_date}{base_time}", "%Y%m%d%H%M")
    except (TypeError, ValueError) as exc:
        raise ValueError(f"bad KMA base date/time {base_date!r} {base_time!r}") from exc
    if len(str(base_date)) != 8 or len(str(base_time)) != 4:
        raise ValueError(f"bad KMA base date/time {base_date!r} {base_time!r}")
    return naive.replace(tzinfo=KST)


def parse_kma_tmfc(tm_fc: str) -> datetime:
    """Inverse of :func:`kma_tmfc`."""
    s = str(tm_fc)
    if len(s) != 12:
        raise ValueError(f"bad KMA tmFc {tm_fc!r}: expected 'YYYYMMDDHHMM'")
    return parse_kma_base(s[:8], s[8:])


# --------------------------------------------------------------------------- servability


def oldest_servable_issuance(now: datetime, kind: IssuanceKind | str = SHORT_RANGE) -> datetime:
    """The oldest issuance of ``kind`` KMA still serves at ``now``.

    That is the earliest base time not older than :data:`SERVABLE_WINDOW` before ``now``.
    The true retention is only "roughly a day", so this errs on the safe side: an issuance
    exactly 24 h old is still attempted. ``kind`` is an :class:`IssuanceKind` (or its name).
    """
    return issuance_kind(kind).oldest_servable(now)


def check_servable(
    base: datetime, now: datetime, kind: IssuanceKind | str = SHORT_RANGE
) -> datetime:
    """Validate that issuance ``base`` of ``kind`` can be fetched at ``now``; return it in KST.

    ``kind`` is an :class:`IssuanceKind` such as :data:`MID_RANGE` (a name such as
    ``"mid_range"`` is looked up in :data:`ISSUANCE_KINDS`).

    Raises:
        ValueError: ``base`` is not a base time of that product, or ``kind`` is unknown.
        IssuanceTooOldError: ``base`` is older than KMA still serves (a backfill that
            cannot succeed); the message is one line naming the issuance.
        IssuanceNotPublishedError: ``base`` is not published yet at ``now``.
    """
    return issuance_kind(kind).check_servable(base, now)


def issuance_date(base: datetime) -> date:
    """The KST calendar date of an issuance (never the UTC date)."""
    return to_kst(base).date()
