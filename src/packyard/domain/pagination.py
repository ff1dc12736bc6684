"""GitHub's page / per_page rules."""

from __future__ import annotations

import math
from dataclasses import dataclass

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100
# GitHub's search-backed package listings stop at this many results.
MAX_PACKAGE_LIST_WINDOW = 10_000


@dataclass(frozen=True, slots=True)
class PageRequest:
    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def page_request(page: int | None, per_page: int | None) -> PageRequest:
    """Missing or zero `page` is 1; `per_page` above 100 is capped, not refused."""
    page = page if page and page > 0 else 1
    if per_page is None or per_page <= 0:
        per_page = DEFAULT_PER_PAGE
    return PageRequest(page=page, per_page=min(per_page, MAX_PER_PAGE))


def exceeds_package_list_window(request: PageRequest) -> bool:
    return request.page * request.per_page > MAX_PACKAGE_LIST_WINDOW


def last_page(total: int, per_page: int) -> int:
    return max(1, math.ceil(total / per_page))
