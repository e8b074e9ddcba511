"""The incremental path (a new short-range issuance -> outlook, scores, top lists) and a floor for the
full refresh without Dagster, both on the state the in-process nationwide refresh leaves (issue #16).

The incremental path runs eight times a day, so it is measured where it runs: on the nationwide state
(50,000 destinations, 250 forecast points) that bench_nationwide's in-process leg builds, on its
PostgreSQL warehouse and instance, its KMA and TourAPI servers (``source_servers.py``) and its Redis
cache. No second full refresh: ``benchmarks/run.py`` hands this module's :class:`FollowUp` to
bench_nationwide, which calls it after its in-process leg, before it tears anything down. Run alone
(this file with the virtualenv's Python), it runs that leg itself first.

For the issuance to be *new*, the in-process leg loads the short-range issuances N-3 and N-2 (N: the
newest KMA has published, when the benchmark starts) instead of N-1 and N: the same pages and rows.
Dagster's partitions end at the current issuance window, so the next partitions after N-2 are N-1 and N.

Stages, each in a fresh interpreter with the leg's environment:

1. ``incremental`` (in process): ``run_pipeline`` of weather_short_range_job for partition N-1, then
   refresh_derived (daily outlook -> scores -> top lists), the code location loaded before the clock
   starts, as in the in-process leg. Goal: wall <= 0.15 x the in-process full refresh of the same run.
   When it misses, ``refresh_derived`` is run once more under cProfile and a note says where the time
   goes (the timed pass is never profiled).
2. ``daemon``: a ``dagster-daemon run`` on the same PostgreSQL instance with the production workspace
   (the automation sensor ``recommendations_automation`` runs by default; schedules and the other sensors
   are off outside production). Once its first ticks and the runs they launched are over, and after a
   random pause (so the issuance lands at a random moment of the sensor's interval), partition N is
   materialized in process; the derived run the sensor launches is followed to its end. Reported: the
   wait added by automation (the partition's materialization -> the derived run's start), split into
   the wait for the next tick, the tick's evaluation until the run is created, and the queue and launch
   until it starts; then the run itself (start -> top lists committed). Goal: the wait <= 30 s. One
   issuance lands at one moment of the sensor's interval I: the wait for an issuance at a random moment
   (I/2 + evaluation + queue and launch, from the measured parts) carries the goal too, and the worst
   case (I + ...) is shown.
3. ``floor`` (no Dagster): ``nationwide_floor.py`` on a fresh warehouse database with the same source
   servers: the full refresh's main data path in plain Python, with the same parsing functions and
   ``Warehouse`` writes (what it includes and leaves out: that module's docstring). Goals: the in-process
   nationwide refresh <= 2 x the floor; its Dagster overhead <= 10 % of its wall; its peak RSS <= 300 MB.
   Beside them, per phase, the pipeline's steps that do the same work against the floor's phase.

Every stage has a time limit (``STAGE_TIMEOUT_S``); a stage that fails or overruns is reported as
NOT MEASURED and the others still run.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import resource
import signal
import subprocess
import sys
import time
from datetime import timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

STAGES = ("incremental", "daemon", "floor")
STAGE_TIMEOUT_S = {"incremental": 300, "daemon": 420, "floor": 420, "profile": 300}
GOAL_INCREMENTAL_RATIO = 0.15
GOAL_AUTOMATION_WAIT_S = 30.0
GOAL_FLOOR_RATIO = 2.0
GOAL_OVERHEAD_SHARE = 0.10
GOAL_RSS_MB = 300.0
# The daemon stage: how long its first ticks and their runs may take to settle, and the derived run to end.
DAEMON_SETTLE_S = 180
DAEMON_RUN_S = 300
AUTOMATION_SENSOR = "recommendations_automation"

# The pipeline's steps the floor does the work of (step keys of the in-process leg), by floor phase.
FLOOR_PHASE_STEPS: dict[str, tuple[str, ...]] = {
    "schema_regions": ("regions",),
    "catalogue": ("destinations__catalogue",),
    "cells_points": ("destinations__forecast_cells", "weather__forecast_points"),
    "weather": ("weather__nowcast", "weather__ultra_short_forecast", "weather__short_range_forecast",
                "weather__mid_land_forecast", "weather__mid_temperature_forecast"),
    "outlook": ("weather__daily_outlook",),
    "scores": ("recommendations__destination_weather_scores",),
    "top_lists": ("recommendations__regional_recommendations",),
}
DERIVED_STEPS = ("weather__daily_outlook", "recommendations__destination_weather_scores",
                 "recommendations__regional_recommendations")


def _nationwide():
    """bench_nationwide, loaded as benchmarks/run.py loads it (by path, not registered in sys.modules)."""
    global _NATIONWIDE
    if _NATIONWIDE is None:
        spec = importlib.util.spec_from_file_location("bench_nationwide", HERE / "bench_nationwide.py")
        module = importlib.util.module_from_spec(spec)
        assert spec.loader is not None
        spec.loader.exec_module(module)
        _NATIONWIDE = module
    return _NATIONWIDE


_NATIONWIDE = None


def issuance_plan(now=None) -> dict[str, Any]:
    """Partition keys: what the full refresh loads (N-3, N-2), the incremental stage's new issuance (N-1)
    and the daemon stage's (N), N being the newest short-range issuance published at ``now``."""
    from datetime import timedelta

    from weather_flick_batch.core.timeutil import now_kst
    from weather_flick_batch.weather.issuance import MID_RANGE, SHORT_RANGE

    newest = SHORT_RANGE.latest(now or now_kst())
    bases = [newest]
    for _ in range(3):
        bases.insert(0, SHORT_RANGE.previous(bases[0]))
    keys = [SHORT_RANGE.partition_key(b) for b in bases]
    # The medium-range issuance that was the newest just before N-1 was published: the state is then one
    # moment of the real timeline (loading the newest with the older short-range issuances is not one).
    just_before = SHORT_RANGE.publication_time(bases[2]) - timedelta(minutes=1)
    mid = MID_RANGE.partition_key(MID_RANGE.latest(just_before))
    return {"full": keys[:2], "incremental": keys[2], "daemon": keys[3], "mid_range": mid}


