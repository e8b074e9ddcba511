"""The maintenance domain's definitions: backup and cleanup jobs, their schedules, the retry sensor.

No resources here: ``warehouse`` and ``s3`` are built once, centrally, from settings
(``weather_flick_batch.resources.build_resources``). The sensor targets the weather and
destination-sync jobs, which their own domains define; merging with those domains is what
resolves them.
"""

import dagster as dg

from weather_flick_batch.maintenance import ops
from weather_flick_batch.maintenance.config import validate_settings
from weather_flick_batch.maintenance.jobs import jobs, schedules
from weather_flick_batch.maintenance.sensors import sensors

# A wrong retention or retry setting fails the code location at load, one line naming it.
validate_settings()

defs = dg.Definitions(assets=[ops.BACKUP_SPEC, ops.INSTANCE_BACKUP_SPEC], jobs=jobs, schedules=schedules,
                      sensors=sensors)
