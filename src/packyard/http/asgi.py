"""The ASGI types every app here speaks.

`AsgiScope` is the server's connection scope (method, raw path, headers, …); it is not a
token's scope (`packyard.domain.types.Scope`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

AsgiScope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
AsgiApp = Callable[[AsgiScope, Receive, Send], Awaitable[None]]

# ASGI's "Zero Copy Send" extension: the message type, and its key in scope["extensions"]
# (`packyard.http.zerocopy` is the server's side, `Response.send` the apps').
ZEROCOPY = "http.response.zerocopy"
