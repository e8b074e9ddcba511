"""The code location: loads, validates, loads fast-ish, and matches the golden graph snapshot."""

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from weather_flick_batch.definitions import build_definitions, defs
from weather_flick_batch_tests.graph_snapshot import describe

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_graph.txt"


def test_definitions_load_and_validate():
    assert isinstance(defs, dg.Definitions)
    dg.Definitions.validate_loadable(defs)
    assert defs.resolve_job_def("refresh_reference") is not None


def test_every_asset_explains_itself():
    graph = defs.get_repository_def().asset_graph
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if not node.is_materializable:
            continue
        assert node.description and len(node.description) > 40, f"{key} needs a description"
        assert node.owners, f"{key} needs an owner"
        assert node.kinds, f"{key} needs kinds"
        assert node.group_name and node.group_name != "default", f"{key} needs a group"
        assert "dagster/column_schema" in node.metadata, f"{key} needs a column schema"


def test_asset_keys_follow_conventions():
    # snake_case, no upper case, at most two levels (domain/name)
    for key in defs.resolve_all_asset_keys():
        assert 1 <= len(key.path) <= 2, key
        for part in key.path:
            assert part == part.lower() and part.replace("_", "").isalnum(), key


def test_network_assets_get_tag_pool_and_retry_together():
    # policies.network_step is the one place: an asset with any of the three has all of them, as decided
    # there, and an asset calling an API without them would lose its retries and its pool unnoticed.
    from weather_flick_batch.policies import NETWORK_POOLS, NETWORK_RETRY, NETWORK_TAG

    repo = defs.get_repository_def()
    seen = set()
    for key, assets_def in repo.assets_defs_by_key.items():
        if not assets_def.is_executable:
            continue
        op = assets_def.node_def
        api = assets_def.specs_by_key[key].tags.get(NETWORK_TAG)
        marked = (api is not None, op.pool in NETWORK_POOLS.values(), op.retry_policy is not None)
        assert marked in ((True, True, True), (False, False, False)), f"{key.to_user_string()}: {marked}"
        if api is not None:
            assert op.pool == NETWORK_POOLS[api] and op.retry_policy == NETWORK_RETRY, key
            seen.add(api)
    assert seen == set(NETWORK_POOLS), seen
    # Every asset given an API's resource carries its tag, except these, each for the reason given.
    not_calling = {
        "weather/forecast_points": "reads only the point cap (kma.max_points) from the KMA resource",
        "platform/health": "probes reachability once per run; a retry would hide the outage it reports",
    }
    for key, assets_def in repo.assets_defs_by_key.items():
        wants = assets_def.required_resource_keys & {"kma", "kto", "airkorea"} if assets_def.is_executable else set()
        if wants and key.to_user_string() not in not_calling:
            assert NETWORK_TAG in assets_def.specs_by_key[key].tags, f"{key.to_user_string()} uses {wants}"


def test_golden_graph_snapshot():
    text = describe(defs)
    if os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(text)
    assert SNAPSHOT.exists(), "no snapshot yet: run `make snapshot`"
    assert text == SNAPSHOT.read_text(), "the asset graph changed: review the diff, then `make snapshot`"


def test_dagster_cli_validates_the_workspace():
    done = subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=ROOT, capture_output=True, text=True, timeout=180,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_bad_setting_fails_at_load_with_one_line_naming_the_variable(monkeypatch):
    monkeypatch.setenv("WEATHER_FLICK_KMA_MODE", "sometimes")
    try:
        build_definitions()
    except Exception as exc:  # noqa: BLE001 - the message is what matters
        message = str(exc)
    else:
        raise AssertionError("a bad setting must fail the load")
    assert "WEATHER_FLICK_KMA_MODE" in message and "\n" not in message


def test_load_does_no_network_or_database_work(monkeypatch):
    # Point every server at a closed port: loading must not touch them.
    monkeypatch.setenv("WEATHER_FLICK_WAREHOUSE_URL", "postgresql+psycopg2://x@127.0.0.1:1/none")
    monkeypatch.setenv("WEATHER_FLICK_REDIS_URL", "redis://127.0.0.1:1/0")
    dg.Definitions.validate_loadable(build_definitions())