# -- the follow-up: runs in bench_nationwide's parent process, on the in-process leg's state -----------
class FollowUp:
    """Called by bench_nationwide after its in-process leg (see ``_run_leg``). A plain class: this file is
    loaded without being registered in ``sys.modules``, which dataclasses need."""

    name = "incremental"

    def __init__(self, stages: tuple[str, ...] = STAGES, profile: bool = True) -> None:
        self.stages = stages
        self.profile = profile
        self.plan = issuance_plan()

    def env(self) -> dict[str, str]:
        bn = _nationwide()
        return {bn.SHORT_RANGE_KEYS_ENV: ",".join(self.plan["full"]), bn.MID_RANGE_KEY_ENV: self.plan["mid_range"]}

    def __call__(self, state: dict[str, Any]) -> list[dict]:
        bn = _nationwide()
        full = _full_refresh_numbers(bn, state)
        rows: list[dict] = []
        if "incremental" in self.stages:
            rows += _guarded("incremental", lambda: self._incremental(bn, state, full))
        if "daemon" in self.stages:
            rows += _guarded("incremental", lambda: self._daemon(state))
        if "floor" in self.stages:
            rows += _guarded("floor", lambda: self._floor(bn, state, full))
        return rows

    # -- stage 1 ----------------------------------------------------------------------------------
    def _incremental(self, bn, state: dict, full: dict) -> list[dict]:
        print("  incremental: in process ...", file=sys.stderr, flush=True)
        key = self.plan["incremental"]
        data, _ = _stage(bn, state, "incremental", {"WFB_BENCH_PARTITION": key})
        rows, met = incremental_rows(bn, data, full)
        if not met and self.profile and data["runs_succeeded"] == data["runs"]:
            rows += _guarded("incremental", lambda: self._profile(bn, state, data))
        return rows

    def _profile(self, bn, state: dict, timed: dict) -> list[dict]:
        """refresh_derived once more under cProfile (the timed pass is never profiled): a note."""
        print("  incremental: profiling refresh_derived ...", file=sys.stderr, flush=True)
        data, _ = _stage(bn, state, "profile", {})
        return [profile_note(bn, timed, data)]

    # -- stage 2 ----------------------------------------------------------------------------------
    def _daemon(self, state: dict) -> list[dict]:
        print("  incremental: through the daemon ...", file=sys.stderr, flush=True)
        bn = _nationwide()
        key = self.plan["daemon"]
        data, _ = _stage(bn, state, "daemon", {"WFB_BENCH_PARTITION": key})
        return daemon_rows(data, key)

    # -- stage 3 ----------------------------------------------------------------------------------
    def _floor(self, bn, state: dict, full: dict) -> list[dict]:
        print("  floor: without Dagster ...", file=sys.stderr, flush=True)
        from weather_flick_batch.testing.services import create_database, drop_database

        db = create_database("wfb_bench_floor")
        try:
            url = f"postgresql+psycopg2://{bn.PG_USER}@{bn.PG_HOST}:{bn.PG_PORT}/{db}"
            extra = {"WEATHER_FLICK_WAREHOUSE_URL": url, "WFB_BENCH_SOURCES": json.dumps(state["urls"]),
                     "WFB_BENCH_SHORT_RANGE": ",".join(self.plan["full"])}
            data, peak = _stage(bn, state, "floor", extra)
        finally:
            drop_database(db)
        return floor_rows(data, full, peak)


def _guarded(benchmark: str, stage) -> list[dict]:
    try:
        return stage()
    except Exception as exc:  # noqa: BLE001 - one stage that cannot run must not hide the others
        return [{"benchmark": benchmark, "case": f"NOT MEASURED: {str(exc)[:300]}", "value": None, "unit": ""}]


