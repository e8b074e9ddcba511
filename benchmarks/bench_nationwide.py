"""The whole graph at nationwide scale, on three executors, in one run.

Scale: 50,000 destinations (the deterministic synthetic TourAPI catalogue, the one
``WEATHER_FLICK_KTO_SAMPLE_CATALOGUE_SIZE=50000`` would serve), 250 forecast points
(``WEATHER_FLICK_KMA_MAX_POINTS=250``: 50,000 destinations sit in far more distinct KMA cells, so the
cap applies), the 10-day horizon. As in production, the APIs are remote: KMA and TourAPI answer from
local HTTP servers in a process of their own (``source_servers.py``), the pipeline uses its live
clients (``WEATHER_FLICK_KMA_MODE=live``, ``WEATHER_FLICK_KTO_MODE=live``) with the response cache in
Redis, the warehouse and the Dagster instance are PostgreSQL (the production ``dagster.yaml``), and
each leg starts on fresh databases, a fresh server process and an empty cache, so every leg does the
same work from empty.

"The whole graph" is ``weather_flick_batch.pipeline.PIPELINE``: refresh_reference, the 17 province
partitions of destinations_sync_job, refresh_catalogue_derived, the three weather jobs at the
current issuance, warnings, fine dust, refresh_derived, refresh_analytics. Legs:

- ``in_process``: ``run_pipeline`` (``execute_in_process``), one run after the other, every step in
  one process (what ``make run`` does);
- ``multiprocess``: ``run_pipeline_concurrently`` (``weather-flick-batch run --concurrent``): each run
  starts as soon as the runs it reads from have succeeded, within the production instance's run
  limits (two sync runs at a time, so the province syncs overlap each other, the warnings and fine dust; the four
  weather jobs each other), with the multiprocess executor (a process per step, forked from a
  forkserver that has the location loaded, at most the CPU count per run);
- ``celery``: the same with the Celery executor and two ``dagster-celery`` workers (one process
  each) on the local Redis, started exactly as ``make worker`` does.

Each leg runs in a fresh interpreter. Reported per leg:

- wall: all the runs (the code location is loaded before the clock starts); for the distributed legs
  also against the in-process leg's wall (goals: multiprocess <= 1.5 x, Celery <= 1.0 x);
- work: the sum of step durations (STEP_START to STEP_SUCCESS/FAILURE in the event log), i.e. what
  the steps themselves cost, including their own resource set-up;
- Dagster overhead: wall minus the time during which at least one step was executing (the union of
  step intervals), i.e. run creation, process and worker start-up, event log writes between steps,
  Celery queueing. It is never negative, also when steps overlap; and per step, with the most runs
  that executed at the same moment;
- peak RSS per process: the kernel's high-water mark (``VmHWM``) of every process of the leg,
  sampled every 0.1 s: the run process, the largest step subprocess, each Celery worker, and (apart,
  as it stands in for the remote APIs) the source servers.

Goal: the in-process nationwide refresh under 60 s and under 500 MB peak on this machine.
A leg whose runs do not all succeed is reported with the failing steps (its numbers stay, marked).

Under ``make bench`` the in-process leg is followed by bench_incremental (benchmarks/run.py hands its
``FollowUp`` to ``run``): the incremental path, the daemon and the floor are measured on the leg's
databases and servers before they are torn down, and the leg loads the short-range issuances N-3 and
N-2 instead of N-1 and N (the same work), so that N-1 and N are new issuances to those stages.
"""

from __future__ import annotations

import dataclasses
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The local PostgreSQL the tests use, and their helpers for throwaway databases.
from weather_flick_batch.testing.services import (  # noqa: E402
    PG_HOST,
    PG_PORT,
    PG_USER,
    create_database,
    drop_database,
)

