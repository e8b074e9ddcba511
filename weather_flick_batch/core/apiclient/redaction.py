"""Secrets: API keys travel in the query string, so nothing that shows a URL may show them.

Every log line and exception message of the client goes through :func:`redact_url` /
:func:`redact_text`, and urllib3's own request logging is filtered (:func:`_protect_third_party_logs`).
"""

from __future__ import annotations

import logging
import re
from typing import Iterable
from urllib.parse import quote, quote_plus, unquote, unquote_plus, urlsplit, urlunsplit

#: Query parameter names that carry an API key on data.go.kr (``serviceKey``/``ServiceKey``)
#: and on the KMA API Hub (``authKey``).
SECRET_PARAM_NAMES: tuple[str, ...] = ("serviceKey", "authKey", "ServiceKey")


def redact_url(url: str, secret_params: Iterable[str] = SECRET_PARAM_NAMES) -> str:
    """Return ``url`` with the values of the secret query parameters replaced by ``***``.

    Works on the raw query string so every other parameter stays byte-for-byte as sent.
    Names are compared case-insensitively: over-redacting a look-alike is harmless, leaking is not.
    """
    names = {name.casefold() for name in secret_params}
    parts = urlsplit(url)
    if not parts.query:
        return url
    pieces = []
    for piece in parts.query.split("&"):
        name, sep, _value = piece.partition("=")
        if sep and unquote_plus(name).casefold() in names:
            piece = f"{name}=***"
        pieces.append(piece)
    return urlunsplit(parts._replace(query="&".join(pieces)))


def _secret_forms(secret: str) -> set[str]:
    """Every spelling under which ``secret`` may appear in a URL, a log line or an error body."""
    forms = {secret}
    decoded = unquote(secret)
    forms.add(decoded)  # the key was configured URL-encoded ("Encoding" key on data.go.kr)
    for base in (secret, decoded):
        for encoded in (quote(base, safe=""), quote_plus(base, safe=""), quote(base), quote_plus(base)):
            forms.add(encoded)
            forms.add(quote(encoded, safe=""))  # double-encoded, e.g. %2B -> %252B
    return {form for form in forms if form}


def redact_text(text: str, secrets: Iterable[str]) -> str:
    """Remove every literal occurrence of each secret (raw and URL-encoded forms) from ``text``."""
    forms: set[str] = set()
    for secret in secrets:
        if secret:
            forms |= _secret_forms(secret)
    if not forms or not text:
        return text
    # Longest first so "abc%2B" is replaced whole rather than leaving its tail behind.
    pattern = "|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True))
    # Case-insensitive so lower-case percent escapes (%2b) are caught too.
    return re.sub(pattern, "***", text, flags=re.IGNORECASE)


_SECRET_PARAM_VALUE_RE = re.compile(
    r"((?:^|[?&;\s])(?:" + "|".join(re.escape(n) for n in SECRET_PARAM_NAMES) + r")=)[^&\s\"']*", re.IGNORECASE
)


class _SecretLogFilter(logging.Filter):
    """Redacts keys from third-party log records that contain request URLs.

    urllib3 logs every request line (``"GET /path?serviceKey=... HTTP/1.1" 200``) at DEBUG,
    so turning on debug logging would otherwise leak every key. Installed once per process
    on urllib3's loggers by :class:`ApiClient`; it knows every key any client was given.
    """

    def __init__(self) -> None:
        super().__init__("wfb-secret-redaction")
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is not ours to fix
            return True
        redacted = redact_text(_SECRET_PARAM_VALUE_RE.sub(r"\1***", message), list(self.secrets))
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


_LOG_FILTER = _SecretLogFilter()
_URL_LOGGING_LOGGERS = ("urllib3.connectionpool", "urllib3.connection", "urllib3.poolmanager", "urllib3.util.retry")


def _protect_third_party_logs(secrets: Iterable[str]) -> None:
    _LOG_FILTER.secrets.update(s for s in secrets if s)
    for name in _URL_LOGGING_LOGGERS:
        logger = logging.getLogger(name)
        if _LOG_FILTER not in logger.filters:
            logger.addFilter(_LOG_FILTER)
