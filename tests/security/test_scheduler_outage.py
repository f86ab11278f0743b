"""The scheduler across a database outage: a proxy between it and PostgreSQL is cut, then restored. The process
does not exit; it stops sweeping while it cannot renew its lease, and takes the lease again once the database
answers."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import make_url

from benchmarks.smtp_sink import free_port
from config.settings import get_settings
from flows.scheduler import Clock, SchedulerProcess
from models.db import dispose_engines


class Proxy:
    """A TCP relay to PostgreSQL that can be cut (listener and every connection closed) and restored."""

    def __init__(self, target_port: int) -> None:
        self.port, self.target = free_port(), target_port
        self.sockets: list[socket.socket] = []
        self.listener: socket.socket | None = None
        self.restore()

    def restore(self) -> None:
        listener = socket.create_server(("127.0.0.1", self.port), reuse_port=True)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        for sock in [self.listener, *self.sockets]:
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
        self.sockets.clear()
        self.listener = None

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target))
            self.sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.close()


@pytest.fixture
def proxied(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Proxy]:
    url = make_url(db_url)
    proxy = Proxy(url.port or 5432)
    monkeypatch.setenv("TDKT_DATABASE_URL", url.set(port=proxy.port).render_as_string(hide_password=False)
                       + "?connect_timeout=2")
    get_settings.cache_clear()
    dispose_engines()
    yield proxy
    proxy.cut()
    dispose_engines()
    get_settings.cache_clear()


def _until(predicate, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_the_scheduler_outlives_a_database_outage(db_url: str, proxied: Proxy) -> None:
    process = SchedulerProcess(clock=Clock.real(), interval=1.0, lease_ttl=3.0)
    changes: list[bool] = []
    stop = threading.Event()
    thread = threading.Thread(target=process.run, args=(stop, changes.append), daemon=True)
    thread.start()
    try:
        assert _until(lambda: process.active, 60)
        proxied.cut()
        assert _until(lambda: not process.active, 60)  # it stopped sweeping: it cannot renew the lease
        time.sleep(3)
        assert thread.is_alive()  # and did not exit
        proxied.restore()
        assert _until(lambda: process.active, 90)  # the database answers again: it takes the lease back
        assert changes[:3] == [True, False, True]
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()
