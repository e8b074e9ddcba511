"""One SMTP session as both senders use it (operator alerts, trip notices to travellers)."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager

SECURITY = ("starttls", "ssl", "none")


@contextmanager
def smtp_session(host: str, port: int, security: str, timeout: float, *, username: str | None = None,
                 password: str | None = None, context: ssl.SSLContext | None = None) -> Iterator[smtplib.SMTP]:
    """Connected, upgraded to TLS (``starttls`` on 587, implicit ``ssl`` on 465, or ``none``) and
    logged in when a user is given; the server certificate is verified against ``context``
    (the system trust store by default)."""
    context = context or ssl.create_default_context()
    if security == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    with smtp:
        smtp.ehlo()
        if security == "starttls":
            smtp.starttls(context=context)
            smtp.ehlo()  # capabilities (AUTH) are only advertised again after TLS
        if username:
            smtp.login(username, password or "")
        yield smtp
