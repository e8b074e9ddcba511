"""Step logs (stdout/stderr of every step) on S3, configured by the platform's own settings.

The production dagster.yaml names this class under ``compute_logs``: every process that runs steps (the
code server's run workers, Celery workers on other hosts) uploads its step logs to the same bucket as
backups and raw archives (``WEATHER_FLICK_S3_BUCKET``, ``WEATHER_FLICK_S3_ENDPOINT_URL``,
``WEATHER_FLICK_S3_REGION``, credentials from the standard AWS variables), so the UI shows every step's
logs whichever host ran it. A local file manager would leave them on the worker's disk.

It is Dagster's ``S3ComputeLogManager`` with its connection read from the settings instead of the yaml,
so one set of variables configures S3 for the whole platform and no endpoint has to be written twice,
and with a lighter capture (compute_log_capture.py, also usable alone for step logs on the local disk).
"""

from collections.abc import Mapping
from typing import Any

from dagster import Field, Noneable, StringSource
from dagster_aws.s3.compute_log_manager import S3ComputeLogManager

from weather_flick_batch import settings
from weather_flick_batch.compute_log_capture import ThreadMirroredLocalComputeLogManager

class SettingsS3ComputeLogManager(S3ComputeLogManager):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The same local files S3ComputeLogManager uploads, captured without helper processes.
        self._local_manager = ThreadMirroredLocalComputeLogManager(self._local_manager._base_dir)

    @classmethod
    def config_type(cls):
        return {
            "prefix": Field(StringSource, is_required=False, default_value="dagster/compute-logs"),
            "local_dir": Field(StringSource, is_required=False),
            # Seconds between partial uploads while a step runs (None: at the end of each step only).
            "upload_interval": Field(Noneable(int), is_required=False, default_value=30),
            "skip_empty_files": Field(bool, is_required=False, default_value=True),
        }

    @classmethod
    def from_config_value(cls, inst_data: Any, config_value: Mapping[str, Any]):
        # The webserver and the daemon build the instance before they load the code location (which
        # reads .env): read it here too, so S3 set only in .env reaches the step logs.
        settings.load_env_file()
        bucket = settings.get("WEATHER_FLICK_S3_BUCKET")
        if not bucket:
            raise settings.SettingsError(
                "WEATHER_FLICK_S3_BUCKET is empty: the production dagster.yaml keeps step logs on S3 "
                "(compute_logs); set the bucket (and WEATHER_FLICK_S3_ENDPOINT_URL for an S3-compatible server)")
        return cls(inst_data=inst_data, bucket=bucket, endpoint_url=settings.get("WEATHER_FLICK_S3_ENDPOINT_URL") or None,
                   region=settings.get("WEATHER_FLICK_S3_REGION") or None, **config_value)
