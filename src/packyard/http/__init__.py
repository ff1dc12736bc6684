"""One HTTP kit for GitHub's REST API and every registry: raw-path requests, JSON/bytes/blob
responses with HEAD, Range and ETag, a raw-path router, the catch-all, and the thread hop
that keeps blob I/O off the event loop. It imports nothing else of Packyard's."""

from __future__ import annotations

from packyard.http.asgi import AsgiApp, AsgiScope, Message, Receive, Send
from packyard.http.exchange import Refusal, exchange, exchange_inline, plain_refusal
from packyard.http.ranges import ByteRange, RangeNotSatisfiable, byte_range
from packyard.http.request import (
    BODY_IDLE_TIMEOUT,
    DEFAULT_BODY_LIMIT,
    BodyRefused,
    BodyTimeout,
    BodyTooLarge,
    MiB,
    Request,
)
from packyard.http.response import JSON_TYPE, Blob, Response, dump_json
from packyard.http.router import Matcher, Params, Pattern, Route, Router
from packyard.http.threads import batches_from_thread, body_from_thread, in_thread

__all__ = [
    "BODY_IDLE_TIMEOUT",
    "DEFAULT_BODY_LIMIT",
    "JSON_TYPE",
    "AsgiApp",
    "AsgiScope",
    "Blob",
    "BodyRefused",
    "BodyTimeout",
    "BodyTooLarge",
    "ByteRange",
    "Matcher",
    "Message",
    "MiB",
    "Params",
    "Pattern",
    "RangeNotSatisfiable",
    "Receive",
    "Refusal",
    "Request",
    "Response",
    "Route",
    "Router",
    "Send",
    "batches_from_thread",
    "body_from_thread",
    "byte_range",
    "dump_json",
    "exchange",
    "exchange_inline",
    "in_thread",
    "plain_refusal",
]
