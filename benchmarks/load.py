"""Approval under load, from a second process: reviewers open their emailed links, then approve at a fixed rate.

`python -m benchmarks.load SPEC OUT`: SPEC is JSON {"links": [...], "action": "verify", "rate": 100,
"duration": 30}. Every page is opened first (the reviewer reads the dossier; that also gives the form's CSRF
token); then one approval POST is started every 1/rate s, whatever the answers' pace (an open loop, as real
reviewers do not wait for each other), until the links or the duration run out. OUT receives the latency of
each approval and of each page opening, in ms, and the errors.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

import httpx

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
DONE = "Đã ghi nhận ý kiến"
# Requests beyond the open connections wait on a semaphore, not in httpcore's pool: the pool matches every
# queued request against every connection at each event, which made the generator itself use ~7 s of CPU
# (py-spy) on the two cores it shares with the server when the server fell behind.
CONNECTIONS = 64


async def _open(client: httpx.AsyncClient, link: str, gate: asyncio.Semaphore, opened: list[float]) -> str | None:
    async with gate:
        started = time.perf_counter()
        response = await client.get(link)
        opened.append((time.perf_counter() - started) * 1000)
    found = CSRF.search(response.text) if response.status_code == 200 else None
    return found.group(1) if found else None


async def _approve(client: httpx.AsyncClient, link: str, csrf: str, action: str, gate: asyncio.Semaphore,
                   report: dict[str, Any]) -> None:
    started = time.perf_counter()  # the wait for a free connection counts: the request was due now
    try:
        async with gate:
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
    async with httpx.AsyncClient(timeout=30.0, limits=httpx.Limits(max_connections=CONNECTIONS)) as client:
        gate = asyncio.Semaphore(4)
        first = [await _open(client, link, gate, report["open_ms"]) for link in spec["links"][:1]]  # sets the cookie
        tokens = first + list(await asyncio.gather(*(_open(client, link, gate, report["open_ms"])
                                                     for link in spec["links"][1:])))
        ready = [(link, csrf) for link, csrf in zip(spec["links"], tokens, strict=True) if csrf]
        report["errors"] += [{"link": link, "error": "open"} for link, csrf in zip(spec["links"], tokens, strict=True)
                             if not csrf]
        interval, deadline = 1.0 / spec["rate"], spec["duration"]
        started, pending, free = time.perf_counter(), [], asyncio.Semaphore(CONNECTIONS)
        for index, (link, csrf) in enumerate(ready):
            due = started + index * interval
            if due - started >= deadline:
                break
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            pending.append(asyncio.create_task(_approve(client, link, csrf, spec["action"], free, report)))
        await asyncio.gather(*pending)
        report["seconds"] = time.perf_counter() - started
    return report


if __name__ == "__main__":
    spec_path, out_path = Path(sys.argv[1]), Path(sys.argv[2])
    out_path.write_text(json.dumps(asyncio.run(drive(json.loads(spec_path.read_text())))))
