"""Step logs (stdout/stderr of every step) on S3, configured by the platform's own settings.

The production dagster.yaml names this class under ``compute_logs``: every process that runs steps (the
code server's run workers, Celery workers on other hosts) uploads its step logs to the same bucket as
backups and raw archives (``WEATHER_FLICK_S3_BUCKET``, ``WEATHER_FLICK_S3_ENDPOINT_URL``,
``WEATHER_FLICK_S3_REGION``, credentials from the standard AWS variables), so the UI shows every step's
logs whichever host ran it. A local file manager would leave them on the worker's disk.

It is Dagster's ``S3ComputeLogManager`` with its connection read from the settings instead of the yaml,
so one set of variables configures S3 for the whole platform and no endpoint has to be written twice,
and with a lighter capture (:class:`ThreadMirroredLocalComputeLogManager`, also usable alone for logs on
the local disk).
"""

import os
import sys
import threading
from collections.abc import Generator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from dagster import Field, Noneable, StringSource
from dagster._core.execution.compute_logs import _fileno, redirect_to_file
from dagster._core.storage.compute_log_manager import CapturedLogContext, ComputeIOType
from dagster._core.storage.local_compute_log_manager import IO_TYPE_EXTENSION, LocalComputeLogManager
from dagster._utils import ensure_file, touch_file
from dagster_aws.s3.compute_log_manager import S3ComputeLogManager

from weather_flick_batch import settings

_MIRROR_POLL_S = 0.05


@contextmanager
def _mirrored_to_file(stream, path: str):
    """What the process writes to ``stream`` (its file descriptor: print, logging, C extensions, child
    processes) goes to ``path``, and is copied from there to where ``stream`` went before, by a thread.

    Dagster's own mirror (``mirror_stream_to_file``) starts a ``tail -F`` and a Python interpreter that
    watches for its orphaning, per stream and per capture: four processes for every run in process and
    every step of the multiprocess and Celery executors (0.04 s of wall and 0.03 s of CPU each time on this
    2-core host, 1.2 s of a nationwide refresh's 30 runs). A thread needs no watcher: it ends with the process.
    """
    ensure_file(path)
    fd = _fileno(stream)
    if fd is None:  # not a real file (a test runner's stand-in): nothing at the descriptor level to mirror
        with redirect_to_file(stream, path):
            yield
        return
    console = os.dup(fd)
    stop = threading.Event()

    def copy() -> None:
        with open(path, "rb") as source:  # from the start, as `tail -c +0` did
            while True:
                chunk = source.read(65536)
                if chunk:
                    os.write(console, chunk)
                elif stop.is_set():
                    return
                else:
                    stop.wait(_MIRROR_POLL_S)

    mirror = threading.Thread(target=copy, name=f"compute-log-mirror-{fd}", daemon=True)
    mirror.start()
    try:
        with redirect_to_file(stream, path):
            yield
    finally:
        stop.set()
        mirror.join(timeout=10)
        os.close(console)


class ThreadMirroredLocalComputeLogManager(LocalComputeLogManager):
    """Dagster's local compute log manager (same files, same layout, same readers) capturing through
    :func:`_mirrored_to_file` instead of two helper processes per stream."""

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        return cls(inst_data=inst_data, **config_value)

    @contextmanager
    def capture_logs(self, log_key: Sequence[str]) -> Generator[CapturedLogContext, None, None]:
        outpath = self.get_captured_local_path(log_key, IO_TYPE_EXTENSION[ComputeIOType.STDOUT])
        errpath = self.get_captured_local_path(log_key, IO_TYPE_EXTENSION[ComputeIOType.STDERR])
        with _mirrored_to_file(sys.stdout, outpath), _mirrored_to_file(sys.stderr, errpath):
            yield CapturedLogContext(log_key)
        # leave the artifact Dagster's readers look for: the capture is complete
        touch_file(self.complete_artifact_path(log_key))


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
