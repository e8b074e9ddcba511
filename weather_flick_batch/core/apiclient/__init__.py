"""Shared HTTP client layer for the data.go.kr style APIs (KMA weather, KTO TourAPI).

Dagster-free on purpose: assets and resources wrap it, tests drive it against a local
fault-injecting server, and nothing here needs a Dagster context.

What it handles, and why (one module each; import the names from this package):

* Error classification (:mod:`.errors`). The gateway answers bad keys, spent quotas and outages
  with an XML ``OpenAPI_ServiceResponse`` even when JSON was requested, and the services themselves
  use a ``response.header.resultCode`` (2 digits for KMA, 4 for KTO). Every failure is mapped onto a
  small exception hierarchy so callers can decide: retry (:class:`TransientApiError`), try the
  previous issuance (:class:`NoDataError`), stop for the day (:class:`QuotaExhaustedError`) or
  stop and fix a setting (:class:`ApiConfigurationError`). :mod:`.decoding` applies it to each answer.
* Secrets (:mod:`.redaction`). The API key travels in the query string, so every log line and
  exception message goes through :func:`redact_url` / :func:`redact_text`, and exceptions raised
  by ``requests`` (whose messages contain the full URL) are never chained.
* Quota (:mod:`.keys`, :mod:`.cache`, :mod:`.archive`). Several keys can be configured; a key that
  reports code 22 is marked spent for the life of the client and the next key is used. Responses
  can be cached (Redis or in-memory) so re-runs do not spend quota twice, and archived raw (local
  disk or S3) for replay and audit.
* Requests (:mod:`.client`): :class:`ApiClient`, retry with full-jitter backoff; paged listings
  (:mod:`.paging`): :func:`fetch_all_pages`.
"""

from weather_flick_batch.core.apiclient.archive import LocalRawArchive, RawArchive, S3RawArchive
from weather_flick_batch.core.apiclient.cache import (
    InMemoryResponseCache,
    RedisResponseCache,
    ResponseCache,
    cache_key,
)
from weather_flick_batch.core.apiclient.client import ApiClient, ApiStats
from weather_flick_batch.core.apiclient.errors import (
    RESULT_CODE_NAMES,
    ApiConfigurationError,
    ApiError,
    MalformedResponseError,
    NoDataError,
    QuotaExhaustedError,
    TransientApiError,
    classify_result_code,
    parse_gateway_xml,
)
from weather_flick_batch.core.apiclient.paging import EMPTY_PAGE_RETRIES, IncompleteListingError, fetch_all_pages
from weather_flick_batch.core.apiclient.redaction import SECRET_PARAM_NAMES, redact_text, redact_url

__all__ = [
    "SECRET_PARAM_NAMES",
    "RESULT_CODE_NAMES",
    "ApiError",
    "TransientApiError",
    "MalformedResponseError",
    "NoDataError",
    "QuotaExhaustedError",
    "ApiConfigurationError",
    "classify_result_code",
    "parse_gateway_xml",
    "redact_url",
    "redact_text",
    "ResponseCache",
    "RedisResponseCache",
    "InMemoryResponseCache",
    "cache_key",
    "RawArchive",
    "LocalRawArchive",
    "S3RawArchive",
    "ApiStats",
    "ApiClient",
    "fetch_all_pages",
]