def _by_step(intervals) -> dict[str, float]:
    totals: dict[str, float] = {}
    for start, stop, step in intervals:
        totals[step] = totals.get(step, 0.0) + (stop - start)
    return totals


def _full_refresh_numbers(bn, state: dict) -> dict[str, Any]:
    result, sampler = state["result"], state["sampler"]
    intervals = [tuple(i) for i in result["intervals"]]
    run_peak, _ = sampler.peak("run")
    return {
        "wall_s": result["wall_s"],
        "ok": result["runs_succeeded"] == result["runs"],
        "overhead_s": result["wall_s"] - bn._union_s(intervals),
        "peak_rss_mb": max(run_peak, result["self_maxrss_mb"]),
        "by_step": _by_step(intervals),
        "cpu_s": result.get("cpu_s"),
    }


def _stage(bn, state: dict, stage: str, extra_env: dict[str, str]) -> tuple[dict, float]:
    """Run ``stage`` in a fresh interpreter with the leg's environment; (its result, its peak RSS in MB)."""
    home: Path = state["home"]
    out = home / f"{stage}.json"
    log = home / f"{stage}.log"
    env = {**state["env"], **extra_env}
    child = subprocess.Popen([sys.executable, __file__, "--stage", stage, "--out", str(out)], cwd=ROOT, env=env,
                             stdout=subprocess.DEVNULL, stderr=open(log, "w"),  # noqa: SIM115
                             start_new_session=True)
    with bn.MemorySampler({"run": child.pid}) as sampler:
        try:
            child.wait(timeout=STAGE_TIMEOUT_S[stage])
        except subprocess.TimeoutExpired:
            _kill_group(child)
            load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
            raise RuntimeError(f"{stage} stage took over {STAGE_TIMEOUT_S[stage]} s (load average {load}); "
                               f"last log line: {bn._last_line(log)}") from None
    _kill_group(child)  # the daemon stage's daemon, should the stage have left it behind
    if child.returncode != 0:
        raise RuntimeError(f"{stage} stage exited {child.returncode}: {bn._last_line(log)}")
    return json.loads(out.read_text()), sampler.peak("run")[0]


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


# -- rows from the stages' results (plain functions: the smoke test checks them too) -------------------
def incremental_rows(bn, data: dict[str, Any], full: dict[str, Any]) -> tuple[list[dict], bool]:
    """Rows of the in-process incremental stage, and whether its goal is met."""
    intervals = [tuple(i) for i in data["intervals"]]
    wall = data["wall_s"]
    ok = data["runs_succeeded"] == data["runs"]
    mark = "" if ok else f" [{data['runs'] - data['runs_succeeded']}/{data['runs']} runs FAILED]"
    ratio = wall / full["wall_s"] if full["wall_s"] else None
    met = ok and ratio is not None and ratio <= GOAL_INCREMENTAL_RATIO
    rows = [{"benchmark": "incremental", "case": f"in process{mark}: new short-range issuance -> outlook, scores, "
             f"top lists ({data['runs']} runs; baseline: full refresh)", "value": wall, "unit": "s",
             "baseline": full["wall_s"], "ratio": ratio, "goal": f"<= {GOAL_INCREMENTAL_RATIO:g} x full", "met": met}]
    by_step = _by_step(intervals)
    for step, seconds in sorted(by_step.items(), key=lambda kv: -kv[1]):
        if seconds >= 0.05 * wall or step in DERIVED_STEPS or step == "weather__short_range_forecast":
            rows.append({"benchmark": "incremental", "case": f"in process: step {step}", "value": seconds,
                         "unit": "s", "baseline": wall, "ratio": seconds / wall if wall else None})
    overhead = wall - bn._union_s(intervals)
    rows += [
        {"benchmark": "incremental", "case": "in process: Dagster overhead (wall - time any step ran)",
         "value": overhead, "unit": "s", "baseline": wall, "ratio": overhead / wall if wall else None},
        {"benchmark": "incremental", "case": "in process: CPU of the run process (the rest: PostgreSQL, servers)",
         "value": data["cpu_s"], "unit": "s", "baseline": wall, "ratio": data["cpu_s"] / wall if wall else None},
        {"benchmark": "incremental", "case": "in process: peak RSS, run process", "value": data["self_maxrss_mb"],
         "unit": "MB"},
    ]
    if data.get("days"):
        rows.append({"benchmark": "incremental", "case": "in process: days of the scores / top lists rewritten (of "
                     f"{data['days']['of']}; the others unchanged, recommendations/incremental.py)",
                     "value": f"{data['days']['scores']} / {data['days']['top_lists']}", "unit": "days"})
    if data["failures"]:
        rows.append({"benchmark": "incremental", "case": f"in process: failed steps: {data['failures'][0][:80]}",
                     "value": len(data["failures"]), "unit": "steps"})
    return rows, met


