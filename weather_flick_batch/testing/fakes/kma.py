"""A local HTTP server that answers like the KMA open API (backed by the sample source)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from weather_flick_batch.core.apiclient import NoDataError
from weather_flick_batch.testing.fakes.http_fault_server import FaultPlan, FaultServer, kma_json_error
from weather_flick_batch.weather.client import SampleKmaSource

KMA_PREFIX = "/1360000/"


def _far_future() -> datetime:
    return datetime.now(tz=timezone.utc) + timedelta(days=1)


_SOURCE = SampleKmaSource(clock=_far_future)


def kma_handler(operation: str, params: dict[str, str]) -> tuple[int, str, bytes]:
    try:
        payload = _SOURCE._get(operation, params, None)
    except NoDataError:
        return 200, "application/json;charset=UTF-8", kma_json_error("03", "NODATA_ERROR")
    except (KeyError, ValueError) as exc:
        return 200, "application/json;charset=UTF-8", kma_json_error("10", f"INVALID_REQUEST_PARAMETER_ERROR {exc}")
    return 200, "application/json;charset=UTF-8", json.dumps(payload, ensure_ascii=False).encode("utf-8")


def kma_server(plan: FaultPlan | None = None) -> FaultServer:
    return FaultServer(kma_handler, plan=plan, prefix=KMA_PREFIX, key_param="serviceKey")
