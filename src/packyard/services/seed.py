"""`packyard seed`: load a whole state from the seed format, in one transaction.

The format is a contract (shared/spec/seed-format.md): unknown keys are errors naming their
path, every error is reported at once, nothing changes unless everything is valid, and
loading twice leaves the same state because every entity is matched by its natural key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from packyard.auth.tokens import hash_token, token_prefix
from packyard.core.ports import Store, Transaction
from packyard.domain.errors import DomainError
from packyard.domain.formats import traits
from packyard.domain.rules import is_valid_login
from packyard.domain.types import (
    Account,
    AccountType,
    OrgRole,
    PackageType,
    RepositoryPermission,
    Role,
    TokenKind,
    Visibility,
)
from packyard.services.seed_schema import SeedChecker, enum_values


class SeedError(DomainError):
    """Every problem found in a seed file, each as `path: message`."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class SeedReport:
    users: int = 0
    orgs: int = 0
    repositories: int = 0
    tokens: int = 0
    packages: int = 0
    versions: int = 0


def load_seed(store: Store, document: Any, now: datetime) -> SeedReport:
    """Validate the whole document, then apply it in one transaction, or change nothing."""
    check = SeedChecker(now)
    root = check.mapping(document if document is not None else {}, "", "")
    if root is None:
        raise SeedError(check.errors)
    report = SeedReport()
    with store.write() as tx:
        _Loader(tx, check, report).load(root)
        if check.errors:
            # Raising inside the transaction rolls every write back.
            raise SeedError(check.errors)
    return report


