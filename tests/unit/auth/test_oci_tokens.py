"""Registry tokens: signed with a server secret for one login token, readable by anyone,
forgeable by no one without the secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from packyard.auth.tokens import (
    SigningKeys,
    hash_token,
    is_oci_token,
    mint_oci_token,
    oci_token_signed_by,
    read_oci_token,
)

HASH = hash_token("ghp_alice_full_0000000000000000000000000")
KEYS = SigningKeys((b"k" * 32,))
OLD, NEW = b"o" * 32, b"n" * 32


def verifies(token: str, keys: SigningKeys, token_hash: str = HASH) -> bool:
    parsed = read_oci_token(token)
    return parsed is not None and oci_token_signed_by(keys, token_hash, *parsed[2:])


def test_minted_tokens_read_back_and_verify() -> None:
    token = mint_oci_token(7, HASH, 1_800_000_000, KEYS)
    assert is_oci_token(token) and "ghp_" not in token
    parsed = read_oci_token(token)
    assert parsed is not None
    assert parsed[:2] == (7, 1_800_000_000)
    assert verifies(token, KEYS)


def test_forgeries_fail() -> None:
    token = mint_oci_token(7, HASH, 1_800_000_000, KEYS)
    parsed = read_oci_token(token)
    assert parsed is not None
    mac = parsed[3]
    # Another login token (a reused row id), another key, or a payload naming a later expiry.
    assert not verifies(token, KEYS, hash_token("ghp_other"))
    assert not verifies(token, SigningKeys((b"x" * 32,)))
    longer = read_oci_token(mint_oci_token(7, HASH, 1_900_000_000, SigningKeys((b"x" * 32,))))
    assert longer is not None
    assert not oci_token_signed_by(KEYS, HASH, longer[2], mac)
    for broken in ("pyr_", "pyr_abc", "pyr_abc.def", "pyr_.x", token.replace(".", "")):
        assert not verifies(broken, KEYS)


def test_the_old_scheme_keyed_by_the_stored_hash_is_refused() -> None:
    """Before the server secret, the MAC was keyed by the token's stored hash: whoever read
    the database could mint them. Neither that token nor one signed by the hash as a key
    verifies now."""
    payload = base64.urlsafe_b64encode(b'{"t":7,"e":1800000000}').decode().rstrip("=")
    old_mac = hmac.new(HASH.encode(), payload.encode(), hashlib.sha256).digest()
    old = f"pyr_{payload}.{base64.urlsafe_b64encode(old_mac).decode().rstrip('=')}"
    assert read_oci_token(old) is not None
    assert not verifies(old, KEYS)
    assert not verifies(mint_oci_token(7, HASH, 1_800_000_000, SigningKeys((HASH.encode(),))), KEYS)


def test_rotation_the_first_key_signs_every_key_verifies() -> None:
    before = mint_oci_token(7, HASH, 1_800_000_000, SigningKeys((OLD,)))
    rotating = SigningKeys((NEW, OLD))
    after = mint_oci_token(7, HASH, 1_800_000_000, rotating)
    assert verifies(before, rotating) and verifies(after, rotating)
    assert verifies(after, SigningKeys((NEW,)))
    # Once the old key is dropped, what it signed is refused.
    assert not verifies(before, SigningKeys((NEW,)))


def test_signing_keys_are_never_empty_nor_shown() -> None:
    for empty in ((), (b"",)):
        with pytest.raises(ValueError):
            SigningKeys(empty)
    assert "k" * 32 not in repr(KEYS)


def test_claims_are_plain_json() -> None:
    parsed = read_oci_token(mint_oci_token(7, HASH, 1_800_000_000, KEYS))
    assert parsed is not None
    assert json.loads(base64.urlsafe_b64decode(parsed[2] + "==")) == {"t": 7, "e": 1_800_000_000}
