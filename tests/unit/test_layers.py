"""Dependencies point one way: domain ← core ← services ← api, registries, web, cli.

- `client` imports nothing of ours but the leaf modules both sides share (`packyard.semver`,
  `packyard.ratepoints`), which import nothing of ours;
- `auth` imports nothing of ours but `domain` (and `packyard.kept`, a leaf that imports
  nothing of ours: the bound on the MACs it keeps);
- `registries` get their stores injected: no storage, and no api, web or cli;
- a format's folder under `registries/` never imports another format's folder (helpers
  every format shares live directly in `registries/*.py`);
- `web/` stands on the services the REST API uses, never on `api/` itself: one authorization
  code path, two renderings.

A rule today's code breaks is marked `xfail(strict=True)` with the imports that break it:
when the restructuring fixes them the check passes, the strict marker turns that into a
failure, and whoever fixed it removes the marker.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

SRC = Path(__file__).parents[2] / "src" / "packyard"

OURS_IN_DOMAIN = (
    "packyard.core",
    "packyard.services",
    "packyard.api",
    "packyard.storage",
    "packyard.cli",
    "packyard.auth",
    "packyard.registries",
    "packyard.web",
)

# (folder under src/packyard, what nothing in it may import, marks)
RULES: list[Any] = [
    pytest.param("domain", (*OURS_IN_DOMAIN, "sqlalchemy", "starlette", "httpx"), id="domain"),
    pytest.param(
        "core",
        (
            "packyard.api",
            "packyard.registries",
            "packyard.web",
            "packyard.cli",
            "packyard.storage",
            "sqlalchemy",
            "starlette",
        ),
        id="core",
    ),
    pytest.param(
        "services",
        (
            "packyard.api",
            "packyard.storage",
            "packyard.cli",
            "packyard.registries",
            "packyard.web",
            "sqlalchemy",
            "starlette",
        ),
        id="services",
    ),
    pytest.param(
        "storage",
        ("packyard.api", "packyard.cli", "packyard.registries", "packyard.web"),
        id="storage",
    ),
    pytest.param("api", ("packyard.cli",), id="api"),
    pytest.param(
        "api",
        ("packyard.storage", "packyard.registries", "packyard.web"),
        id="api-without-composition",
    ),
    pytest.param(
        "registries",
        ("packyard.api", "packyard.cli", "packyard.web", "packyard.storage"),
        id="registries",
    ),
    pytest.param(
        "web",
        ("packyard.api", "packyard.storage", "packyard.cli", "packyard.registries"),
        id="web",
    ),
]


def module_of(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, root: Path = SRC.parent) -> set[str]:
    """Every module `path` (under `root`) imports, relative imports made absolute."""
    module = module_of(path, root)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            # `from packyard import semver` imports packyard.semver, not all of packyard.
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def within(name: str, modules: tuple[str, ...]) -> bool:
    return any(name == module or name.startswith(module + ".") for module in modules)


def offenders(folder: Path, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{path.relative_to(SRC)} imports {name}"
        for path in folder.rglob("*.py")
        for name in imports(path)
        if within(name, forbidden)
    )


@pytest.mark.parametrize(("layer", "forbidden"), RULES)
def test_layer_imports(layer: str, forbidden: tuple[str, ...]) -> None:
    # A folder that does not exist yet (core/, web/) has no offenders; its rule starts
    # biting with its first module.
    assert offenders(SRC / layer, forbidden) == []


def test_auth_imports_only_domain_of_ours() -> None:
    allowed = ("packyard.auth", "packyard.domain", "packyard.kept")
    assert [
        f"{path.relative_to(SRC)} imports {name}"
        for path in (SRC / "auth").rglob("*.py")
        for name in imports(path)
        if within(name, ("packyard",)) and not within(name, allowed)
    ] == []


FORMATS = sorted(p.name for p in (SRC / "registries").iterdir() if (p / "__init__.py").exists())


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_format_never_imports_another(fmt: str) -> None:
    others = tuple(f"packyard.registries.{other}" for other in FORMATS if other != fmt)
    assert offenders(SRC / "registries" / fmt, others) == []


def test_the_format_rule_sees_formats() -> None:
    """The rule above is only as good as its list: it must find today's two formats."""
    assert {"npm", "oci"} <= set(FORMATS)


def test_imports_resolves_relative_imports(tmp_path: Path) -> None:
    """`from ..oci import app` in registries/npm/ is an import of another format."""
    module = tmp_path / "packyard" / "registries" / "npm" / "routes.py"
    module.parent.mkdir(parents=True)
    module.write_text("from ..oci import app\nfrom . import parse\nfrom .wire import X\n")
    assert imports(module, root=tmp_path) == {
        "packyard.registries.oci.app",
        "packyard.registries.npm.parse",
        "packyard.registries.npm.wire.X",
    }


# Pure, standard-library-only modules the server and the SDK share.
SHARED_LEAVES = ("packyard.semver", "packyard.ratepoints")


def test_client_imports_only_httpx_itself_and_shared_leaves() -> None:
    assert [
        f"{path.relative_to(SRC)} imports {name}"
        for path in (SRC / "client").rglob("*.py")
        for name in imports(path)
        if within(name, ("packyard",)) and not within(name, ("packyard.client", *SHARED_LEAVES))
    ] == []


@pytest.mark.parametrize("leaf", SHARED_LEAVES)
def test_shared_leaves_import_nothing_of_ours(leaf: str) -> None:
    path = SRC.parent / (leaf.replace(".", "/") + ".py")
    assert [name for name in imports(path) if within(name, ("packyard",))] == []