@dataclass
class _Loader:
    tx: Transaction
    check: SeedChecker
    report: SeedReport

    def load(self, root: dict[str, Any]) -> None:
        self._users(root)
        self._orgs(root)
        self._repositories(root)
        self._tokens(root)
        self._packages(root)

    def _account(self, login: Any, path: str, want: AccountType | None = None) -> Account | None:
        name = self.check.string(login, path)
        if name is None:
            return None
        account = self.tx.accounts.find_account_by_login(name)
        if account is None:
            self.check.error(path, f"no user or organization {name!r}")
        elif want is not None and account.type is not want:
            self.check.error(path, f"{name!r} is not a {want.value.lower()}")
            return None
        return account

    def _upsert_account(
        self, login: str | None, path: str, type_: AccountType, name: str | None, site_admin: bool
    ) -> Account | None:
        if login is None:
            return None
        if not is_valid_login(login):
            self.check.error(
                f"{path}.login",
                "not a valid login (1-39 alphanumerics or single hyphens, not at either end)",
            )
            return None
        existing = self.tx.accounts.find_account_by_login(login)
        if existing is None:
            return self.tx.accounts.create_account(
                login, type_.value, name, site_admin, self.check.now
            )
        if existing.type is not type_:
            self.check.error(
                f"{path}.login", f"{login!r} already exists as a {existing.type.value.lower()}"
            )
            return None
        self.tx.accounts.update_account(existing.id, name, site_admin)
        return existing

    def _users(self, root: dict[str, Any]) -> None:
        for path, item in self.check.items(root, "users", ""):
            user = self.check.mapping(item, path, "users")
            if user is None:
                continue
            login = self.check.string(user.get("login"), f"{path}.login")
            name = self.check.string(user.get("name"), f"{path}.name")
            admin = self.check.boolean(user.get("site_admin"), f"{path}.site_admin", False)
            if self._upsert_account(login, path, AccountType.USER, name, admin):
                self.report.users += 1

    def _orgs(self, root: dict[str, Any]) -> None:
        for path, item in self.check.items(root, "orgs", ""):
            org_doc = self.check.mapping(item, path, "orgs")
            if org_doc is None:
                continue
            login = self.check.string(org_doc.get("login"), f"{path}.login")
            org = self._upsert_account(login, path, AccountType.ORGANIZATION, None, False)
            if org is None:
                continue
            self.report.orgs += 1
            for mpath, mitem in self.check.items(org_doc, "members", path):
                member = self.check.mapping(mitem, mpath, "orgs.members")
                if member is None:
                    continue
                user = self._account(member.get("user"), f"{mpath}.user", AccountType.USER)
                role = self.check.choice(
                    member.get("role"), f"{mpath}.role", enum_values(OrgRole), "member"
                )
                if user is not None:
                    self.tx.accounts.set_org_role(org.id, user.id, OrgRole(role))

    def _repositories(self, root: dict[str, Any]) -> None:
        for path, item in self.check.items(root, "repositories", ""):
            repo = self.check.mapping(item, path, "repositories")
            if repo is None:
                continue
            owner = self._account(repo.get("owner"), f"{path}.owner")
            name = self.check.string(repo.get("name"), f"{path}.name")
            visibility = Visibility(
                self.check.choice(
                    repo.get("visibility"),
                    f"{path}.visibility",
                    enum_values(Visibility),
                    "private",
                )
            )
            if owner is None or name is None:
                continue
            if visibility is Visibility.INTERNAL and not owner.is_org:
                self.check.error(f"{path}.visibility", "internal is for organizations only")
                continue
            repo_id = self.tx.accounts.upsert_repository(owner.id, name, visibility, self.check.now)
            self.report.repositories += 1
            for cpath, citem in self.check.items(repo, "collaborators", path):
                collab = self.check.mapping(citem, cpath, "repositories.collaborators")
                if collab is None:
                    continue
                user = self._account(collab.get("user"), f"{cpath}.user", AccountType.USER)
                permission = self.check.choice(
                    collab.get("permission"),
                    f"{cpath}.permission",
                    enum_values(RepositoryPermission),
                    "read",
                )
                if user is not None:
                    self.tx.accounts.set_collaborator(
                        repo_id, user.id, RepositoryPermission(permission)
                    )

    def _repository_id(self, full_name: Any, path: str) -> int | None:
        text = self.check.string(full_name, path)
        if text is None:
            return None
        owner_login, sep, name = text.partition("/")
        if not sep or not name:
            self.check.error(path, "must be OWNER/NAME")
            return None
        owner = self.tx.accounts.find_account_by_login(owner_login)
        repo = self.tx.accounts.find_repository(owner.id, name) if owner else None
        if repo is None:
            self.check.error(path, f"no repository {text!r}")
            return None
        return repo.id

    def _tokens(self, root: dict[str, Any]) -> None:
        for path, item in self.check.items(root, "tokens", ""):
            doc = self.check.mapping(item, path, "tokens")
            if doc is None:
                continue
            token = self.check.string(doc.get("token"), f"{path}.token")
            kind = TokenKind(
                self.check.choice(
                    doc.get("kind"), f"{path}.kind", enum_values(TokenKind), "classic"
                )
            )
            scopes = self._scopes(doc.get("scopes"), f"{path}.scopes")
            expires = self.check.timestamp(doc.get("expires_at"), f"{path}.expires_at", None)
            values: dict[str, Any] = {
                "kind": kind.value,
                "scopes": ",".join(scopes),
                "expires_at": expires,
                "revoked_at": None,
                "created_at": self.check.now,
                "user_id": None,
                "repository_id": None,
                "packages_permission": None,
            }
            if kind is TokenKind.ACTIONS:
                if "user" in doc:
                    self.check.error(
                        f"{path}.user", "actions tokens act as a repository, not a user"
                    )
                if "repository" not in doc:
                    self.check.error(f"{path}.repository", "required for actions tokens")
                values["repository_id"] = self._repository_id(
                    doc.get("repository"), f"{path}.repository"
                )
                values["packages_permission"] = self._actions_permission(doc, path)
            else:
                if "user" not in doc:
                    self.check.error(f"{path}.user", "required key is missing")
                for key in ("repository", "permissions"):
                    if key in doc:
                        self.check.error(f"{path}.{key}", "only for actions tokens")
                user = self._account(doc.get("user"), f"{path}.user", AccountType.USER)
                values["user_id"] = user.id if user else None
            if token is None or not token:
                continue
            token_hash = hash_token(token)
            holder = self.tx.tokens.token_owner_id(token_hash)
            if holder is not None and holder != values["user_id"]:
                self.check.error(f"{path}.token", "this token already belongs to another user")
                continue
            self.tx.tokens.upsert_token(token_hash, token_prefix(token), values)
            self.report.tokens += 1

    def _scopes(self, value: Any, path: str) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
            self.check.error(path, "must be a list of scope names")
            return []
        return list(dict.fromkeys(value))

    def _actions_permission(self, doc: dict[str, Any], path: str) -> str | None:
        permissions = doc.get("permissions")
        if permissions is None:
            return None
        mapping = self.check.mapping(permissions, f"{path}.permissions", "tokens.permissions")
        if mapping is None:
            return None
        return self.check.choice(
            mapping.get("packages"), f"{path}.permissions.packages", ["read", "write"], "read"
        )

    def _packages(self, root: dict[str, Any]) -> None:
        for path, item in self.check.items(root, "packages", ""):
            doc = self.check.mapping(item, path, "packages")
            if doc is not None:
                self._package(doc, path)

    def _package(self, doc: dict[str, Any], path: str) -> None:
        c = self.check
        owner = self._account(doc.get("owner"), f"{path}.owner")
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
        repository_id = self._repository_id(doc.get("repository"), f"{path}.repository")
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
        versions = self._versions(doc, path, ptype)
        if owner is None:
            return
        updated = max([created, *(v["values"]["updated_at"] for v in versions)])
        package_id = self.tx.packages.upsert_package(
            owner.id,
            ptype,
            name,
            {
                "visibility": visibility.value,
                "repository_id": repository_id,
                "inherit_access": inherit,
                "created_at": created,
                "updated_at": updated,
                "deleted_at": deleted,
            },
        )
        self.report.packages += 1
        self._access(doc, path, package_id)
        for version in versions:
            self.tx.versions.upsert_version(
                package_id, version["name"], version["values"], version["tags"]
            )
            self.report.versions += 1

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
                user = self._account(grant["user"], f"{apath}.user", AccountType.USER)
                if user is not None:
                    self.tx.packages.set_package_grant(package_id, user.id, None, role)
            else:
                repo_id = self._repository_id(grant["repository"], f"{apath}.repository")
                if repo_id is not None:
                    self.tx.packages.set_package_grant(package_id, None, repo_id, role)

    def _versions(self, doc: dict[str, Any], path: str, ptype: PackageType) -> list[dict[str, Any]]:
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
                    "tags": tags,
                    "values": {
                        "download_count": downloads,
                        "created_at": created,
                        "updated_at": updated,
                        "deleted_at": deleted,
                        "description": c.string(version.get("description"), f"{vpath}.description"),
                        "license": c.string(version.get("license"), f"{vpath}.license"),
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
