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
from packyard.domain.rules import is_valid_login
from packyard.domain.types import (
    Account,
    AccountType,
    OrgRole,
    RepositoryPermission,
    TokenKind,
    Visibility,
)
from packyard.services.seed_content import ContentPorts
from packyard.services.seed_packages import PackagesLoader
from packyard.services.seed_schema import SeedChecker, SeedReport, enum_values


class SeedError(DomainError):
    """Every problem found in a seed file, each as `path: message`."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


def load_seed(
    store: Store, document: Any, now: datetime, content: ContentPorts | None = None
) -> SeedReport:
    """Validate the whole document, then apply it in one transaction, or change nothing.
    With `content` (the registered formats and the blob store), versions may ask for real
    bytes (`content:`); without, such a file is refused."""
    check = SeedChecker(now)
    root = check.mapping(document if document is not None else {}, "", "")
    if root is None:
        raise SeedError(check.errors)
    report = SeedReport()
    with store.write() as tx:
        _Loader(tx, check, report, content).load(root)
        if check.errors:
            # Raising inside the transaction rolls every write back.
            raise SeedError(check.errors)
    return report


@dataclass
class _Loader:
    tx: Transaction
    check: SeedChecker
    report: SeedReport
    content: ContentPorts | None

    def load(self, root: dict[str, Any]) -> None:
        self._users(root)
        self._orgs(root)
        self._repositories(root)
        self._tokens(root)
        PackagesLoader(
            self.tx, self.check, self.report, self._account, self._repository_id, self.content
        ).load(root)

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
                "not a valid login (1-39 alphanumerics or single hyphens, not at either end, "
                "not a name the server's own pages take: login, settings, orgs...)",
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
