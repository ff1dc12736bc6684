"""Token format, hashing and credential parsing.

Tokens are stored only as a SHA-256 hash: they are 40 random characters, so a slow hash
buys nothing, and a fast one keeps the per-request lookup a single indexed read. Prefixes
follow GitHub's (`ghp_` classic, `gho_` OAuth) so secret scanners recognise leaked ones.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
import string

from packyard.domain.types import TokenKind

TOKEN_PREFIXES = {
    TokenKind.CLASSIC: "ghp_",
    TokenKind.OAUTH: "gho_",
    TokenKind.ACTIONS: "ghs_",
    TokenKind.FINE_GRAINED: "github_pat_",
}
_ALPHABET = string.ascii_letters + string.digits
TOKEN_RANDOM_LENGTH = 36


def generate_token(kind: TokenKind) -> str:
    body = "".join(secrets.choice(_ALPHABET) for _ in range(TOKEN_RANDOM_LENGTH))
    return TOKEN_PREFIXES[kind] + body


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_prefix(token: str) -> str:
    """What we may show of a token later (in listings), never enough to use it."""
    return token[:8]


def parse_authorization(header: str | None) -> str | None:
    """The token in `Bearer T`, `token T` or Basic `any:T`; None when no credential is sent.

    An unparseable header yields an empty string, which no stored token matches, so it is
    answered as bad credentials rather than as anonymous.
    """
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    scheme = scheme.lower()
    value = value.strip()
    if scheme in ("bearer", "token"):
        return value
    if scheme == "basic":
        try:
            decoded = base64.b64decode(value, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return ""
        _user, sep, password = decoded.partition(":")
        return password if sep else ""
    return ""
