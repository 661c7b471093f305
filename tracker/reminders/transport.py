"""Talking to the mail server, and what each kind of failure means for the outbox.

Four kinds of failure (issue 9), each with its own consequence:

- ``Unreachable``: the server never answered (refused, timeout, dropped, 421). The mail is
  retried with capped backoff until the give-up age, and the pass stops knocking.
- ``Deferred``: a 4xx reply to this mail. Retried like the above; the pass goes on.
- ``Refused``: a 5xx reply about this mail or its recipient (550/551/553, 552 …), or a
  mail the server cannot take (a non-ASCII address without SMTPUTF8). Its rows fail.
- ``Misconfigured``: authentication or relaying refused (530, 534, 535, 538, a 5xx that
  says "relay"), or a login or STARTTLS the server does not offer. No mail can go until
  the settings change: delivery pauses, the rows stay pending, the admin is warned.
"""

from __future__ import annotations

import contextlib
import os
import re
import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path

from flask import current_app


class DeliveryError(Exception):
    """Why one mail was not sent."""


class Unreachable(DeliveryError):
    # The connection broke while the mail was being sent: the server may have taken it
    # (the one window no design closes), so its rows keep their Message-ID.
    maybe_accepted = False


class Deferred(DeliveryError):
    pass


class Refused(DeliveryError):
    pass


class Misconfigured(DeliveryError):
    pass


AUTH_CODES = {530, 534, 535, 538}  # authentication required / too weak / failed / TLS needed
RELAY_WORDING = re.compile(r"relay", re.IGNORECASE)


def by_code(code: int, text: bytes | str) -> DeliveryError:
    """What an SMTP reply code means for the outbox."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    message = f"{code} {text}"
    if code == 421:  # the service is closing the channel: the server, not this mail
        return Unreachable(message)
    if 400 <= code < 500:
        return Deferred(message)
    if code in AUTH_CODES or (500 <= code < 600 and RELAY_WORDING.search(text)):
        return Misconfigured(message)
    if 500 <= code < 600:
        return Refused(message)
    return Unreachable(message)  # no sensible reply (-1: the connection broke)


def classify(exc: Exception, *, connecting: bool) -> DeliveryError:
    """``connecting``: raised while opening the connection (connect, STARTTLS, login),
    where anything but a network error is a configuration fault; else while sending."""
    name = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()))
        return by_code(code, text)
    if isinstance(exc, smtplib.SMTPSenderRefused):
        # Every mail has the same sender (MAIL_FROM): a 5xx is the settings' fault.
        found = by_code(exc.smtp_code, exc.smtp_error)
        return Misconfigured(str(found)) if isinstance(found, Refused) else found
    if isinstance(exc, smtplib.SMTPResponseException):
        found = by_code(exc.smtp_code, exc.smtp_error)
        if connecting and isinstance(found, Refused):
            return Misconfigured(str(found))
        return found
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        # Connecting: AUTH or STARTTLS not offered. Sending: SMTPUTF8 needed by this mail.
        return Misconfigured(name) if connecting else Refused(name)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return Misconfigured(name)
    if isinstance(exc, smtplib.SMTPServerDisconnected | OSError):
        return Unreachable(name)
    if connecting:
        return Misconfigured(name)
    return Refused(name)  # e.g. a header the server's encoding cannot carry


class SmtpTransport:
    """One connection for the whole pass, opened on first use, reopened after a drop."""

    def __init__(self, config):
        self.config = config
        self.connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        host, port, timeout = c["SMTP_HOST"], int(c["SMTP_PORT"]), c["SMTP_TIMEOUT"]
        tls = str(c["SMTP_TLS"]).lower()
        if tls == "ssl":
            conn = smtplib.SMTP_SSL(host, port, timeout=timeout)
        else:
            conn = smtplib.SMTP(host, port, timeout=timeout)
        try:
            if tls == "starttls":
                conn.starttls()
            if c["SMTP_USER"]:
                conn.login(c["SMTP_USER"], c["SMTP_PASSWORD"])
        except BaseException:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                conn.close()
            raise
        return conn

    def send(self, message: EmailMessage) -> None:
        if self.connection is None:
            try:
                self.connection = self._connect()
            except Exception as exc:
                raise classify(exc, connecting=True) from exc
        try:
            self.connection.send_message(message)
        except Exception as exc:
            error = classify(exc, connecting=False)
            if isinstance(error, Unreachable):
                error.maybe_accepted = True
                self.close()
            else:
                # The transaction failed; RSET so the next mail starts clean.
                with contextlib.suppress(smtplib.SMTPException, OSError):
                    self.connection.rset()
            raise error from exc

    def close(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.connection.quit()
            self.connection = None


class EmlTransport:
    """No SMTP host configured: each mail becomes instance/mail/<message-id>.eml."""

    def __init__(self, folder: Path):
        self.folder = folder

    def send(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9._-]", "_", message["Message-ID"].strip("<>"))
        path = self.folder / f"{name}.eml"
        tmp = path.with_suffix(".tmp")
        try:
            tmp.write_bytes(bytes(message))
            os.replace(tmp, path)
        except OSError as exc:  # a full disk, say: retried like a server that is down
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise Unreachable(f"{type(exc).__name__}: {exc}") from exc

    def close(self) -> None:
        pass


def check_smtp_settings(config) -> None:
    """Refuse to start with settings that can never work (DESIGN §4: smtplib cannot log
    in with a non-ASCII user name or password)."""
    for name in ("SMTP_USER", "SMTP_PASSWORD"):
        if not str(config.get(name) or "").isascii():
            raise ValueError(f"TRACKER_{name} must be ASCII: smtplib cannot log in otherwise")
    if str(config.get("SMTP_TLS") or "").lower() not in {"", "starttls", "ssl"}:
        raise ValueError("TRACKER_SMTP_TLS must be empty, 'starttls' or 'ssl'")


def make_transport(app=None):
    app = app or current_app
    if app.config["SMTP_HOST"]:
        return SmtpTransport(app.config)
    return EmlTransport(Path(app.instance_path) / "mail")
