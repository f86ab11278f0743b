"""Serving the web app: one process, or several worker processes each listening on the port for itself.

uvicorn's `--workers N` binds its listening socket without naming the protocol (`socket.socket(AF_INET)`), and
every connection the workers accept inherits `proto == 0` from it. asyncio turns Nagle's algorithm off
(TCP_NODELAY) only on sockets that say `IPPROTO_TCP`, so under several workers each answer's body, written
after its headers, waited for the browser's delayed acknowledgement (uvicorn issue #3149). tdkt binds its
sockets itself, protocol named, and hands them to uvicorn's own supervisor.

With several workers, each listens on a socket of its own (SO_REUSEPORT), as nginx's `reuseport` does. On one
shared socket every worker woke for each new connection and asyncio's accept loop took up to the whole backlog
at once: a burst of connections (a browser or a proxy opening its pool) all went to whichever worker woke
first, and stayed there, kept alive. In the benchmark one worker of two served 785 to 998 of 1,000 approvals
while the other idled. The kernel now spreads connections over the workers' sockets by their addresses' hash.
"""

from __future__ import annotations

import errno
import socket
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

from tdkt.common.errors import Refused

APP = "web.app:app"


def _bound(host: str, port: int, *, kind: type[socket.socket] = socket.socket,
           reuse_port: bool = False) -> socket.socket:
    """A TCP socket bound to (host, port), protocol named so that asyncio sends on its connections without
    delay; a bind that fails is refused in Vietnamese."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = kind(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        why = {errno.EADDRINUSE: "một chương trình khác đang dùng cổng này",
               errno.EADDRNOTAVAIL: "máy này không có địa chỉ đó",
               errno.EACCES: "cần quyền quản trị để dùng cổng dưới 1024"}.get(exc.errno or 0, str(exc))
        raise Refused("address_unavailable", f"Không mở được cổng {port} trên {host}: {why}.") from exc
    return sock


class SharedPort(socket.socket):
    """The supervisor's hold on the port: bound with SO_REUSEPORT, never listening (the kernel would hand it
    connections no one accepts). uvicorn's supervisor pickles its sockets into each worker it spawns; this one
    arrives as a new listening socket of the worker's own on the same port."""

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        return _shard, self.getsockname()[:2]


def _shard(host: str, port: int) -> socket.socket:
    """A worker's own listening socket on the shared port (called as the worker unpickles `SharedPort`)."""
    return _bound(host, port, reuse_port=True)


def listener(host: str, port: int, *, workers: int = 1) -> socket.socket:
    """What `serve` listens through: for one worker the socket it listens on; for several, the port held for the
    workers' own sockets. Either way bound now, so that a port in use is refused before anything is announced."""
    if workers == 1:
        return _bound(host, port)
    with _bound(host, port) as probe:  # without SO_REUSEPORT: refused even if another `tdkt serve` shares the port
        port = probe.getsockname()[1]
    return _bound(host, port, kind=SharedPort, reuse_port=True)


def serve(sock: socket.socket, *, workers: int = 1, keep_alive: int = 5, log_level: str = "warning") -> None:
    """Serve the web app through `sock` (from `listener`) until interrupted: in this process, or in `workers`
    processes (uvicorn's supervisor restarts a worker that dies)."""
    host, port = sock.getsockname()[:2]
    config = uvicorn.Config(APP, host=host, port=port, workers=workers, log_level=log_level,
                            timeout_keep_alive=keep_alive, access_log=False)  # tdkt's own has no link tokens
    try:
        if workers > 1:
            Multiprocess(config, sockets=[sock]).run()
        else:
            uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises the Ctrl+C it handled; stopping so is a clean exit (uvicorn.run)
        pass
