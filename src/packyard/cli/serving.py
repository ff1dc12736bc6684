"""`packyard serve`'s listening: the main port, and the legacy Docker registry's port when
one is set — one app on both, which tells them apart by the port a request came in on.

Every connection is bounded before the app sees it (`packyard.http.connection`: request
line, header size and count, the time a head may take), and so is how many there are at
once: past `max_connections` uvicorn answers 503 rather than holding each one's buffers.
"""

from __future__ import annotations

import socket

import uvicorn
from uvicorn.supervisors import Multiprocess

from packyard.http.connection import CONNECTION

# Concurrent connections (and requests) per process before new ones are answered 503: each
# holds up to 64 KB of headers and 64 KB of buffered body, so a few thousand stay far below
# the memory a flood could otherwise take.
MAX_CONNECTIONS = 2048
# An idle keep-alive connection is closed after this many seconds (uvicorn's default).
KEEP_ALIVE = 5


def server_config(
    host: str,
    port: int,
    workers: int,
    access_log: bool,
    max_connections: int = MAX_CONNECTIONS,
) -> uvicorn.Config:
    return uvicorn.Config(
        "packyard.asgi:app",
        host=host,
        port=port,
        workers=workers,
        # uvicorn's access lines are logged at INFO: the level opens for them only.
        log_level="info" if access_log else "warning",
        access_log=access_log,
        lifespan="on",
        # By import path, so each worker process loads the class itself.
        http=CONNECTION,
        limit_concurrency=max_connections,
        timeout_keep_alive=KEEP_ALIVE,
        # asyncio's own loop, not uvloop: under 100 connections pulling one manifest, uvloop
        # answered 7% more requests but left ~1% of them waiting 300-900 ms (p99 14x p50,
        # its bare route 9x); asyncio's p99 stays within 3x of p50 (bench/run-pulls).
        loop="asyncio",
    )


def run(
    host: str,
    port: int,
    docker_port: int | None,
    workers: int,
    access_log: bool,
    max_connections: int = MAX_CONNECTIONS,
) -> None:
    config = server_config(host, port, workers, access_log, max_connections)
    sockets = [config.bind_socket()]
    if docker_port is not None:
        sockets.append(_bind(host, docker_port))
    if workers > 1:
        Multiprocess(config, sockets=sockets).run()
    else:
        uvicorn.Server(config).run(sockets=sockets)


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket as uvicorn binds its own (workers inherit it)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise SystemExit(f"packyard serve: cannot listen on {host}:{port} ({error})") from None
    sock.set_inheritable(True)
    return sock
