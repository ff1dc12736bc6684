"""Build OCI image layouts on disk, the way `umoci` or `buildah` leave them, for skopeo."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from pathlib import Path
from typing import Any

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"


def _blob(layout: Path, data: bytes) -> dict[str, Any]:
    digest = hashlib.sha256(data).hexdigest()
    path = layout / "blobs" / "sha256" / digest
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return {"digest": f"sha256:{digest}", "size": len(data)}


def _layer(files: dict[str, bytes]) -> tuple[bytes, str]:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            info.mtime = 0
            tar.addfile(info, io.BytesIO(content))
    uncompressed = raw.getvalue()
    return gzip.compress(uncompressed, mtime=0), "sha256:" + hashlib.sha256(
        uncompressed
    ).hexdigest()


def image(layout: Path, arch: str, files: dict[str, bytes]) -> dict[str, Any]:
    """Write one image's blobs and manifest; return the manifest's descriptor."""
    layer, diff_id = _layer(files)
    layer_desc = {
        "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
        **_blob(layout, layer),
    }
    config = json.dumps(
        {
            "architecture": arch,
            "os": "linux",
            "config": {"Labels": {"built.by": "packyard-tests"}},
            "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        }
    ).encode()
    config_desc = {"mediaType": "application/vnd.oci.image.config.v1+json", **_blob(layout, config)}
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": config_desc,
            "layers": [layer_desc],
        }
    ).encode()
    return {
        "mediaType": OCI_MANIFEST,
        **_blob(layout, manifest),
        "platform": {"architecture": arch, "os": "linux"},
    }


def write_layout(layout: Path, tag: str, descriptor: dict[str, Any]) -> None:
    layout.mkdir(parents=True, exist_ok=True)
    (layout / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    entry = dict(descriptor, annotations={"org.opencontainers.image.ref.name": tag})
    entry.pop("platform", None)
    (layout / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [entry]}))


def single_arch(layout: Path, tag: str) -> dict[str, Any]:
    descriptor = image(layout, "amd64", {"hello.txt": b"a single-platform image\n"})
    write_layout(layout, tag, descriptor)
    return descriptor


def two_platforms(layout: Path, tag: str) -> dict[str, Any]:
    children = [
        image(layout, arch, {"hello.txt": f"hello from {arch}\n".encode()})
        for arch in ("amd64", "arm64")
    ]
    index = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": children}).encode()
    descriptor = {"mediaType": OCI_INDEX, **_blob(layout, index)}
    write_layout(layout, tag, descriptor)
    return descriptor


def blob_bytes(layout: Path, digest: str) -> bytes:
    return (layout / "blobs" / "sha256" / digest.split(":", 1)[1]).read_bytes()
