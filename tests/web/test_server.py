"""`tdkt serve` as a real process, in one process or several: the workers' connections send without waiting for
the browser's acknowledgement (TCP_NODELAY), which `uvicorn --workers` loses; each worker listens for itself, so
a burst of connections is shared; a port in use is refused in Vietnamese."""

from __future__ import annotations

import asyncio
import ctypes
import errno
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Held:
    """A TCP socket some process holds, read through a copy of its descriptor."""
    pid: int
    inode: int
    listening: bool
    reuse_port: bool
    peer_port: int | None
    nodelay: int


def _held(pids: list[int]) -> list[Held]:
    """The TCP sockets (IPv4) that `pids` hold (none for a process that has just ended)."""
    found = []
    for pid in pids:
        try:
            pidfd = os.pidfd_open(pid)
        except ProcessLookupError:
            continue
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                try:
                    if not os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:"):
                        continue
                except OSError:  # closed meanwhile
                    continue
                copy = LIBC.syscall(PIDFD_GETFD, pidfd, int(fd), 0)
                if copy < 0 and ctypes.get_errno() in (errno.ESRCH, errno.EBADF):  # ended, or closed meanwhile
                    continue
                assert copy >= 0, os.strerror(ctypes.get_errno())
                with socket.socket(fileno=copy) as sock:
                    if sock.family != socket.AF_INET or sock.type != socket.SOCK_STREAM:
                        continue
                    try:
                        peer_port: int | None = sock.getpeername()[1]
                    except OSError:  # not connected: listening, or only bound
                        peer_port = None
                    found.append(Held(pid, os.fstat(copy).st_ino,
                                      bool(sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)),
                                      bool(sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT)), peer_port,
                                      sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)))
        finally:
            os.close(pidfd)
    return found


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
        [server_end] = [h for h in _held(spawned or [process.pid]) if h.peer_port == client_port]
        assert server_end.nodelay == 1


def _listening(supervisor: int, workers: int) -> list[Held]:
    """The workers' listening sockets, once `workers` workers listen (each starts in its own time)."""
    for _ in range(600):
        listening = [h for h in _held(_workers(supervisor)) if h.listening]
        if len({h.pid for h in listening}) == workers:
            return listening
        time.sleep(0.1)
    raise AssertionError(f"{workers} workers did not come to listen")


async def _burst(url: str, count: int, pids: list[int]) -> dict[int, int]:
    """`count` connections opened at once, each kept alive after one page: how many of them each of `pids`
    holds."""
    clients = [httpx.AsyncClient() for _ in range(count)]
    try:
        answers = await asyncio.gather(*(client.get(url) for client in clients))
        assert {answer.status_code for answer in answers} == {200}
        ours = {answer.extensions["network_stream"].get_extra_info("client_addr")[1] for answer in answers}
        return Counter(h.pid for h in _held(pids) if h.peer_port in ours)
    finally:
        await asyncio.gather(*(client.aclose() for client in clients))


def test_workers_each_listen_and_share_a_burst_of_connections(tmp_path: Path) -> None:
    """On one shared socket the first worker to wake accepted a whole burst (32 of 32, each time tried): the
    other served nothing on those kept-alive connections. Each worker now listens on a socket of its own and
    the kernel spreads connections by their addresses (all 32 on one worker: one chance in 2³¹)."""
    port = free_port()
    with _running(tmp_path, port, 2) as process, httpx.Client() as client:
        _get(f"http://127.0.0.1:{port}/", client)
        listening = _listening(process.pid, 2)
        spawned = _workers(process.pid)
        assert sorted(h.pid for h in listening) == sorted(spawned)  # one each
        assert len({h.inode for h in listening}) == 2 and all(h.reuse_port for h in listening)
        assert not any(h.listening for h in _held([process.pid]))  # the supervisor's hold accepts nothing

        held = asyncio.run(_burst(f"http://127.0.0.1:{port}/", 32, spawned))
        assert sum(held.values()) == 32
        assert all(held[pid] > 0 for pid in spawned), held


def test_a_worker_that_dies_is_replaced_with_a_listening_socket_of_its_own(tmp_path: Path) -> None:
    port = free_port()
    with _running(tmp_path, port, 2) as process, httpx.Client() as client:
        _get(f"http://127.0.0.1:{port}/", client)
        before = _listening(process.pid, 2)
        first, survivor = (h.pid for h in before)
        os.kill(first, signal.SIGKILL)
        for _ in range(600):
            if first not in _workers(process.pid):
                break
            time.sleep(0.1)
        listening = _listening(process.pid, 2)
        assert survivor in {h.pid for h in listening} and first not in {h.pid for h in listening}
        assert len({h.inode for h in listening}) == 2 and {h.pid for h in listening} == set(_workers(process.pid))
        with httpx.Client() as fresh:  # new connections, wherever the kernel sends them
            assert all(fresh.get(f"http://127.0.0.1:{port}/", headers={"Connection": "close"}).status_code == 200
                       for _ in range(8))


def test_serve_refuses_a_port_another_serve_shares(tmp_path: Path) -> None:
    """The workers' sockets let one another onto the port (SO_REUSEPORT); a second `tdkt serve` must not join
    them and split the traffic with a server of another database or version."""
    port = free_port()
    with _running(tmp_path, port, 2), httpx.Client() as client:
        _get(f"http://127.0.0.1:{port}/", client)
        second = _serve(tmp_path, "--port", str(port), "--workers", "2")
        output, _ = second.communicate(timeout=60)
    assert second.returncode == 1, output
    assert f"Không mở được cổng {port} trên 127.0.0.1: một chương trình khác đang dùng cổng này." in output


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


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_stops_cleanly_on_ctrl_c(tmp_path: Path, workers: int) -> None:
    port = free_port()
    process = _serve(tmp_path, "--port", str(port), "--workers", str(workers))
    try:
        with httpx.Client() as client:
            assert _get(f"http://127.0.0.1:{port}/", client).status_code == 200
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, output
    assert "Traceback" not in output


@pytest.mark.parametrize(("environment", "advertised"), [("embedded", True), ("production", False)])
def test_the_banner_names_the_dev_mailbox_only_in_the_demo(tmp_path: Path, environment: str, advertised: bool) -> None:
    """Production serves no dev mailbox, so its start-up line does not advertise one."""
    env = {**os.environ, "TDKT_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}", "COLUMNS": "300",
           "TDKT_ENVIRONMENT": environment, "TDKT_SECRET_KEY": "k" * 8 + "Xq3-vT9_pL2#mW7z" * 3}
    process = subprocess.Popen([sys.executable, "-m", "tdkt.cli", "serve", "--port", str(free_port())], env=env,
                               text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert process.stdout is not None
        banner = next(line for line in process.stdout if "Trang web" in line)
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert ("/mailbox" in banner) is advertised