def profile_note(bn, timed: dict[str, Any], profiled: dict[str, Any]) -> dict:
    """Where the incremental path's time goes: the timed pass by step, the profiled pass by routine."""
    intervals = [tuple(i) for i in timed["intervals"]]
    by_step = _by_step(intervals)
    wall = timed["wall_s"]
    short = by_step.get("weather__short_range_forecast", 0.0)
    derived = {s.split("__")[-1]: by_step.get(s, 0.0) for s in DERIVED_STEPS}
    parts = ", ".join(f"{label} {seconds:.1f} s" for label, seconds in profiled["buckets"])
    note = (f"note: where the incremental path's time goes: of the {wall:.1f} s, the issuance's fetch, parse "
            f"and load {short:.1f} s, "
            + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in derived.items())
            + f", Dagster between steps {wall - bn._union_s(intervals):.1f} s. refresh_derived under cProfile "
            f"({profiled['profiled_s']:.1f} s, slower than unprofiled): {parts}")
    return {"benchmark": "incremental", "case": note, "value": None, "unit": ""}


def daemon_rows(data: dict[str, Any], key: str) -> list[dict]:
    interval = data["tick_interval_s"]
    evaluation, launch = data["evaluation_s"], data["launch_s"]
    wait = data["wait_s"]
    expected = interval / 2 + evaluation + launch
    mark = "" if data["run_status"] == "SUCCESS" else (
        f" [derived run {data['run_status']}: failed {', '.join(data.get('failed_steps') or ['?'])}]")
    if not data["top_committed"]:
        mark += " [top lists NOT committed]"
    goal = f"<= {GOAL_AUTOMATION_WAIT_S:.0f} s"
    rows = [
        {"benchmark": "incremental", "case": f"daemon{mark}: wait added by automation (materialized -> derived "
         "run started)", "value": wait, "unit": "s", "goal": goal, "met": wait <= GOAL_AUTOMATION_WAIT_S},
        {"benchmark": "incremental", "case": f"daemon: of which until the next tick (landed {data['phase_s']:.0f} s "
         f"after a tick; interval {interval:.0f} s)", "value": data["until_tick_s"], "unit": "s"},
        {"benchmark": "incremental", "case": "daemon: of which the tick until the run is created",
         "value": evaluation, "unit": "s"},
        {"benchmark": "incremental", "case": "daemon: of which queue and launch until the run started",
         "value": launch, "unit": "s"},
        {"benchmark": "incremental", "case": "daemon: wait for an issuance at a random moment (interval/2 + the rest)",
         "value": expected, "unit": "s", "goal": goal, "met": expected <= GOAL_AUTOMATION_WAIT_S},
        {"benchmark": "incremental", "case": "daemon: wait at worst (interval + the rest)",
         "value": interval + evaluation + launch, "unit": "s"},
        {"benchmark": "incremental", "case": f"daemon: the run itself, started -> top lists committed "
         f"({len(data['run_steps'])} steps)", "value": data["run_to_top_s"], "unit": "s"},
        {"benchmark": "incremental", "case": "daemon: issuance materialized -> top lists committed",
         "value": wait + data["run_to_top_s"], "unit": "s"},
    ]
    if data.get("tick_duration_s") is not None:
        rows.append({"benchmark": "incremental", "case": f"daemon: an automation tick, start to end (median of "
                     f"{data['ticks']})", "value": data["tick_duration_s"], "unit": "s"})
    extra = sorted(set(data["run_steps"]) - set(DERIVED_STEPS))
    if extra:
        rows.append({"benchmark": "incremental", "value": len(extra), "unit": "steps",
                     "case": f"daemon: the derived run's other steps: {', '.join(extra)[:60]}"})
    return rows


