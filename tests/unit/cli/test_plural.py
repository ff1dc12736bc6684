from __future__ import annotations

import pytest

from packyard.cli.plural import counted


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "0 orgs"), (1, "1 org"), (2, "2 orgs"), (-1, "-1 orgs")],
)
def test_one_is_singular_every_other_count_plural(count: int, expected: str) -> None:
    assert counted(count, "org") == expected


def test_an_irregular_plural_is_given() -> None:
    assert counted(1, "repository", "repositories") == "1 repository"
    assert counted(3, "repository", "repositories") == "3 repositories"
