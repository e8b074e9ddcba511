"""Re-auditing what the weather, warnings and fine-dust assets published (core/published.py).

Each domain's ``audits.PUBLISHED_AUDITS`` reads an asset's last publication and runs the checks of its
gate again, through the same functions. On the embedded pipeline's warehouse every re-audit passes with
exactly the asset's check names; a corrupted published row makes it fail, saying what is wrong.
"""

from __future__ import annotations

from datetime import timedelta

import dagster as dg
import pytest
import sqlalchemy as sa

from weather_flick_batch import settings
from weather_flick_batch.air_quality import audits as air_audits
from weather_flick_batch.core.published import PublishedCheck
from weather_flick_batch.core.timeutil import now_kst
from weather_flick_batch.warehouse import schema
from weather_flick_batch.warehouse.warehouse import Warehouse
from weather_flick_batch.weather import audits as weather_audits
from weather_flick_batch.weather_warnings import audits as warnings_audits

AUDITS = {**weather_audits.PUBLISHED_AUDITS, **warnings_audits.PUBLISHED_AUDITS, **air_audits.PUBLISHED_AUDITS}
ASSETS = {
    "weather/forecast_points", "weather/nowcast", "weather/short_range_forecast", "weather/ultra_short_forecast",
    "weather/mid_land_forecast", "weather/mid_temperature_forecast", "weather/daily_outlook", "weather/next_hours",
    "weather/warning_zones", "weather/warnings",
    "air_quality/dust_forecast", "air_quality/dust_measurements", "air_quality/dust_grades",
}


def _check_names(key: str) -> list[str]:
    """The asset's check specs, in their order (the order its gate reports them)."""
    from weather_flick_batch.definitions import defs

    asset_key = dg.AssetKey.from_user_string(key)
    return [s.name for s in defs.resolve_assets_def(asset_key).check_specs if s.asset_key == asset_key]


def _failed(check: PublishedCheck) -> dict[str, str]:
    return {name: v.description for name, v in check.verdicts.items() if not v.passed}


@pytest.fixture
def wh(embedded_copy):
    warehouse = Warehouse(settings.warehouse_url())
    yield warehouse
    warehouse.dispose()


def test_every_asset_of_the_three_domains_has_a_re_audit():
    assert set(AUDITS) == ASSETS
    assert len(AUDITS) == len(weather_audits.PUBLISHED_AUDITS) + len(warnings_audits.PUBLISHED_AUDITS) + len(
        air_audits.PUBLISHED_AUDITS)  # no key claimed twice


def test_every_re_audit_passes_on_the_published_data_with_the_assets_check_names(wh):
    for key, audit in AUDITS.items():
        check = audit(wh)
        assert check is not None, f"{key}: nothing published by the embedded pipeline?"
        assert list(check.verdicts) == _check_names(key), key
        assert _failed(check) == {}, f"{key} ({check.scope})"
        assert check.scope.endswith(" rows") and ("partition " in check.scope or "published " in check.scope), key


# -- a corrupted publication fails its re-audit, saying what is wrong ------------------------------
# (Duplicate keys cannot be published: every key these checks name is the table's primary key, so the
# database refuses a duplicate before any check could see it. The unique-key re-audits pass by construction.)
def test_a_corrupted_short_range_partition_fails_naming_the_value_and_the_missing_point(wh):
    table = schema.weather_short_range
    newest = wh.newest_value(table, "partition_issuance")
    rows = wh.read_table(table, {"partition_issuance": newest}, columns=["nx", "ny", "valid_time"])
    nx, ny, valid = (rows.iloc[0][c] for c in ("nx", "ny", "valid_time"))
    in_partition = table.c.partition_issuance == newest
    with wh.engine.begin() as conn:
        conn.execute(table.update().where(in_partition, table.c.nx == int(nx), table.c.ny == int(ny),
                                          table.c.valid_time == valid).values(tmp_c=75.0))
    check = weather_audits.audit_short_range(wh)
    assert check.scope == f"partition {newest:%Y-%m-%dT%H:%M}, {len(rows):,} rows"
    failed = _failed(check)
    assert list(failed) == ["short_range_values_in_range"]
    assert "tmp_c=75.0 outside -50.0..60.0" in failed["short_range_values_in_range"]

    with wh.engine.begin() as conn:  # the point's whole series goes: the value with it, the point missing
        conn.execute(table.delete().where(in_partition, table.c.nx == int(nx), table.c.ny == int(ny)))
    failed = _failed(weather_audits.audit_short_range(wh))
    assert list(failed) == ["short_range_complete"]
    assert f"missing [({int(nx)}, {int(ny)})]" in failed["short_range_complete"]


