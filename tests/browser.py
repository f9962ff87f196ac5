"""A headless Chromium driven over the DevTools protocol, for the browser-view tests.

Only aiohttp (already a dependency through textual-serve) is used to speak the
protocol. ``Chromium.open`` loads a page and collects what the page's websockets
receive; ``screenshot`` returns a PNG.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import os
import re
import shutil
import tempfile
from collections.abc import AsyncIterator
from typing import Any

import aiohttp

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class Chromium:
    """One headless browser with one page, and the DevTools session to it."""

    def __init__(self, process: asyncio.subprocess.Process, ws: aiohttp.ClientWebSocketResponse,
                 http: aiohttp.ClientSession) -> None:
        self.process = process
        self.ws = ws
        self.http = http
        self.frames: list[bytes] = []
        """Every websocket message the page received, decoded to bytes."""
        self.loaded = asyncio.Event()
        self._ids = itertools.count(1)
        self._answers: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._reader = asyncio.create_task(self._read())

    @classmethod
    @contextlib.asynccontextmanager
    async def launch(cls, width: int = 1280, height: int = 800) -> AsyncIterator[Chromium]:
        assert CHROMIUM is not None
        profile = tempfile.mkdtemp(prefix="sensortop-chromium-")
        args = [CHROMIUM, "--headless", "--disable-gpu", "--no-first-run",
                "--remote-debugging-port=0", f"--user-data-dir={profile}",
                f"--window-size={width},{height}", "about:blank"]
        if os.geteuid() == 0:
            args.insert(1, "--no-sandbox")  # Chromium refuses to run as root otherwise
        process = await asyncio.create_subprocess_exec(
            *args, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        try:
            port = await _devtools_port(process)
            async with aiohttp.ClientSession() as http:
                async with http.get(f"http://127.0.0.1:{port}/json/list") as response:
                    targets = await response.json()
                page = next(t for t in targets if t["type"] == "page")
                async with http.ws_connect(page["webSocketDebuggerUrl"],
                                           max_msg_size=0) as ws:
                    browser = cls(process, ws, http)
                    await browser.send("Page.enable")
                    await browser.send("Network.enable")
                    try:
                        yield browser
                    finally:
                        browser._reader.cancel()
        finally:
            if process.returncode is None:
                process.kill()
            await process.wait()
            shutil.rmtree(profile, ignore_errors=True)

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        call_id = next(self._ids)
        answer: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._answers[call_id] = answer
        await self.ws.send_json({"id": call_id, "method": method, "params": params})
        reply = await asyncio.wait_for(answer, 30)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return dict(reply.get("result", {}))

    async def open(self, url: str) -> None:
        self.loaded.clear()
        await self.send("Page.navigate", url=url)
        await asyncio.wait_for(self.loaded.wait(), 30)

    async def evaluate(self, expression: str) -> Any:
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    async def screenshot(self) -> bytes:
        result = await self.send("Page.captureScreenshot", format="png")
        return base64.b64decode(result["data"])

    def received(self) -> bytes:
        return b"".join(self.frames)

    async def _read(self) -> None:
        async for message in self.ws:
            data = message.json()
            if "id" in data:
                answer = self._answers.pop(data["id"], None)
                if answer is not None and not answer.done():
                    answer.set_result(data)
            elif data.get("method") == "Page.loadEventFired":
                self.loaded.set()
            elif data.get("method") == "Network.webSocketFrameReceived":
                response = data["params"]["response"]
                payload = response["payloadData"]
                self.frames.append(base64.b64decode(payload) if response["opcode"] == 2
                                   else payload.encode())


async def _devtools_port(process: asyncio.subprocess.Process) -> int:
    assert process.stderr is not None
    async with asyncio.timeout(30):
        while line := await process.stderr.readline():
            found = re.search(rb"DevTools listening on ws://[^:]+:(\d+)/", line)
            if found:
                asyncio.get_running_loop().create_task(_drain(process.stderr))
                return int(found.group(1))
    raise RuntimeError("chromium did not start its DevTools server")


async def _drain(stream: asyncio.StreamReader) -> None:
    while await stream.read(65536):
        pass
