"""Token format, hashing and credential parsing.

Tokens are stored only as a SHA-256 hash: they are 40 random characters, so a slow hash
buys nothing, and a fast one keeps the per-request lookup a single indexed read. Prefixes
follow GitHub's (`ghp_` classic, `gho_` OAuth) so secret scanners recognise leaked ones.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass, field

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


# Registry tokens (OCI tokens): what `/v2/token` hands out instead of echoing the token it was
# shown. `pyr_<payload>.<mac>`, the payload naming the login token's row and an expiry. The MAC
# is keyed by a server secret (`SigningKeys`, never stored in the database) and covers the login
# token's stored hash as well as the payload: reading the database is not enough to forge one,
# a row id reused by another token does not inherit them, a leaked one dies within minutes (it
# cannot be exchanged for a fresh one), and revoking the login token ends them at once.
OCI_TOKEN_PREFIX = "pyr_"
OCI_TOKEN_SECONDS = 300
# Keeps a registry token's MAC from meaning anything else the same secret may one day sign.
_MAC_CONTEXT = b"packyard registry token v2\0"


@dataclass(frozen=True)
class SigningKeys:
    """The server's secrets for registry tokens: the first signs, every one verifies, so a
    key is rotated by putting the new one first and dropping the old one once the tokens it
    signed have expired (five minutes)."""

    keys: tuple[bytes, ...] = field(repr=False)

    def __post_init__(self) -> None:
        if not self.keys or not all(self.keys):
            raise ValueError("registry tokens need at least one non-empty signing key")

    @property
    def signing(self) -> bytes:
        return self.keys[0]

    def verifies(self, mac_with: Callable[[bytes], str], presented: str) -> bool:
        """Whether `presented` is `mac_with(key)` for one of the keys. Every key is tried, so
        the time taken does not tell which one matched."""
        matches = [hmac.compare_digest(mac_with(key), presented) for key in self.keys]
        return any(matches)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, token_hash: str, payload: str) -> str:
    message = _MAC_CONTEXT + payload.encode() + b"\0" + token_hash.encode()
    return _b64(hmac.new(key, message, hashlib.sha256).digest())


def mint_oci_token(token_id: int, token_hash: str, expires_at: int, keys: SigningKeys) -> str:
    """A registry token for the login token `token_id` (whose stored hash is `token_hash`)."""
    payload = _b64(json.dumps({"t": token_id, "e": expires_at}, separators=(",", ":")).encode())
    return f"{OCI_TOKEN_PREFIX}{payload}.{_mac(keys.signing, token_hash, payload)}"


def is_oci_token(token: str) -> bool:
    return token.startswith(OCI_TOKEN_PREFIX)


def read_oci_token(token: str) -> tuple[int, int, str, str] | None:
    """(token id, expiry as a Unix time, payload, MAC), or None for a malformed one. The MAC
    is not checked here: that needs the named token's hash (`oci_token_signed_by`)."""
    payload, dot, mac = token.removeprefix(OCI_TOKEN_PREFIX).partition(".")
    if not dot or not payload or not mac:
        return None
    try:
        claims = json.loads(_unb64(payload))
        token_id, expires_at = int(claims["t"]), int(claims["e"])
    except (ValueError, TypeError, KeyError, binascii.Error):
        return None
    return token_id, expires_at, payload, mac


def oci_token_signed_by(keys: SigningKeys, token_hash: str, payload: str, mac: str) -> bool:
    """Whether one of `keys` signed `payload` for the login token whose hash is `token_hash`."""
    return keys.verifies(lambda key: _mac(key, token_hash, payload), mac)


def token_prefix(token: str) -> str:
    """What we may show of a token later (in listings), never enough to use it."""
    return token[:8]


# Accounts have no passwords: Basic's password is a token, as on github.com. `GET /meta`
# says so (`verifiable_password_authentication`), and a client that reads it must be right.
PASSWORDS_AUTHENTICATE = False


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
