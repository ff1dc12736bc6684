"""What a package points at: its owner (GitHub's simple-user) and its repository
(minimal-repository), with every scalar field githubkit's models of them have.

Fields the JSON leaves out read as None where githubkit reads `UNSET` (both are falsy), so
`if repo.homepage:` means the same on either. Nested objects of minimal-repository that
packages never carry (`permissions`, `license`, `code_of_conduct`, `security_and_analysis`,
`custom_properties`) stay in `.raw`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, TypeVar

_T = TypeVar("_T")


def _time(value: Any) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _build(cls: Callable[..., _T], data: dict[str, Any], **parsed: Any) -> _T:
    """`cls` from the JSON keys named like its fields; `parsed` are the ones converted first."""
    # `cls` is always one of this module's dataclasses; typed as a callable so mypy lets the
    # generic call pass keyword arguments.
    names = {f.name for f in fields(cls)} - parsed.keys() - {"raw"}  # type: ignore[arg-type]
    return cls(**{n: data[n] for n in names if n in data}, **parsed, raw=data)


@dataclass(frozen=True)
class Owner:
    """A user or an organization, as `owner` fields and `GET /users/{login}` show it.

    >>> Owner.from_json({"login": "acme", "id": 7, "type": "Organization"}).is_org
    True
    """

    login: str
    id: int
    type: str
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    # githubkit's SimpleUser; after `raw` so positional construction keeps working.
    node_id: str | None = None
    name: str | None = None
    email: str | None = None
    avatar_url: str | None = None
    gravatar_id: str | None = None
    url: str | None = None
    html_url: str | None = None
    followers_url: str | None = None
    following_url: str | None = None
    gists_url: str | None = None
    starred_url: str | None = None
    subscriptions_url: str | None = None
    organizations_url: str | None = None
    repos_url: str | None = None
    events_url: str | None = None
    received_events_url: str | None = None
    site_admin: bool = False
    starred_at: str | None = None
    user_view_type: str | None = None

    @property
    def is_org(self) -> bool:
        return self.type == "Organization"

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Owner:
        return _build(
            cls,
            data,
            id=int(data["id"]),
            type=data.get("type", "User"),
            site_admin=bool(data.get("site_admin", False)),
        )


@dataclass(frozen=True)
class Repository:
    """A package's linked repository (GitHub's minimal-repository).

    >>> r = Repository.from_json({"id": 1, "name": "web", "full_name": "acme/web",
    ...                           "owner": {"login": "acme", "id": 7, "type": "Organization"}})
    >>> (r.full_name, r.owner.login if r.owner else None)
    ('acme/web', 'acme')
    """

    id: int
    name: str
    full_name: str
    private: bool = False
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    # githubkit's MinimalRepository; after `raw` so positional construction keeps working.
    owner: Owner | None = None
    node_id: str | None = None
    html_url: str | None = None
    description: str | None = None
    fork: bool = False
    url: str | None = None
    visibility: str | None = None
    homepage: str | None = None
    language: str | None = None
    default_branch: str | None = None
    topics: list[str] | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    pushed_at: datetime | None = None
    git_url: str | None = None
    ssh_url: str | None = None
    clone_url: str | None = None
    svn_url: str | None = None
    mirror_url: str | None = None
    archive_url: str | None = None
    assignees_url: str | None = None
    blobs_url: str | None = None
    branches_url: str | None = None
    collaborators_url: str | None = None
    comments_url: str | None = None
    commits_url: str | None = None
    compare_url: str | None = None
    contents_url: str | None = None
    contributors_url: str | None = None
    deployments_url: str | None = None
    downloads_url: str | None = None
    events_url: str | None = None
    forks_url: str | None = None
    git_commits_url: str | None = None
    git_refs_url: str | None = None
    git_tags_url: str | None = None
    hooks_url: str | None = None
    issue_comment_url: str | None = None
    issue_events_url: str | None = None
    issues_url: str | None = None
    keys_url: str | None = None
    labels_url: str | None = None
    languages_url: str | None = None
    merges_url: str | None = None
    milestones_url: str | None = None
    notifications_url: str | None = None
    pulls_url: str | None = None
    releases_url: str | None = None
    stargazers_url: str | None = None
    statuses_url: str | None = None
    subscribers_url: str | None = None
    subscription_url: str | None = None
    tags_url: str | None = None
    teams_url: str | None = None
    trees_url: str | None = None
    forks_count: int | None = None
    stargazers_count: int | None = None
    watchers_count: int | None = None
    size: int | None = None
    open_issues_count: int | None = None
    subscribers_count: int | None = None
    network_count: int | None = None
    forks: int | None = None
    open_issues: int | None = None
    watchers: int | None = None
    is_template: bool | None = None
    has_issues: bool | None = None
    has_projects: bool | None = None
    has_wiki: bool | None = None
    has_pages: bool | None = None
    has_discussions: bool | None = None
    has_pull_requests: bool | None = None
    archived: bool | None = None
    disabled: bool | None = None
    allow_forking: bool | None = None
    web_commit_signoff_required: bool | None = None
    delete_branch_on_merge: bool | None = None
    pull_request_creation_policy: str | None = None
    role_name: str | None = None
    temp_clone_token: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Repository:
        owner = data.get("owner")
        return _build(
            cls,
            data,
            id=int(data["id"]),
            private=bool(data.get("private", False)),
            fork=bool(data.get("fork", False)),
            owner=Owner.from_json(owner) if owner else None,
            created_at=_time(data.get("created_at")),
            updated_at=_time(data.get("updated_at")),
            pushed_at=_time(data.get("pushed_at")),
        )
