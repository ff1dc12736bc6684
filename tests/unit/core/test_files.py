"""Ingesting a file's bytes: hashed once with what every client checks, stored once."""

from __future__ import annotations

import hashlib
from pathlib import Path

from packyard.core.files import INGEST_HASHES, hash_bytes, ingest
from packyard.storage.blobs.filesystem import FilesystemBlobStore


def test_hashes_are_the_ones_clients_check() -> None:
    data = b"bytes"
    assert hash_bytes(data) == {a: hashlib.new(a, data).hexdigest() for a in INGEST_HASHES}
    assert set(INGEST_HASHES) == {"md5", "sha1", "sha256", "sha512"}


def test_ingest_names_the_blob_by_sha256_and_stores_it_once(tmp_path: Path) -> None:
    blobs = FilesystemBlobStore(tmp_path)
    first = ingest(blobs, "a.tgz", b"same", properties={"kind": "tarball"})
    second = ingest(blobs, "b.tgz", b"same")
    assert first.digest == second.digest == "sha256:" + hashlib.sha256(b"same").hexdigest()
    assert (first.name, first.size, first.properties) == ("a.tgz", 4, {"kind": "tarball"})
    assert [d for d, _ in blobs.stored()] == [first.digest]
