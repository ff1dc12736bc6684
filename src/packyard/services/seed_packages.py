"""`packyard seed`'s packages: each with its access, versions and tags (the seed format's
`packages` section; see seed.py for the whole load)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from packyard.core.ports import SeededVersion, Transaction
from packyard.domain.formats import split_scope, traits
from packyard.domain.types import (
    Account,
    AccountType,
    PackageType,
    Role,
    Visibility,
)
from packyard.services.seed_content import (
    ContentPorts,
    PendingContent,
    publish_contents,
    read_content,
)
from packyard.services.seed_schema import SeedChecker, SeedReport, enum_values


@dataclass
class PackagesLoader:
    tx: Transaction
    check: SeedChecker
    report: SeedReport
    account: Callable[..., Account | None]  # the seed's account by login, checked
    repository_id: Callable[[Any, str], int | None]  # a repository by full name, checked
    ports: ContentPorts | None = None  # what `content:` needs; None: a file may not ask
    pending: list[PendingContent] = field(default_factory=list)
    # Each package with content, as the file gives it (owner id, type, name, values).
    with_content: list[tuple[int, PackageType, str, dict[str, Any]]] = field(default_factory=list)
    # Each package's versions with content, as the file gives them: (package id, versions).
    content_versions: list[tuple[int, list[SeededVersion]]] = field(default_factory=list)

    def load(self, root: dict[str, Any]) -> None:
        for path, item in self.check.items(root, "packages", ""):
            doc = self.check.mapping(item, path, "packages")
            if doc is not None:
                self._package(doc, path)
        if self.pending and self.ports is not None and not self.check.errors:
            publish_contents(self.tx, self.ports, self.pending, self.check)
            # A publish touches `updated_at` (a package's, a tagged version's): the file's
            # wins, as always, and loading twice leaves the same state.
            for owner_id, ptype, name, values in self.with_content:
                self.tx.packages.upsert_package(owner_id, ptype, name, values)
            for package_id, seeded in self.content_versions:
                self.tx.versions.upsert_versions(package_id, seeded)

    def _package(self, doc: dict[str, Any], path: str) -> None:
        c = self.check
        owner = self.account(doc.get("owner"), f"{path}.owner")
        ptype = PackageType(
            c.choice(
                doc.get("package_type"), f"{path}.package_type", enum_values(PackageType), "npm"
            )
        )
        name = c.string(doc.get("name"), f"{path}.name")
        visibility = Visibility(
            c.choice(
                doc.get("visibility"), f"{path}.visibility", enum_values(Visibility), "private"
            )
        )
        repository_id = self.repository_id(doc.get("repository"), f"{path}.repository")
        inherit = c.boolean(doc.get("inherit_access"), f"{path}.inherit_access", True)
        created = c.timestamp(doc.get("created_at"), f"{path}.created_at", c.now) or c.now
        deleted = c.timestamp(doc.get("deleted_at"), f"{path}.deleted_at", None)
        if visibility is Visibility.INTERNAL and (
            not traits(ptype).granular or (owner is not None and not owner.is_org)
        ):
            c.error(
                f"{path}.visibility",
                "internal is for org-owned packages of granular "
                "types (container, npm, nuget, rubygems)",
            )
        if not traits(ptype).granular and not inherit:
            c.error(
                f"{path}.inherit_access",
                f"{ptype.value} packages always inherit access from their repository",
            )
        if not traits(ptype).granular and "access" in doc:
            c.error(
                f"{path}.access", f"{ptype.value} packages take access from their repository only"
            )
        if not name:
            if name is not None:
                c.error(f"{path}.name", "must not be empty")
            return
        scope, short = split_scope(name)
        if traits(ptype).owner_scoped and scope is not None and owner is not None:
            # The file may give npm's `@owner/name`; GitHub, and Packyard, name it `name`.
            if scope.lower() != owner.login.lower():
                c.error(
                    f"{path}.name",
                    f"the scope @{scope} is not the owner {owner.login}: "
                    f"{ptype.value} packages are scoped to their owner",
                )
                owner = None  # still check the versions; store nothing
            name = short
        versions = self._versions(doc, path, ptype, owner.login if owner else "", name)
        if deleted is not None and any(v["content"] for v in versions):
            c.error(f"{path}.deleted_at", "a deleted package's versions cannot be given content")
        if owner is None:
            return
        updated = max([created, *(v["values"]["updated_at"] for v in versions)])
        values = {
            "visibility": visibility.value,
            "repository_id": repository_id,
            "inherit_access": inherit,
            "created_at": created,
            "updated_at": updated,
            "deleted_at": deleted,
        }
        package_id = self.tx.packages.upsert_package(owner.id, ptype, name, values)
        self.report.packages += 1
        self._access(doc, path, package_id)
        # The file says nothing of an npm version's dist-tags: they are left as publishes
        # set them.
        tagged = traits(ptype).tagged
        seeded = [
            SeededVersion(v["name"], v["values"], v["tags"] if tagged else None) for v in versions
        ]
        # One call for the package's versions: row by row, a seed is quadratic.
        self.tx.versions.upsert_versions(package_id, seeded)
        self.report.versions += len(seeded)
        given_content = []
        for version, seeded_version in zip(versions, seeded, strict=True):
            content = version["content"]
            if content is not None:
                self.report.versions += content.extra_versions
                self.pending.append(
                    PendingContent(version["path"], owner, content, version["values"]["created_at"])
                )
                given_content.append(seeded_version)
        if given_content:
            self.with_content.append((owner.id, ptype, name, values))
            self.content_versions.append((package_id, given_content))

    def _access(self, doc: dict[str, Any], path: str, package_id: int) -> None:
        for apath, aitem in self.check.items(doc, "access", path):
            grant = self.check.mapping(aitem, apath, "packages.access")
            if grant is None:
                continue
            role = Role[
                self.check.choice(
                    grant.get("role"), f"{apath}.role", ["read", "write", "admin"], "read"
                ).upper()
            ]
            has_user, has_repo = "user" in grant, "repository" in grant
            if has_user == has_repo:
                self.check.error(apath, "give exactly one of `user` or `repository`")
                continue
            if has_user:
                user = self.account(grant["user"], f"{apath}.user", AccountType.USER)
                if user is not None:
                    self.tx.packages.set_package_grant(package_id, user.id, None, role)
            else:
                repo_id = self.repository_id(grant["repository"], f"{apath}.repository")
                if repo_id is not None:
                    self.tx.packages.set_package_grant(package_id, None, repo_id, role)

    def _versions(
        self, doc: dict[str, Any], path: str, ptype: PackageType, owner: str, package: str
    ) -> list[dict[str, Any]]:
        c = self.check
        result: list[dict[str, Any]] = []
        seen_names: set[str] = set()
        live_tags: dict[str, str] = {}
        for vpath, vitem in c.items(doc, "versions", path):
            version = c.mapping(vitem, vpath, "packages.versions")
            if version is None:
                continue
            name = c.string(version.get("name"), f"{vpath}.name")
            created = c.timestamp(version.get("created_at"), f"{vpath}.created_at", c.now)
            updated = c.timestamp(version.get("updated_at"), f"{vpath}.updated_at", created)
            deleted = c.timestamp(version.get("deleted_at"), f"{vpath}.deleted_at", None)
            downloads = version.get("download_count", 0)
            if isinstance(downloads, bool) or not isinstance(downloads, int) or downloads < 0:
                c.error(f"{vpath}.download_count", "must be a non-negative integer")
                downloads = 0
            tags = self._tags(version.get("tags"), f"{vpath}.tags", ptype)
            description = c.string(version.get("description"), f"{vpath}.description")
            license = c.string(version.get("license"), f"{vpath}.license")
            content = None
            if "content" in version:
                content = read_content(
                    c,
                    self.ports,
                    version["content"],
                    f"{vpath}.content",
                    ptype,
                    {
                        "owner": owner,
                        "package": package,
                        "version": name,
                        "description": description,
                        "license": license,
                    },
                )
                if deleted is not None:
                    c.error(f"{vpath}.deleted_at", "a version with content cannot be deleted")
                if content is not None and name is not None and name != content.version:
                    c.error(f"{vpath}.name", f"the content is {content.version}, not {name}")
                if content is not None:
                    name = content.version
            elif "name" not in version:
                c.error(f"{vpath}.name", "required key is missing")
            if not name:
                if name is not None:
                    c.error(f"{vpath}.name", "must not be empty")
                continue
            if name in seen_names:
                c.error(f"{vpath}.name", f"version {name!r} appears twice in this package")
                continue
            seen_names.add(name)
            if deleted is None:
                for tag in tags:
                    if tag in live_tags:
                        c.error(f"{vpath}.tags", f"tag {tag!r} is already on {live_tags[tag]}")
                    live_tags[tag] = name
            result.append(
                {
                    "name": name,
                    "path": vpath,
                    "content": content,
                    "tags": tags,
                    "values": {
                        "download_count": downloads,
                        "created_at": created,
                        "updated_at": updated,
                        "deleted_at": deleted,
                        "description": description,
                        "license": license,
                    },
                }
            )
        return result

    def _tags(self, value: Any, path: str, ptype: PackageType) -> list[str]:
        if value is None:
            return []
        if not traits(ptype).tagged:
            self.check.error(path, "tags are for container and docker versions only")
            return []
        if not isinstance(value, list):
            self.check.error(path, "must be a list")
            return []
        tags = []
        for i, tag in enumerate(value):
            text = self.check.string(tag, f"{path}[{i}]")
            if text:
                tags.append(text)
        return list(dict.fromkeys(tags))
