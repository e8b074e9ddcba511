"""The KMA response envelope: result codes, ``body`` and the many shapes of ``items.item``.

Payloads are the dicts ``json.loads`` gives for the KMA open API (``dataType=JSON``)::

    {"response": {"header": {"resultCode": "00", "resultMsg": "NORMAL_SERVICE"},
                  "body": {"dataType": "JSON", "pageNo": 1, "numOfRows": 1000,
                           "totalCount": 809, "items": {"item": [...]}}}}
"""

from __future__ import annotations

from typing import Any, Mapping

__all__ = [
    "MalformedPayloadError",
    "KmaResultError",
    "payload_result",
    "body_of",
    "items_of",
]


class MalformedPayloadError(ValueError):
    """The payload is not a KMA response object at all (no ``response.header``)."""


class KmaResultError(ValueError):
    """The payload's header reports a result code other than ``00`` (NORMAL_SERVICE)."""

    def __init__(self, code: str, msg: str) -> None:
        super().__init__(f"KMA result code {code} ({msg}): payload has no data to parse")
        self.code = code
        self.msg = msg


# --------------------------------------------------------------------------- payload access


def _response(payload: Any) -> Mapping[str, Any]:
    if not isinstance(payload, Mapping):
        raise MalformedPayloadError(
            f"KMA payload must be a JSON object, got {type(payload).__name__}"
        )
    resp = payload.get("response")
    if not isinstance(resp, Mapping) or not isinstance(resp.get("header"), Mapping):
        raise MalformedPayloadError("KMA payload has no response.header object")
    return resp


def payload_result(payload: Any) -> tuple[str, str]:
    """``(resultCode, resultMsg)`` from the payload header, e.g. ``("00", "NORMAL_SERVICE")``.

    The code is normalised to a string (some gateways send it as a number).
    """
    header = _response(payload)["header"]
    code = header.get("resultCode")
    if code is None:
        raise MalformedPayloadError("KMA payload header has no resultCode")
    code_s = str(code).strip()
    if code_s.isdigit() and len(code_s) == 1:  # 0 → "00", 3 → "03"
        code_s = code_s.zfill(2)
    return code_s, str(header.get("resultMsg", "")).strip()


def body_of(payload: Any) -> Mapping[str, Any]:
    """The ``response.body`` object (empty mapping when absent, as in error replies)."""
    body = _response(payload).get("body")
    return body if isinstance(body, Mapping) else {}


def items_of(payload: Any) -> list[Any]:
    """The list of items of a payload, whatever shape KMA chose.

    Handles ``"items": ""`` (KMA's empty result), a missing body, ``"item": {...}`` (a
    single object instead of a one-element list) and ``"item": [...]``.
    """
    items = body_of(payload).get("items")
    if items is None or items == "" or items == []:
        return []
    if not isinstance(items, Mapping):
        raise MalformedPayloadError(f"body.items has unexpected type {type(items).__name__}")
    item = items.get("item")
    if item is None or item == "":
        return []
    if isinstance(item, Mapping):
        return [item]
    if isinstance(item, list):
        return item
    raise MalformedPayloadError(f"body.items.item has unexpected type {type(item).__name__}")


def _require_normal(payload: Any) -> None:
    code, msg = payload_result(payload)
    if code != "00":
        raise KmaResultError(code, msg)


def _total_count(payload: Any) -> int | None:
    tc = body_of(payload).get("totalCount")
    try:
        return int(tc) if tc is not None and tc != "" else None
    except (TypeError, ValueError):
        return None