BIN = Path(sys.executable).parent
DESTINATIONS = 50_000
POINTS = 250
HORIZON_DAYS = 10
LEGS = ("in_process", "multiprocess", "celery")
CELERY_WORKERS = 2
GOAL_WALL_S = 60.0
GOAL_RSS_MB = 500.0
# The distributed legs' wall against the in-process leg's (#16): two Celery workers should pay off.
DISTRIBUTED_GOALS = {"multiprocess": 1.5, "celery": 1.0}
# A leg that takes longer is reported as not measured (with the machine's load) instead of hanging
# `make bench`; quiet, the slowest leg (multiprocess) takes about 3 minutes on this machine.
LEG_TIMEOUT_S = 360

# A Redis database index of its own (tests use 13 and 14), flushed before and after the Celery leg.
REDIS_URL = "redis://127.0.0.1:6379/12"
# The API response cache (WEATHER_FLICK_REDIS_URL), emptied before each leg.
CACHE_URL = "redis://127.0.0.1:6379/11"
API_KEY = "bench-key"
# The location the tests use too: the production definitions with the executor the settings ask for.
LOCATION_MODULE = "weather_flick_batch.testing.scale_out_location"
# Comma-separated short-range partition keys the leg loads instead of the two newest (bench_incremental).
SHORT_RANGE_KEYS_ENV = "WFB_BENCH_SHORT_RANGE_KEYS"
# The medium-range partition key the leg loads instead of the newest (bench_incremental: the one that was
# newest in that earlier state, so the state is one moment of the real timeline).
MID_RANGE_KEY_ENV = "WFB_BENCH_MID_RANGE_KEY"


# -- the child: one leg in a fresh interpreter ----------------------------------------------------
def _child(leg: str) -> dict[str, Any]:
    """Run the whole pipeline on the executor of ``leg``; timings and step intervals as a dict."""
    import dagster as dg

    from weather_flick_batch.core.timeutil import now_kst
    from weather_flick_batch.pipeline import PIPELINE, run_pipeline

    now = now_kst()
    pipeline = list(PIPELINE)
    if os.environ.get(SHORT_RANGE_KEYS_ENV):
        # The short-range issuances to load instead of the two newest (bench_incremental: the state a
        # little before the newest issuance, so that it has next partitions to fetch). Same work.
        keys = os.environ[SHORT_RANGE_KEYS_ENV].split(",")
        pipeline = [dataclasses.replace(s, partition_keys=lambda keys=keys: list(keys))
                    if s.job_name == "weather_short_range_job" else s for s in pipeline]
    if os.environ.get(MID_RANGE_KEY_ENV):
        mid = os.environ[MID_RANGE_KEY_ENV]
        pipeline = [dataclasses.replace(s, partition_keys=lambda mid=mid: [mid])
                    if s.job_name == "weather_mid_range_job" else s for s in pipeline]
    peak_growth: dict[str, float] = {}
    runs_at_once = 1
    with dg.DagsterInstance.get() as instance:
        run_ids: list[str] = []
        failures: list[str] = []
        if leg == "in_process":
            import importlib

            defs = importlib.import_module(LOCATION_MODULE).defs
            defs.get_repository_def()  # load before the clock starts, as a code server would have
            started, cpu_started = time.perf_counter(), _cpu_s()
            # One run_pipeline call per pipeline step, so a failing run does not hide the rest's cost.
            for step in pipeline:
                if step.skip_reason():  # as run_pipeline does: reported by it, never run
                    continue
                before = {r.run_id for r in instance.get_runs()}
                rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                result = run_pipeline(defs, instance, now=now, steps=[step], log_level="WARNING")
                run_ids += [r.run_id for r in instance.get_runs() if r.run_id not in before]
                failures += result.failures
                # How much this job raised the process's peak: names the job that sets it.
                peak_growth[step.job_name] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
            wall, cpu = time.perf_counter() - started, _cpu_s() - cpu_started
        else:
            from weather_flick_batch.pipeline import _workspace_origins, run_pipeline_concurrently

            _workspace_origins(LOCATION_MODULE)[0].get_definition()  # load before the clock starts
            before = {r.run_id for r in instance.get_runs()}
            started, cpu_started = time.perf_counter(), _cpu_s()
            # Independent runs at once, within the production instance's run limits (sync lane: one).
            result = run_pipeline_concurrently(instance, module=LOCATION_MODULE, now=now, steps=pipeline,
                                               log_level="WARNING", stop_on_failure=False)
            wall, cpu = time.perf_counter() - started, _cpu_s() - cpu_started
            run_ids = [r.run_id for r in instance.get_runs() if r.run_id not in before]
            failures += result.failures
            runs_at_once = _most_at_once(instance, run_ids)

        intervals, steps_by_worker, succeeded = step_records(instance, run_ids)
    return {
        "wall_s": wall,
        "runs": len(run_ids),
        "runs_succeeded": succeeded,
        "failures": failures,
        "intervals": intervals,
        "steps_by_worker": steps_by_worker,
        "self_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "cpu_s": cpu,  # of this process, while the runs ran (multiprocess and Celery: their steps are elsewhere)
        "peak_growth_mb": peak_growth,
        "runs_at_once": runs_at_once,
    }


