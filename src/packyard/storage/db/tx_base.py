"""What every part of the SQL transaction shares: the connection and per-transaction caches."""

from __future__ import annotations

from sqlalchemy import Connection

from packyard.domain.types import Account
from packyard.storage.db.pages import PageIndex


class TransactionBase:
    def __init__(self, conn: Connection, pages: PageIndex) -> None:
        self.conn = conn
        self.pages = pages
        # Owners are looked up again for every package rendered; one read per transaction.
        self._accounts: dict[int, Account] = {}

    def find_account(self, account_id: int) -> Account | None:  # pragma: no cover - abstract
        raise NotImplementedError