def floor_rows(data: dict[str, Any], full: dict[str, Any], floor_peak_mb: float) -> list[dict]:
    floor = data["wall_s"]
    phases, calls = data["phases"], data["calls"]
    rows = [
        {"benchmark": "floor", "case": f"without Dagster: main data path ({calls['kto']} TourAPI + {calls['kma']} "
         "KMA calls; nationwide_floor.py)", "value": floor, "unit": "s"},
        {"benchmark": "floor", "case": "in-process nationwide refresh vs the floor", "value": full["wall_s"],
         "unit": "s", "baseline": floor, "ratio": full["wall_s"] / floor if floor else None,
         "goal": f"<= {GOAL_FLOOR_RATIO:g} x floor",
         "met": full["ok"] and floor > 0 and full["wall_s"] <= GOAL_FLOOR_RATIO * floor},
    ]
    if full.get("cpu_s") and data.get("cpu_s"):
        # Less sensitive to what else the host runs than wall time: CPU of the run process only (PostgreSQL's
        # and the source servers' work is not in it).
        rows.append({"benchmark": "floor", "case": "CPU of the run process: in-process refresh vs the floor",
                     "value": full["cpu_s"], "unit": "s", "baseline": data["cpu_s"],
                     "ratio": full["cpu_s"] / data["cpu_s"]})
    covered = sum(full["by_step"].get(s, 0.0) for steps in FLOOR_PHASE_STEPS.values() for s in steps)
    rows.append({"benchmark": "floor", "case": "the pipeline's steps doing the floor's work (sum) vs the floor",
                 "value": covered, "unit": "s", "baseline": floor, "ratio": covered / floor if floor else None})
    for phase, steps in FLOOR_PHASE_STEPS.items():
        pipeline = sum(full["by_step"].get(s, 0.0) for s in steps)
        rows.append({"benchmark": "floor", "case": f"phase {phase}: its {len(steps)} pipeline step(s) vs the floor's",
                     "value": pipeline, "unit": "s", "baseline": phases.get(phase),
                     "ratio": pipeline / phases[phase] if phases.get(phase) else None})
    share = full["overhead_s"] / full["wall_s"] if full["wall_s"] else None
    rows += [
        {"benchmark": "floor", "case": "in-process nationwide refresh: Dagster overhead (wall - time any step ran)",
         "value": full["overhead_s"], "unit": "s", "baseline": full["wall_s"], "ratio": share,
         "goal": f"<= {GOAL_OVERHEAD_SHARE:.0%} of wall", "met": share is not None and share <= GOAL_OVERHEAD_SHARE},
        {"benchmark": "floor", "case": "in-process nationwide refresh: peak RSS, run process (baseline: floor's)",
         "value": full["peak_rss_mb"], "unit": "MB", "baseline": max(floor_peak_mb, data["self_maxrss_mb"]),
         "goal": f"<= {GOAL_RSS_MB:.0f} MB", "met": full["peak_rss_mb"] <= GOAL_RSS_MB},
        {"benchmark": "floor", "case": f"floor: rows written (scores {data['rows'].get('scores', 0):,}, "
         f"top lists {data['rows'].get('top lists', 0):,}, destinations {data['rows'].get('destinations', 0):,})",
         "value": sum(data["rows"].values()), "unit": "rows"},
    ]
    if data.get("dagster_imported"):
        rows.append({"benchmark": "floor", "case": "floor: WARNING: something it imported imported Dagster",
                     "value": None, "unit": ""})
    return rows


# -- the stages' children ---------------------------------------------------------------------------
def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _load_location():
    import importlib

    bn = _nationwide()
    defs = importlib.import_module(bn.LOCATION_MODULE).defs
    defs.get_repository_def()  # loaded before the clock starts, as a code server would have it
    return defs


