"""The kit's surface, and who may import what around it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import packyard.http

SRC = Path(__file__).parents[3] / "src" / "packyard"


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_all_is_pinned() -> None:
    assert packyard.http.__all__ == [
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
    assert all(hasattr(packyard.http, name) for name in packyard.http.__all__)


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [
        ("http", ("packyard.",)),
        ("api", ("packyard.storage", "packyard.registries")),
        ("registries", ("packyard.api", "packyard.storage")),
    ],
)
def test_layer(layer: str, forbidden: tuple[str, ...]) -> None:
    offenders = [
        f"{path.relative_to(SRC)} imports {name}"
        for path in (SRC / layer).rglob("*.py")
        for name in _imports(path)
        if name.startswith(forbidden) and not name.startswith("packyard.http")
    ]
    assert offenders == []


def test_every_module_is_small() -> None:
    assert [
        p.name for p in (SRC / "http").glob("*.py") if len(p.read_text().splitlines()) > 300
    ] == []
