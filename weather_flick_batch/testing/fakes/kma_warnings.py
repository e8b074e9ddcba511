"""A local HTTP server that answers like KMA's WthrWrnInfoService (backed by the warnings sample source).

Same shape as :mod:`.kma`: the production client runs against it over loopback, and the
:class:`FaultPlan` injects faults. The sample's clock is fixed per server (``clock``), so a test can
compare what the live client reads through the server with :class:`SampleWarningSource` at the same
instant.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

from weather_flick_batch.core.apiclient import NoDataError
from weather_flick_batch.testing.fakes.http_fault_server import FaultPlan, FaultServer, kma_json_error
from weather_flick_batch.weather_warnings.client import OP_EVENTS, OP_STATUS, SampleWarningSource

KMA_PREFIX = "/1360000/"
_JSON = "application/json;charset=UTF-8"


def warnings_handler(source: SampleWarningSource) -> Callable[[str, dict[str, str]], tuple[int, str, bytes]]:
    def handler(operation: str, params: dict[str, str]) -> tuple[int, str, bytes]:
        if operation not in (OP_EVENTS, OP_STATUS):
            return 200, _JSON, kma_json_error("12", "NO_OPENAPI_SERVICE_ERROR")
        if params.get("dataType", "XML").upper() != "JSON":
            body = (b"<response><header><resultCode>00</resultCode><resultMsg>NORMAL_SERVICE</resultMsg>"
                    b"</header><body></body></response>")
            return 200, "text/xml;charset=UTF-8", body
        if operation == OP_EVENTS and not (params.get("fromTmFc") and params.get("toTmFc")):
            return 200, _JSON, kma_json_error("11", "NO_MANDATORY_REQUEST_PARAMETERS_ERROR")
        try:
            payload = source._get(operation, params, None)
        except NoDataError:
            return 200, _JSON, kma_json_error("03", "NO_DATA")
        except (KeyError, ValueError) as exc:
            return 200, _JSON, kma_json_error("10", f"INVALID_REQUEST_PARAMETER_ERROR {exc}")
        return 200, _JSON, json.dumps(payload, ensure_ascii=False).encode("utf-8")

    return handler


def kma_warnings_server(plan: FaultPlan | None = None, *, clock: Callable[[], datetime]) -> FaultServer:
    """A FaultServer answering WthrWrnInfoService/getPwnCd and getPwnStatus as the sample does at ``clock()``."""
    return FaultServer(warnings_handler(SampleWarningSource(clock=clock)), plan=plan, prefix=KMA_PREFIX,
                       key_param="serviceKey")
