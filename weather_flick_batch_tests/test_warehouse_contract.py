"""The warehouse contract, on SQLite and PostgreSQL alike (the `warehouse` fixture runs both)."""

from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest

from weather_flick_batch.core.timeutil import KST
from weather_flick_batch.regions.assets import region_frame
from weather_flick_batch.warehouse.warehouse import WarehouseError, WarehouseWriteError, head_revision


def test_empty_warehouse_is_initialised_to_head(warehouse):
    assert warehouse.current_revision() is None
    warehouse.ensure_schema()
    assert warehouse.current_revision() == head_revision()


def test_upsert_by_key_never_duplicates(warehouse):
    frame = region_frame()
    warehouse.upsert("province_catalogue", frame)
    changed = frame.copy()
    changed.loc[changed["region_code"] == 1, "name_en"] = "Seoul Special City"
    warehouse.upsert("province_catalogue", changed)
    stored = warehouse.read_table("province_catalogue")
    assert len(stored) == 17
    assert stored.set_index("region_code").loc[1, "name_en"] == "Seoul Special City"
    assert warehouse.row_count("load_audit") == 2


def test_upsert_refuses_duplicate_keys_in_one_batch(warehouse):
    frame = region_frame()
    with pytest.raises(WarehouseError, match="duplicate keys"):
        warehouse.upsert("province_catalogue", pd.concat([frame, frame.head(1)]))


def test_replace_partition_is_idempotent(warehouse):
    frame = region_frame()
    warehouse.replace_rows("province_catalogue", frame)
    part = frame[frame["mid_land_reg_id"] == "11B00000"].copy()
    for _ in range(3):
        result = warehouse.replace_rows("province_catalogue", part, where={"mid_land_reg_id": "11B00000"})
        assert result.rows_deleted == 3 and result.rows_written == 3
    assert warehouse.row_count("province_catalogue") == 17
    assert warehouse.row_count("province_catalogue", {"mid_land_reg_id": "11B00000"}) == 3


def test_crash_mid_write_leaves_previous_rows_intact(warehouse):
    frame = region_frame()
    warehouse.replace_rows("province_catalogue", frame)
    before = warehouse.read_table("province_catalogue").sort_values("region_code").reset_index(drop=True)
    broken = frame.copy()
    broken["name_en"] = broken["name_en"] + " (new)"
    broken.loc[broken.index[-1], "name_ko"] = None  # NOT NULL violation on the last row
    with pytest.raises(WarehouseWriteError, match="writing province_catalogue failed and was rolled back.*name_ko") as info:
        warehouse.replace_rows("province_catalogue", broken)
    assert "\n" not in str(info.value)
    after = warehouse.read_table("province_catalogue").sort_values("region_code").reset_index(drop=True)
    pd.testing.assert_frame_equal(before, after)
    assert warehouse.row_count("load_audit") == 1  # the failed write left no audit row either


def test_streamed_replace_lands_all_batches_or_none(warehouse):
    frame = region_frame()
    warehouse.replace_rows("province_catalogue", frame)
    before = warehouse.read_table("province_catalogue").sort_values("region_code").reset_index(drop=True)
    renamed = frame.assign(name_en=frame["name_en"] + " (new)")

    def batches(fail_after: int | None):
        for i, start in enumerate(range(0, len(renamed), 5)):
            if fail_after is not None and i == fail_after:
                raise RuntimeError("scoring crashed while the third batch was computed")
            yield renamed.iloc[start:start + 5]

    # A batch that fails while it is computed (not in the database) rolls back the whole replace.
    with pytest.raises(RuntimeError, match="third batch"):
        warehouse.replace_stream("province_catalogue", batches(fail_after=2))
    pd.testing.assert_frame_equal(before, warehouse.read_table("province_catalogue").sort_values("region_code")
                                  .reset_index(drop=True))
    result = warehouse.replace_stream("province_catalogue", batches(fail_after=None), run_id="run-1")
    assert (result.rows_written, result.rows_deleted) == (17, 17)
    assert warehouse.read_table("province_catalogue")["name_en"].str.endswith(" (new)").all()
    assert warehouse.row_count("load_audit") == 2  # one audit row per replace, not per batch



