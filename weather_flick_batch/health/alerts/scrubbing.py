"""Scrubbing: secrets never reach a channel, whatever their spelling.

Every text field of an alert goes through the caller's redactor and then :func:`scrub_secrets`
before any channel sees it (see :class:`~weather_flick_batch.health.alerts.AlertDispatcher`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from weather_flick_batch.core.apiclient import redact_text

__all__ = ["SECRET_QUERY_PARAMS", "scrub_secrets"]

#: Query parameters whose values never appear in a message (case-insensitive).
SECRET_QUERY_PARAMS: tuple[str, ...] = (
    "serviceKey", "authKey", "token", "access_token", "password", "passwd", "pwd", "secret",
    "client_secret", "key", "api_key", "apikey", "signature", "X-Amz-Signature", "X-Amz-Credential",
)
# "name=value" or "name%3Dvalue" (a URL embedded, encoded, in another URL), at a parameter boundary or a
# word boundary: "...&serviceKey=abc", "token=abc" in prose. "monkey=1" is left alone (no word
# boundary before "key"); over-redacting a look-alike elsewhere would be harmless anyway.
_QUERY_SECRET_RE = re.compile(
    r"((?:[?&;]|%3F|%26|\b)(?:" + "|".join(re.escape(n) for n in SECRET_QUERY_PARAMS) + r")(?:=|%3D))[^&\s\"'<>#]*",
    re.IGNORECASE,
)
_URL_PASSWORD_RE = re.compile(r"\b([a-z][a-z0-9+.\-]*://[^/\s:@]*:)[^@\s/]+@", re.IGNORECASE)
_BEARER_RE = re.compile(r"\b(Bearer\s+)[A-Za-z0-9._~+/=\-]+", re.IGNORECASE)
_SLACK_TOKEN_RE = re.compile(r"\bx(?:ox[abposre]|app)-[A-Za-z0-9\-]+")


def scrub_secrets(text: str, secrets: Iterable[str] = ()) -> str:
    """Remove secrets from ``text``: known secret-carrying patterns, then each of ``secrets``.

    Patterns: values of :data:`SECRET_QUERY_PARAMS` query parameters, the password of
    ``scheme://user:password@host`` URLs, ``Bearer`` tokens and Slack tokens (``xoxb-...``).
    ``secrets`` are removed in every raw and URL-encoded spelling. The patterns are a safety net;
    the list of configured secrets is what guarantees a key cannot leak under any spelling.
    """
    if not text:
        return text
    text = _QUERY_SECRET_RE.sub(r"\1***", text)
    text = _URL_PASSWORD_RE.sub(r"\1***@", text)
    text = _BEARER_RE.sub(r"\1***", text)
    text = _SLACK_TOKEN_RE.sub("***", text)
    return redact_text(text, [s for s in secrets if s])
