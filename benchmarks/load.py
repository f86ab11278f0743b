"""Approval under load, from a second process: reviewers open their emailed links, then approve at a fixed rate.

`python -m benchmarks.load SPEC OUT`: SPEC is JSON {"links": [...], "action": "verify", "rate": 100,
"duration": 30}. Every page is opened first (the reviewer reads the dossier; that also gives the form's CSRF
token); then one approval POST is started every 1/rate s, whatever the answers' pace (an open loop, as real
reviewers do not wait for each other), until the links or the duration run out. OUT receives the latency of
each approval and of each page opening, in ms, and the errors.

The requests come from `BROWSERS` reviewers' browsers, each with one keep-alive connection of its own: link
i is opened and approved from browser i mod `BROWSERS`, as a crowd of reviewers spreads over the web workers
(the kernel hands each connection to a worker by its addresses' hash; web/server.py). Until 2026-12-04 one
connection pool served every request, and its first idle connections took most of them: the worker those
had been hashed to did 70 % of the work while the other idled (12.1 against 5.0 s of CPU in one run), and an
approval waited behind its neighbours there, though the machine had a core to spare.
"""

from __future__ import annotations

import asyncio
import json
import re
import ssl
import sys
import time
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
DONE = "Đã ghi nhận ý kiến"
BROWSERS = 64
OPENING = 4  # pages opened at a time: the reading before the timed approvals, not a load of its own


async def _open(client: httpx.AsyncClient, link: str, gate: asyncio.Semaphore, opened: list[float]) -> str | None:
    async with gate:
        started = time.perf_counter()
        response = await client.get(link)
        opened.append((time.perf_counter() - started) * 1000)
    found = CSRF.search(response.text) if response.status_code == 200 else None
    return found.group(1) if found else None


async def _approve(client: httpx.AsyncClient, link: str, csrf: str, action: str, report: dict[str, Any]) -> None:
    started = time.perf_counter()  # a wait for the browser's connection counts: the request was due now
    try:
        response = await client.post(link, data={"csrf": csrf, "action": action})
        ok = response.status_code == 200 and DONE in response.text
        error = None if ok else f"{response.status_code}"
    except httpx.HTTPError as exc:
        error = type(exc).__name__
    report["approve_ms"].append((time.perf_counter() - started) * 1000)
    if error:
        report["errors"].append({"link": link, "error": error})
    else:
        report["approved"].append(link)


async def drive(spec: dict[str, Any]) -> dict[str, Any]:
    report: dict[str, Any] = {"open_ms": [], "approve_ms": [], "errors": [], "approved": []}
    tls = ssl.create_default_context()  # one for every browser: each client would build its own (~15 ms)
    async with AsyncExitStack() as stack:
        browsers = [await stack.enter_async_context(httpx.AsyncClient(
            timeout=30.0, verify=tls, limits=httpx.Limits(max_connections=1))) for _ in range(BROWSERS)]
        links = spec["links"]
        by = [browsers[i % BROWSERS] for i in range(len(links))]
        gate = asyncio.Semaphore(OPENING)
        tokens = list(await asyncio.gather(*(_open(client, link, gate, report["open_ms"])
                                             for client, link in zip(by, links, strict=True))))
        report["errors"] += [{"link": link, "error": "open"} for link, csrf in zip(links, tokens, strict=True)
                             if not csrf]
        ready = [(client, link, csrf) for client, link, csrf in zip(by, links, tokens, strict=True) if csrf]
        interval, deadline = 1.0 / spec["rate"], spec["duration"]
        started, pending = time.perf_counter(), []
        for index, (client, link, csrf) in enumerate(ready):
            due = started + index * interval
            if due - started >= deadline:
                break
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            pending.append(asyncio.create_task(_approve(client, link, csrf, spec["action"], report)))
        await asyncio.gather(*pending)
        report["seconds"] = time.perf_counter() - started
    return report


if __name__ == "__main__":
    spec_path, out_path = Path(sys.argv[1]), Path(sys.argv[2])
    out_path.write_text(json.dumps(asyncio.run(drive(json.loads(spec_path.read_text())))))
