"""The suite's own skip bookkeeping: a missing requirement skips, or fails under CI=true,
and the summary counts each group from the reports, as xdist hands them back."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.requirements import POSTGRES, Requirement, missing, missing_groups

TOOL = Requirement("some-tool", "apt-get install some-tool")
TOOL_GONE = "[missing some-tool] gone; to get it: apt-get install some-tool"


def test_a_missing_requirement_skips_with_its_group_and_how(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception) as skipped:
        TOOL.missing("`some-tool` is not on PATH")
    assert skipped.value.msg == (
        "[missing some-tool] `some-tool` is not on PATH; to get it: apt-get install some-tool"
    )


@pytest.mark.parametrize("value", ["true", "TRUE", "1"])
def test_under_ci_a_missing_requirement_fails(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception) as failed:
        missing("some-tool", "gone", "apt-get install some-tool")
    assert not failed.value.pytrace
    assert "CI=true" in failed.value.msg
    assert TOOL_GONE in failed.value.msg


@pytest.mark.parametrize("value", ["", "false", "0"])
def test_ci_false_still_skips(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.skip.Exception):
        TOOL.missing("gone")


def test_command_finds_what_is_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    assert TOOL.command("python3").endswith("python3")
    with pytest.raises(pytest.skip.Exception, match=r"^\[missing some-tool\] `no-such-"):
        TOOL.command("no-such-command-anywhere")


def skipped(nodeid: str, reason: str, *, as_list: bool = False) -> SimpleNamespace:
    longrepr = ("tests/x.py", 3, f"Skipped: {reason}")
    return SimpleNamespace(nodeid=nodeid, longrepr=list(longrepr) if as_list else longrepr)


def test_groups_are_counted_per_test_from_reports() -> None:
    pg = f"[missing postgres] PostgreSQL is not reachable at x; to get it: {POSTGRES.how}"
    reports = [
        skipped("t::a", pg),
        skipped("t::b", pg, as_list=True),  # as a report crosses from an xdist worker
        skipped("t::b", pg),  # the same test reported twice counts once
        skipped("t::c", TOOL_GONE),
        skipped("t::d", "the README's first command runs on the embedded default (SQLite)"),
        SimpleNamespace(  # a failure under CI=true: its text is the message
            nodeid="t::e",
            longrepr=object(),
            longreprtext=f"CI=true, so it fails: {TOOL_GONE}\n",
        ),
    ]
    assert missing_groups(reports) == {
        "postgres": (POSTGRES.how, {"t::a", "t::b"}),
        "some-tool": ("apt-get install some-tool", {"t::c", "t::e"}),
    }
