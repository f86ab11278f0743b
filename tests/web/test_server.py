"""`tdkt serve` as a real process, in one process or several: the workers' connections send without waiting for
the browser's acknowledgement (TCP_NODELAY), which `uvicorn --workers` loses, and a port in use is refused in
Vietnamese."""

from __future__ import annotations

import ctypes
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from benchmarks.smtp_sink import free_port

PIDFD_GETFD = 438  # Linux ≥ 5.6: a copy of another process's descriptor (root may take any process's)
LIBC = ctypes.CDLL(None, use_errno=True)


def _serve(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "TDKT_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}", "COLUMNS": "300"}
    return subprocess.Popen([sys.executable, "-m", "tdkt.cli", "serve", *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


@contextmanager
def _running(tmp_path: Path, port: int, workers: int) -> Iterator[subprocess.Popen[str]]:
    process = _serve(tmp_path, "--port", str(port), "--workers", str(workers))
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


def _get(url: str, client: httpx.Client) -> httpx.Response:
    for _ in range(300):
        try:
            return client.get(url)
        except httpx.ConnectError:
            time.sleep(0.1)
    raise AssertionError(f"nothing answered at {url}")


def _workers(pid: int) -> list[int]:
    """The worker processes uvicorn's supervisor spawned (not multiprocessing's resource tracker)."""
    children = [int(c) for task in Path(f"/proc/{pid}/task").iterdir()
                for c in (task / "children").read_text().split()]
    return [c for c in children if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]


def _server_end(pids: list[int], client_port: int) -> int | None:
    """TCP_NODELAY of the server's end of our connection, read from whichever of `pids` holds it."""
    for pid in pids:
        pidfd = os.pidfd_open(pid)
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                try:
                    if not os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:"):
                        continue
                except OSError:  # closed meanwhile
                    continue
                copy = LIBC.syscall(PIDFD_GETFD, pidfd, int(fd), 0)
                assert copy >= 0, os.strerror(ctypes.get_errno())
                with socket.socket(fileno=copy) as sock:
                    if sock.family != socket.AF_INET or sock.type != socket.SOCK_STREAM:
                        continue
                    try:
                        peer = sock.getpeername()
                    except OSError:  # the listening socket
                        continue
                    if peer[1] == client_port:
                        return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        finally:
            os.close(pidfd)
    return None


@pytest.mark.parametrize("workers", [1, 2])
def test_served_connections_send_without_delay(tmp_path: Path, workers: int) -> None:
    port = free_port()
    with _running(tmp_path, port, workers) as process, httpx.Client() as client:
        first = _get(f"http://127.0.0.1:{port}/", client)
        assert first.status_code == 200 and "Thi đua" in first.text
        spawned = _workers(process.pid)
        assert len(spawned) == (workers if workers > 1 else 0)
        again = client.get(f"http://127.0.0.1:{port}/")  # the same kept-alive connection
        assert again.status_code == 200
        client_port = again.extensions["network_stream"].get_extra_info("client_addr")[1]
        assert _server_end(spawned or [process.pid], client_port) == 1


def test_serve_refuses_a_port_in_use(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = _serve(tmp_path, "--port", str(port), "--workers", "2")
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 1, output
    assert "Trang web" not in output  # nothing announced that is not served
    assert f"Không mở được cổng {port} trên 127.0.0.1: một chương trình khác đang dùng cổng này." in output