def test_streamed_replace_computes_one_batch_ahead_and_stops_when_the_database_refuses(warehouse):
    """The next batch is computed while the database takes this one (one ahead, never more); when the
    database refuses a batch, nothing more is computed, the batches' generator is closed, and the earlier
    rows stand."""
    import threading

    frame = region_frame()
    warehouse.replace_rows("province_catalogue", frame)
    before = warehouse.read_table("province_catalogue").sort_values("region_code").reset_index(drop=True)
    made, closed, threads = [], [], set()

    def batches(bad_batch: int | None):
        try:
            for i, start in enumerate(range(0, len(frame), 3)):
                batch = frame.iloc[start:start + 3].assign(name_en=lambda f: f["name_en"] + " (new)")
                if i == bad_batch:
                    batch = batch.assign(name_ko=None)  # NOT NULL: the database refuses this batch
                made.append(i)
                threads.add(threading.current_thread().name)
                yield batch
        finally:
            closed.append(True)

    with pytest.raises(WarehouseWriteError, match="name_ko"):
        warehouse.replace_stream("province_catalogue", batches(bad_batch=1))
    # Batch 1 failed in the database; at most batch 2 was computed ahead meanwhile, never the others.
    assert made[:2] == [0, 1] and len(made) <= 3 and closed == [True]
    assert threads == {"warehouse-write-ahead"}  # computed beside the write, not in the writing thread
    pd.testing.assert_frame_equal(before, warehouse.read_table("province_catalogue").sort_values("region_code")
                                  .reset_index(drop=True))
    made.clear()
    result = warehouse.replace_stream("province_catalogue", batches(bad_batch=None))
    stored = warehouse.read_table("province_catalogue").sort_values("region_code").reset_index(drop=True)
    assert result.rows_written == 17 and made == list(range(6)) and stored["name_en"].str.endswith(" (new)").all()
    assert not [t for t in threading.enumerate() if t.name == "warehouse-write-ahead"]  # none left running

def test_replace_many_deletes_by_key_across_partitions(warehouse, monkeypatch):
    """A row whose key arrives with another partition leaves its old one (single and composite keys),
    also when the keys take several DELETE statements."""
    import weather_flick_batch.warehouse.writes as module

    monkeypatch.setattr(module, "_DELETE_KEYS_PER_STATEMENT", 4)  # 17 regions -> several chunks
    frame = region_frame()
    warehouse.replace_rows("province_catalogue", frame)
    moved = frame.assign(mid_land_reg_id="MOVED")
    warehouse.replace_many([("province_catalogue", moved, {"mid_land_reg_id": "MOVED"}, ["region_code"])])
    stored = warehouse.read_table("province_catalogue")
    assert len(stored) == 17 and set(stored["mid_land_reg_id"]) == {"MOVED"}
    # Composite key: only exact (region_code, name_en) pairs are replaced.
    renamed = frame.head(3).assign(mid_land_reg_id="BACK")
    warehouse.replace_many([("province_catalogue", renamed, None, ["region_code", "name_en"])])
    stored = warehouse.read_table("province_catalogue")
    assert len(stored) == 17 and (stored["mid_land_reg_id"] == "BACK").sum() == 3


def test_replace_from_select_computes_rows_in_the_database(warehouse):
    import sqlalchemy as sa

    from weather_flick_batch.warehouse import schema
    from weather_flick_batch.warehouse.types import AwareDateTime

    regions = schema.province_catalogue
    warehouse.replace_rows("province_catalogue", region_frame())
    stamp = datetime(2026, 11, 26, 9, 30, tzinfo=KST)

    def select(name_ko):
        return sa.select(regions.c.region_code, sa.literal(0).label("sigungu_code"), name_ko.label("name_ko"),
                         sa.literal(True).label("simulated"),
                         sa.bindparam("updated_at", stamp, type_=AwareDateTime()).label("updated_at"))

    for _ in range(2):  # idempotent: the second run replaces the first run's rows
        result = warehouse.replace_from_select("districts", select(regions.c.name_ko), run_id="run-1")
        assert result.rows_written == 17
    assert result.rows_deleted == 17
    stored = warehouse.read_table("districts")
    assert len(stored) == 17 and set(stored["sigungu_code"]) == {0}
    assert (stored["updated_at"] == stamp).all() and str(stored["updated_at"].dt.tz) == "Asia/Seoul"
    before = stored.sort_values("region_code").reset_index(drop=True)
    # A select the table refuses (NOT NULL) rolls the whole replace back.
    with pytest.raises(WarehouseWriteError, match="writing districts failed and was rolled back"):
        warehouse.replace_from_select("districts", select(sa.null()))
    pd.testing.assert_frame_equal(before, warehouse.read_table("districts").sort_values("region_code")
                                  .reset_index(drop=True))
    with pytest.raises(WarehouseError, match="not in table districts"):
        warehouse.replace_from_select("districts", sa.select(regions.c.region_code.label("nope")))


def test_read_table_narrows_columns_and_matches_lists(warehouse):
    warehouse.replace_rows("province_catalogue", region_frame())
    some = warehouse.read_table("province_catalogue", {"region_code": [1, 6, 99]}, columns=["region_code", "name_en"])
    assert list(some.columns) == ["region_code", "name_en"]
    assert sorted(some["region_code"]) == [1, 6]


def test_timestamps_round_trip_timezone_aware(warehouse):
    frame = region_frame().head(2).copy()
    moment = datetime(2026, 11, 26, 0, 30, tzinfo=KST)  # 15:30 UTC the day before
    frame["updated_at"] = [moment, moment.astimezone(timezone.utc) + timedelta(hours=1)]
    warehouse.upsert("province_catalogue", frame)
    stored = warehouse.read_table("province_catalogue").sort_values("region_code")
    values = list(stored["updated_at"])
    assert values[0] == moment and values[0].utcoffset() == timedelta(hours=9)
    assert values[1] == moment + timedelta(hours=1)


