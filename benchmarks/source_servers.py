"""The KMA and KTO APIs as local HTTP servers in a process of their own (for bench_nationwide).

In production both APIs are remote: their data never lives in the pipeline's processes. The offline
sample mode serves them from inside the run process instead, so at nationwide scale the run
process would also carry the API's side (a 50,000-item catalogue in memory, listing and paging it).
Serving them from here, over HTTP on loopback, keeps the pipeline's numbers the pipeline's own and
exercises the live clients (paging, JSON decoding, the response cache) as production does.

Usage: ``python benchmarks/source_servers.py N`` prints one JSON line ``{"kto": url, "kma": url}``
once both servers answer, and serves until its stdin is closed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(destinations: int) -> None:
    from weather_flick_batch.core.timeutil import now_kst
    from weather_flick_batch.destinations.sample_source import TourApiSampleSource, synthetic_catalogue
    from weather_flick_batch.testing.fakes.http_fault_server import FaultServer
    from weather_flick_batch.testing.fakes.kma import KMA_PREFIX, kma_handler
    from weather_flick_batch.testing.fakes.kma_warnings import warnings_handler
    from weather_flick_batch.testing.fakes.kto import TourApiFake
    from weather_flick_batch.weather_warnings.client import SampleWarningSource

    today = now_kst().date()
    kto = TourApiFake(today)
    # The same deterministic catalogue as WEATHER_FLICK_KTO_SAMPLE_CATALOGUE_SIZE=N would serve.
    kto.source = TourApiSampleSource(today, catalogue=synthetic_catalogue(destinations, seed=1))
    # One KMA host, as in production: the forecasts and the weather warnings (WthrWrnInfoService, which
    # the live warnings client asks on the same base URL) answer from the same server.
    warnings = warnings_handler(SampleWarningSource())

    def kma_and_warnings(operation: str, params: dict[str, str]) -> tuple[int, str, bytes]:
        return (warnings if operation.startswith("WthrWrnInfoService/") else kma_handler)(operation, params)

    with kto, FaultServer(kma_and_warnings, prefix=KMA_PREFIX, key_param="serviceKey") as kma:
        print(json.dumps({"kto": kto.server.base_url.rstrip("/"), "kma": kma.base_url.rstrip("/")}), flush=True)
        sys.stdin.read()  # until the parent closes the pipe (or dies)


if __name__ == "__main__":
    main(int(sys.argv[1]))
