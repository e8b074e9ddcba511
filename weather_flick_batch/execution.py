"""Which executor runs the steps of a run: in-process, multiprocess or Celery, chosen by a setting.

``WEATHER_FLICK_EXECUTOR`` picks one:

- ``in_process`` (default): every step of a run in the run worker's process. Our steps are short and
  write straight to the warehouse, so this is the fastest choice on one machine (no process start-up
  or re-import per step). It is also what ``make run`` uses (``execute_in_process``).
- ``multiprocess``: one subprocess per step on the run worker's machine, forked from a server that
  has the code location loaded (start method ``forkserver``), at most
  ``WEATHER_FLICK_EXECUTOR_MAX_CONCURRENT`` at a time (0: Dagster's default, the CPU count).
- ``celery``: each step becomes a Celery task on the broker (Redis) and runs in whichever
  ``dagster-celery`` worker takes it (``make worker``; see ``docs/topology.md``). The run worker only
  orchestrates: it claims pool slots (``kma_api``, ``kto_api``) in the instance database *before* it
  submits a step, so the per-API pools hold across any number of workers.

Nothing passes between steps through the filesystem: every asset writes to the warehouse (or S3) and
returns a ``MaterializeResult``, and downstream assets read the warehouse. That is what lets a step
run on any worker.

Celery app settings that matter for correctness live in :data:`CELERY_CONFIG_SOURCE` and must be the
same in ``deploy/celery.yaml`` (the workers' config; a test keeps them equal):

- ``task_acks_late`` + ``task_reject_on_worker_lost``: a task is acknowledged only once its step has
  finished, so a worker that dies mid-step leaves the message on the broker and another worker runs
  the step again. Every asset's write is an idempotent replace of its partition (or an upsert by
  natural key), so running a step twice leaves the same rows, never duplicates.
- ``visibility_timeout``: how long Redis waits for an unacknowledged task before handing it to
  another worker. It must exceed the longest step (a task still running when it expires is started a
  second time), so it is the longest ``dagster/max_runtime`` of a lane whose jobs use this executor
  (sync, 3600 s; maintenance jobs pin the in-process executor). The price: a step lost with its
  worker is picked up again only after that long; in the weather and analytics lanes
  (``dagster/max_runtime`` 1800 s) run monitoring cancels the run first, and the cancelled run
  revokes its tasks. Lower it (here and in deploy/celery.yaml) once step durations are known.
- ``worker_prefetch_multiplier: 1``: a worker reserves one task at a time, so a busy worker does not
  sit on steps an idle one could run (and a killed worker takes at most one step with it).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import dagster as dg

from weather_flick_batch import settings

EXECUTOR_SETTING = "WEATHER_FLICK_EXECUTOR"
BROKER_SETTING = "WEATHER_FLICK_CELERY_BROKER"
BACKEND_SETTING = "WEATHER_FLICK_CELERY_BACKEND"
MAX_CONCURRENT_SETTING = "WEATHER_FLICK_EXECUTOR_MAX_CONCURRENT"

EXECUTOR_CHOICES: tuple[str, ...] = ("in_process", "multiprocess", "celery")

#: What the multiprocess executor's forkserver imports once, so that no step process does it again:
#: Dagster's storage, the libraries the steps use and the code location, built (step_preload.py).
FORKSERVER_PRELOAD: tuple[str, ...] = ("weather_flick_batch.step_preload",)

#: How often a run on the Celery executor looks for finished steps (dagster-celery's default: 1 s).
CELERY_TICK_S = 0.1

# The longest lane max_runtime (policies.LANE_TAGS["sync"]): no step may outlive it, so a task
# unacknowledged for longer than this belongs to a dead worker and may be handed to another one.
CELERY_VISIBILITY_TIMEOUT_S = 3600

#: Celery app settings shared by the executor (the sender) and the workers (deploy/celery.yaml).
#: Passed as the executor's ``config_source``; dagster-celery writes the workers' copy into the
#: ``dagster_celery_config`` module it puts on the worker's path.
CELERY_CONFIG_SOURCE: dict[str, Any] = {
    "task_acks_late": True,
    "task_reject_on_worker_lost": True,
    "worker_prefetch_multiplier": 1,
    "broker_transport_options": {
        "visibility_timeout": CELERY_VISIBILITY_TIMEOUT_S,
        # dagster-celery's own defaults for publishing retries, kept (this dict replaces theirs).
        "max_retries": 3,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.5,
    },
    # Results are read once by the run worker right after the step ends; a day is plenty.
    "result_expires": 86400,
    # Leave the worker processes' stdout/stderr alone: Celery would swap them for its logger, and
    # Dagster's step-log capture (compute logs, on S3 in production) would then see nothing.
    "worker_redirect_stdouts": False,
}


def _env_or_value(name: str, env: Mapping[str, str]) -> Any:
    """Executor config for a URL setting: ``{"env": NAME}`` when it is set, else the default literal.

    A broker URL may carry a password; given as an env reference, its value is resolved in the run
    worker when the run starts and never enters the definitions or the run config. The registry
    default (a password-less loopback URL) is passed literally so an unset variable still works.
    """
    value = settings.get(name, env)
    if env.get(name, "").strip():
        return {"env": name}
    return value


def build_executor(environ: Mapping[str, str] | None = None) -> dg.ExecutorDefinition:
    """The executor every job of the code location uses, from ``WEATHER_FLICK_EXECUTOR``.

    Read once at load; an invalid value fails the load with one line naming the variable
    (:class:`weather_flick_batch.settings.SettingsError`).
    """
    env = os.environ if environ is None else environ
    kind = executor_kind(env)
    if kind == "in_process":
        return dg.in_process_executor
    if kind == "multiprocess":
        # forkserver: a server process imports Dagster and the code location once (FORKSERVER_PRELOAD),
        # and every step process is forked from it. The default (spawn) starts a fresh
        # interpreter that imports Dagster, pandas and the location again for every step: 1.5-3 s each
        # on this machine, half the wall of a nationwide refresh (#16). Steps share nothing through the
        # forked memory: resources and connections are made inside the step.
        # The modules are named: with no list Dagster preloads nothing of ours (an empty config reads
        # as an empty list, not as "the job's module" its docs promise).
        config: dict[str, Any] = {"start_method": {"forkserver": {"preload_modules": list(FORKSERVER_PRELOAD)}}}
        max_concurrent = settings.get(MAX_CONCURRENT_SETTING, env)
        if max_concurrent:  # 0 leaves Dagster's default, the CPU count
            config["max_concurrent"] = max_concurrent
        return dg.multiprocess_executor.configured(config, name="multiprocess")
    # celery: imported here so the other executors never pay for importing Celery and kombu.
    from dagster_celery import celery_executor, core_execution_loop

    # The run worker looks for finished tasks once per tick and submits the steps they unblock on the
    # same tick: dagster-celery's 1 s made every step of a chain wait 0.5 s on average, about 1 s per
    # step of a nationwide refresh (#16). It has no setting; the loop reads the module constant on
    # every tick, so this is the one place it is set. A tick costs a Redis GET per step in flight.
    core_execution_loop.TICK_SECONDS = CELERY_TICK_S
    return celery_executor.configured(celery_executor_config(env), name="celery")


def celery_executor_config(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The Celery executor's config: broker and backend from the settings, the shared app settings.

    A URL that is set arrives as ``{"env": NAME}`` (see :func:`_env_or_value`), so a password in it
    never enters the definitions; deploy/celery.yaml gives the workers the same references.
    """
    env = os.environ if environ is None else environ
    return {
        "broker": _env_or_value(BROKER_SETTING, env),
        "backend": _env_or_value(BACKEND_SETTING, env),
        "config_source": CELERY_CONFIG_SOURCE,
    }


def executor_kind(environ: Mapping[str, str] | None = None) -> str:
    """The executor choice (``in_process``, ``multiprocess`` or ``celery``) the environment asks for.

    Raises :class:`~weather_flick_batch.settings.SettingsError`, one line naming the variable, for
    anything else (checked here because the settings registry has no choice parser).
    """
    env = os.environ if environ is None else environ
    raw = settings.get(EXECUTOR_SETTING, env)
    kind = raw.lower().replace("-", "_")
    if kind not in EXECUTOR_CHOICES:
        raise settings.SettingsError(
            f"{EXECUTOR_SETTING}={raw!r} is invalid: expected one of {', '.join(EXECUTOR_CHOICES)}"
        )
    return kind
