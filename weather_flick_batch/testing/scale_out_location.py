"""The code location the scale-out tests and the nationwide benchmark load: the real definitions,
with the executor ``WEATHER_FLICK_EXECUTOR`` asks for (weather_flick_batch/execution.py).

Once ``weather_flick_batch/definitions.py`` passes ``executor=build_executor()`` itself, this module
adds nothing and is the production location under another name. Until then it attaches the executor
here, so the tests exercise exactly the executor production would get from the same settings.
It is imported by every process of a test deployment (code server, run workers, Celery workers),
so it lives in the installed package (``weather_flick_batch.testing``), importable from any of them.
Test use only: production loads ``weather_flick_batch.definitions``.
"""

from __future__ import annotations

import dagster as dg

from weather_flick_batch.definitions import build_definitions
from weather_flick_batch.execution import build_executor

MODULE = __name__
ATTRIBUTE = "defs"


def build() -> dg.Definitions:
    """The production definitions, built now from the settings in effect, plus the configured executor
    (unless they already carry one)."""
    defs = build_definitions()
    if defs.executor is not None:
        return defs
    return dg.Definitions.merge(defs, dg.Definitions(executor=build_executor()))


def _location() -> dg.Definitions:
    """The production module's own object when it carries the executor: a process that preloaded it (the
    multiprocess executor's forkserver, weather_flick_batch/step_preload.py) builds nothing again."""
    from weather_flick_batch import definitions

    return definitions.defs if definitions.defs.executor is not None else build()


defs = _location()
