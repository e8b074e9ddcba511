"""What the multiprocess executor's forkserver imports and builds once (execution.FORKSERVER_PRELOAD).

Every step process is forked from that server, so whatever is loaded here is not loaded again per
step: Dagster's storage and execution modules, the libraries the steps use, and the production code
location with its repository and jobs built (reconstructing a job in the step process then finds
them ready). Importing it has no other effect.
"""

from __future__ import annotations

import alembic.runtime.migration  # noqa: F401 - the instance storage's schema check
import dagster._utils.test  # noqa: F401 - imported when a job is reconstructed from its code pointer
import dagster_postgres  # noqa: F401 - the production instance's storage
import pandas  # noqa: F401
import psycopg2  # noqa: F401
import requests  # noqa: F401
import sqlalchemy  # noqa: F401

import weather_flick_batch.warehouse.warehouse  # noqa: F401
from weather_flick_batch.definitions import defs

defs.get_repository_def().get_all_jobs()