def test_naive_timestamps_are_refused(warehouse):
    frame = region_frame().head(1).copy()
    frame["updated_at"] = [datetime(2026, 11, 26, 9, 0)]
    with pytest.raises(WarehouseError, match="timezone-aware"):
        warehouse.upsert("province_catalogue", frame)


@pytest.mark.parametrize("rows_per_block", [20_000, 3], ids=["one_block", "blocks_of_3"])
def test_awkward_text_and_nulls_survive_bulk_load(warehouse, monkeypatch, rows_per_block):
    from weather_flick_batch.warehouse.warehouse import _CopyReader

    # PostgreSQL's COPY text is sent a block of rows at a time; block edges must not matter.
    monkeypatch.setattr(_CopyReader, "ROWS_PER_BLOCK", rows_per_block)
    frame = region_frame().head(4).copy()
    frame["capital_ko"] = ['a,b', 'say "hi"', "line\nbreak", ""]
    frame["former_admin_code"] = [None, "", "42", None]
    warehouse.replace_rows("province_catalogue", frame)
    stored = warehouse.read_table("province_catalogue").sort_values("region_code").reset_index(drop=True)
    assert list(stored["capital_ko"]) == ['a,b', 'say "hi"', "line\nbreak", ""]
    assert [None if pd.isna(v) else v for v in stored["former_admin_code"]] == [None, "", "42", None]


def test_backslash_n_and_carriage_returns_are_text_on_both_engines(warehouse):
    # On PostgreSQL's COPY, an unquoted \N is NULL and an unquoted \r is an error: both must stay text.
    frame = region_frame().head(3).copy()
    frame["capital_ko"] = ["\\N", "carriage\rreturn", "back\\slash"]
    warehouse.replace_rows("province_catalogue", frame)
    stored = warehouse.read_table("province_catalogue").sort_values("region_code")
    assert list(stored["capital_ko"]) == ["\\N", "carriage\rreturn", "back\\slash"]


def test_typed_columns_survive_a_re_run(warehouse):
    # On PostgreSQL converted frames stay typed (Int64, float64, bool, categorical timestamps) and COPY
    # renders the arrays: nulls, tiny and huge floats, fractions of a second and large ints come back as sent.
    base = datetime(2025, 7, 15, 5, 0, tzinfo=KST)
    loaded = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=KST)
    valid = [base + timedelta(hours=1), base + timedelta(hours=2, microseconds=250_000)] * 2
    frame = pd.DataFrame({
        "partition_issuance": base, "nx": [60, 60, 61, 61], "ny": [127, 127, 128, 128], "valid_time": valid,
        "base_time": base, "lead_hours": [1, 2, 1, 2], "tmp_c": [-0.0, 1e-7, None, 123456789.125],
        "pty_code": pd.array([None, 0, 7, 2**31 - 1], dtype="Int64"), "simulated": [True, False, True, True],
        "loaded_at": loaded,
    })
    for _ in range(2):  # the re-run replaces the first run's rows
        result = warehouse.replace_rows("weather_short_range", frame, where={"partition_issuance": base})
        assert result.rows_written == 4
    assert result.rows_deleted == 4
    stored = warehouse.read_table("weather_short_range").sort_values(["nx", "valid_time"]).reset_index(drop=True)
    assert list(stored["valid_time"]) == valid and (stored["loaded_at"] == loaded).all()
    assert [None if pd.isna(v) else v for v in stored["tmp_c"]] == [0.0, 1e-7, None, 123456789.125]
    assert [None if pd.isna(v) else int(v) for v in stored["pty_code"]] == [None, 0, 7, 2**31 - 1]
    assert [bool(v) for v in stored["simulated"]] == [True, False, True, True]
    assert stored["tmn_c"].isna().all()  # a column the frame lacks is NULL
    assert warehouse.row_count("load_audit") == 2


def test_unknown_columns_and_tables_are_clear_errors(warehouse):
    with pytest.raises(WarehouseError, match="not in table province_catalogue"):
        warehouse.upsert("province_catalogue", region_frame().assign(bogus=1))
    with pytest.raises(WarehouseError, match="unknown warehouse table"):
        warehouse.row_count("nope")


def test_outdated_schema_is_refused_with_the_fix(warehouse):
    warehouse.upgrade("0001")
    with pytest.raises(WarehouseError, match="weather-flick-batch db upgrade"):
        warehouse.ensure_schema()


def test_unreachable_warehouse_is_one_clear_line():
    from weather_flick_batch.warehouse.warehouse import Warehouse

    wh = Warehouse("postgresql+psycopg2://nobody@127.0.0.1:1/none", password="s3cr3t-pw")
    with pytest.raises(WarehouseError) as info:
        wh.current_revision()
    message = str(info.value)
    assert "cannot reach the warehouse" in message and "\n" not in message
    assert "s3cr3t-pw" not in message
