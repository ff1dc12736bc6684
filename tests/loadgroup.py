"""`--dist loadgroup`, made to keep what a module sets up once on one worker.

pytest-xdist 3.8 marks a grouped test on the worker by appending `@group` to
`item._nodeid`, and its scheduler keeps tests whose ids share that suffix together. pytest
9.2 reads `nodeid` from `item._id` instead, so the suffix was lost without a word: every
`xdist_group` was spread over both workers, and each worker built the group's module
fixtures (a live server and its seed, mvn deploys, nuget and gem pushes...) a second time.
This sets the suffix where pytest reads it now (where xdist's own assignment took, it
changes nothing).

A test using a module-scoped fixture (a live server, a client's set-up) joins its module's
group even unmarked: what the module builds once is then built once per run, not once per
worker its tests happened to be sent to. Other tests are balanced one by one, as before.
"""

from __future__ import annotations

import pytest
from _pytest.nodeid import NodeId


def group_suffix(item: pytest.Item) -> str:
    """`@name` for an item in xdist groups (xdist's own spelling), else ''."""
    names = {
        str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
        for mark in item.iter_markers("xdist_group")
    }
    return "@" + "_".join(sorted(names)) if names else ""


def uses_module_fixture(item: pytest.Item) -> bool:
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    return any(
        defs and defs[-1].scope in ("module", "package")
        for name, defs in info.name2fixturedefs.items()
        if name in info.names_closure
    )


@pytest.hookimpl(trylast=True)  # after xdist's own hook, which may already have set it
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not getattr(config.option, "loadgroup", False):  # set on workers under loadgroup only
        return
    for item in items:
        if not group_suffix(item) and uses_module_fixture(item):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))
        suffix = group_suffix(item)
        if suffix and not item.nodeid.endswith(suffix):
            item._id = NodeId.parse(item.nodeid + suffix)
