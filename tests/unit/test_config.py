"""Settings read from the environment: `PACKYARD_BLOB_STORE` names a bucket or nothing."""

from __future__ import annotations

import pytest

from packyard.config import S3Location, parse_blob_store


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
