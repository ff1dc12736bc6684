"""oras (the PyPI `oras` client) pushes and pulls artifacts, and an artifact with a subject
shows up in the referrers API."""

from __future__ import annotations

import os
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from packyard.client import Client
from tests.conftest import ALICE
from tests.protocols.conftest import LiveServer
from tests.requirements import ORAS

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


@pytest.fixture
def oras() -> ModuleType:
    """The `oras` package, imported per test: its absence is a counted, per-test requirement."""
    try:
        import oras.client
        import oras.oci
    except ImportError as error:
        ORAS.missing(f"the `oras` package cannot be imported ({error})")
    return oras


def test_push_pull_and_referrers(
    oras: ModuleType, live_server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    host = live_server.url.removeprefix("http://")
    monkeypatch.chdir(tmp_path)  # oras takes file paths relative to the working directory
    Path("notes.txt").write_text("release notes\n")
    Path("sbom.json").write_text('{"spdxVersion": "SPDX-2.3"}')
    client = oras.client.OrasClient(hostname=host, insecure=True)
    try:
        # Its own credentials file: never the user's ~/.docker/config.json, where a stored
        # login for 127.0.0.1:PORT would later authenticate "anonymous" clients on that port.
        config = tmp_path / "docker-config.json"
        client.login(username="alice", password=ALICE, hostname=host, config_path=str(config))
        target = f"{host}/alice/artifacts/notes:v1"
        pushed = client.push(target=target, files=["notes.txt:text/plain"])
        assert pushed.status_code == 201
        out = tmp_path / "out"
        pulled = client.pull(target=target, outdir=str(out))
        assert [Path(p).read_text() for p in pulled] == ["release notes\n"]

        head = httpx.head(
            f"{live_server.url}/v2/alice/artifacts/notes/manifests/v1", auth=("alice", ALICE)
        )
        subject = oras.oci.Subject(
            mediaType=OCI_MANIFEST,
            digest=head.headers["docker-content-digest"],
            size=int(head.headers["content-length"]),
        )
        sbom = client.push(
            target=f"{host}/alice/artifacts/notes:sbom",
            files=["sbom.json:application/spdx+json"],
            subject=subject,
            manifest_annotations={"org.example.kind": "sbom"},
        )
        assert sbom.status_code == 201
        assert sbom.headers.get("OCI-Subject") == subject.digest
    finally:
        client.session.close()
    with Client(token=ALICE, base_url=live_server.api) as sdk:
        referrers = sdk.registry.referrers("alice/artifacts/notes", subject.digest)
    assert len(referrers) == 1 and referrers[0].annotations == {"org.example.kind": "sbom"}
    assert os.path.exists(out)