# Libraries the steps import when they need them, never the code location's load (none of them is
# imported by Dagster itself): SQLAlchemy (the warehouse tables; the UI's column schemas are plain data
# in warehouse/columns.py), requests and urllib3 (the API clients), psutil (the host probe).
NOT_AT_LOAD = ("pandas", "redis", "boto3", "slack_sdk", "dagster_aws", "psycopg2",
               "sqlalchemy", "requests", "urllib3", "psutil")


def test_loading_the_location_stays_light():
    """Heavy libraries are imported by the steps that use them, never at load (see bench_load_time)."""
    code = ("import sys; import dagster as dg; from weather_flick_batch.definitions import defs; "
            "dg.Definitions.validate_loadable(defs); "
            f"print(','.join(m for m in {NOT_AT_LOAD!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"imported at load: {done.stdout.strip()}"


def test_column_schemas_at_load_are_the_warehouse_tables():
    """The UI's column schemas are built at load from warehouse/columns.py, without SQLAlchemy: the file is
    what `make warehouse-columns` generates from the SQLAlchemy tables, and every asset's column schema is
    the one its table's SQLAlchemy columns give."""
    from weather_flick_batch.warehouse import backend_tables, columns, metadata, schema

    committed = (ROOT / "weather_flick_batch" / "warehouse" / "columns.py").read_text()
    assert committed == metadata.columns_module(), "warehouse/columns.py is stale: run `make warehouse-columns`"
    tables = {t.name: t for t in schema.metadata.tables.values()} | backend_tables.BACKEND_TABLES
    graph = defs.get_repository_def().asset_graph
    shown = {}
    for key in graph.get_all_asset_keys():
        asset_metadata = graph.get(key).metadata or {}
        if asset_metadata.get("dagster/table_name") in tables and "dagster/column_schema" in asset_metadata:
            value = asset_metadata["dagster/column_schema"]
            shown[asset_metadata["dagster/table_name"]] = getattr(value, "schema", value)
    assert set(shown) == set(columns.TABLES) == set(metadata.SHOWN_TABLES)
    for name, table_schema in shown.items():
        assert table_schema == metadata.column_schema(tables[name]), name


def test_composite_keys_are_table_constraints_and_previews_read_well():
    import pandas as pd

    from weather_flick_batch.warehouse import schema
    from weather_flick_batch.warehouse.metadata import column_schema, markdown_preview

    scores = column_schema(schema.destination_weather_scores)
    assert not any(c.constraints.unique for c in scores.columns)  # (content_id, forecast_date) is the key
    assert scores.constraints.other == ["primary key (content_id, forecast_date)"]
    points = column_schema(schema.forecast_points)
    assert [c.name for c in points.columns if c.constraints.unique] == ["point_id"]
    assert "unique (nx, ny)" in points.constraints.other

    preview = markdown_preview(pd.DataFrame({"region_code": [6, 99], "score": [71.56454741379312, 80.0],
                                             "note": [None, "x"]}))
    assert preview.splitlines()[0] == "| region_code | province | score | note |"
    assert "| 6 | 부산광역시 | 71.56 |  |" in preview and "| 99 |  | 80 | x |" in preview


SERVICE_FACING = ("destination_weather_scores", "regional_recommendations", "weather_daily_outlook", "weather_next_hours",
                  "air_dust_grades", "weather_warnings", "trip_forecasts", "destinations",
                  "analytics_region_weather", "analytics_score_distribution", "analytics_festival_weather",
                  "analytics_forecast_verification")


def test_every_column_a_reader_sees_is_described_in_the_ui():
    from weather_flick_batch.definitions import defs

    graph = defs.get_repository_def().asset_graph
    seen = {}
    for key in graph.get_all_asset_keys():
        metadata = graph.get(key).metadata or {}
        if metadata.get("dagster/table_name") in SERVICE_FACING:
            schema = metadata["dagster/column_schema"]
            schema = getattr(schema, "schema", schema)
            seen[metadata["dagster/table_name"]] = [c.name for c in schema.columns if not c.description]
    assert set(seen) == set(SERVICE_FACING)
    assert {table: missing for table, missing in seen.items() if missing} == {}
    from weather_flick_batch.warehouse import schema  # written by weather/warnings beside weather_warnings

    assert [c.name for c in schema.weather_warning_areas.columns if not c.comment] == []


# The Dagster layer: modules named for what they give Dagster, and the platform's own wiring. Every
# other module (the domain logic: clients, parsing, scoring, warehouse, ...) must not import Dagster.
DAGSTER_LAYER_NAMES = {"assets", "definitions", "jobs", "partitions", "resources", "sensors", "ops", "checks"}
PLATFORM_MODULES = {"weather_flick_batch.execution", "weather_flick_batch.pipeline", "weather_flick_batch.policies",
                    "weather_flick_batch.run_monitoring", "weather_flick_batch.schedules_policy",
                    "weather_flick_batch.watchdog", "weather_flick_batch.resources", "weather_flick_batch.published_checks",
                    "weather_flick_batch.compute_logs", "weather_flick_batch.compute_log_capture",
                    "weather_flick_batch.step_preload",
                    "weather_flick_batch.instance_storage",
                    # Test utilities: a code location built for the scale-out tests and bench_nationwide.
                    "weather_flick_batch.testing.scale_out_location"}


def test_domain_logic_imports_no_dagster():
    import pkgutil
    import subprocess
    import sys

    import weather_flick_batch

    modules = [m.name for m in pkgutil.walk_packages(weather_flick_batch.__path__, "weather_flick_batch.")
               if ".migrations" not in m.name]
    pure = [m for m in modules if m.rsplit(".", 1)[-1] not in DAGSTER_LAYER_NAMES
            and not any(m == p or m.startswith(p + ".") for p in PLATFORM_MODULES)]
    assert {"weather_flick_batch.core.apiclient", "weather_flick_batch.warehouse.warehouse",
            "weather_flick_batch.weather.parsing", "weather_flick_batch.recommendations.scoring",
            "weather_flick_batch.air_quality.parsing", "weather_flick_batch.weather_warnings.parsing",
            # The fakes and service helpers (weather_flick_batch.testing) are Dagster-free too.
            "weather_flick_batch.testing.services", "weather_flick_batch.testing.fakes.http_fault_server",
            "weather_flick_batch.testing.fakes.kma"} <= set(pure)
    # All of them in one interpreter: if Dagster is not loaded after importing every one, none pulls it in.
    code = ("import importlib, sys\n"
            "for name in sys.argv[1:]:\n"
            "    importlib.import_module(name)\n"
            "    if 'dagster' in sys.modules:\n"
            "        print(name); break\n")
    culprit = subprocess.run([sys.executable, "-c", code, *pure], capture_output=True, text=True, check=True)
    assert culprit.stdout.strip() == "", f"{culprit.stdout.strip()} imports Dagster (directly or through an import)"


def test_resources_are_wired_only_in_definitions():
    # Shared platform resources know no domain (imports run downward); each domain builds its own
    # resources; definitions.py alone puts them together.
    import ast

    domains = {p.name for p in (ROOT / "weather_flick_batch").iterdir() if (p / "resources.py").exists()}
    assert {"weather", "destinations", "air_quality", "trips", "health"} <= domains
    for path in (ROOT / "weather_flick_batch" / "resources").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                parts = node.module.split(".")
                assert not (len(parts) > 1 and parts[0] == "weather_flick_batch" and parts[1] in domains), \
                    f"{path.name} imports the domain module {node.module}"
    text = (ROOT / "weather_flick_batch" / "definitions.py").read_text()
    for domain in domains:
        assert f"from weather_flick_batch.{domain}.resources import build_" in text, domain