def test_the_re_audit_judges_the_newest_partition_only(wh):
    table = schema.weather_nowcast
    newest = wh.newest_value(table, "partition_hour")
    older = newest - timedelta(hours=1)
    with wh.engine.begin() as conn:  # a bad row in an older partition: not what readers of the newest see
        conn.execute(table.delete().where(table.c.partition_hour == older))
        conn.execute(table.insert().values(partition_hour=older, nx=1, ny=1, base_time=older, t1h_c=99.0,
                                           simulated=True, loaded_at=now_kst()))
    check = weather_audits.audit_nowcast(wh)
    assert check.scope.startswith(f"partition {newest:%Y-%m-%dT%H:%M}, ") and _failed(check) == {}


def test_a_published_warning_without_its_areas_fails_naming_the_zone(wh):
    now = now_kst()
    with wh.engine.begin() as conn:
        conn.execute(schema.weather_warnings.insert().values(
            area_name="없는구역", kind="호우", is_sea=False, level="경보", level_rank=2, source="events",
            as_of=now, simulated=True, loaded_at=now))
    check = warnings_audits.audit_warnings(wh)
    failed = _failed(check)
    assert list(failed) == ["warnings_zones_resolved"]
    assert "1 zones unmapped" in failed["warnings_zones_resolved"]
    assert "없는구역 호우" in failed["warnings_zones_resolved"]
    assert check.verdicts["warnings_zones_resolved"].metadata == {"unmapped_zones": 1}
    # A warning, not an error, at the gate and here: one unknown zone must not hold back the others.
    assert check.warn_only == warnings_audits.WARN_ONLY == {"warnings_zones_resolved"}
    from weather_flick_batch.weather_warnings.assets import warnings as warnings_asset

    non_blocking = {spec.name for spec in warnings_asset.check_specs if not spec.blocking}
    assert non_blocking == set(warnings_audits.WARN_ONLY)


def test_dust_grades_without_a_province_today_fail_naming_it(wh):
    table = schema.air_dust_grades
    today = now_kst().date()
    with wh.engine.begin() as conn:
        deleted = conn.execute(table.delete().where(table.c.region_code == 1, table.c.sigungu_code == 0,
                                                    table.c.forecast_date == today)).rowcount
    assert deleted == 1
    failed = _failed(air_audits.audit_dust_grades(wh))
    assert list(failed) == ["grades_today_every_province"]
    assert "no grade today for provinces [1]" in failed["grades_today_every_province"]


def test_stale_next_hours_and_an_off_grid_point_fail_after_the_fact(wh, monkeypatch):
    from weather_flick_batch.core import timeutil

    later = now_kst() + timedelta(hours=4)
    monkeypatch.setattr(timeutil, "now_kst", lambda: later)  # the re-audit judges freshness when it runs
    failed = _failed(weather_audits.audit_next_hours(wh))
    assert list(failed) == ["next_hours_fresh"] and "h old at the re-audit" in failed["next_hours_fresh"]

    points = schema.forecast_points
    point_id = wh.read_table(points, columns=["point_id"])["point_id"].iloc[-1]
    with wh.engine.begin() as conn:
        conn.execute(points.update().where(points.c.point_id == point_id).values(nx=999))
    failed = _failed(weather_audits.audit_forecast_points(wh))
    assert failed == {"points_cover_every_province": "1 cells off the KMA grid"}
