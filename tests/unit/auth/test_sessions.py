"""The web session cookie and its CSRF tokens, without a database."""

from __future__ import annotations

import base64
import hmac

from packyard.auth import sessions
from packyard.auth.sessions import (
    csrf_token,
    csrf_valid,
    mint_session,
    new_nonce,
    read_session,
    session_signed_by,
)
from packyard.auth.tokens import SigningKeys

KEYS = SigningKeys((b"k" * 43,))
OTHER = SigningKeys((b"o" * 43,))
HASH = "a" * 64


def test_a_minted_session_reads_back_and_verifies() -> None:
    nonce = new_nonce()
    value = mint_session(KEYS, 7, HASH, 1_900_000_000, nonce)
    session = read_session(value)
    assert session is not None
    assert (session.nonce, session.token_id, session.expires_at) == (nonce, 7, 1_900_000_000)
    assert session_signed_by(KEYS, session, HASH)
    assert not session_signed_by(KEYS, session, "b" * 64)  # another token in row 7
    assert not session_signed_by(OTHER, session, HASH)


def test_rotation_verifies_with_an_old_key() -> None:
    value = mint_session(KEYS, 7, HASH, 1_900_000_000, new_nonce())
    session = read_session(value)
    assert session is not None
    assert session_signed_by(SigningKeys((b"n" * 43, *KEYS.keys)), session, HASH)


def test_anonymous_and_malformed_cookies() -> None:
    nonce = new_nonce()
    anonymous = read_session(nonce)
    assert anonymous is not None and anonymous.token_id is None
    for bad in (None, "", "x", nonce + ".", nonce + ".1.2", nonce + ".1.2.short", "a" * 200):
        assert read_session(bad) is None


def test_csrf_tokens_belong_to_one_cookie() -> None:
    token = csrf_token(KEYS, "cookie-one")
    assert csrf_valid(KEYS, "cookie-one", token)
    assert not csrf_valid(KEYS, "cookie-two", token)
    assert not csrf_valid(OTHER, "cookie-one", token)
    assert not csrf_valid(KEYS, "cookie-one", None)
    assert not csrf_valid(KEYS, "", csrf_token(KEYS, ""))


def test_a_kept_mac_is_kept_under_everything_it_covers() -> None:
    """MACs are kept (`sessions._macs`): one kept for a key, a context, a text or a token
    hash never answers for another, whichever was worked out first."""
    value = mint_session(KEYS, 7, HASH, 1_900_000_000, new_nonce())
    session = read_session(value)
    assert session is not None
    for _ in range(2):  # worked out, then kept
        assert session_signed_by(KEYS, session, HASH)
        assert not session_signed_by(KEYS, session, "b" * 64)
        assert not session_signed_by(OTHER, session, HASH)
        # The session's MAC and the cookie's CSRF token: one text, two contexts.
        assert csrf_token(KEYS, value) != session.mac
        assert csrf_valid(KEYS, value, csrf_token(KEYS, value))
        assert not csrf_valid(OTHER, value, csrf_token(KEYS, value))
        assert not csrf_valid(KEYS, value + "x", csrf_token(KEYS, value))
    expected = hmac.new(KEYS.signing, b"packyard web csrf v1\0" + value.encode() + b"\0", "sha256")
    assert csrf_token(KEYS, value) == base64.urlsafe_b64encode(expected.digest()).decode()[:43]


def test_kept_macs_are_bounded() -> None:
    for n in range(sessions.MAX_KEPT_MACS + 10):
        csrf_token(KEYS, f"cookie-{n}")
    assert len(sessions._macs) <= sessions.MAX_KEPT_MACS
    assert csrf_valid(KEYS, "cookie-0", csrf_token(KEYS, "cookie-0"))  # let go, worked out again
