from __future__ import annotations

import pytest

from packyard.domain.digests import InvalidDigest, digest_of, parse_digest


@pytest.mark.parametrize(
    "value",
    [
        "sha256:" + "a" * 64,
        "sha512:" + "0" * 128,
    ],
)
def test_accepted(value: str) -> None:
    assert str(parse_digest(value)) == value


@pytest.mark.parametrize(
    "value",
    [
        "sha256:" + "a" * 63,
        "sha256:" + "A" * 64,
        "sha384:" + "a" * 96,
        "md5:abc",
        "sha256:../../etc/passwd",
        "sha256:" + "a" * 64 + "\n",
        "",
    ],
)
def test_refused(value: str) -> None:
    with pytest.raises(InvalidDigest):
        parse_digest(value)


def test_digest_of() -> None:
    assert str(digest_of(b"")) == (
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    assert digest_of(b"x", "sha512").algorithm == "sha512"
