"""Every benchmark module imports and exposes run(): `make bench` must not rot between runs.

No timing here: speed is measured by `make bench`, never asserted in tests.
"""

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.mark.parametrize("path", sorted(BENCH.glob("bench_*.py")), ids=lambda p: p.stem)
def test_benchmark_module_is_runnable(path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert callable(getattr(module, "run", None)), f"{path.name} must expose run() -> list[dict]"


def test_every_benchmark_is_in_the_benchmark_table():
    table = (BENCH.parent / "docs" / "benchmarks.md").read_text()
    missing = [p.name for p in BENCH.glob("bench_*.py") if f"`{p.name}`" not in table]
    assert not missing, f"docs/benchmarks.md's table lacks {missing}"


# -- Layering: benchmarks and tests share weather_flick_batch.testing; production never imports it --
PACKAGE = BENCH.parent / "weather_flick_batch"


def _imports(path: Path, module: str) -> set[str]:
    """Absolute names of the modules ``path`` (the module ``module``) imports, relative imports resolved,
    plus dotted module names it hands over as strings (importlib, code servers: ``-m``, ``for_module``)."""
    import ast
    import re

    tree = ast.parse(path.read_text(), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*parent, *([base] if base else [])])
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if re.fullmatch(r"weather_flick_batch(_tests)?(\.\w+)+|weather_flick_batch_tests", node.value):
                found.add(node.value)
    return found


def _under(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def test_benchmarks_do_not_import_the_test_suite():
    """Shared fakes and helpers live in weather_flick_batch.testing: benchmarks/ must not need the tests."""
    offenders = {str(p.relative_to(BENCH.parent)): sorted(n for n in _imports(p, f"benchmarks.{p.stem}")
                                                          if _under(n, "weather_flick_batch_tests"))
                 for p in sorted(BENCH.rglob("*.py"))}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_production_code_does_not_import_the_test_utilities():
    """Only weather_flick_batch.testing itself may import weather_flick_batch.testing; no module of the
    package (testing included) imports the test suite."""
    assert (PACKAGE / "testing" / "__init__.py").exists()
    offenders = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        inside_testing = _under(module, "weather_flick_batch.testing")
        bad = sorted(n for n in _imports(path, module)
                     if _under(n, "weather_flick_batch_tests")
                     or (not inside_testing and _under(n, "weather_flick_batch.testing")))
        if bad:
            offenders[module] = bad
    assert offenders == {}


# -- bench_incremental (issue #16): the stages run end to end at a tiny scale ---------------------------
def _load_bench(stem: str):
    path = BENCH / f"{stem}.py"
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.integration
@pytest.mark.postgres
@pytest.mark.redis
def test_incremental_benchmark_runs_end_to_end_at_a_tiny_scale():
    """500 destinations, 20 points: the source servers, the instance and warehouse on PostgreSQL, the floor
    (no Dagster) building the state, the incremental path in process (with its cProfile pass, as the tiny
    baseline misses the ratio) and the floor again on a fresh database. Every row is measured; how fast is
    for make bench to say. (The daemon stage waits for a 60 s sensor tick: make bench runs it.)"""
    rows = _load_bench("bench_incremental").smoke(destinations=500, points=20)
    cases = [row["case"] for row in rows]
    assert not [c for c in cases if "NOT MEASURED" in c or "FAILED" in c or "WARNING" in c], cases
    incremental = next(r for r in rows if r["case"].startswith("in process: new short-range issuance"))
    assert incremental["value"] > 0 and incremental["baseline"] > 0 and incremental["met"] is not None
    assert any(r["case"].startswith("note: ") and "cProfile" in r["case"] for r in rows)
    floor = next(r for r in rows if r["case"].startswith("without Dagster"))
    assert floor["value"] > 0
    assert {r["benchmark"] for r in rows if r.get("goal")} == {"incremental", "floor"}
    written = next(r for r in rows if r["case"].startswith("floor: rows written"))
    assert "destinations 500" in written["case"] and "scores 5,000" in written["case"]
    assert written["value"] > 10_000  # scores (500 destinations x 10 days), top lists, and the rest


def test_daemon_rows_split_the_wait_into_its_parts():
    module = _load_bench("bench_incremental")
    data = {"wait_s": 42.0, "until_tick_s": 30.0, "evaluation_s": 5.0, "launch_s": 7.0, "phase_s": 30.0,
            "tick_interval_s": 60.0, "run_to_top_s": 20.0, "top_committed": True, "run_status": "SUCCESS",
            "run_steps": ["weather__daily_outlook", "recommendations__destination_weather_scores",
                          "recommendations__regional_recommendations"], "failed_steps": [], "ticks": 3,
            "tick_duration_s": 4.0}
    rows = {r["case"].split(" (")[0].split(",")[0]: r for r in module.daemon_rows(data, "2026-01-01-02:00")}
    wait = rows["daemon: wait added by automation"]
    assert wait["value"] == 42.0 and wait["met"] is False and wait["goal"] == "<= 30 s"
    parts = [r["value"] for case, r in rows.items() if case.startswith("daemon: of which")]
    assert sum(parts) == wait["value"]
    assert rows["daemon: issuance materialized -> top lists committed"]["value"] == 62.0
    assert rows["daemon: wait for an issuance at a random moment"]["value"] == 30.0 + 5.0 + 7.0


def test_benchmarks_that_follow_another_are_handed_to_their_host():
    """make bench pays the nationwide full refresh once: run.py gives the host the follow-up's FollowUp."""
    import inspect

    runner = _load_bench("run")
    assert runner.FOLLOW_UPS == {"bench_incremental": "bench_nationwide"}
    for follow_up, host in runner.FOLLOW_UPS.items():
        assert callable(_load_bench(follow_up).FollowUp)
        assert "follow_up" in inspect.signature(_load_bench(host).run).parameters
