"""Counts as a reader says them: "1 org", "2 orgs", "0 versions"; never "1 orgs", "version(s)"."""

from __future__ import annotations


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """`count` and the noun in the number it takes; `plural` where adding "s" is wrong.

    >>> counted(1, "org"), counted(0, "version"), counted(2, "repository", "repositories")
    ('1 org', '0 versions', '2 repositories')
    """
    return f"{count} {noun if count == 1 else plural or noun + 's'}"
