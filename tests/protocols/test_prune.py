"""`packyard prune` as a user runs it, against a running Packyard, checked with skopeo.

The image set is the one retention tools get wrong: a tagged multi-arch index whose platform
manifests are untagged, an attestation referring to the index, an older tagged image, and an
orphan untagged image.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, closing
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from packyard.client import Client
from tests.conftest import ALICE
from tests.protocols.conftest import LiveServer, serving
from tests.protocols.oci_layout import single_arch, two_platforms
from tests.protocols.test_registry_http import Pusher
from tests.protocols.test_skopeo import copy_in, copy_out, host, skopeo
from tests.support import postgres_database

REPOSITORY = "alice/shop"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
IN_TOTO = "application/vnd.in-toto+json"


@dataclass
class Shop:
    index: str
    platforms: list[str]
    attestation: str
    old: str
    orphan: str


def push_shop(server: LiveServer, tmp_path: Path) -> Shop:
    old_layout, multi_layout = tmp_path / "old", tmp_path / "multi"
    old = single_arch(old_layout, "v1")
    copy_in(f"oci:{old_layout}:v1", f"docker://{host(server)}/{REPOSITORY}:v1")
    with closing(Pusher(server, REPOSITORY)) as push:
        orphan = push.untagged(push.image_document(b"an orphan build"))["digest"]
        index = two_platforms(multi_layout, "v2")
        copy_in(f"oci:{multi_layout}:v2", f"docker://{host(server)}/{REPOSITORY}:v2", "--all")
        statement = {"mediaType": IN_TOTO, **push.blob(b'{"_type": "https://in-toto.io/"}')}
        attestation = push.untagged(
            {
                "schemaVersion": 2,
                "mediaType": OCI_MANIFEST,
                "artifactType": IN_TOTO,
                "config": {"mediaType": "application/vnd.oci.empty.v1+json", **push.blob(b"{}")},
                "layers": [statement],
                "subject": {k: index[k] for k in ("mediaType", "digest", "size")},
            }
        )["digest"]
    children = json.loads((multi_layout / "blobs" / "sha256" / index["digest"][7:]).read_bytes())
    return Shop(
        index=index["digest"],
        platforms=[c["digest"] for c in children["manifests"]],
        attestation=attestation,
        old=old["digest"],
        orphan=orphan,
    )


def prune(
    server: LiveServer, state: Path, *args: str, api_url: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **server.env,
        "PACKYARD_TOKEN": ALICE,
        "GITHUB_API_URL": api_url or server.api,
        "PACKYARD_STATE_DIR": str(state),
    }
    env.pop("GITHUB_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-m", "packyard.cli.main", "prune", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def live_names(server: LiveServer) -> set[str]:
    with Client(token=ALICE, base_url=server.api) as client:
        return {v.name for v in client.iter_versions("alice", "container", "shop")}


def pulls(server: LiveServer, reference: str, target: Path) -> bool:
    """skopeo copies the image out by tag or digest."""
    separator = "@" if reference.startswith("sha256:") else ":"
    done = skopeo(
        "copy",
        "--src-tls-verify=false",
        f"--src-creds=alice:{ALICE}",
        f"docker://{host(server)}/{REPOSITORY}{separator}{reference}",
        f"oci:{target}:x",
    )
    return done.returncode == 0


def run_id(done: subprocess.CompletedProcess[str]) -> str:
    line = next(line for line in done.stdout.splitlines() if line.startswith("run "))
    return line.split()[1].rstrip(":")


def test_prune_keeps_multi_arch_images_whole_and_undo_restores(
    live_server: LiveServer, tmp_path: Path
) -> None:
    shop = push_shop(live_server, tmp_path)
    everything = {shop.index, *shop.platforms, shop.attestation, shop.old, shop.orphan}
    assert live_names(live_server) == everything
    state = tmp_path / "state"

    # A dry run shows the plan and why, and deletes nothing.
    dry = prune(
        live_server, state, "--package-type", "container", "--package", "shop", "--untagged",
        "--dry-run", "--report", str(tmp_path / "dry.json"),
    )  # fmt: skip
    assert dry.returncode == 0, dry.stderr
    assert "listed by kept" in dry.stdout and "refers to kept" in dry.stdout
    report = json.loads((tmp_path / "dry.json").read_text())
    assert report["summary"]["to_delete"] == 1
    why = {v["name"]: v for v in report["plan"]["packages"][0]["versions"]}
    assert why[shop.orphan]["action"] == "delete"
    assert why[shop.orphan]["reasons"] == ["delete: --untagged"]
    assert why[shop.attestation]["role"] == "referrer"
    assert all(why[p]["role"] == "child" for p in shop.platforms)
    assert live_names(live_server) == everything

    untagged = prune(
        live_server, state, "--package-type", "container", "--package", "shop", "--untagged"
    )
    assert untagged.returncode == 0, untagged.stdout + untagged.stderr
    assert live_names(live_server) == everything - {shop.orphan}
    for n, platform in enumerate(shop.platforms):
        assert pulls(live_server, platform, tmp_path / f"platform-{n}")
    assert pulls(live_server, "v2", tmp_path / "index")

    keep_one = prune(
        live_server, state, "--package-type", "container", "--package", "shop", "--keep-last", "1"
    )
    assert keep_one.returncode == 0, keep_one.stdout + keep_one.stderr
    assert live_names(live_server) == everything - {shop.orphan, shop.old}
    assert not pulls(live_server, "v1", tmp_path / "old-gone")
    with Client(token=ALICE, base_url=live_server.api) as client:
        referrers = client.registry.referrers(REPOSITORY, shop.index)
    assert [r.digest for r in referrers] == [shop.attestation]

    # Undo the newest run, then the one before it: every version is back and pulls.
    undone = prune(live_server, state, "undo", "--last")
    assert undone.returncode == 0, undone.stdout + undone.stderr
    assert "1 restored" in undone.stdout
    assert pulls(live_server, "v1", tmp_path / "old-back")
    undone = prune(live_server, state, "undo", run_id(untagged))
    assert undone.returncode == 0, undone.stdout + undone.stderr
    assert live_names(live_server) == everything
    assert pulls(live_server, shop.orphan, tmp_path / "orphan-back")
    copy_out(f"docker://{host(live_server)}/{REPOSITORY}:v2", f"oci:{tmp_path / 'all'}:v2", "--all")


def test_plan_then_apply_and_exit_codes(live_server: LiveServer, tmp_path: Path) -> None:
    state = tmp_path / "state"
    plan_file = tmp_path / "plan.json"
    # Versions seeded without content have no manifests behind them: fail closed.
    policy = tmp_path / "retention.yml"
    seed_file = tmp_path / "lib.json"
    seed_file.write_text(
        json.dumps(
            {
                "packages": [
                    {
                        "owner": "alice",
                        "package_type": "container",
                        "name": "made-up",
                        "versions": [
                            {"name": "sha256:" + "1" * 64, "tags": ["latest"]},
                            {"name": "sha256:" + "2" * 64},
                        ],
                    },
                    {
                        "owner": "alice",
                        "package_type": "npm",
                        "name": "@alice/lib",
                        "versions": [
                            {"name": "1.0.0", "created_at": "2026-01-01T00:00:00Z"},
                            {"name": "1.1.0", "created_at": "2026-02-01T00:00:00Z"},
                        ],
                    },
                ]
            }
        )
    )
    assert live_server.packyard("seed", str(seed_file)).returncode == 0
    planned = prune(
        live_server, state, "plan", "--package-type", "container", "--package", "made-up",
        "--untagged", "-o", str(plan_file),
    )  # fmt: skip
    assert planned.returncode == 3, planned.stdout + planned.stderr
    assert json.loads(plan_file.read_text())["packages"][0]["error"]

    # An npm plan written, then applied exactly; a policy file gives the rules.
    policy.write_text("package-type: npm\nowner: alice\npackage: ['lib']\nkeep-last: 1\n")
    planned = prune(live_server, state, "plan", "--policy", str(policy), "-o", str(plan_file))
    assert planned.returncode == 0, planned.stdout + planned.stderr
    plan = json.loads(plan_file.read_text())
    [package] = plan["packages"]
    assert [v["name"] for v in package["versions"] if v["action"] == "delete"] == ["1.0.0"]
    applied = prune(live_server, state, "apply", str(plan_file), "--report", str(tmp_path / "r"))
    assert applied.returncode == 0, applied.stdout + applied.stderr
    run = json.loads((tmp_path / "r").read_text())["run"]
    assert [(e["name"], e["outcome"]) for e in run["entries"]] == [("1.0.0", "deleted")]
    assert (state / "runs" / f"{run['run_id']}.json").exists()
    # Applying the same plan again: already gone is not a failure. The plan names its API,
    # so GITHUB_API_URL pointing elsewhere does not move it.
    elsewhere = "http://127.0.0.1:9/api/v3"
    again = prune(live_server, state, "apply", str(plan_file), api_url=elsewhere)
    assert again.returncode == 0 and "1 already gone" in again.stdout

    wrong = prune(live_server, state, "--package-type", "npm", "--keep-last", "-1")
    assert wrong.returncode == 2 and "keep-last" in wrong.stderr
    nothing = prune(live_server, state, "--package-type", "npm")
    assert nothing.returncode == 2 and "no rules" in nothing.stderr
    typo = tmp_path / "typo.yml"
    typo.write_text("package-type: npm\nkeep-lastt: 3\n")
    assert prune(live_server, state, "--policy", str(typo)).returncode == 2


def test_apply_skips_what_was_pushed_or_tagged_onto_since_the_plan(
    live_server: LiveServer, tmp_path: Path
) -> None:
    """On GitHub nothing stops deleting a platform a new index lists: prune checks itself."""
    race = "alice/race"
    with closing(Pusher(live_server, race)) as push:
        push.image("v1", b"tagged")
        orphan_a, orphan_b, orphan_c = (
            push.untagged(push.image_document(payload))["digest"]
            for payload in (b"orphan a", b"orphan b", b"orphan c")
        )
        state, plan_file = tmp_path / "state", tmp_path / "plan.json"
        planned = prune(
            live_server, state, "plan", "--package-type", "container", "--package", "race",
            "--untagged", "-o", str(plan_file),
        )  # fmt: skip
        assert planned.returncode == 0, planned.stdout + planned.stderr
        # After the plan: a new index lists orphan a, and orphan b is tagged.
        listed = push.http.get(f"/v2/{race}/manifests/{orphan_a}")
        push.index(
            "v2", [{"mediaType": OCI_MANIFEST, "digest": orphan_a, "size": len(listed.content)}]
        )
        body = push.http.get(f"/v2/{race}/manifests/{orphan_b}", headers={"Accept": OCI_MANIFEST})
        push.manifest("b-tag", json.loads(body.content))
    applied = prune(live_server, state, "apply", str(plan_file), "--report", str(tmp_path / "r"))
    assert applied.returncode == 0, applied.stdout + applied.stderr
    entries = {e["name"]: e for e in json.loads((tmp_path / "r").read_text())["run"]["entries"]}
    assert (
        entries[orphan_a]["outcome"] == "skipped"
        and "pushed after the plan" in (entries[orphan_a]["error"])
    )
    assert (
        entries[orphan_b]["outcome"] == "skipped" and "tagged b-tag" in entries[orphan_b]["error"]
    )
    assert entries[orphan_c]["outcome"] == "deleted"
    with Client(token=ALICE, base_url=live_server.api) as client:
        names = {v.name for v in client.iter_versions("alice", "container", "race")}
    assert orphan_a in names and orphan_b in names and orphan_c not in names


@pytest.fixture(scope="module")
def limited_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """GitHub's limits, shrunk: 12 requests per 4 s, and 40 points per 3 s (8 deletes)."""
    limits = {"PACKYARD_RATE_LIMIT": "12/4", "PACKYARD_SECONDARY_RATE_LIMIT": "40/3"}
    data_dir = tmp_path_factory.mktemp("limited")
    with ExitStack() as stack:
        if backend == "sqlite":
            url = f"sqlite+pysqlite:///{data_dir / 'packyard.db'}"
        else:
            url = stack.enter_context(postgres_database("packyard_limited"))
        yield stack.enter_context(serving(url, data_dir, limits))


