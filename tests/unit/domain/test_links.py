"""Which repository a manifest's link names: the URL's path decides, whatever the host."""

from __future__ import annotations

import pytest

from packyard.domain.links import repository_path


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("https://github.com/alice/tools", ("alice", "tools")),
        ("https://github.com/alice/tools.git", ("alice", "tools")),
        ("ssh://github.com/alice/tools", ("alice", "tools")),
        ("git@github.com:alice/tools.git", ("alice", "tools")),
        ("http://127.0.0.1:8080/alice/tools/", ("alice", "tools")),
        ("https://gitlab.example/group/sub/project", None),
        ("https://github.com/alice", None),
        ("", None),
    ],
)
def test_a_repository_is_named_by_its_path(url: str, named: tuple[str, str] | None) -> None:
    assert repository_path(url) == named
