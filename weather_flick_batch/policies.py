"""Global policies, applied in one place to every asset so no domain can forget them.

- Every asset has an owner and lists the storage it writes to.
- Every asset that calls an external API is declared with ``**network_step(api)``: the one place that
  gives it the tag ``weather_flick/network`` naming the API, the API's pool (how many steps may call it at
  once, across runs; limits in dagster.yaml) and the step retry policy with exponential backoff and jitter
  (``NETWORK_RETRY``). test_definitions checks that no asset carries one of the three without the others,
  and the golden graph snapshot records every asset's retry policy, pool and tags.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager

import dagster as dg

from weather_flick_batch import settings

DEFAULT_OWNER = "team:data-platform"
NETWORK_TAG = "weather_flick/network"

# One pool per external API: dagster.yaml's concurrency limits bound the steps calling each at once.
NETWORK_POOLS = {"kma": "kma_api", "kto": "kto_api", "airkorea": "airkorea_api"}

# 3 retries after 10 s, 20 s, 40 s (+- jitter) by default: rides out API hiccups and brief outages
# without hammering a quota. Single requests are retried inside the clients first, so step retries
# are the second line of defence. The base delay is a setting (read once, at load).
NETWORK_RETRY = dg.RetryPolicy(
    max_retries=3,
    delay=settings.get("WEATHER_FLICK_STEP_RETRY_DELAY_S"),
    backoff=dg.Backoff.EXPONENTIAL,
    jitter=dg.Jitter.PLUS_MINUS,
)


# Run priority and concurrency lanes (run tags; asset tags do not become run tags). Higher priority
# dequeues first: health and weather above sync, sync above analytics, analytics above maintenance.
# dagster.yaml limits the sync, analytics and maintenance lanes so a long crawl never starves weather.
LANE_TAGS: dict[str, dict[str, str]] = {
    "health": {"dagster/priority": "10", "weather_flick/lane": "health", "dagster/max_runtime": "300"},
    "weather": {"dagster/priority": "8", "weather_flick/lane": "weather", "dagster/max_runtime": "1800"},
    "sync": {"dagster/priority": "5", "weather_flick/lane": "sync", "dagster/max_runtime": "3600"},
    "analytics": {"dagster/priority": "2", "weather_flick/lane": "analytics", "dagster/max_runtime": "1800"},
    "maintenance": {"dagster/priority": "0", "weather_flick/lane": "maintenance", "dagster/max_runtime": "7200"},
}


def network_step(api: str) -> dict:
    """The decorator arguments of an asset that calls ``api`` (a key of NETWORK_POOLS): its tag, pool
    and retry policy, decided here and nowhere else (``@dg.asset(**network_step("kma"), ...)``)."""
    return {"tags": {NETWORK_TAG: api}, "pool": NETWORK_POOLS[api], "retry_policy": NETWORK_RETRY}


@contextmanager
def permanent_write_errors():
    """A write the database refused will be refused again: fail the step once, with its one line."""
    from weather_flick_batch.warehouse.warehouse import WarehouseWriteError

    try:
        yield
    except WarehouseWriteError as exc:
        if exc.transient:
            raise
        raise dg.Failure(str(exc), allow_retries=False) from None


def apply_owner(spec: dg.AssetSpec) -> dg.AssetSpec:
    if spec.owners:
        return spec
    return spec.replace_attributes(owners=[DEFAULT_OWNER])


def apply_global_policies(defs: dg.Definitions) -> dg.Definitions:
    # map_asset_specs is marked "preview" in Dagster 1.13; it is the documented way to apply a
    # policy to every asset, and the golden graph snapshot test would catch a behaviour change.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=dg.PreviewWarning)
        return defs.map_asset_specs(func=apply_owner)
