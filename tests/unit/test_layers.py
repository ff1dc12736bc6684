"""Dependencies point one way: domain ← services ← api/cli; client imports nothing of ours
but the leaf modules both sides share (`packyard.semver`, `packyard.ratepoints`), which
import nothing of ours."""

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
            # `from packyard import semver` imports packyard.semver, not all of packyard.
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
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


# Pure, standard-library-only modules the server and the SDK share.
SHARED_LEAVES = ("packyard.semver", "packyard.ratepoints")


def test_client_imports_only_httpx_itself_and_shared_leaves() -> None:
    offenders = [
        f"{path.relative_to(SRC)} imports {name}"
        for path in (SRC / "client").rglob("*.py")
        for name in imports(path)
        if name.startswith("packyard")
        and not name.startswith("packyard.client")
        and not any(name == leaf or name.startswith(leaf + ".") for leaf in SHARED_LEAVES)
    ]
    assert offenders == []


@pytest.mark.parametrize("leaf", SHARED_LEAVES)
def test_shared_leaves_import_nothing_of_ours(leaf: str) -> None:
    path = SRC.parent / (leaf.replace(".", "/") + ".py")
    assert [name for name in imports(path) if name.startswith("packyard")] == []
