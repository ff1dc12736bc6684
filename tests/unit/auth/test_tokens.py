from __future__ import annotations

import base64

from packyard.auth.tokens import generate_token, hash_token, parse_authorization
from packyard.domain.types import TokenKind


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_schemes() -> None:
    assert parse_authorization(None) is None
    assert parse_authorization("Bearer abc") == "abc"
    assert parse_authorization("token abc") == "abc"
    assert parse_authorization("bearer  abc ") == "abc"
    assert parse_authorization(basic("anyone", "abc")) == "abc"
    assert parse_authorization(basic("x-access-token", "a:b")) == "a:b"
    # Garbage is a bad credential, never anonymous.
    assert parse_authorization("Basic !!!") == ""
    assert parse_authorization("Digest abc") == ""


def test_generated_tokens_carry_githubs_prefixes() -> None:
    classic = generate_token(TokenKind.CLASSIC)
    assert classic.startswith("ghp_") and len(classic) == 40
    assert generate_token(TokenKind.OAUTH).startswith("gho_")
    assert generate_token(TokenKind.CLASSIC) != classic
    assert len(hash_token(classic)) == 64
