"""What every repository of one SQL transaction shares: the connection and its caches.

A transaction is a handful of small repositories (accounts, tokens, packages, versions,
files, housekeeping, and each format's own rows) over one connection: each has a small
protocol of its own in the layer that uses it, none knows the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection

from packyard.domain.types import Account
from packyard.storage.db import columns as cols
from packyard.storage.db import queries as q
from packyard.storage.db.pages import PageIndex


@dataclass
class TxState:
    conn: Connection
    pages: PageIndex
    # The store's, for every transaction: owners and packages by the rows they came from.
    kept_packages: cols.KeptPackages = field(default_factory=cols.KeptPackages)
    # Owners are looked up again for every package rendered; one read per transaction.
    accounts: dict[int, Account] = field(default_factory=dict)
    # A write on SQLite: its BEGIN IMMEDIATE took the database's one write lock, so no
    # other transaction changes anything until this one ends.
    serialized: bool = False
    # Packages this transaction read live (by their live name), for `lock_package`.
    live_packages: set[int] = field(default_factory=set)
    # What a read fetched ahead for a later step of this transaction, by the step's key (a
    # container delete's children, read with its parents).
    read_ahead: dict[object, object] = field(default_factory=dict)
    # Versions a serialized write read without a tag, no tag having been written since (see
    # `untagged_read`): deleting one has no tags to take.
    untagged: set[int] = field(default_factory=set)

    def untagged_read(self, version_id: int) -> None:
        """This transaction read the version without a tag. In a serialized write (SQLite's
        BEGIN IMMEDIATE) no other transaction can tag it before this one ends, so until this
        one writes a tag (`SqlVersions._tags_written`), its delete has none to take."""
        if self.serialized:
            self.untagged.add(version_id)

    def begin(self, serialized: bool) -> None:
        """A new transaction on this state's connection: nothing an earlier one read holds."""
        self.accounts.clear()
        self.live_packages.clear()
        self.read_ahead.clear()
        self.untagged.clear()
        self.serialized = serialized


class Rows:
    def __init__(self, state: TxState) -> None:
        self.state = state
        self.conn = state.conn
        self.pages = state.pages

    def find_account(self, account_id: int) -> Account | None:
        cached = self.state.accounts.get(account_id)
        if cached is not None:
            return cached
        row = q.ACCOUNT_BY_ID.first(self.conn, id=account_id)
        if row is None:
            return None
        account = cols.account_from(row)
        self.state.accounts[account_id] = account
        return account
