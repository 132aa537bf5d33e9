"""Running the app with uvicorn: on a port for Twilio, or in-process for local calls."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator

import uvicorn

from telephony.app import create_app
from telephony.runtime import Runtime
from telephony.settings import Settings


@contextlib.asynccontextmanager
async def running_server(
    settings: Settings, runtime: Runtime | None = None
) -> AsyncIterator[str]:
    """Serve the app on a free loopback port; yields its base URL.

    The public URL in settings is replaced by the real address, so signatures
    computed by a local caller match what the server checks.
    """
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    settings = settings.model_copy(
        update={"public_url": base_url, "host": "127.0.0.1", "port": port}
    )
    config = uvicorn.Config(
        create_app(settings, runtime),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws_max_size=16 * 1024 * 1024,
        lifespan="on",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # raises the start-up error
        await asyncio.sleep(0.05)
    try:
        yield base_url
    finally:
        server.should_exit = True
        await task


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
