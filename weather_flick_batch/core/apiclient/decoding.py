"""Response decoding: one HTTP answer becomes the decoded JSON, or the :class:`ApiError` it stands for.

A mixin of :class:`~weather_flick_batch.core.apiclient.client.ApiClient`: it reads the client's
``service``, ``key_setting_name`` and ``extra_params`` and builds errors with its ``_error`` (which
redacts the keys). A quota answer (code 22) is not an error here but a :class:`_QuotaSignal` that the
client turns into a key rotation.
"""

from __future__ import annotations

import json

from weather_flick_batch.core.apiclient.errors import (
    RESULT_CODE_NAMES,
    ApiConfigurationError,
    ApiError,
    MalformedResponseError,
    NoDataError,
    QuotaExhaustedError,
    TransientApiError,
    _code_int,
    classify_result_code,
    parse_gateway_xml,
)


class _QuotaSignal(Exception):
    """Internal: the current key answered code 22; the client rotates and never lets this escape."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_KEY_CODES = frozenset({20, 21, 30, 31, 32, 33})
#: Parameters that switch a data.go.kr service to JSON: KMA ``dataType``, KTO ``_type``, AirKorea ``returnType``.
_JSON_SWITCH_PARAMS = ("dataType", "_type", "returnType")


class ResponseDecodingMixin:
    """Classify result codes and HTTP statuses; parse JSON bodies (part of ``ApiClient``)."""

    def _config_message(self, code_value: int, name: str, code: str, operation: str) -> str:
        """Human message for a configuration code, naming the setting that is probably wrong."""
        what = f"({name}, code {code})"
        if code_value == 32:
            return (f"{self.service} rejected the call because this machine's IP is not registered for the key "
                    f"{what}: register the IP on the portal or check {self.key_setting_name}")
        if code_value in _KEY_CODES:
            return f"{self.service} rejected the API key {what}: check {self.key_setting_name}"
        if code_value == 12:
            return f"{self.service} has no operation {operation!r} {what}: check the base URL and operation name"
        return f"{self.service} rejected the request parameters for {operation} {what}: check the request parameters"

    def _raise_for_code(self, code: str, msg: str, operation: str, source: str) -> None:
        """Raise the error that result ``code`` stands for; return quietly on success."""
        cls = classify_result_code(code)
        if cls is None:
            return
        value = _code_int(code)
        name = msg or RESULT_CODE_NAMES.get(value if value is not None else -1, "unknown error")
        if cls is QuotaExhaustedError:
            raise _QuotaSignal(f"{name}, code {code}")
        if cls is NoDataError:
            raise self._error(
                NoDataError,
                f"{self.service} has no data for {operation} ({name}, code {code}): the issuance is not "
                f"published yet or is too old to be served",
                operation, code,
            )
        if cls is ApiConfigurationError:
            raise self._error(cls, self._config_message(value or 0, name, code, operation), operation, code)
        if cls is TransientApiError:
            raise self._error(cls, f"{self.service} {operation} failed temporarily ({name}, code {code}, {source})",
                              operation, code)
        raise self._error(ApiError, f"{self.service} {operation} returned unknown result code {code!r} ({name})",
                          operation, code)

    def _parse(self, status: int, body: bytes, operation: str) -> dict:
        """Classify one HTTP response; return the decoded JSON on success."""
        xml = parse_gateway_xml(body) if body.lstrip()[:1] == b"<" else None
        if xml is not None:
            code, msg = xml
            self._raise_for_code(code, msg, operation, f"XML, HTTP {status}")
            # A success code in XML means the JSON switch (dataType / _type / returnType) is missing.
            switch = next((n for n in self.extra_params if n in _JSON_SWITCH_PARAMS), "dataType/_type/returnType")
            raise self._error(
                ApiConfigurationError,
                f"{self.service} {operation} answered XML although JSON was requested: check the "
                f"{switch} parameter",
                operation, code,
            )
        if status >= 500 or status == 429:
            raise self._error(TransientApiError, f"{self.service} {operation} failed temporarily (HTTP {status})",
                              operation)
        if status >= 400:
            hint = (f"check {self.key_setting_name}" if status in (401, 403)
                    else "check the base URL, operation name and parameters")
            raise self._error(ApiConfigurationError, f"{self.service} {operation} rejected the request "
                              f"(HTTP {status}): {hint}", operation)
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise self._error(
                MalformedResponseError,
                f"{self.service} {operation} returned an unparseable or truncated body "
                f"({len(body)} bytes, HTTP {status})",
                operation,
            ) from None
        response = data.get("response") if isinstance(data, dict) else None
        header = response.get("header") if isinstance(response, dict) else None
        if not isinstance(header, dict):
            raise self._error(MalformedResponseError,
                              f"{self.service} {operation} returned JSON without response.header", operation)
        code = str(header.get("resultCode", "")).strip()
        self._raise_for_code(code, str(header.get("resultMsg", "") or ""), operation, f"HTTP {status}")
        return data
