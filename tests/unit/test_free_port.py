"""The ports tests and ``make run`` choose for their servers.

A port taken from the kernel's ephemeral range can be handed to some other
process's outgoing connection before the server binds it (CI once lost a whole
module that way: ``address already in use``).
"""

from __future__ import annotations

import socket

from services.runtime.messaging.embedded_broker import _ephemeral_range, free_port


def test_a_chosen_port_lies_below_the_ephemeral_range_and_can_be_bound() -> None:
    low, _ = _ephemeral_range()
    for _ in range(50):
        port = free_port()
        assert port < low
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))


def test_a_port_someone_listens_on_is_never_chosen() -> None:
    listeners = []
    try:
        for _ in range(20):
            sock = socket.socket()
            sock.bind(("127.0.0.1", free_port()))
            sock.listen()
            listeners.append(sock)
        taken = {sock.getsockname()[1] for sock in listeners}
        assert all(free_port() not in taken for _ in range(200))
    finally:
        for sock in listeners:
            sock.close()
