"""A real SMTP server for the tests: aiosmtpd on 127.0.0.1, on a free port, collecting
what it receives; it can answer RCPT with a chosen reply (4xx, 5xx) and be started late
(an SMTP server that is down, then up), and answer DATA slowly."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Handler:
    def __init__(self):
        self.messages = []
        self.rcpt_reply: str | None = None  # e.g. "451 4.3.0 try later"
        self.rcpt_replies: dict[str, str] = {}  # the same for one address
        self.data_delay = 0.0  # seconds before answering DATA: a slow server
        self.on_message = None  # called with (count received, recipients) after each mail
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.rcpt_replies.get(address) or self.rcpt_reply
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message))
            count = len(self.messages)
        if self.on_message is not None:
            self.on_message(count, list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


class SmtpServer:
    """``login=(user, password)``: the server requires that sign-in (AUTH PLAIN/LOGIN
    without TLS, on loopback) and answers 530 to a mail sent without it, 535 to a wrong one."""

    def __init__(self, login: tuple[str, str] | None = None):
        self.port = free_port()
        self.handler = Handler()
        self.login = login
        self.controller: Controller | None = None

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and (
                auth_data.login.decode(),
                auth_data.password.decode(),
            )
            == self.login
        )
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535

    def start(self) -> SmtpServer:
        options = {}
        if self.login:
            options = {
                "auth_required": True,
                "auth_require_tls": False,
                "authenticator": self._authenticate,
            }
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **options)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self):
        with self.handler.lock:
            return [message for _, message in self.handler.messages]

    def take(self):
        """The messages received since the last call."""
        with self.handler.lock:
            taken = [message for _, message in self.handler.messages]
            self.handler.messages.clear()
        return taken

    def wait_for(self, count: int, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.01)
