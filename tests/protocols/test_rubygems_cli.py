"""The real `gem` and `bundle` (RubyGems 3.3.15, Bundler 2.3.15) against a running Packyard.

mona pushes her gems to her namespace, `/_registry/rubygems/mona/` (GitHub Enterprise
Server's form of rubygems.pkg.github.com/mona): pky_hello 1.0.0, 1.1.0 (also built for
x86_64-linux: a second file of the same version) and 2.0.0.pre1, all linked to her private
repository mona/gems by `github_repo`; pky_greeter, which depends on pky_hello ~> 1.0;
pky_public, made public after its push; pky_yank, for `gem yank`. The gems are built once
and pushed once per module (per xdist worker); each test checks one thing, against what
the REST API says too, and one that deletes restores after itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.protocols import clients_support
from tests.protocols.clients_support import AccessLog, serving_logged
from tests.protocols.conftest import LiveServer
from tests.protocols.rubygems_support import (
    TEMPLATES,
    Built,
    Bundle,
    GemMachine,
    GemSource,
    build,
)

# One worker runs the module: its pushes are set up once (`--dist loadgroup`, scripts/test).
pytestmark = pytest.mark.xdist_group("rubygems")

MONA = "ghp_mona_gems_full_000000000000000000000"
MONA_READ = "ghp_mona_gems_read_000000000000000000000"  # read:packages only
STAN = "ghp_stan_gems_full_000000000000000000000"  # every scope, no access to mona's gems
BOGUS = "ghp_not_a_token_at_all_0000000000000000"
GITHUB_AUTH_FAILED = (
    "Your request could not be authenticated by the GitHub Packages service. Please ensure "
    "your access token is valid and has the appropriate scopes configured."
)
PLATFORM = "x86_64-linux"  # what the test machines are: `gem install` prefers this build
REPO = "ssh://github.com/mona/gems"

HELLO_1 = GemSource("pky_hello", "1.0.0", github_repo=REPO)
HELLO_11 = GemSource("pky_hello", "1.1.0", github_repo=REPO)
HELLO_11_LINUX = GemSource("pky_hello", "1.1.0", platform=PLATFORM, github_repo=REPO)
HELLO_PRE = GemSource("pky_hello", "2.0.0.pre1", github_repo=REPO)
GREETER = GemSource("pky_greeter", "0.1.0", dependencies=(("pky_hello", "~> 1.0"),))
PUBLIC = GemSource("pky_public", "0.1.0")
YANK_1 = GemSource("pky_yank", "0.1.0")
YANK_2 = GemSource("pky_yank", "0.2.0")
PUSHED = (HELLO_1, HELLO_11, HELLO_11_LINUX, HELLO_PRE, GREETER, PUBLIC, YANK_1, YANK_2)
# Pushed by the tests that need them, each once.
BARE = GemSource("pky_bare", "0.1.0")
DENIED = GemSource("pky_denied", "0.1.0")
ABSENT = GemSource("pky_absent", "1.0.0")  # never pushed: what "not there" looks like


def host(server: LiveServer) -> str:
    """`gem push --host`'s value: the namespace's URL without its slash."""
    return f"{server.url}/_registry/rubygems/mona"


def source(server: LiveServer, user: str | None = "mona", token: str | None = MONA) -> str:
    """`gem install --source`'s value, the credentials in its URL (GitHub's docs' form)."""
    userinfo = f"{user}:{token}@" if user and token else ""
    return f"http://{userinfo}{server.url.removeprefix('http://')}/_registry/rubygems/mona/"


def rest(server: LiveServer, token: str = MONA) -> httpx.Client:
    return clients_support.rest(server, token)


def versions(server: LiveServer, name: str, state: str = "active") -> dict[str, int]:
    """The REST API's versions of mona's gem `name`: version → id."""
    return clients_support.version_ids(server, MONA, "rubygems", name, state)


