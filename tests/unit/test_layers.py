"""Dependencies point one way: domain ← services ← api/cli; client imports nothing of ours."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).parents[2] / "src" / "packyard"

FORBIDDEN = {
    "domain": (
        "packyard.services",
        "packyard.api",
        "packyard.storage",
        "packyard.cli",
        "packyard.auth",
        "packyard.registries",
        "packyard.web",
        "sqlalchemy",
        "starlette",
        "httpx",
    ),
    "services": (
        "packyard.api",
        "packyard.storage",
        "packyard.cli",
        "packyard.registries",
        "packyard.web",
        "sqlalchemy",
        "starlette",
    ),
    "storage": ("packyard.api", "packyard.cli", "packyard.registries", "packyard.web"),
    "api": ("packyard.cli",),
}


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports(layer: str) -> None:
    offenders = [
        f"{path.relative_to(SRC)} imports {name}"
        for path in (SRC / layer).rglob("*.py")
        for name in imports(path)
        if name.startswith(FORBIDDEN[layer])
    ]
    assert offenders == []


def test_client_imports_only_httpx_and_itself() -> None:
    offenders = [
        f"{path.relative_to(SRC)} imports {name}"
        for path in (SRC / "client").rglob("*.py")
        for name in imports(path)
        if name.startswith("packyard") and not name.startswith("packyard.client")
    ]
    assert offenders == []
