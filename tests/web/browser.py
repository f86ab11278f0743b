"""A real headless Chromium (Debian's), driven over the DevTools protocol: navigate, run JS, screenshot."""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import connect

# DevTools' answers to an evaluation that raced a navigation: the next poll reads the new document
NAVIGATING = ("Inspected target navigated or closed", "Execution context was destroyed",
              "Cannot find context with specified id")

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1200,1400", "--remote-debugging-port=0", "about:blank"]


class Browser:
    def __init__(self) -> None:
        binary = shutil.which("chromium")
        if binary is None:
            raise RuntimeError("chromium is not installed (make test installs Debian's chromium)")
        self.profile = tempfile.mkdtemp(prefix="tdkt-chromium-")
        # its own process group, to stop its helpers with it; its temporary files (the singleton's socket) in the
        # profile, removed with it
        self.process = subprocess.Popen([binary, f"--user-data-dir={self.profile}", *FLAGS],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        env={**os.environ, "TMPDIR": self.profile}, start_new_session=True)
        port_file = Path(self.profile) / "DevToolsActivePort"
        for _ in range(200):
            if port_file.exists() and port_file.read_text().strip():
                break
            time.sleep(0.05)
        port = port_file.read_text().split()[0]
        page = next(t for t in httpx.get(f"http://127.0.0.1:{port}/json").json() if t["type"] == "page")
        self.ws = connect(page["webSocketDebuggerUrl"], max_size=None)
        self.ids = itertools.count(1)
        self.send("Page.enable")

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        message_id = next(self.ids)
        self.ws.send(json.dumps({"id": message_id, "method": method, "params": params}))
        while True:
            answer = json.loads(self.ws.recv())
            if answer.get("id") == message_id:
                if "error" in answer:
                    raise RuntimeError(answer["error"])
                return dict(answer.get("result", {}))

    def eval(self, script: str) -> Any:
        result = self.send("Runtime.evaluate", expression=script, returnByValue=True, awaitPromise=True)
        return result["result"].get("value")

    def wait_for(self, script: str, seconds: float = 15.0) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                if self.eval(f"document.readyState === 'complete' && !!({script})"):
                    return
            except RuntimeError as error:
                if not any(message in str(error) for message in NAVIGATING):
                    raise
            time.sleep(0.1)
        raise AssertionError(f"page never satisfied: {script}")

    def goto(self, url: str, until: str | None = None) -> None:
        """Navigate, then wait until the page is `url` (or, after a redirect, until `until` holds)."""
        self.send("Page.navigate", url=url)
        self.wait_for(until or f"location.href === {json.dumps(url)}")

    def click(self, label: str, selector: str = "button, a") -> None:
        """Click the first button or link whose text contains `label` (fails when there is none)."""
        found = self.eval(f"""(() => {{
            const el = [...document.querySelectorAll({json.dumps(selector)})]
                .find(e => e.textContent.includes({json.dumps(label)}));
            if (el) el.click();
            return !!el; }})()""")
        assert found, f"no element {selector} with text {label!r} on {self.eval('location.href')}"

    def click_through(self, label: str, until: str, selector: str = "button, a") -> None:
        """Click like `click`, then wait for the *next* document to satisfy `until` (the page being left may
        already satisfy it, so it is marked first)."""
        self.eval("window.tdktLeaving = true")
        self.click(label, selector)
        self.wait_for(f"!window.tdktLeaving && ({until})")

    def fill(self, fields: dict[str, str]) -> None:
        """Set form fields by CSS selector."""
        for selector, value in fields.items():
            self.eval(f"document.querySelector({json.dumps(selector)}).value = {json.dumps(value)}")

    def choose_file(self, selector: str, path: Path) -> None:
        """Put a file in a file input, as a person choosing it in the dialog would (DevTools' DOM domain)."""
        root = self.send("DOM.getDocument")["root"]["nodeId"]
        node = self.send("DOM.querySelector", nodeId=root, selector=selector)["nodeId"]
        assert node, f"no file input {selector} on {self.eval('location.href')}"
        self.send("DOM.setFileInputFiles", nodeId=node, files=[str(path)])

    def viewport(self, width: int, height: int = 844) -> None:
        """Lay pages out as a screen of this many CSS pixels (a phone: 390 × 844)."""
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                  mobile=width < 600)

    def axe(self, source: str) -> list[dict[str, Any]]:
        """axe-core's violations on the current page (its source injected), each with impact, id and targets."""
        self.eval(source)
        found = self.eval("""axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => n.target.join(' '))})))""")
        return list(found or [])

    def text(self) -> str:
        return str(self.eval("document.body.innerText"))

    def screenshot(self, path: Path) -> None:
        path.write_bytes(base64.b64decode(self.send("Page.captureScreenshot", format="png")["data"]))

    def close(self) -> None:
        """Stop the browser and its helper processes, then remove its profile: a helper still exiting (the
        network service) wrote into a profile removed before it, and left it in /tmp."""
        self.ws.close()
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=10)
        for _ in range(200):
            try:
                os.killpg(self.process.pid, 0)  # any of the group left?
            except ProcessLookupError:
                break
            time.sleep(0.05)
        shutil.rmtree(self.profile, ignore_errors=True)
