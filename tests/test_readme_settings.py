"""Every environment variable that Packyard (src/), its scripts and the suite's shared modules
(tests/*.py) read is in the README's one table of settings, so none goes undocumented."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[1]
# A name in quotes in Python (`envvar="PACKYARD_HOST"`, `environ.get("CI")`), or a shell
# read (`${FUZZ_SECONDS:-120}`).
PYTHON_NAME = re.compile(
    r"""environ(?:\.get)?\(?\[?["']([A-Z][A-Z0-9_]+)["']|["']((?:PACKYARD|GITHUB)_[A-Z0-9_]+)["']"""
)
SHELL_READ = re.compile(r"\$\{([A-Z][A-Z0-9_]+)")
# Plumbing between scripts/fuzz and tests/fuzz: the table documents FUZZ_*, which set these.
PLUMBING = {"PACKYARD_FUZZ_EXAMPLES", "PACKYARD_FUZZ_SEED", "PACKYARD_FUZZ_REPORT"}


def read_names() -> dict[str, str]:
    """name → the first file that reads it."""
    found: dict[str, str] = {}
    python = [*sorted((ROOT / "src").rglob("*.py")), *sorted((ROOT / "tests").glob("*.py"))]
    for path in python:
        for match in PYTHON_NAME.finditer(path.read_text()):
            found.setdefault(match[1] or match[2], str(path.relative_to(ROOT)))
    for path in sorted((ROOT / "scripts").iterdir()):
        if path.is_file() and path.suffix != ".py":
            for name in SHELL_READ.findall(path.read_text()):
                found.setdefault(name, str(path.relative_to(ROOT)))
    return found


def documented() -> set[str]:
    readme = (ROOT / "README.md").read_text()
    table = readme.split("Every setting, in one place", 1)[1].split("\n## ", 1)[0]
    # A row's first column names what it sets; a default may name another (XDG_STATE_HOME).
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`\$?([A-Z][A-Z0-9_]+)", row)}


def test_every_environment_variable_read_is_in_the_readme_table() -> None:
    names = read_names()
    assert {"PACKYARD_PORT", "GITHUB_API_URL", "PACKYARD_TEST_WORKERS", "CI"} <= set(names)
    missing = {name: where for name, where in names.items() if name not in documented() | PLUMBING}
    assert not missing, f"read but not in the README's table of settings: {missing}"
