"""`packyard serve`'s listening: the main port, and the legacy Docker registry's port when
one is set — one app on both, which tells them apart by the port a request came in on."""

from __future__ import annotations

import socket

import uvicorn
from uvicorn.supervisors import Multiprocess


def run(host: str, port: int, docker_port: int | None, workers: int, access_log: bool) -> None:
    config = uvicorn.Config(
        "packyard.asgi:app",
        host=host,
        port=port,
        workers=workers,
        # uvicorn's access lines are logged at INFO: the level opens for them only.
        log_level="info" if access_log else "warning",
        access_log=access_log,
        lifespan="on",
    )
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
