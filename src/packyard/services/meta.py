"""What the server says about itself: GitHub Enterprise Server's `GET /meta`, kept to what
is true of Packyard.

GHES also lists its IP ranges and the domains of its other services (Actions, Pages,
Codespaces…); Packyard knows none of its addresses and runs none of those services, so
they are left out rather than invented.
"""

from __future__ import annotations

from dataclasses import dataclass

from packyard import __version__
from packyard.auth.tokens import PASSWORDS_AUTHENTICATE


@dataclass(frozen=True, slots=True)
class ServerFacts:
    installed_version: str  # Packyard's own version, not a GHES release number
    passwords_authenticate: bool


def server_facts() -> ServerFacts:
    return ServerFacts(__version__, PASSWORDS_AUTHENTICATE)
