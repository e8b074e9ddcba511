"""Errors of the API client layer, and how an upstream answer is classified into one.

The gateway answers bad keys, spent quotas and outages with an XML ``OpenAPI_ServiceResponse`` even
when JSON was requested, and the services themselves use a ``response.header.resultCode`` (2 digits
for KMA, 4 for KTO). Every failure is mapped onto a small exception hierarchy so callers can decide:
retry (:class:`TransientApiError`), try the previous issuance (:class:`NoDataError`), stop for the day
(:class:`QuotaExhaustedError`) or stop and fix a setting (:class:`ApiConfigurationError`).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

#: Result codes shared by KMA (``"03"``) and KTO (``"0003"``), keyed by integer value.
RESULT_CODE_NAMES: dict[int, str] = {
    0: "NORMAL_SERVICE",
    1: "APPLICATION_ERROR",
    2: "DB_ERROR",
    3: "NODATA_ERROR",
    4: "HTTP_ERROR",
    5: "SERVICETIME_OUT",
    10: "INVALID_REQUEST_PARAMETER_ERROR",
    11: "NO_MANDATORY_REQUEST_PARAMETERS_ERROR",
    12: "NO_OPENAPI_SERVICE_ERROR",
    20: "SERVICE_ACCESS_DENIED_ERROR",
    21: "TEMPORARILY_DISABLE_THE_SERVICEKEY_ERROR",
    22: "LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR",
    30: "SERVICE_KEY_IS_NOT_REGISTERED_ERROR",
    31: "DEADLINE_HAS_EXPIRED_ERROR",
    32: "UNREGISTERED_IP_ERROR",
    33: "UNSIGNED_CALL_ERROR",
    99: "UNKNOWN_ERROR",
}

_TRANSIENT_CODES = frozenset({1, 2, 4, 5, 99})
_CONFIG_CODES = frozenset({10, 11, 12, 20, 21, 30, 31, 32, 33})
_NODATA_CODE = 3
_QUOTA_CODE = 22

# --------------------------------------------------------------------------------------------
# Exceptions
# --------------------------------------------------------------------------------------------


class ApiError(Exception):
    """Base class: a call to an upstream API failed.

    ``str(exc)`` is a single human-readable line that never contains an API key (the client
    redacts it before constructing the exception).
    """

    def __init__(self, message: str, *, service: str, operation: str, code: str | None = None) -> None:
        # Collapse to one line: messages end up in Dagster event logs and run metadata.
        message = " ".join(str(message).split())
        super().__init__(message)
        self.message = message
        self.service = service
        self.operation = operation
        self.code = code

    def __str__(self) -> str:
        return self.message


class TransientApiError(ApiError):
    """Retryable failure: result codes 01/02/04/05/99, HTTP 5xx or 429, timeouts, connection errors."""


class MalformedResponseError(TransientApiError):
    """The body could not be parsed as the expected JSON (truncated, HTML error page, missing header)."""


class NoDataError(ApiError):
    """Result code 03 NODATA_ERROR: the issuance is not published yet or too old to be served."""


class QuotaExhaustedError(ApiError):
    """Result code 22 on every configured key: the daily quota is spent."""


class ApiConfigurationError(ApiError):
    """The request can never succeed as configured (bad key, wrong base URL, bad parameter)."""


def _code_int(code: str | int | None) -> int | None:
    """Integer value of a result code, tolerating ``"03"``, ``"0003"``, ``3`` and whitespace."""
    if code is None:
        return None
    text = str(code).strip()
    return int(text) if text.isdigit() else None


def classify_result_code(code: str) -> type[ApiError] | None:
    """Map a KMA/KTO result code to the exception class it should raise (``None`` on success).

    Codes are compared by integer value, so KMA's ``"22"`` and KTO's ``"0022"`` are the same.
    Unknown or non-numeric codes map to the plain :class:`ApiError`: not retried, because
    retrying an error we do not understand would only spend quota.
    """
    value = _code_int(code)
    if value is None:
        return ApiError
    if value == 0:
        return None
    if value in _TRANSIENT_CODES:
        return TransientApiError
    if value == _NODATA_CODE:
        return NoDataError
    if value == _QUOTA_CODE:
        return QuotaExhaustedError
    if value in _CONFIG_CODES:
        return ApiConfigurationError
    return ApiError


_XML_CODE_RE = re.compile(r"<returnReasonCode>\s*([^<\s]+)\s*</returnReasonCode>", re.IGNORECASE)
_XML_MSG_RE = re.compile(r"<returnAuthMsg>\s*([^<]*?)\s*</returnAuthMsg>", re.IGNORECASE)
_XML_RESULT_CODE_RE = re.compile(r"<resultCode>\s*([^<\s]+)\s*</resultCode>", re.IGNORECASE)
_XML_RESULT_MSG_RE = re.compile(r"<resultMsg>\s*([^<]*?)\s*</resultMsg>", re.IGNORECASE)


def parse_gateway_xml(text: str | bytes) -> tuple[str, str] | None:
    """Extract ``(reason_code, auth_msg)`` from an XML error body, or ``None`` if it is not one.

    Recognises the gateway's ``<OpenAPI_ServiceResponse>`` (``returnReasonCode`` /
    ``returnAuthMsg``) and, because some KMA operations answer errors as XML regardless of
    ``dataType``, a plain ``<response><header><resultCode>`` document. Parsing uses
    :mod:`xml.etree`; when the XML is damaged (junk around it, truncated) a regex fallback
    still finds the code. Returns ``None`` when no code can be found.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    if "<" not in text:
        return None
    start = text.find("<")
    try:
        # Drop anything before the first tag (BOMs, whitespace, junk) before parsing.
        root = ET.fromstring(text[start:].strip())
    except ET.ParseError:
        root = None
    if root is not None:
        code_el = root.find(".//returnReasonCode")
        if code_el is not None and (code_el.text or "").strip():
            msg_el = root.find(".//returnAuthMsg")
            return code_el.text.strip(), ((msg_el.text or "").strip() if msg_el is not None else "")
        code_el = root.find(".//header/resultCode")
        if code_el is not None and (code_el.text or "").strip():
            msg_el = root.find(".//header/resultMsg")
            return code_el.text.strip(), ((msg_el.text or "").strip() if msg_el is not None else "")
        return None
    for code_re, msg_re in ((_XML_CODE_RE, _XML_MSG_RE), (_XML_RESULT_CODE_RE, _XML_RESULT_MSG_RE)):
        code_match = code_re.search(text)
        if code_match:
            msg_match = msg_re.search(text)
            return code_match.group(1), (msg_match.group(1) if msg_match else "")
    return None
