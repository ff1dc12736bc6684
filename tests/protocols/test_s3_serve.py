"""`packyard serve` on the S3 blob store (`PACKYARD_BLOB_STORE=s3://…`, SeaweedFS with SigV4
enforced): skopeo pushes a two-platform image and pulls it back byte for byte, and every
byte lives in the bucket, none in the data directory (the seeded world's included)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.protocols.conftest import serving
from tests.protocols.oci_layout import blob_bytes, two_platforms
from tests.protocols.test_skopeo import copy_in, copy_out, host
from tests.seaweedfs import S3Server


def test_skopeo_round_trip_with_blobs_in_s3(
    live_database: str, s3_server: S3Server, tmp_path: Path
) -> None:
    bucket = s3_server.new_bucket()
    env = {**s3_server.environment(), "PACKYARD_BLOB_STORE": f"s3://{bucket}/blobs"}
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    source, back = tmp_path / "source", tmp_path / "back"
    pushed = two_platforms(source, "multi")
    with serving(live_database, data_dir, env) as server:
        target = f"docker://{host(server)}/alice/s3/multi:latest"
        copy_in(f"oci:{source}:multi", target, "--all")
        copy_out(target, f"oci:{back}:multi", "--all")

    index = json.loads(blob_bytes(back, pushed["digest"]))
    digests = {pushed["digest"]}
    for platform in index["manifests"]:
        manifest = json.loads(blob_bytes(back, platform["digest"]))
        digests |= {platform["digest"], manifest["config"]["digest"]}
        digests |= {layer["digest"] for layer in manifest["layers"]}
    assert len(digests) >= 6
    for digest in digests:
        assert blob_bytes(back, digest) == blob_bytes(source, digest)
    listed = s3_server.client().list_objects_v2(Bucket=bucket, Prefix="blobs/sha256/")
    in_bucket = {"sha256:" + item["Key"].rsplit("/", 1)[-1] for item in listed["Contents"]}
    assert digests <= in_bucket
    assert not (data_dir / "blobs").exists()  # nothing on disk, not even the seeded world's