def wire(server: LiveServer, path: str, user: str = "mona", token: str = MONA) -> httpx.Response:
    """A GET of the registry's `path` as `gem` sends it (Basic auth, pre-emptively)."""
    return httpx.get(f"{host(server)}/{path}", auth=(user, token), timeout=30)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class Pushed:
    server: LiveServer
    gems: dict[GemSource, Built]
    said: dict[GemSource, str]  # what `gem push` printed for each

    def built(self, gem: GemSource) -> Built:
        return self.gems[gem]


@pytest.fixture(scope="session")
def gems(tmp_path_factory: pytest.TempPathFactory) -> dict[GemSource, Built]:
    """Every gem the module pushes, built once (`gem build` takes ~0.2 s a gem)."""
    return build((*PUSHED, BARE, DENIED), tmp_path_factory.mktemp("gems"))


@pytest.fixture(scope="module")
def world(live_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server of the module's own, logging each request (what each client asked is seen)."""
    data = tmp_path_factory.mktemp("data")
    with serving_logged(live_database, data, TEMPLATES / "world.yaml") as server:
        yield server


@pytest.fixture(scope="module")
def pushed(
    world: LiveServer, gems: dict[GemSource, Built], tmp_path_factory: pytest.TempPathFactory
) -> Pushed:
    mona = GemMachine.at(tmp_path_factory.mktemp("mona"), f"Bearer {MONA}")
    said = {}
    for gem in PUSHED:
        pushing = mona.push(host(world), gems[gem].path)
        assert pushing.ok, pushing.output
        said[gem] = pushing.output
    clients_support.seed(world, TEMPLATES / "public.yaml")  # pky_public made public
    return Pushed(world, gems, said)


def test_a_push_prints_github_s_answer(pushed: Pushed) -> None:
    assert "Successfully registered gem: pky_hello (1.0.0)" in pushed.said[HELLO_1]
    assert "Successfully registered gem: pky_hello (2.0.0.pre1)" in pushed.said[HELLO_PRE]


def test_the_pushes_are_three_versions_of_a_package_linked_to_its_repository(
    pushed: Pushed,
) -> None:
    # 1.1.0 was pushed twice, for ruby and for x86_64-linux: one version, two files.
    assert sorted(versions(pushed.server, "pky_hello")) == ["1.0.0", "1.1.0", "2.0.0.pre1"]
    with rest(pushed.server) as api:
        package = api.get("/user/packages/rubygems/pky_hello")
        listed = api.get("/user/packages/rubygems/pky_hello/versions").json()
    assert package.status_code == 200, package.text
    assert package.json()["package_type"] == "rubygems"
    assert package.json()["visibility"] == "private"
    assert (package.json()["repository"] or {}).get("full_name") == "mona/gems", package.json()
    assert all(version["metadata"] == {"package_type": "rubygems"} for version in listed)


def test_a_second_push_of_a_version_is_a_409_that_gem_prints(
    pushed: Pushed, tmp_path: Path
) -> None:
    built = pushed.built(HELLO_1)
    answer = httpx.post(
        f"{host(pushed.server)}/api/v1/gems",
        content=built.path.read_bytes(),
        headers={"Authorization": f"Bearer {MONA}", "Content-Type": "application/octet-stream"},
    )
    assert answer.status_code == 409, answer.text
    again = GemMachine.at(tmp_path, f"Bearer {MONA}").push(host(pushed.server), built.path)
    assert again.returncode == 1, again.output
    assert answer.text.strip() and answer.text.strip() in again.output
    served = wire(pushed.server, f"gems/{HELLO_1.file_name}")
    assert hashlib.sha256(served.content).hexdigest() == built.sha256  # the first push's


@pytest.mark.parametrize(
    ("options", "expected"),
    [((), HELLO_11_LINUX), (("--platform", "ruby"), HELLO_11)],
    ids=["the-machine-s-platform-by-default", "ruby-when-asked"],
)
def test_gem_install_picks_a_version_s_file_for_the_platform(
    pushed: Pushed, tmp_path: Path, options: tuple[str, ...], expected: GemSource
) -> None:
    machine = GemMachine.at(tmp_path)
    installed = machine.install(source(pushed.server), "pky_hello", *options, version="1.1.0")
    assert installed.ok, installed.output
    assert sha256(machine.cached(expected)) == pushed.built(expected).sha256
    assert machine.says("pky_hello").output.strip() == expected.says


def test_gem_install_of_a_private_gem_with_credentials_and_require(
    pushed: Pushed, tmp_path: Path
) -> None:
    machine = GemMachine.at(tmp_path)
    installed = machine.install(source(pushed.server), "pky_hello", version="1.0.0")
    assert installed.ok, installed.output
    assert "Successfully installed pky_hello-1.0.0" in installed.output
    assert sha256(machine.cached(HELLO_1)) == pushed.built(HELLO_1).sha256
    said = machine.says("pky_hello")
    assert said.ok and said.output.strip() == HELLO_1.says, said.output


@pytest.mark.parametrize(
    ("options", "expected"),
    [((), HELLO_11_LINUX), (("--prerelease",), HELLO_PRE)],
    ids=["the-newest-release", "the-pre-release-when-asked"],
)
def test_gem_install_without_a_version_picks_the_newest(
    pushed: Pushed, tmp_path: Path, options: tuple[str, ...], expected: GemSource
) -> None:
    machine = GemMachine.at(tmp_path)
    installed = machine.install(source(pushed.server), "pky_hello", *options)
    assert installed.ok, installed.output
    assert machine.says("pky_hello").output.strip() == expected.says


def test_each_gem_download_counts_once_for_its_version(pushed: Pushed, tmp_path: Path) -> None:
    since = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()

    def downloads() -> dict[str, int]:
        with rest(pushed.server) as api:
            report = api.get(
                "/_packyard/user/packages/rubygems/pky_hello/downloads", params={"since": since}
            )
        assert report.status_code == 200, report.text
        return {version["name"]: version["downloads"] for version in report.json()["versions"]}

    before = downloads()
    installed = GemMachine.at(tmp_path).install(source(pushed.server), "pky_hello", version="1.0.0")
    assert installed.ok, installed.output
    after = downloads()
    assert after.get("1.0.0", 0) == before.get("1.0.0", 0) + 1, (before, after)
    assert {k: v for k, v in after.items() if k != "1.0.0"} == {
        k: v for k, v in before.items() if k != "1.0.0"
    }


@dataclass(frozen=True)
class Bundled:
    bundle: Bundle
    installed: str  # what `bundle install` printed
    requests: list[str]  # what it asked the registry, as `METHOD path-below-the-namespace`


@pytest.fixture(scope="module")
def bundled(pushed: Pushed, tmp_path_factory: pytest.TempPathFactory) -> Bundled:
    """`bundle install` of a Gemfile needing pky_greeter (and so pky_hello), the credentials
    set by `bundle config set --local` for the source's URL."""
    url = source(pushed.server, None, None)
    bundle = Bundle.project(tmp_path_factory.mktemp("app"), url, {"pky_greeter": None})
    configured = bundle.configure_credentials(url, f"mona:{MONA}")
    assert configured.ok, configured.output
    log = AccessLog.of(pushed.server)
    installed = bundle.install()
    assert installed.ok, installed.output
    return Bundled(bundle, installed.output, log.paths("/_registry/rubygems/mona/"))


def test_bundle_install_from_packyard_and_require(bundled: Bundled) -> None:
    said = bundled.bundle.says("pky_greeter")
    assert said.ok, said.output
    assert said.output.strip() == f"{GREETER.says} + {HELLO_11_LINUX.says}"
    # Bundler's own word for the index it read: "gem metadata" (compact index or dependency
    # API), not "source index" (the full index it falls back to).
    assert "Fetching gem metadata from" in bundled.installed, bundled.installed
    assert "pky_hello (1.1.0-x86_64-linux)" in bundled.bundle.lockfile()


def test_bundle_install_uses_the_compact_index(bundled: Bundled) -> None:
    asked = bundled.requests
    assert asked, "server.log has no access-log lines: is PACKYARD_ACCESS_LOG on?"
    assert "GET versions" in asked, asked
    assert {"GET info/pky_greeter", "GET info/pky_hello"} <= set(asked), asked
    assert not [path for path in asked if "specs.4.8" in path], asked  # no full index


def test_bundle_install_of_a_pre_release(pushed: Pushed, tmp_path: Path) -> None:
    # The other way to give Bundler credentials: by the host (without its port) in the env.
    bundle = Bundle.project(
        tmp_path,
        source(pushed.server, None, None),
        {"pky_hello": HELLO_PRE.version},
        {"BUNDLE_127__0__0__1": f"mona:{MONA}"},
    )
    installed = bundle.install()
    assert installed.ok, installed.output
    assert bundle.says("pky_hello").output.strip() == HELLO_PRE.says
    assert "pky_hello (2.0.0.pre1)" in bundle.lockfile()


def test_a_stranger_can_neither_install_a_private_gem_nor_learn_it_exists(
    pushed: Pushed, tmp_path: Path
) -> None:
    stan = GemMachine.at(tmp_path)
    url = source(pushed.server, "stan", STAN)
    hidden = stan.install(url, "pky_hello", version="1.0.0")
    absent = stan.install(url, ABSENT.name, version="1.0.0")
    assert not hidden.ok
    assert "Could not find a valid gem 'pky_hello'" in hidden.output, hidden.output
    assert hidden.output == absent.output.replace(ABSENT.name, "pky_hello")
    assert not (stan.gem_home / "gems").exists() or not list((stan.gem_home / "gems").iterdir())
    # On the wire: the same answers as for a gem that is not there, and no trace in an index.
    for path in ("info/{}", "gems/{}-1.0.0.gem", "quick/Marshal.4.8/{}-1.0.0.gemspec.rz"):
        mine, nothing = (
            wire(pushed.server, path.format(name), "stan", STAN)
            for name in ("pky_hello", ABSENT.name)
        )
        assert mine.status_code in (401, 403, 404), (path, mine.status_code)
        assert (mine.status_code, mine.text) == (
            nothing.status_code,
            nothing.text.replace(ABSENT.name, "pky_hello"),
        ), path
    index = wire(pushed.server, "versions", "stan", STAN)
    assert "pky_hello" not in index.text
    with rest(pushed.server, STAN) as api:
        assert api.get("/users/mona/packages/rubygems/pky_hello").status_code == 404


def test_gem_install_of_a_private_gem_without_credentials_fails(
    pushed: Pushed, tmp_path: Path
) -> None:
    machine = GemMachine.at(tmp_path)
    anonymous = machine.install(source(pushed.server, None, None), "pky_hello", version="1.0.0")
    assert not anonymous.ok, anonymous.output
    assert "Could not find a valid gem 'pky_hello' (= 1.0.0)" in anonymous.output
    assert not machine.cached(HELLO_1).exists()
    # Anonymous callers learn nothing either: a private gem answers as one not there.
    mine, nothing = (
        httpx.get(f"{host(pushed.server)}/gems/{name}-1.0.0.gem")
        for name in ("pky_hello", ABSENT.name)
    )
    assert mine.status_code in (401, 404), mine.status_code
    assert (mine.status_code, mine.text) == (nothing.status_code, nothing.text)


def test_a_public_gem_installs_without_credentials(pushed: Pushed, tmp_path: Path) -> None:
    with rest(pushed.server) as api:
        assert api.get("/user/packages/rubygems/pky_public").json()["visibility"] == "public"
    machine = GemMachine.at(tmp_path)
    installed = machine.install(source(pushed.server, None, None), "pky_public")
    assert installed.ok, installed.output
    assert machine.says("pky_public").output.strip() == PUBLIC.says


def test_a_bad_token_is_refused_with_github_s_text(pushed: Pushed, tmp_path: Path) -> None:
    machine = GemMachine.at(tmp_path, f"Bearer {BOGUS}")
    refused = machine.push(host(pushed.server), pushed.built(DENIED).path)
    assert refused.returncode == 1
    assert GITHUB_AUTH_FAILED in refused.output, refused.output
    answer = httpx.post(
        f"{host(pushed.server)}/api/v1/gems",
        content=pushed.built(DENIED).path.read_bytes(),
        headers={"Authorization": f"Bearer {BOGUS}"},
    )
    assert (answer.status_code, answer.text.strip()) == (401, GITHUB_AUTH_FAILED)


def test_a_read_packages_token_cannot_push(pushed: Pushed, tmp_path: Path) -> None:
    machine = GemMachine.at(tmp_path, f"Bearer {MONA_READ}")
    refused = machine.push(host(pushed.server), pushed.built(DENIED).path)
    assert refused.returncode == 1, refused.output
    answer = httpx.post(
        f"{host(pushed.server)}/api/v1/gems",
        content=pushed.built(DENIED).path.read_bytes(),
        headers={"Authorization": f"Bearer {MONA_READ}"},
    )
    assert answer.status_code == 403, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    assert answer.text.strip() in refused.output
    with rest(pushed.server) as api:
        assert api.get("/user/packages/rubygems/pky_denied").status_code == 404


def test_a_bare_token_in_the_credentials_pushes_too(pushed: Pushed, tmp_path: Path) -> None:
    # `gem` sends the credential verbatim as the Authorization header: here, no "Bearer ".
    machine = GemMachine.at(tmp_path, MONA)
    pushing = machine.push(host(pushed.server), pushed.built(BARE).path)
    assert pushing.ok, pushing.output
    assert "Successfully registered gem: pky_bare (0.1.0)" in pushing.output
    assert list(versions(pushed.server, "pky_bare")) == ["0.1.0"]


def compact_index(server: LiveServer, name: str) -> tuple[set[str], set[str]]:
    """The versions of `name` in the compact index's `versions` and in its `info/NAME`.

    `versions` may be append-only, as rubygems.org's is: a later line for a gem adds
    versions, and `-V` takes V away (a yank); Bundler reads it so, and so does this.
    """
    listed: set[str] = set()
    body = wire(server, "versions").text.split("---\n", 1)[-1]
    for line in body.splitlines():
        gem, numbers, *_ = [*line.split(" "), "", ""]
        if gem != name:
            continue
        for number in numbers.split(","):
            if number.startswith("-"):
                listed.discard(number[1:])
            elif number:
                listed.add(number)
    info = wire(server, f"info/{name}")
    assert info.status_code == 200, info.text
    described = {
        line.split(" ", 1)[0] for line in info.text.split("---\n", 1)[-1].splitlines() if line
    }
    return listed, described


def listed_remotely(server: LiveServer, directory: Path, name: str) -> str:
    """`gem list --remote --all` (RubyGems' full index, specs.4.8.gz) for `name`."""
    machine = GemMachine.at(directory)
    listed = machine.gem(
        "list", "--remote", "--all", "--clear-sources", "--source", source(server), name
    )
    assert listed.ok, listed.output
    return listed.output


@pytest.fixture
def mona(tmp_path: Path) -> GemMachine:
    return GemMachine.at(tmp_path / "mona", f"Bearer {MONA}")


def test_gem_yank_deletes_the_version_everywhere_and_rest_restores_it(
    pushed: Pushed, mona: GemMachine, tmp_path: Path
) -> None:
    server = pushed.server
    before = versions(server, "pky_yank")
    yanked = mona.yank(host(server), "pky_yank", YANK_1.version)
    try:
        assert "Successfully deleted gem: pky_yank (0.1.0)" in yanked.output, yanked.output
        # `gem yank` exits 0 whatever the answer (RubyGems 3.3): the REST API tells.
        assert sorted(versions(server, "pky_yank")) == ["0.2.0"], yanked.output
        assert versions(server, "pky_yank", "deleted") == {"0.1.0": before["0.1.0"]}
        assert compact_index(server, "pky_yank") == ({"0.2.0"}, {"0.2.0"})
        assert "pky_yank (0.2.0)\n" in listed_remotely(server, tmp_path / "list", "pky_yank")
        gone = GemMachine.at(tmp_path / "gone").install(
            source(server), "pky_yank", version=YANK_1.version
        )
        assert "Could not find a valid gem 'pky_yank' (= 0.1.0)" in gone.output, gone.output
        with rest(server) as api:
            restored = api.post(
                f"/user/packages/rubygems/pky_yank/versions/{before['0.1.0']}/restore"
            )
        assert restored.status_code == 204, restored.text
        assert versions(server, "pky_yank") == before
        machine = GemMachine.at(tmp_path / "back")
        back = machine.install(source(server), "pky_yank", version=YANK_1.version)
        assert back.ok, back.output
        assert sha256(machine.cached(YANK_1)) == pushed.built(YANK_1).sha256
    finally:
        with rest(server) as api:
            api.post(f"/user/packages/rubygems/pky_yank/versions/{before['0.1.0']}/restore")


def test_a_yanked_version_may_be_pushed_again(pushed: Pushed, mona: GemMachine) -> None:
    server = pushed.server
    old = versions(server, "pky_yank")["0.1.0"]
    mona.yank(host(server), "pky_yank", YANK_1.version)
    assert "0.1.0" not in versions(server, "pky_yank")
    again = mona.push(host(server), pushed.built(YANK_1).path)  # the version is back, anew
    assert again.ok, again.output
    assert "Successfully registered gem: pky_yank (0.1.0)" in again.output
    assert versions(server, "pky_yank")["0.1.0"] != old


def test_a_token_without_delete_packages_cannot_yank(pushed: Pushed, tmp_path: Path) -> None:
    reader = GemMachine.at(tmp_path, f"Bearer {MONA_READ}")
    refused = reader.yank(host(pushed.server), "pky_yank", YANK_2.version)
    assert "0.2.0" in versions(pushed.server, "pky_yank"), refused.output
    answer = httpx.request(
        "DELETE",
        f"{host(pushed.server)}/api/v1/gems/yank",
        content=b"gem_name=pky_yank&version=0.2.0",
        headers={
            "Authorization": f"Bearer {MONA_READ}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert answer.status_code == 403, answer.text
    assert answer.text.strip() in refused.output  # what `gem yank` printed


@pytest.fixture
def hello_deleted(pushed: Pushed) -> Iterator[int]:
    """pky_hello 1.0.0's id, deleted through REST; restored afterwards if a test did not."""
    version_id = versions(pushed.server, "pky_hello")["1.0.0"]
    with clients_support.deleted(pushed.server, MONA, "rubygems", "pky_hello", version_id):
        yield version_id


def test_a_deleted_version_fails_to_install_and_a_restored_one_installs_the_same_bytes(
    pushed: Pushed, hello_deleted: int, tmp_path: Path
) -> None:
    gone = GemMachine.at(tmp_path / "deleted").install(
        source(pushed.server), "pky_hello", version="1.0.0"
    )
    assert not gone.ok
    assert "Could not find a valid gem 'pky_hello' (= 1.0.0)" in gone.output, gone.output

    with rest(pushed.server) as api:
        restored = api.post(f"/user/packages/rubygems/pky_hello/versions/{hello_deleted}/restore")
    assert restored.status_code == 204, restored.text
    machine = GemMachine.at(tmp_path / "restored")
    back = machine.install(source(pushed.server), "pky_hello", version="1.0.0")
    assert back.ok, back.output
    assert sha256(machine.cached(HELLO_1)) == pushed.built(HELLO_1).sha256