def _most_at_once(instance, run_ids: list[str]) -> int:
    """The most runs that were executing at the same moment (from their start and end times)."""
    import dagster as dg

    edges = []
    for record in instance.get_run_records(filters=dg.RunsFilter(run_ids=run_ids)):
        if record.start_time and record.end_time:
            edges += [(record.start_time, 1), (record.end_time, -1)]
    most = current = 0
    for _when, change in sorted(edges, key=lambda e: (e[0], e[1])):
        current += change
        most = max(most, current)
    return most


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def step_records(instance, run_ids: list[str]) -> tuple[list[tuple[float, float, str]], dict[str, int], int]:
    """From the event log of ``run_ids``: (step intervals (start, end, step key), steps per Celery worker,
    runs that succeeded)."""
    import dagster as dg

    intervals: list[tuple[float, float, str]] = []
    steps_by_worker: dict[str, int] = {}
    succeeded = 0
    for run_id in run_ids:
        run = instance.get_run_by_id(run_id)
        succeeded += run is not None and run.status == dg.DagsterRunStatus.SUCCESS
        starts: dict[str, float] = {}
        for record in instance.all_logs(run_id):
            event = record.dagster_event
            if event is None:
                continue
            if event.event_type == dg.DagsterEventType.STEP_START:
                starts[event.step_key] = record.timestamp
            elif event.event_type in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE):
                if event.step_key in starts:
                    intervals.append((starts.pop(event.step_key), record.timestamp, event.step_key))
            elif event.event_type == dg.DagsterEventType.ENGINE_EVENT and event.engine_event_data:
                worker = (event.engine_event_data.metadata or {}).get("Celery worker")
                if worker is not None:
                    name = str(getattr(worker, "value", worker))
                    steps_by_worker[name] = steps_by_worker.get(name, 0) + 1
    return intervals, steps_by_worker, int(succeeded)


