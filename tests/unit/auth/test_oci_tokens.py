"""OCI tokens: minted from a token's hash, readable by anyone, forgeable by no one else."""

from __future__ import annotations

from packyard.auth.tokens import (
    hash_token,
    is_oci_token,
    mint_oci_token,
    oci_token_signed_by,
    read_oci_token,
)

HASH = hash_token("ghp_alice_full_0000000000000000000000000")


def test_minted_tokens_read_back_and_verify() -> None:
    token = mint_oci_token(7, HASH, 1_800_000_000)
    assert is_oci_token(token) and "ghp_" not in token
    parsed = read_oci_token(token)
    assert parsed is not None
    token_id, expires_at, payload, mac = parsed
    assert (token_id, expires_at) == (7, 1_800_000_000)
    assert oci_token_signed_by(HASH, payload, mac)


def test_forgeries_fail() -> None:
    token = mint_oci_token(7, HASH, 1_800_000_000)
    parsed = read_oci_token(token)
    assert parsed is not None
    _, _, payload, mac = parsed
    # Another token's hash, or a payload naming another token or a later expiry.
    assert not oci_token_signed_by(hash_token("ghp_other"), payload, mac)
    longer = read_oci_token(mint_oci_token(7, hash_token("x"), 1_900_000_000))
    assert longer is not None
    assert not oci_token_signed_by(HASH, longer[2], mac)
    for broken in ("pyr_", "pyr_abc", "pyr_abc.def", "pyr_.x", token.replace(".", "")):
        parsed_broken = read_oci_token(broken)
        assert parsed_broken is None or not oci_token_signed_by(HASH, *parsed_broken[2:])
