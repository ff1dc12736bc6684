"""A package's link to a repository, as its own manifest names one (a gemspec's
`github_repo`, a nuspec's `<repository url>`): the URL's path decides, whatever the host,
so `https://github.com/OWNER/REPO`, `ssh://github.com/OWNER/REPO.git`,
`git@github.com:OWNER/REPO` and Packyard's own URLs all name OWNER/REPO."""

from __future__ import annotations

from urllib.parse import urlsplit

# A repository's path is its owner and its name: OWNER/REPO.
REPOSITORY_PATH_SEGMENTS = 2


def repository_path(url: str) -> tuple[str, str] | None:
    """(OWNER, REPO) of a repository URL, or None when its path is not OWNER/REPO."""
    path = urlsplit(url).path if "://" in url else url.partition(":")[2]
    parts = [p for p in path.strip("/").removesuffix(".git").split("/") if p]
    if len(parts) != REPOSITORY_PATH_SEGMENTS:
        return None
    return parts[0], parts[1]