# -- the parent: databases, workers, memory sampling -----------------------------------------------
def _vm_hwm_mb(pid: int) -> float | None:
    """The process's peak resident set size so far (Linux VmHWM), in MB; None once it is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _cmdline(proc) -> list[str] | None:
    import psutil

    try:
        return proc.cmdline()
    except psutil.Error:
        return None


class MemorySampler:
    """Samples the peak RSS of every process under the given roots until stopped.

    A plain class, not a dataclass: benchmarks/run.py loads this file without registering it in
    ``sys.modules``, which dataclasses need.
    """

    def __init__(self, roots: dict[str, int], interval_s: float = 0.1) -> None:
        self.roots = roots  # label -> pid; descendants are labelled "<label> child"
        self.interval_s = interval_s
        self.peaks: dict[tuple[str, int], float] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _sample(self) -> None:
        import psutil

        for label, pid in list(self.roots.items()):
            try:
                root = psutil.Process(pid)
                children = root.children(recursive=True)
                if label == "run":
                    # A child forked but not yet exec'd shares (and so counts) the run process's pages:
                    # its high-water mark would be the parent's. The run's children all exec (steps,
                    # log watchers); Celery's pool processes are forks by design and stay counted.
                    own = root.cmdline()
                    children = [c for c in children if _cmdline(c) not in (own, None)]
                procs = [(label, pid)] + [(f"{label} child", c.pid) for c in children]
            except psutil.NoSuchProcess:
                continue
            for name, p in procs:
                hwm = _vm_hwm_mb(p)
                if hwm is not None:
                    self.peaks[(name, p)] = max(hwm, self.peaks.get((name, p), 0.0))

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval_s)

    def __enter__(self) -> MemorySampler:
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()

    def peak(self, label: str) -> tuple[float, int]:
        """Largest peak among processes with this label, and how many such processes there were."""
        values = [v for (name, _pid), v in self.peaks.items() if name == label]
        return (max(values) if values else 0.0), len(values)


def _union_s(intervals: list[tuple[float, float, str]]) -> float:
    total, end = 0.0, float("-inf")
    for start, stop, _ in sorted(intervals):
        if stop <= end:
            continue
        total += stop - max(start, end)
        end = stop
    return total


def bench_instance_yaml(home: Path) -> dict[str, Any]:
    """The production instance, with step logs kept locally: the benchmark measures the pipeline, and an S3
    server on this host would only add noise (step logs on S3 are tested in test_scale_out). Captured as
    production captures them before the upload (weather_flick_batch/compute_logs.py)."""
    import yaml

    config = yaml.safe_load((ROOT / "dagster.yaml").read_text())
    config["compute_logs"] = {"module": "weather_flick_batch.compute_log_capture",
                              "class": "ThreadMirroredLocalComputeLogManager",
                              "config": {"base_dir": str(home / "storage")}}
    return config


def _leg_env(leg: str, home: Path, instance_db: str, warehouse_db: str,
             sources: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WEATHER_FLICK_", "DAGSTER_"))}
    env.update({
        "DAGSTER_HOME": str(home),
        "DAGSTER_PG_HOST": PG_HOST, "DAGSTER_PG_PORT": str(PG_PORT), "DAGSTER_PG_USERNAME": PG_USER,
        "DAGSTER_PG_PASSWORD": "", "DAGSTER_PG_DB": instance_db,
        "WEATHER_FLICK_HOME": str(home / "wfb"),
        "WEATHER_FLICK_WAREHOUSE_URL": f"postgresql+psycopg2://{PG_USER}@{PG_HOST}:{PG_PORT}/{warehouse_db}",
        "WEATHER_FLICK_KMA_MAX_POINTS": str(POINTS),
        "WEATHER_FLICK_EXECUTOR": leg,
        "WEATHER_FLICK_CELERY_BROKER": REDIS_URL,
        "WEATHER_FLICK_CELERY_BACKEND": REDIS_URL,
        "PYTHONPATH": str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
        "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
    })
    if sources is None:  # the offline sample sources, inside the pipeline's processes
        env["WEATHER_FLICK_KTO_SAMPLE_CATALOGUE_SIZE"] = str(DESTINATIONS)
    else:
        env.update({
            "WEATHER_FLICK_KTO_MODE": "live", "WEATHER_FLICK_KTO_BASE_URL": sources["kto"],
            "WEATHER_FLICK_KTO_API_KEYS": API_KEY,
            "WEATHER_FLICK_KMA_MODE": "live", "WEATHER_FLICK_KMA_BASE_URL": sources["kma"],
            "WEATHER_FLICK_KMA_API_KEYS": API_KEY,
            "WEATHER_FLICK_REDIS_URL": CACHE_URL,
        })
    return env


def _start_sources(logs: Path) -> tuple[subprocess.Popen, dict[str, str]]:
    """The KMA and TourAPI servers (source_servers.py) in their own process; their base URLs."""
    proc = subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / "source_servers.py"), str(DESTINATIONS)],
                            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=open(logs / "sources.log", "w"), text=True,  # noqa: SIM115
                            start_new_session=True)
    line = proc.stdout.readline()
    if not line:
        proc.wait()
        raise RuntimeError(f"source servers did not start: {_last_line(logs / 'sources.log')}")
    return proc, json.loads(line)


def _migrate_instance(env: dict[str, str], logs: Path) -> None:
    """`make instance-migrate`: the instance schema exists before any worker or run touches it."""
    with open(logs / "instance_migrate.log", "w") as log:
        subprocess.run([str(BIN / "dagster"), "instance", "migrate"], cwd=ROOT, env=env, stdout=log,
                       stderr=subprocess.STDOUT, check=True, timeout=120)


def _start_workers(env: dict[str, str], logs: Path) -> list[subprocess.Popen]:
    """Two workers, one process each, exactly as `make worker` starts them (plus a name and -c 1)."""
    workers = []
    for i in range(1, CELERY_WORKERS + 1):
        log = open(logs / f"worker{i}.log", "w")  # noqa: SIM115 - closed with the process
        workers.append(subprocess.Popen(
            [str(BIN / "dagster-celery"), "worker", "start", "-A", "dagster_celery.app",
             "-y", str(ROOT / "deploy" / "celery.yaml"), "-n", f"bench{i}", "--", "-c", "1"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        ))
    # Ready when both answer a ping over the broker.
    from celery import Celery

    app = Celery(broker=REDIS_URL, backend=REDIS_URL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if len(app.control.ping(timeout=0.5) or []) >= CELERY_WORKERS:
            return workers
        if any(w.poll() is not None for w in workers):
            break
    _stop(workers)
    raise RuntimeError(f"Celery workers did not come up; see {logs}")


def _stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _run_leg(leg: str, scratch: Path, follow_up=None) -> tuple[dict[str, Any], MemorySampler, list[dict]]:
    """One leg on fresh databases, a fresh server process and an empty cache; (result, sampler, rows).

    ``follow_up`` (bench_incremental): ``follow_up.env()`` is added to the leg's environment, and
    ``follow_up(state)`` runs after the leg, before anything is torn down, on the leg's databases, source
    servers and cache; ``state`` has env, home, urls, instance_db, warehouse_db, result and sampler. Its rows
    are returned (an exception in it is reported as a NOT MEASURED row, the leg's own rows stay).
    """
    instance_db, warehouse_db = create_database("wfb_bench_inst"), create_database("wfb_bench_wh")
    home = scratch / leg
    home.mkdir()
    import yaml

    (home / "dagster.yaml").write_text(yaml.safe_dump(bench_instance_yaml(home)))
    import redis

    workers: list[subprocess.Popen] = []
    redis_client = None
    sources: subprocess.Popen | None = None
    cache = redis.Redis.from_url(CACHE_URL)
    try:
        cache.flushdb()
        sources, urls = _start_sources(home)
        env = _leg_env(leg, home, instance_db, warehouse_db, urls)
        if follow_up is not None:
            env.update(follow_up.env())
        roots: dict[str, int] = {"sources": sources.pid}
        _migrate_instance(env, home)
        if leg == "celery":
            redis_client = redis.Redis.from_url(REDIS_URL)
            redis_client.flushdb()
            workers = _start_workers(env, home)
            roots.update({f"worker{i}": w.pid for i, w in enumerate(workers, 1)})
        out = home / "result.json"
        child = subprocess.Popen([sys.executable, __file__, "--leg", leg, "--out", str(out)], cwd=ROOT, env=env,
                                 stdout=subprocess.DEVNULL, stderr=open(home / "run.log", "w"))  # noqa: SIM115
        roots["run"] = child.pid
        with MemorySampler(roots) as sampler:
            try:
                child.wait(timeout=LEG_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
                load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
                raise RuntimeError(f"{leg} leg took over {LEG_TIMEOUT_S} s (load average {load}); "
                                   f"last log line: {_last_line(home / 'run.log')}") from None
        if child.returncode != 0:
            raise RuntimeError(f"{leg} leg exited {child.returncode}: {_last_line(home / 'run.log')}")
        result = json.loads(out.read_text())
        follow_rows: list[dict] = []
        if follow_up is not None:
            state = {"env": env, "home": home, "urls": urls, "instance_db": instance_db,
                     "warehouse_db": warehouse_db, "result": result, "sampler": sampler}
            try:
                follow_rows = follow_up(state)
            except Exception as exc:  # noqa: BLE001 - the leg's own rows stay
                follow_rows = [{"benchmark": getattr(follow_up, "name", "follow-up"),
                                "case": f"NOT MEASURED: {str(exc)[:300]}", "value": None, "unit": ""}]
        return result, sampler, follow_rows
    finally:
        _stop(workers)
        if sources is not None:
            sources.stdin.close()
            _stop([sources])
        cache.flushdb()
        cache.close()
        if redis_client is not None:
            redis_client.flushdb()
            redis_client.close()
        drop_database(instance_db)
        drop_database(warehouse_db)


def _last_line(path: Path) -> str:
    """The last non-empty line of a log (the scratch directory is deleted after the run)."""
    lines = [line for line in path.read_text(errors="replace").splitlines() if line.strip()] if path.exists() else []
    return lines[-1][:200] if lines else "(empty)"


def _rows(leg: str, result: dict[str, Any], sampler: MemorySampler) -> list[dict]:
    intervals = [tuple(i) for i in result["intervals"]]
    wall = result["wall_s"]
    work = sum(stop - start for start, stop, _ in intervals)
    busy = _union_s(intervals)
    ok = result["runs_succeeded"] == result["runs"]
    note = "" if ok else f" [{result['runs'] - result['runs_succeeded']}/{result['runs']} runs FAILED]"
    case = f"{leg}{note}"
    rows: list[dict] = [
        {"benchmark": "nationwide", "case": f"{case}: wall, {result['runs']} runs, {len(intervals)} steps",
         "value": wall, "unit": "s", **({"goal": f"< {GOAL_WALL_S:.0f} s", "met": ok and wall < GOAL_WALL_S}
                                        if leg == "in_process" else {})},
        {"benchmark": "nationwide", "case": f"{case}: work (sum of step durations)", "value": work, "unit": "s"},
        {"benchmark": "nationwide", "case": f"{case}: Dagster overhead (wall - time any step ran)",
         "value": wall - busy, "unit": "s", "baseline": wall, "ratio": (wall - busy) / wall if wall else None},
        {"benchmark": "nationwide", "case": f"{case}: overhead per step ({len(intervals)} steps; most runs at "
         f"once: {result.get('runs_at_once', 1)})", "value": (wall - busy) / len(intervals) if intervals else None,
         "unit": "s"},
    ]
    run_peak, _ = sampler.peak("run")
    run_peak = max(run_peak, result["self_maxrss_mb"])
    rows.append({"benchmark": "nationwide", "case": f"{case}: peak RSS, run process", "value": run_peak,
                 "unit": "MB", **({"goal": f"< {GOAL_RSS_MB:.0f} MB", "met": run_peak < GOAL_RSS_MB}
                                  if leg == "in_process" else {})})
    if result.get("peak_growth_mb"):
        job, growth = max(result["peak_growth_mb"].items(), key=lambda kv: kv[1])
        rows.append({"benchmark": "nationwide", "case": f"{case}: peak RSS raised most by job {job}",
                     "value": growth, "unit": "MB"})
    child_peak, n_children = sampler.peak("run child")
    if n_children:
        # Multiprocess: the step processes. Otherwise only Dagster's compute-log `tail` helpers.
        kind = "step processes" if leg == "multiprocess" else "log-tailing helpers"
        rows.append({"benchmark": "nationwide", "case": f"{case}: peak RSS, largest child ({n_children} {kind})",
                     "value": child_peak, "unit": "MB"})
    for label in sorted(lbl for lbl in {name for name, _ in sampler.peaks} if lbl.startswith("worker")):
        if label.endswith("child"):
            continue
        # The CLI's process, Celery's main process, and the pool process(es) that run the steps. The
        # pool process lives across tasks, so its peak is that of the heaviest step it ran.
        main_peak, _ = sampler.peak(label)
        pool_peak, n_pool = sampler.peak(f"{label} child")
        rows.append({"benchmark": "nationwide", "case": f"{case}: peak RSS, {label} step (pool) process",
                     "value": pool_peak, "unit": "MB"})
        rows.append({"benchmark": "nationwide", "case": f"{case}: peak RSS, {label} CLI process",
                     "value": main_peak, "unit": "MB"})
    source_peak, _ = sampler.peak("sources")
    rows.append({"benchmark": "nationwide", "case": f"{case}: peak RSS, KMA + TourAPI servers (stand-in for the "
                 "remote APIs, not the pipeline)", "value": source_peak, "unit": "MB"})
    if result["steps_by_worker"]:
        split = ", ".join(f"{k}: {v}" for k, v in sorted(result["steps_by_worker"].items()))
        rows.append({"benchmark": "nationwide", "case": f"{case}: steps per worker ({split})",
                     "value": sum(result["steps_by_worker"].values()), "unit": "steps"})
    if result["failures"]:
        first_lines = sorted({f.split(": dagster._core.errors.")[0][:120] for f in result["failures"]})
        rows.append({"benchmark": "nationwide", "case": f"{case}: failed steps: {'; '.join(first_lines[:3])}",
                     "value": len(result["failures"]), "unit": "steps"})
    return rows


def run(legs: tuple[str, ...] = LEGS, follow_up=None) -> list[dict]:
    """Every leg's rows. ``follow_up`` continues the in-process leg's state (benchmarks/run.py passes
    bench_incremental's, so the incremental path does not pay a second full refresh): see ``_run_leg``."""
    rows: list[dict] = []
    walls: dict[str, tuple[float, bool]] = {}
    with tempfile.TemporaryDirectory(prefix="wfb_bench_nationwide_") as tmp:
        for leg in legs:
            print(f"  nationwide: {leg} ...", file=sys.stderr, flush=True)
            try:
                result, sampler, follow_rows = _run_leg(leg, Path(tmp), follow_up if leg == "in_process" else None)
            except Exception as exc:  # noqa: BLE001 - a leg that cannot run is reported, not hidden
                rows.append({"benchmark": "nationwide", "case": f"{leg}: NOT MEASURED: {str(exc)[:300]}",
                             "value": None, "unit": ""})
                continue
            rows.extend(_rows(leg, result, sampler))
            rows.extend(follow_rows)
            walls[leg] = (result["wall_s"], result["runs_succeeded"] == result["runs"])
    rows.extend(_distributed_rows(walls))
    return rows


def _distributed_rows(walls: dict[str, tuple[float, bool]]) -> list[dict]:
    """Each distributed leg's wall against the in-process leg's, measured in the same run."""
    if "in_process" not in walls:
        return []
    baseline, baseline_ok = walls["in_process"]
    rows = []
    for leg, goal in DISTRIBUTED_GOALS.items():
        if leg not in walls:
            continue
        wall, ok = walls[leg]
        ratio = wall / baseline if baseline else None
        rows.append({"benchmark": "nationwide", "case": f"{leg} (independent runs at once) vs in process: wall"
                     + ("" if ok and baseline_ok else " [runs FAILED]"), "value": wall, "unit": "s",
                     "baseline": baseline, "ratio": ratio, "goal": f"<= {goal:g} x",
                     "met": bool(ok and baseline_ok and ratio is not None and ratio <= goal)})
    return rows


if __name__ == "__main__":
    if len(sys.argv) >= 5 and sys.argv[1] == "--leg":
        data = _child(sys.argv[2])
        Path(sys.argv[4]).write_text(json.dumps(data))
    else:
        chosen = tuple(a for a in sys.argv[1:] if a in LEGS) or LEGS
        for row in run(chosen):
            print(row)
