"""Content digests as the OCI image spec defines them, for the algorithms we accept."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

# The OCI spec's registered algorithms and their encoded lengths; user strings that are not
# exactly this never reach a path or a query.
DIGEST_PATTERN = re.compile(r"(sha256):([a-f0-9]{64})|(sha512):([a-f0-9]{128})")
ALGORITHMS = ("sha256", "sha512")


class InvalidDigest(ValueError):
    """Not a digest we accept: unknown algorithm, or a malformed encoding."""


class DigestMismatch(ValueError):
    """Bytes that do not hash to the digest they were sent under."""


@dataclass(frozen=True, slots=True)
class Digest:
    algorithm: str
    hex: str

    def __str__(self) -> str:
        return f"{self.algorithm}:{self.hex}"

    def hasher(self) -> hashlib._Hash:
        return hashlib.new(self.algorithm)


def parse_digest(value: str) -> Digest:
    match = DIGEST_PATTERN.fullmatch(value)
    if match is None:
        raise InvalidDigest(f"invalid digest: {value!r}")
    algorithm = match.group(1) or match.group(3)
    encoded = match.group(2) or match.group(4)
    return Digest(algorithm, encoded)


def digest_of(data: bytes, algorithm: str = "sha256") -> Digest:
    return Digest(algorithm, hashlib.new(algorithm, data).hexdigest())
