"""GitHub's JSON shapes: root, api-overview, simple-user, minimal-repository, package,
package-version."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from packyard.domain.formats import traits
from packyard.domain.pages import (
    encode_name,
    owner_path,
    package_page_path,
    version_pages_prefix,
)
from packyard.domain.types import (
    Account,
    Package,
    PackageType,
    Repository,
    Version,
    Visibility,
)
from packyard.http.response import dump_json
from packyard.kept import keep
from packyard.services.access import PackageView
from packyard.services.meta import ServerFacts
from packyard.services.packages import KeptVersionPage

JSON = dict[str, Any]
# About 600 bytes each: a few megabytes, the first pages of the packages listed most.
MAX_KEPT_VERSIONS = 10_000

# GitHub's root document, `GET /`: its URL templates, in GitHub's order, below the API's URL
# (`current_user_authorizations_html_url` alone is below the web's). Most name resources
# Packyard does not serve; GitHub's clients and docs read the document whole, so it is kept
# whole rather than pruned to what answers.
ROOT_TEMPLATES = {
    "current_user_url": "/user",
    "authorizations_url": "/authorizations",
    "code_search_url": "/search/code?q={query}{&page,per_page,sort,order}",
    "commit_search_url": "/search/commits?q={query}{&page,per_page,sort,order}",
    "emails_url": "/user/emails",
    "emojis_url": "/emojis",
    "events_url": "/events",
    "feeds_url": "/feeds",
    "followers_url": "/user/followers",
    "following_url": "/user/following{/target}",
    "gists_url": "/gists{/gist_id}",
    "hub_url": "/hub",
    "issue_search_url": "/search/issues?q={query}{&page,per_page,sort,order}",
    "issues_url": "/issues",
    "keys_url": "/user/keys",
    "label_search_url": "/search/labels?q={query}&repository_id={repository_id}{&page,per_page}",
    "notifications_url": "/notifications",
    "organization_url": "/orgs/{org}",
    "organization_repositories_url": "/orgs/{org}/repos{?type,page,per_page,sort}",
    "organization_teams_url": "/orgs/{org}/teams",
    "public_gists_url": "/gists/public",
    "rate_limit_url": "/rate_limit",
    "repository_url": "/repos/{owner}/{repo}",
    "repository_search_url": "/search/repositories?q={query}{&page,per_page,sort,order}",
    "current_user_repositories_url": "/user/repos{?type,page,per_page,sort}",
    "starred_url": "/user/starred{/owner}{/repo}",
    "starred_gists_url": "/gists/starred",
    "topic_search_url": "/search/topics?q={query}{&page,per_page}",
    "user_url": "/users/{user}",
    "user_organizations_url": "/user/orgs",
    "user_repositories_url": "/users/{user}/repos{?type,page,per_page,sort}",
    "user_search_url": "/search/users?q={query}{&page,per_page,sort,order}",
}
ROOT_WEB_TEMPLATES = {
    "current_user_authorizations_html_url": "/settings/connections/applications{/client_id}",
}
# API version 2026-03-10 drops these two from the root (GitHub's breaking changes).
ROOT_REMOVED_IN_2026_03_10 = frozenset({"authorizations_url", "hub_url"})


def timestamp(value: datetime) -> datetime:
    """Timestamps stay datetimes until orjson writes them as GitHub does (`...T12:00:00Z`)."""
    return value


def node_id(kind: str, ident: int) -> str:
    # GitHub's legacy global ids: base64 of "<len>:<Type><id>", stable and opaque enough.
    return base64.b64encode(f"{len(kind):02d}:{kind}{ident}".encode()).decode()


class Renderer:
    def __init__(self, api_url: str, web_url: str) -> None:
        self.api = api_url.rstrip("/")
        self.web = web_url.rstrip("/")
        self._root = {
            "current_user_url": f"{self.api}/user",  # here only to keep GitHub's key order
            **{key: self.web + suffix for key, suffix in ROOT_WEB_TEMPLATES.items()},
            **{key: self.api + suffix for key, suffix in ROOT_TEMPLATES.items()},
        }
        # Rendered versions by (version id, version generation, package URL); a version's
        # JSON holds no download count, the one thing that changes without a generation.
        self._kept: dict[tuple[int, int, str], bytes] = {}
        self._root_2026 = {
            k: v for k, v in self._root.items() if k not in ROOT_REMOVED_IN_2026_03_10
        }

    # the server ----------------------------------------------------------------------

    def root(self, api_version: str | None) -> JSON:
        """`GET /`: GitHub's URL templates, on this server's URLs."""
        return dict(self._root_2026 if api_version == "2026-03-10" else self._root)

    def api_overview(self, facts: ServerFacts) -> JSON:
        """`GET /meta`: GHES's answer, kept to what is true of Packyard (its registries are
        served on the API's host; its IP ranges are not something it knows)."""
        return {
            "verifiable_password_authentication": facts.passwords_authenticate,
            "domains": {"packages": [urlsplit(self.web).hostname or ""]},
            "installed_version": facts.installed_version,
        }

    # accounts ------------------------------------------------------------------------

    def simple_user(self, account: Account) -> JSON:
        api_user = f"{self.api}/users/{account.login}"
        return {
            "login": account.login,
            "id": account.id,
            "node_id": node_id(account.type.value, account.id),
            "avatar_url": f"{self.web}/avatars/{account.login}",
            "gravatar_id": "",
            "url": api_user,
            "html_url": f"{self.web}/{account.login}",
            "followers_url": f"{api_user}/followers",
            "following_url": f"{api_user}/following{{/other_user}}",
            "gists_url": f"{api_user}/gists{{/gist_id}}",
            "starred_url": f"{api_user}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{api_user}/subscriptions",
            "organizations_url": f"{api_user}/orgs",
            "repos_url": f"{api_user}/repos",
            "events_url": f"{api_user}/events{{/privacy}}",
            "received_events_url": f"{api_user}/received_events",
            "type": account.type.value,
            "user_view_type": "public",
            "site_admin": account.site_admin,
        }

    def full_user(self, account: Account, private: bool) -> JSON:
        """`GET /user` (private-user) and `GET /users/{login}` (public-user)."""
        created = timestamp(account.created_at) if account.created_at else None
        body: JSON = {
            **self.simple_user(account),
            "name": account.name,
            "company": None,
            "blog": "",
            "location": None,
            "email": None,
            "hireable": None,
            "bio": None,
            "twitter_username": None,
            "public_repos": 0,
            "public_gists": 0,
            "followers": 0,
            "following": 0,
            "created_at": created,
            "updated_at": created,
        }
        if private:
            body.update(
                {
                    "user_view_type": "private",
                    "private_gists": 0,
                    "total_private_repos": 0,
                    "owned_private_repos": 0,
                    "disk_usage": 0,
                    "collaborators": 0,
                    "two_factor_authentication": False,
                    "plan": {
                        "name": "enterprise",
                        "space": 0,
                        "private_repos": 0,
                        "collaborators": 0,
                    },
                }
            )
        return body

    # repositories --------------------------------------------------------------------

    def minimal_repository(self, repo: Repository) -> JSON:
        api_repo = f"{self.api}/repos/{repo.full_name}"
        templated = {
            "archive_url": "/{archive_format}{/ref}",
            "assignees_url": "/assignees{/user}",
            "blobs_url": "/git/blobs{/sha}",
            "branches_url": "/branches{/branch}",
            "collaborators_url": "/collaborators{/collaborator}",
            "comments_url": "/comments{/number}",
            "commits_url": "/commits{/sha}",
            "compare_url": "/compare/{base}...{head}",
            "contents_url": "/contents/{+path}",
            "contributors_url": "/contributors",
            "deployments_url": "/deployments",
            "downloads_url": "/downloads",
            "events_url": "/events",
            "forks_url": "/forks",
            "git_commits_url": "/git/commits{/sha}",
            "git_refs_url": "/git/refs{/sha}",
            "git_tags_url": "/git/tags{/sha}",
            "hooks_url": "/hooks",
            "issue_comment_url": "/issues/comments{/number}",
            "issue_events_url": "/issues/events{/number}",
            "issues_url": "/issues{/number}",
            "keys_url": "/keys{/key_id}",
            "labels_url": "/labels{/name}",
            "languages_url": "/languages",
            "merges_url": "/merges",
            "milestones_url": "/milestones{/number}",
            "notifications_url": "/notifications{?since,all,participating}",
            "pulls_url": "/pulls{/number}",
            "releases_url": "/releases{/id}",
            "stargazers_url": "/stargazers",
            "statuses_url": "/statuses/{sha}",
            "subscribers_url": "/subscribers",
            "subscription_url": "/subscription",
            "tags_url": "/tags",
            "teams_url": "/teams",
            "trees_url": "/git/trees{/sha}",
        }
        body: JSON = {
            "id": repo.id,
            "node_id": node_id("Repository", repo.id),
            "name": repo.name,
            "full_name": repo.full_name,
            "owner": self.simple_user(repo.owner),
            "private": repo.visibility is not Visibility.PUBLIC,
            "html_url": f"{self.web}/{repo.full_name}",
            "description": repo.description,
            "fork": False,
            "url": api_repo,
            "git_url": f"{self.web}/{repo.full_name}.git",
            "clone_url": f"{self.web}/{repo.full_name}.git",
            "visibility": repo.visibility.value,
        }
        body.update({key: api_repo + suffix for key, suffix in templated.items()})
        return body

    # packages ------------------------------------------------------------------------

    def package_url(self, package: Package) -> str:
        return (
            f"{self.api}{owner_path(package.owner)}/packages/"
            f"{package.package_type.value}/{encode_name(package.name)}"
        )

    def package_html_url(self, package: Package) -> str:
        return f"{self.web}{package_page_path(package)}"

    def package(self, view: PackageView) -> JSON:
        package = view.package
        body: JSON = {
            "id": package.id,
            "name": package.name,
            "package_type": package.package_type.value,
            "owner": self.simple_user(package.owner),
            "version_count": package.version_count,
            # GitHub's schema has no `internal`: internal packages read as private.
            "visibility": "public" if package.visibility is Visibility.PUBLIC else "private",
            "url": self.package_url(package),
            "created_at": timestamp(package.created_at),
            "updated_at": timestamp(package.updated_at),
            "html_url": self.package_html_url(package),
        }
        if view.repository is not None:
            body["repository"] = self.minimal_repository(view.repository)
        return body

    def kept_versions(
        self, package: Package, version_ids: list[int], generation: int
    ) -> dict[int, bytes]:
        """Those versions' JSON as rendered under this version generation of their package,
        where kept. The key holds the package's URL too: what the JSON says of the package."""
        url = self.package_url(package)
        kept = self._kept
        found = {}
        for version_id in version_ids:
            part = kept.get((version_id, generation, url))
            if part is not None:
                found[version_id] = part
        return found

    def versions_json(self, page: KeptVersionPage[bytes]) -> bytes:
        """The page's versions as a JSON array: the copies kept, the rest rendered (and
        kept under the page's generation)."""
        package, kept = page.package, page.kept
        url = self.package_url(package)
        fresh = self.versions(package, [page.read[i] for i in page.ids if i not in kept])
        rendered = iter(fresh)
        parts = []
        for version_id in page.ids:
            part = kept.get(version_id)
            if part is None:
                part = dump_json(next(rendered))
                keep(self._kept, (version_id, page.generation, url), part, MAX_KEPT_VERSIONS)
            parts.append(part)
        return b"[" + b",".join(parts) + b"]"

    def version(self, package: Package, version: Version) -> JSON:
        return self.versions(package, [version])[0]

    def versions(self, package: Package, versions: list[Version]) -> list[JSON]:
        # Everything about the package is worked out once, not once per version.
        package_url = self.package_url(package) + "/versions/"
        package_html_url = self.package_html_url(package)
        html_prefix = f"{self.web}{version_pages_prefix(package)}"
        type_name = package.package_type.value
        tagged = traits(package.package_type).tagged
        rendered = []
        for version in versions:
            metadata: JSON = {"package_type": type_name}
            if tagged:
                tags = list(version.tags)
                # GitHub sends a docker version's tags as `tag` (what its clients read),
                # while its own schema requires `tags`: both, so both hold.
                metadata[type_name] = (
                    {"tag": tags, "tags": tags}
                    if package.package_type is PackageType.DOCKER
                    else {"tags": tags}
                )
            body: JSON = {
                "id": version.id,
                "name": version.name,
                "url": f"{package_url}{version.id}",
                "package_html_url": package_html_url,
                "created_at": version.created_at,
                "updated_at": version.updated_at,
                "html_url": f"{html_prefix}{version.id}",
                "metadata": metadata,
            }
            if version.license is not None:
                body["license"] = version.license
            if version.description is not None:
                body["description"] = version.description
            if version.deleted_at is not None:
                body["deleted_at"] = version.deleted_at
            rendered.append(body)
        return rendered
