"""The filesystem store hashes an upload as it is appended, and trusts that hash only while
it covers exactly the file: two store objects on one root stand for two worker processes
sharing the data directory. (What every store must do is tests/contract/test_blob_store.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from packyard.domain.digests import DigestMismatch, digest_of
from packyard.storage.blobs.filesystem import FilesystemBlobStore

FIRST, SECOND, THIRD = b"a" * 1000, b"b" * 2000, b"c" * 3000


def test_a_commit_uses_the_hash_made_as_the_bytes_came(tmp_path: Path) -> None:
    store = FilesystemBlobStore(tmp_path)
    upload = store.start_upload()
    store.append(upload, FIRST, 0)
    store.append(upload, SECOND)
    # Bytes changed under the store, size kept: only a commit that does not read the file
    # back takes the digest of what was appended. (Nothing but the store writes there.)
    (tmp_path / "_uploads" / upload).write_bytes(b"x" * 3000)
    assert store.commit(upload, str(digest_of(FIRST + SECOND))) == 3000


def test_the_running_hash_still_refuses_a_wrong_digest(tmp_path: Path) -> None:
    store = FilesystemBlobStore(tmp_path)
    upload = store.start_upload()
    store.append(upload, FIRST, 0)
    with pytest.raises(DigestMismatch):
        store.commit(upload, str(digest_of(SECOND)))
    assert not store.exists(str(digest_of(SECOND)))


def test_bytes_another_process_appended_are_read_back(tmp_path: Path) -> None:
    mine, theirs = FilesystemBlobStore(tmp_path), FilesystemBlobStore(tmp_path)
    upload = mine.start_upload()
    mine.append(upload, FIRST, 0)
    theirs.append(upload, SECOND, 1000)  # a PATCH another worker answered
    mine.append(upload, THIRD, 3000)
    with pytest.raises(DigestMismatch):  # what `mine` alone saw is not the blob
        mine.commit(upload, str(digest_of(FIRST + THIRD)))
    upload = mine.start_upload()
    mine.append(upload, FIRST, 0)
    theirs.append(upload, SECOND, 1000)
    assert mine.commit(upload, str(digest_of(FIRST + SECOND))) == 3000


def test_a_commit_in_another_algorithm_reads_back(tmp_path: Path) -> None:
    store = FilesystemBlobStore(tmp_path)
    upload = store.start_upload()
    store.append(upload, FIRST, 0)
    digest = str(digest_of(FIRST, "sha512"))
    assert store.commit(upload, digest) == 1000 and store.read_all(digest) == FIRST
