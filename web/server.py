"""Serving the web app: one process, or several worker processes sharing one listening socket.

uvicorn's `--workers N` binds its listening socket without naming the protocol (`socket.socket(AF_INET)`), and
every connection the workers accept inherits `proto == 0` from it. asyncio turns Nagle's algorithm off
(TCP_NODELAY) only on sockets that say `IPPROTO_TCP`, so under several workers each answer's body, written
after its headers, waited for the browser's delayed acknowledgement: ~40 ms added to one approval in three
(benchmarks/season's load test; uvicorn issue #3149). tdkt binds the socket itself, protocol named, and hands it
to uvicorn's own supervisor.
"""

from __future__ import annotations

import errno
import socket

import uvicorn
from uvicorn.supervisors import Multiprocess

from tdkt.errors import Refused

APP = "web.app:app"


def listener(host: str, port: int) -> socket.socket:
    """A TCP listening socket whose accepted connections asyncio sends on without delay (TCP_NODELAY)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        why = {errno.EADDRINUSE: "một chương trình khác đang dùng cổng này",
               errno.EADDRNOTAVAIL: "máy này không có địa chỉ đó",
               errno.EACCES: "cần quyền quản trị để dùng cổng dưới 1024"}.get(exc.errno or 0, str(exc))
        raise Refused("address_unavailable", f"Không mở được cổng {port} trên {host}: {why}.") from exc
    sock.set_inheritable(True)  # the worker processes are given it
    return sock


def serve(sock: socket.socket, *, workers: int = 1, keep_alive: int = 5, log_level: str = "warning") -> None:
    """Serve the web app on `sock` (from `listener`) until interrupted: in this process, or in `workers`
    processes (uvicorn's supervisor restarts a worker that dies)."""
    host, port = sock.getsockname()[:2]
    config = uvicorn.Config(APP, host=host, port=port, workers=workers, log_level=log_level,
                            timeout_keep_alive=keep_alive)
    if workers > 1:
        Multiprocess(config, sockets=[sock]).run()
    else:
        uvicorn.Server(config).run(sockets=[sock])
