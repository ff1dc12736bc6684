"""Garbage collection keeps every live version's bytes, whatever its format: publish through
each registry with its real client, age everything past the restore window, collect, then
install or pull every version again with the same client."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import ALICE
from tests.protocols.conftest import LiveServer
from tests.protocols.oci_layout import blob_bytes, two_platforms
from tests.protocols.test_npm_cli import npm, npmrc, package
from tests.protocols.test_skopeo import copy_in, copy_out, host


def age_everything(server: LiveServer) -> str:
    """Run `packyard gc` with a window of zero: every blob and link is older than the
    window, so only what something live references may survive."""
    aged = server.packyard("gc")
    assert aged.returncode == 0, aged.stderr
    return aged.stdout


def test_gc_keeps_what_every_format_needs(live_server: LiveServer, tmp_path: Path) -> None:
    # npm: two versions, published with the npm CLI.
    config = npmrc(live_server, tmp_path, ALICE)
    for version in ("1.0.0", "1.1.0"):
        published = npm(package(tmp_path / f"src-{version}", version), config, "publish")
        assert published.returncode == 0, published.stderr
    # container: a two-platform index, pushed with skopeo.
    layout = tmp_path / "layout"
    two_platforms(layout, "v1")
    target = f"docker://{host(live_server)}/alice/gc/app:v1"
    copy_in(f"oci:{layout}:v1", target, "--all")

    server = LiveServer(live_server.url, {**live_server.env, "PACKYARD_RESTORE_WINDOW_DAYS": "0"})
    blobs_dir = Path(live_server.env["PACKYARD_DATA_DIR"]) / "blobs"
    before = sorted(p.name for p in blobs_dir.rglob("*") if p.is_file())
    report = age_everything(server)
    after = sorted(p.name for p in blobs_dir.rglob("*") if p.is_file())
    assert "reclaimed 0 blobs" in report, report
    assert after == before

    # Every version installs and pulls again, byte for byte.
    project = tmp_path / "project"
    project.mkdir()
    (project / "package.json").write_text(json.dumps({"name": "p", "version": "0.0.0"}))
    for version in ("1.0.0", "1.1.0"):
        installed = npm(project, config, "install", f"@alice/hello@{version}")
        assert installed.returncode == 0, installed.stderr
        manifest = project / "node_modules/@alice/hello/package.json"
        assert json.loads(manifest.read_text())["version"] == version
    pulled = tmp_path / "pulled"
    copy_out(target, f"oci:{pulled}:v1", "--all")
    # The index, both platforms' manifests, configs and layers: every blob, every byte.
    pushed = sorted(p.name for p in (layout / "blobs" / "sha256").iterdir())
    assert sorted(p.name for p in (pulled / "blobs" / "sha256").iterdir()) == pushed
    for name in pushed:
        assert blob_bytes(pulled, f"sha256:{name}") == blob_bytes(layout, f"sha256:{name}")
