"""Approval under load, from a second process: reviewers open their emailed links, then approve at a fixed rate.

`python -m benchmarks.load SPEC OUT`: SPEC is JSON {"links": [...], "action": "verify", "rate": 100,
"duration": 30, "server_pids": [...]}. Every page is opened first (the reviewer reads the dossier; that also
gives the form's CSRF token); then one approval POST is started every 1/rate s, whatever the answers' pace (an
open loop, as real reviewers do not wait for each other), until the links or the duration run out. OUT receives
the latency of each approval and of each page opening, in ms, the errors, and the CPU seconds the server's
processes spent opening the pages and approving: what a request costs the server, which the latencies only
show through the machine's speed of the moment (on this one, it swings up to twice over within the hour).

The requests come from `BROWSERS` reviewers' browsers, each with one keep-alive connection of its own: link
i is opened and approved from browser i mod `BROWSERS`, as a crowd of reviewers spreads over the web workers
(the kernel hands each connection to a worker by its addresses' hash; web/server.py). Until 2026-12-04 one
connection pool served every request, and its first idle connections took most of them: the worker those
had been hashed to did 70 % of the work while the other idled (12.1 against 5.0 s of CPU in one run), and an
approval waited behind its neighbours there, though the machine had a core to spare.

A browser speaks just the HTTP/1.1 the pages need over an asyncio stream (`Browser`): the generator shares the
two cores with the server it measures, and httpx cost it ~1.4 ms of CPU per request (3.8 s for 1,000 links
opened and approved, measured 2026-12-06), about a tenth of what the server spends on an approval; reviewers'
real browsers run on machines of their own.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
DONE = "<title>Đã ghi nhận</title>"  # the page an action answers with (web/templates/done.html)
BROWSERS = 64
OPENING = 4  # pages opened at a time: the reading before the timed approvals, not a load of its own
TIMEOUT = 30.0
FAILED = (OSError, asyncio.IncompleteReadError)  # a refused, reset or closed connection; OSError: a timeout too


class Browser:
    """One reviewer's browser: one keep-alive connection (opened again if the server closed it), its cookies,
    one request at a time on it (a request waits for the one before)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.cookies: dict[str, str] = {}
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self._turn = asyncio.Lock()

    async def request(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, str]:
        """The status and body of the answer to one request."""
        body = urlencode(form).encode() if form is not None else b""
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(body)}"]
        if form is not None:
            head.append("Content-Type: application/x-www-form-urlencoded")
        if self.cookies:
            head.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        message = ("\r\n".join(head) + "\r\n\r\n").encode() + body
        async with self._turn:
            try:
                return await asyncio.wait_for(self._exchange(message, retry=method == "GET"), TIMEOUT)
            except TimeoutError:
                self.close()  # an answer may still come on it: the next request takes a new connection
                raise

    async def _exchange(self, message: bytes, retry: bool) -> tuple[int, str]:
        reused = self._streams is not None
        try:
            reader, writer = self._streams or await asyncio.open_connection(self.host, self.port)
            self._streams = reader, writer
            writer.write(message)
            return await self._answer(reader)
        except FAILED:
            self.close()
            if reused and retry:  # the server closed an idle connection as the request left: send it again
                return await self._exchange(message, retry=False)
            raise

    async def _answer(self, reader: asyncio.StreamReader) -> tuple[int, str]:
        lines = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status, length, closing = int(lines[0].split(" ", 2)[1]), 0, False
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = name.lower()
            if name == "content-length":
                length = int(value)
            elif name == "set-cookie":
                self.cookies.update({k: m.value for k, m in SimpleCookie(value.strip()).items()})
            elif name == "connection":
                closing = value.strip().lower() == "close"
        body = (await reader.readexactly(length)).decode()
        if closing:  # the server closes it after this answer: the next request opens another
            self.close()
        return status, body

    def close(self) -> None:
        if self._streams is not None:
            self._streams[1].close()
            self._streams = None


async def _open(browser: Browser, path: str, gate: asyncio.Semaphore, opened: list[float]) -> str | None:
    async with gate:
        started = time.perf_counter()
        try:
            status, text = await browser.request("GET", path)
        except FAILED:
            return None
        opened.append((time.perf_counter() - started) * 1000)
    found = CSRF.search(text) if status == 200 else None
    return found.group(1) if found else None


async def _approve(browser: Browser, link: str, csrf: str, action: str, report: dict[str, Any], due: float) -> None:
    """One approval; `due`: when it was sent, in seconds after the first (kept beside its latency)."""
    started = time.perf_counter()  # a wait for the browser's connection counts: the request was due now
    try:
        status, text = await browser.request("POST", urlsplit(link).path, {"csrf": csrf, "action": action})
        error = None if status == 200 and DONE in text else f"{status}"
    except FAILED as exc:
        error = type(exc).__name__
    report["approve_ms"].append((time.perf_counter() - started) * 1000)
    report["approve_due_s"].append(due)
    if error:
        report["errors"].append({"link": link, "error": error})
    else:
        report["approved"].append(link)


def cpu_seconds(pids: list[int]) -> float:
    """The CPU time (user and system) these processes have used so far; a process gone counts nothing."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of proc(5))
    return total / os.sysconf("SC_CLK_TCK")


async def drive(spec: dict[str, Any]) -> dict[str, Any]:
    report: dict[str, Any] = {"open_ms": [], "approve_ms": [], "approve_due_s": [], "errors": [], "approved": []}
    server = spec.get("server_pids", [])
    cpu = [cpu_seconds(server)]
    links = spec["links"]
    if not links:
        return {**report, "seconds": 0.0, "server_cpu": {"open": 0.0, "approve": 0.0}}
    address = urlsplit(links[0])
    browsers = [Browser(address.hostname or "127.0.0.1", address.port or 80) for _ in range(BROWSERS)]
    by = [browsers[i % BROWSERS] for i in range(len(links))]
    gate = asyncio.Semaphore(OPENING)
    tokens = list(await asyncio.gather(*(_open(browser, urlsplit(link).path, gate, report["open_ms"])
                                         for browser, link in zip(by, links, strict=True))))
    report["errors"] += [{"link": link, "error": "open"} for link, csrf in zip(links, tokens, strict=True) if not csrf]
    cpu.append(cpu_seconds(server))
    ready = [(browser, link, csrf) for browser, link, csrf in zip(by, links, tokens, strict=True) if csrf]
    interval, deadline = 1.0 / spec["rate"], spec["duration"]
    started, pending = time.perf_counter(), []
    for index, (browser, link, csrf) in enumerate(ready):
        due = started + index * interval
        if due - started >= deadline:
            break
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        pending.append(asyncio.create_task(_approve(browser, link, csrf, spec["action"], report, index * interval)))
    await asyncio.gather(*pending)
    report["seconds"] = time.perf_counter() - started
    cpu.append(cpu_seconds(server))
    report["server_cpu"] = {"open": cpu[1] - cpu[0], "approve": cpu[2] - cpu[1]}
    for browser in browsers:
        browser.close()
    return report


if __name__ == "__main__":
    spec_path, out_path = Path(sys.argv[1]), Path(sys.argv[2])
    out_path.write_text(json.dumps(asyncio.run(drive(json.loads(spec_path.read_text())))))
