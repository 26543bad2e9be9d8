"""Pieces the throwaway test servers share: a free loopback port, and a real SMTP server (aiosmtpd) that keeps
every message it receives."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def free_port() -> int:
    """A TCP port nothing listens on right now, on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StoringHandler:
    """aiosmtpd handler that keeps every envelope it receives."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server(**controller: Any) -> Iterator[tuple[int, StoringHandler]]:
    """A real SMTP server on a free loopback port for the block: (port, handler). `controller`: more arguments of
    aiosmtpd's Controller (TLS contexts, an authenticator)."""
    from aiosmtpd.controller import Controller

    handler = StoringHandler()
    server = Controller(handler, hostname="127.0.0.1", port=free_port(), **controller)
    server.start()
    try:
        yield server.port, handler
    finally:
        server.stop()
