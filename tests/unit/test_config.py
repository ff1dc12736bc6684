"""Settings read from the environment: `PACKYARD_BLOB_STORE` names a bucket or nothing, and
`PACKYARD_BLOB_REDIRECT` needs one."""

from __future__ import annotations

import pytest

from packyard.config import S3Location, Settings, parse_blob_store, settings_from_env
from packyard.server import blob_store


@pytest.mark.parametrize(
    ("value", "location"),
    [
        ("", None),
        ("s3://packyard", S3Location("packyard", "")),
        ("s3://packyard/", S3Location("packyard", "")),
        ("s3://my.bucket-1/blobs", S3Location("my.bucket-1", "blobs")),
        ("s3://packyard/prod/blobs/", S3Location("packyard", "prod/blobs")),
    ],
)
def test_a_bucket_and_a_prefix(value: str, location: S3Location | None) -> None:
    assert parse_blob_store(value) == location


@pytest.mark.parametrize(
    "value",
    [
        "packyard",  # no scheme
        "file:///srv/blobs",
        "s3://",
        "s3://ab",  # 3 characters at least
        "s3://Packyard",  # lower case only
        "s3://" + "a" * 64,
        "s3://pack..yard",
        "s3://packyard/../other",
        "s3://packyard/a b",
    ],
)
def test_anything_else_is_a_clear_error(value: str) -> None:
    with pytest.raises(ValueError, match=r"PACKYARD_BLOB_STORE=.*expected s3://BUCKET"):
        parse_blob_store(value)


def test_redirects_need_a_bucket(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refused at start rather than ignored: blobs on disk have no URL to send clients to."""
    monkeypatch.setenv("PACKYARD_BLOB_REDIRECT", "1")
    monkeypatch.delenv("PACKYARD_BLOB_STORE", raising=False)
    with pytest.raises(ValueError, match="PACKYARD_BLOB_REDIRECT=1 needs PACKYARD_BLOB_STORE"):
        settings_from_env()
    with pytest.raises(ValueError, match="PACKYARD_BLOB_REDIRECT=1 needs"):
        blob_store(Settings(blob_redirect=True))
    monkeypatch.setenv("PACKYARD_BLOB_STORE", "s3://packyard/blobs")
    assert settings_from_env().blob_redirect
    monkeypatch.setenv("PACKYARD_BLOB_REDIRECT", "0")
    assert not settings_from_env().blob_redirect