def test_prune_finishes_through_rate_limits(limited_server: LiveServer, tmp_path: Path) -> None:
    server = limited_server
    versions = [
        {"name": f"1.0.{i}", "created_at": f"2026-01-{i + 1:02d}T00:00:00Z"} for i in range(30)
    ]
    seed_file = tmp_path / "many.yaml"
    seed_file.write_text(
        json.dumps(
            {
                "packages": [
                    {
                        "owner": "alice",
                        "package_type": "npm",
                        "name": "@alice/many",
                        "visibility": "private",
                        "versions": versions,
                    }
                ]
            }
        )
    )
    assert server.packyard("seed", str(seed_file)).returncode == 0
    done = prune(
        server, tmp_path / "state", "--package-type", "npm", "--package", "many",
        "--keep-last", "5", "--report", str(tmp_path / "report.json"),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    run = json.loads((tmp_path / "report.json").read_text())["run"]
    assert [e["outcome"] for e in run["entries"]] == ["deleted"] * 25
    with Client(token=ALICE, base_url=server.api) as client:
        left = [v.name for v in client.iter_versions("alice", "npm", "many")]
        # The limits were really met: the quota shows the run's spending.
        assert client.rest.rate_limit.get()["core"].limit == 12
    assert sorted(left) == [f"1.0.{i}" for i in range(25, 30)]
    undone = prune(server, tmp_path / "state", "undo", "--last")
    assert undone.returncode == 0 and "25 restored" in undone.stdout


def test_the_container_prunes_run_through_rate_limits(
    limited_server: LiveServer, tmp_path: Path
) -> None:
    """The acceptance commands again, on a server with GitHub's limits on."""
    server, state = limited_server, tmp_path / "state"
    shop = push_shop(server, tmp_path)
    everything = {shop.index, *shop.platforms, shop.attestation, shop.old, shop.orphan}
    for rules, gone in (
        (["--untagged"], {shop.orphan}),
        (["--keep-last", "1"], {shop.orphan, shop.old}),
    ):
        done = prune(server, state, "--package-type", "container", "--package", "shop", *rules)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "0 failed" in done.stdout
        assert live_names(server) == everything - gone
    for _ in range(2):
        undone = prune(server, state, "undo", "--last")
        assert undone.returncode == 0, undone.stdout + undone.stderr
    assert live_names(server) == everything


def test_the_sdk_waits_out_primary_and_secondary_refusals(
    limited_server: LiveServer, tmp_path: Path
) -> None:
    """The same run in-process, counting the waits the server's 403s and 429s caused."""
    from packyard.client import RetryPolicy
    from packyard.client.prune import Policy, Selection, apply_plan, make_plan

    seen: list[int] = []

    def recording(response: httpx.Response) -> None:
        seen.append(response.status_code)

    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        import time

        time.sleep(seconds)

    http = httpx.Client(event_hooks={"response": [recording]}, timeout=30)
    names = [f"2.0.{i}" for i in range(30)]
    seed_file = tmp_path / "more.yaml"
    seed_file.write_text(
        json.dumps(
            {
                "packages": [
                    {
                        "owner": "alice",
                        "package_type": "maven",
                        "name": "com.example.more",
                        "versions": [
                            {"name": n, "created_at": f"2026-03-{i + 1:02d}T00:00:00Z"}
                            for i, n in enumerate(names)
                        ],
                    }
                ]
            }
        )
    )
    assert limited_server.packyard("seed", str(seed_file)).returncode == 0
    with Client(
        token=ALICE,
        base_url=limited_server.api,
        http_client=http,
        sleep=sleep,
        retry=RetryPolicy(rate_limit_retries=50),
    ) as client:
        policy = Policy.from_options({"keep-last": 2})
        plan = make_plan(client, Selection("maven", "alice"), policy)
        run = apply_plan(client, plan, concurrency=4)
    http.close()
    assert run.count("failed") == 0 and run.count("deleted") == 28
    assert 403 in seen, "the secondary limit never answered"
    assert 429 in seen, "the primary limit never answered"
    assert any(w > 0 for w in waits)
