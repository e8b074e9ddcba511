"""A local HTTP server that answers like the KTO TourAPI (KorService2), backed by the sample source.

``TourApiFake.source`` can be swapped mid-test to simulate changes and withdrawals at KTO.
"""

from __future__ import annotations

import json
from datetime import date

from weather_flick_batch.destinations.sample_source import TourApiSampleSource
from weather_flick_batch.testing.fakes.http_fault_server import FaultPlan, FaultServer

KTO_PREFIX = "/B551011/KorService2/"


class TourApiFake:
    def __init__(self, today: date, plan: FaultPlan | None = None) -> None:
        self.source = TourApiSampleSource(today)
        self.server = FaultServer(self.handle, plan=plan, prefix=KTO_PREFIX, key_param="serviceKey")

    def handle(self, operation: str, params: dict[str, str]) -> tuple[int, str, bytes]:
        payload = self.source.respond(operation, params)
        return 200, "application/json;charset=UTF-8", json.dumps(payload, ensure_ascii=False).encode("utf-8")

    def __enter__(self) -> TourApiFake:
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()