def _incremental_child() -> dict[str, Any]:
    """Stage 1: the new partition, then refresh_derived, in this process."""
    import dagster as dg

    from weather_flick_batch.pipeline import PipelineStep, run_pipeline

    bn = _nationwide()
    key = os.environ["WFB_BENCH_PARTITION"]
    defs = _load_location()
    steps = [PipelineStep("weather_short_range_job", partition_keys=lambda: [key]), PipelineStep("refresh_derived")]
    with dg.DagsterInstance.get() as instance:
        before = {r.run_id for r in instance.get_runs()}
        failures: list[str] = []
        started, cpu_started = time.perf_counter(), _cpu_s()
        for step in steps:
            result = run_pipeline(defs, instance, steps=[step], log_level="WARNING")
            failures += result.failures
        wall, cpu = time.perf_counter() - started, _cpu_s() - cpu_started
        run_ids = [r.run_id for r in instance.get_runs() if r.run_id not in before]
        intervals, _, succeeded = bn.step_records(instance, run_ids)
        days = _days_rewritten(instance)
    return {"wall_s": wall, "cpu_s": cpu, "runs": len(run_ids), "runs_succeeded": succeeded, "failures": failures,
            "intervals": intervals, "self_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "days": days}


def _days_rewritten(instance) -> dict[str, int] | None:
    """What the newest scores and top lists materializations say they rewrote (their metadata)."""
    import dagster as dg

    meta = {}
    for name, key in (("scores", "destination_weather_scores"), ("top_lists", "regional_recommendations")):
        event = instance.get_latest_materialization_event(dg.AssetKey(["recommendations", key]))
        if event is None or event.asset_materialization is None:
            return None
        meta[name] = event.asset_materialization.metadata
    try:
        return {"scores": meta["scores"]["days_rescored"].value, "top_lists": meta["top_lists"]["days_ranked"].value,
                "of": meta["scores"]["days_rescored"].value + meta["scores"]["days_unchanged"].value}
    except KeyError:
        return None


# Where a profile of refresh_derived puts its time: (label, function, file suffix), cumulative seconds of
# each. They can nest (the top lists' audit runs inside replace_from_select): a breakdown, not a sum.
PROFILE_BUCKETS = (
    ("scoring (score_frame)", "score_frame", "recommendations/scoring/engine.py"),
    ("hazards (apply_hazards)", "apply_hazards", "recommendations/hazards.py"),
    ("score summary for the checks (ScoreSummary.add)", "add", "recommendations/transform.py"),
    ("frame conversion (_to_db_frame)", "_to_db_frame", "warehouse/bulk.py"),
    ("COPY (_bulk_insert)", "_bulk_insert", "warehouse/bulk.py"),
    ("warehouse reads (read_select)", "read_select", "warehouse/warehouse.py"),
    ("outlook (build_daily_outlook)", "build_daily_outlook", "weather/outlook.py"),
    ("top lists INSERT ... SELECT with its audit (replace_from_select)", "replace_from_select", "warehouse/writes.py"),
    ("outlook checks (outlook_verdicts)", "outlook_verdicts", "weather/audits.py"),
    ("score checks (score_verdicts)", "score_verdicts", "recommendations/audits.py"),
    ("the score table's statistics (published_score_stats)", "published_score_stats", "recommendations/transform.py"),
    ("day versions (score_day_versions)", "score_day_versions", "recommendations/incremental.py"),
    ("top-list checks (top_list_verdicts)", "top_list_verdicts", "recommendations/audits.py"),
    ("metadata previews (markdown_preview)", "markdown_preview", "warehouse/metadata.py"),
)


def _forget_newest_days() -> None:
    """The derived days the last refresh wrote lose their versions (recommendations/incremental.py), so the
    next refresh writes them again: without this the profiled pass would find nothing changed."""
    import sqlalchemy as sa

    from weather_flick_batch import settings
    from weather_flick_batch.warehouse import schema
    from weather_flick_batch.warehouse.warehouse import Warehouse

    ledger = schema.derived_day_versions
    newest = sa.select(ledger.c.table_name, sa.func.max(ledger.c.written_at)).group_by(ledger.c.table_name)
    wh = Warehouse(settings.warehouse_url())
    with wh.engine.begin() as conn:
        for table_name, written_at in conn.execute(newest).all():
            conn.execute(ledger.delete().where(ledger.c.table_name == table_name, ledger.c.written_at == written_at))
    wh.dispose()


def _profile_child() -> dict[str, Any]:
    """refresh_derived once under cProfile; cumulative seconds of the routines in PROFILE_BUCKETS. The same
    work as the timed pass: the days it rewrote are rewritten again (their versions forgotten first)."""
    import cProfile
    import pstats

    import dagster as dg

    from weather_flick_batch.pipeline import PipelineStep, run_pipeline

    _forget_newest_days()
    defs = _load_location()
    with dg.DagsterInstance.get() as instance:
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        run_pipeline(defs, instance, steps=[PipelineStep("refresh_derived")], log_level="WARNING")
        profiler.disable()
        profiled = time.perf_counter() - started
    if os.environ.get("WFB_BENCH_PROFILE_DUMP"):  # for a closer look: pstats file of the profiled pass
        profiler.dump_stats(os.environ["WFB_BENCH_PROFILE_DUMP"])
    stats = pstats.Stats(profiler).stats  # (file, line, name) -> (cc, nc, tt, ct, callers)
    buckets = []
    for label, name, suffix in PROFILE_BUCKETS:
        seconds = sum(ct for (file, _line, fn), (_cc, _nc, _tt, ct, _callers) in stats.items()
                      if fn == name and file.endswith(suffix))
        if seconds >= 0.05:
            buckets.append((label, seconds))
    buckets.sort(key=lambda b: -b[1])
    return {"profiled_s": profiled, "buckets": buckets}


def _daemon_child() -> dict[str, Any]:
    """Stage 2: a daemon on the leg's instance; the new partition materialized here; the derived run followed."""
    import yaml

    import dagster as dg

    from weather_flick_batch.pipeline import PipelineStep, run_pipeline
    from weather_flick_batch.recommendations.assets import TOP_KEY
    from weather_flick_batch.testing.services import wait_until
    from weather_flick_batch.weather.assets import SHORT_RANGE_KEY

    MATERIALIZATION = dg.DagsterEventType.ASSET_MATERIALIZATION  # noqa: N806
    key = os.environ["WFB_BENCH_PARTITION"]
    home = Path(os.environ["DAGSTER_HOME"])
    workspace = home / "workspace.yaml"
    # The production workspace (workspace.yaml), from this checkout.
    workspace.write_text(yaml.safe_dump({"load_from": [{"python_module": {
        "module_name": "weather_flick_batch.definitions", "attribute": "defs", "location_name": "weather_flick_batch",
        "working_directory": str(ROOT)}}]}))
    defs = _load_location()
    bin_dir = Path(sys.executable).parent
    # In this stage's process group (the parent started it in a session of its own): whatever is left of
    # the daemon, its code server and run workers is killed with the group, whichever way the stage ends.
    with open(home / "daemon.log", "ab") as log:
        daemon = subprocess.Popen([str(bin_dir / "dagster-daemon"), "run", "-w", str(workspace)], cwd=ROOT,
                                  stdout=log, stderr=subprocess.STDOUT)
    try:
        with dg.DagsterInstance.get() as instance:
            sensor = wait_until("the automation sensor's first tick", lambda: _sensor_state(instance), DAEMON_SETTLE_S)
            origin, selector = sensor.instigator_origin_id, sensor.selector_id
            wait_until("the first tick to end",
                      lambda: any(t.end_timestamp for t in instance.get_ticks(origin, selector)), DAEMON_SETTLE_S)
            wait_until("the first ticks' runs to end", lambda: not _runs_in_progress(instance), DAEMON_SETTLE_S)
            # Land at a random moment of the sensor's interval, as an issuance does.
            interval = float(getattr(defs.get_sensor_def(AUTOMATION_SENSOR), "minimum_interval_seconds", None) or 30)
            time.sleep(random.uniform(0, interval))

            before = {r.run_id for r in instance.get_runs()}
            run_pipeline(defs, instance, steps=[PipelineStep("weather_short_range_job", partition_keys=lambda: [key])],
                         log_level="WARNING")
            (source_run,) = [r.run_id for r in instance.get_runs() if r.run_id not in before]
            materialized = [e.timestamp for e in instance.all_logs(source_run, of_type=MATERIALIZATION)
                            if e.asset_materialization.asset_key == SHORT_RANGE_KEY]
            if not materialized:
                raise RuntimeError(f"the short-range run {source_run} materialized nothing")
            t_mat = materialized[0]

            def derived():
                for record in instance.get_run_records():
                    run = record.dagster_run
                    if run.run_id not in before and run.asset_selection and TOP_KEY in run.asset_selection:
                        return record
                return None

            record = wait_until("the derived run to be created", derived, DAEMON_RUN_S)
            record = wait_until("the derived run to end", lambda: (
                (r := instance.get_run_record_by_id(record.dagster_run.run_id)) and r.dagster_run.is_finished and r),
                DAEMON_RUN_S)
            run = record.dagster_run
            ticks = sorted(instance.get_ticks(origin, selector), key=lambda t: t.timestamp)
            tick = next((t for t in ticks if run.run_id in (t.run_ids or [])), None)
            if tick is None:
                raise RuntimeError("no automation tick lists the derived run")
            previous = [t.timestamp for t in ticks if t.timestamp < t_mat]
            starts = [t.timestamp for t in ticks]
            gaps = [b - a for a, b in zip(starts, starts[1:])]
            top = [e.timestamp for e in instance.all_logs(run.run_id, of_type=MATERIALIZATION)
                   if e.asset_materialization.asset_key == TOP_KEY]
            stats = instance.get_run_step_stats(run.run_id)
            steps = [s.step_key for s in stats]
            failed = [s.step_key for s in stats if s.status is not None and s.status.value == "FAILURE"]
            durations = sorted(t.end_timestamp - t.timestamp for t in ticks if t.end_timestamp)
            created_at = record.create_timestamp  # naive UTC from PostgreSQL
            created = (created_at if created_at.tzinfo else created_at.replace(tzinfo=timezone.utc)).timestamp()
            run_start = record.start_time or created
            return {
                "t_mat": t_mat, "tick_start": tick.timestamp, "created": created, "run_start": run_start,
                "wait_s": run_start - t_mat, "until_tick_s": tick.timestamp - t_mat,
                "evaluation_s": created - tick.timestamp, "launch_s": run_start - created,
                "phase_s": t_mat - previous[-1] if previous else 0.0,
                "tick_interval_s": sorted(gaps)[len(gaps) // 2] if gaps else interval,
                "run_to_top_s": (top[0] - run_start) if top else (record.end_time or run_start) - run_start,
                "top_committed": bool(top), "run_status": run.status.value, "run_steps": steps,
                "failed_steps": failed, "ticks": len(ticks),
                "tick_duration_s": durations[len(durations) // 2] if durations else None,
            }
    finally:
        _stop_daemon(daemon)


def _sensor_state(instance):
    from dagster._core.definitions.run_request import InstigatorType

    for state in instance.all_instigator_state(instigator_type=InstigatorType.SENSOR):
        if state.name == AUTOMATION_SENSOR:
            return state
    return None


def _runs_in_progress(instance) -> bool:
    return any(not r.is_finished for r in instance.get_runs())


def _stop_daemon(daemon: subprocess.Popen) -> None:
    """SIGTERM the daemon (it stops its code server), SIGKILL it if it lingers; the parent then kills the
    stage's process group, which holds anything left (see ``_stage``)."""
    daemon.terminate()
    try:
        daemon.wait(timeout=20)
    except subprocess.TimeoutExpired:
        daemon.kill()
        daemon.wait(timeout=10)


def _floor_child() -> dict[str, Any]:
    """Stage 3: benchmarks/nationwide_floor.py in this process (no Dagster imported here)."""
    spec = importlib.util.spec_from_file_location("nationwide_floor", HERE / "nationwide_floor.py")
    floor = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(floor)
    return floor.refresh_without_dagster(
        json.loads(os.environ["WFB_BENCH_SOURCES"]), os.environ["WFB_BENCH_SHORT_RANGE"].split(","),
        os.environ["WEATHER_FLICK_WAREHOUSE_URL"], os.environ["WEATHER_FLICK_KTO_API_KEYS"],
        os.environ["WEATHER_FLICK_KMA_API_KEYS"])


CHILDREN = {"incremental": _incremental_child, "profile": _profile_child, "daemon": _daemon_child,
            "floor": _floor_child}


# -- entry points ---------------------------------------------------------------------------------------
def run(destinations: int | None = None, points: int | None = None, stages: tuple[str, ...] = STAGES,
        profile: bool = True) -> list[dict]:
    """Alone: bench_nationwide's in-process leg (its rows are part of the answer: the baseline), then the
    stages on its state. Under ``make bench``, benchmarks/run.py passes :class:`FollowUp` to
    bench_nationwide instead and does not call this. ``destinations``/``points``: a smaller scale (tests)."""
    bn = _nationwide()
    if destinations is not None:
        bn.DESTINATIONS = destinations
    if points is not None:
        bn.POINTS = points
    return bn.run(("in_process",), follow_up=FollowUp(stages, profile=profile))


def smoke(destinations: int = 500, points: int = 20, stages: tuple[str, ...] = ("incremental", "floor")) -> list[dict]:
    """The stages at a tiny scale for the smoke test (weather_flick_batch_tests/test_benchmarks.py), in well
    under a minute: the state they start from is built by the floor on the leg's warehouse instead of by
    bench_nationwide's in-process leg (30 Dagster runs), and stands in for the full refresh's numbers too.
    Everything else (databases, source servers, instance, environment, stages, rows) is what ``run`` does.
    The daemon stage needs the automation sensor's 60 s interval and is left out unless asked for."""
    import tempfile

    import redis
    import yaml

    from weather_flick_batch.testing.services import create_database, drop_database

    bn = _nationwide()
    bn.DESTINATIONS, bn.POINTS = destinations, points
    follow_up = FollowUp(stages)
    instance_db, warehouse_db = create_database("wfb_bench_inst"), create_database("wfb_bench_wh")
    cache = redis.Redis.from_url(bn.CACHE_URL)
    sources = None
    try:
        with tempfile.TemporaryDirectory(prefix="wfb_bench_incremental_") as tmp:
            home = Path(tmp) / "in_process"
            home.mkdir()
            (home / "dagster.yaml").write_text(yaml.safe_dump(bn.bench_instance_yaml(home)))
            cache.flushdb()
            sources, urls = bn._start_sources(home)
            env = {**bn._leg_env("in_process", home, instance_db, warehouse_db, urls), **follow_up.env()}
            bn._migrate_instance(env, home)
            state = {"env": env, "home": home, "urls": urls, "instance_db": instance_db, "warehouse_db": warehouse_db}
            extra = {"WFB_BENCH_SOURCES": json.dumps(urls), "WFB_BENCH_SHORT_RANGE": ",".join(follow_up.plan["full"])}
            built, peak = _stage(bn, state, "floor", extra)  # on the leg's warehouse: the state
            state["result"] = {"wall_s": built["wall_s"], "intervals": [], "runs": 1, "runs_succeeded": 1,
                               "self_maxrss_mb": peak}
            state["sampler"] = bn.MemorySampler({})
            return follow_up(state)
    finally:
        if sources is not None:
            sources.stdin.close()
            bn._stop([sources])
        cache.flushdb()
        cache.close()
        drop_database(instance_db)
        drop_database(warehouse_db)


def main(argv: list[str]) -> int:
    if len(argv) >= 5 and argv[1] == "--stage":
        data = CHILDREN[argv[2]]()
        Path(argv[4]).write_text(json.dumps(data, default=str))
        return 0
    import argparse

    parser = argparse.ArgumentParser(description="The incremental path and the floor (issue #16); prints rows.")
    parser.add_argument("--destinations", type=int, help="catalogue size (default: bench_nationwide's 50,000)")
    parser.add_argument("--points", type=int, help="forecast points (default: bench_nationwide's 250)")
    parser.add_argument("--stages", default=",".join(STAGES), help=f"comma-separated, of {', '.join(STAGES)}")
    parser.add_argument("--no-profile", action="store_true",
                        help="no cProfile pass when the incremental goal is missed")
    args = parser.parse_args(argv[1:])
    stages = tuple(s for s in args.stages.split(",") if s in STAGES)
    rows = run(args.destinations, args.points, stages, profile=not args.no_profile)
    spec = importlib.util.spec_from_file_location("bench_run", HERE / "run.py")  # the table make bench prints
    runner = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(runner)
    runner.print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
