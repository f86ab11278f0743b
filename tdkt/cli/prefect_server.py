"""`tdkt live`'s own Prefect server: its database under var/prefect, its UI in the browser, the flow runs of one
`tdkt live` kept for the next. Started before Prefect is imported in this process, so that every flow run of
the pages and the scheduler reports to it (PREFECT_API_URL); stopped with `tdkt live`."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx

from config import prefect_env
from config.settings import get_settings

PORT = 4200  # Prefect's own default, when it is free


def _port(host: str) -> int:
    for wanted in (PORT, 0):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((host, wanted))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    raise OSError("no free port")


def start(*, host: str = "127.0.0.1", timeout: float = 120.0) -> tuple[subprocess.Popen[bytes], str]:
    """Start the server, its home TDKT_PREFECT_HOME (var/prefect), and wait until it answers; returns the process
    and the UI's address. Raises RuntimeError when it does not come up (its log is server.log there)."""
    home = get_settings().prefect_home
    prefect_env.apply()  # the same defaults as the flows' (analytics off, …), inherited by the server
    home.mkdir(parents=True, exist_ok=True)
    port = _port(host)
    log = (home / "server.log").open("ab")
    command = [sys.executable, "-m", "prefect", "server", "start", "--host", host, "--port", str(port)]
    process = subprocess.Popen(command, env={**os.environ, "PREFECT_HOME": str(home)}, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)  # its group: its own children
    url = f"http://{host}:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                os.environ["PREFECT_API_URL"] = f"{url}/api"  # read when Prefect is first imported, next
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    stop(process)
    raise RuntimeError(f"Prefect server did not answer at {url} (see {home / 'server.log'})")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the server and the processes it started (`prefect server start` runs its web server as a child)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=30)
            return
        except subprocess.TimeoutExpired:
            continue
