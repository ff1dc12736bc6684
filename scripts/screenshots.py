"""The work of scripts/screenshots: serve the world, pull a few images so the download chart
has bars, then photograph each main page signed out and signed in as alice."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a file: the repository's `tests` package is not on the path
from tests.web.chromium import CHROMIUM_FLAGS, CHROMIUM_PATH  # noqa: E402  # after the path

WORLD = ROOT / "examples" / "world.yaml"
ALICE = "ghp_alice_full_0000000000000000000000000"  # examples/world.yaml's
PACKAGE = "/users/alice/packages/container/package/tools%2Fcli"
# file name → (path, signed in?)
PAGES = {
    "package": (PACKAGE, False),
    "versions": (f"{PACKAGE}/versions", True),
    "version-index": ("/users/alice/packages/container/tools%2Fcli/1", False),
    "version-image": ("/users/alice/packages/container/tools%2Fcli/2", False),
    "settings": (f"{PACKAGE}/settings", True),
    "packages": ("/alice?tab=packages", True),
}
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
PUBLIC_URL = "http://127.0.0.1:8080"
STARTUP_SECONDS = 30
PULLS = 7  # of `latest`, so today's bar stands out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_serving(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit("scripts/screenshots: packyard serve exited; see its log above")
        try:
            if httpx.get(url + "/login", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    sys.exit(f"scripts/screenshots: packyard serve did not answer in {STARTUP_SECONDS}s")


def pull(url: str) -> None:
    """Anonymous pulls of the public image, through the registry's token endpoint."""
    with httpx.Client(base_url=url, timeout=10) as client:
        challenge = client.get("/v2/").headers["www-authenticate"]
        params = dict(part.split("=", 1) for part in challenge.split(" ", 1)[1].split(","))
        # The realm names the public base URL (the tour's port): ask this server's.
        realm = urlsplit(params.pop("realm").strip('"')).path
        query = {k: v.strip('"') for k, v in params.items()}
        query["scope"] = "repository:alice/tools/cli:pull"
        token = client.get(realm, params=query).json()["token"]
        accept = (
            "application/vnd.oci.image.index.v1+json,application/vnd.oci.image.manifest.v1+json"
        )
        for _ in range(PULLS):
            answer = client.get(
                "/v2/alice/tools/cli/manifests/latest",
                headers={"Authorization": f"Bearer {token}", "Accept": accept},
            )
            answer.raise_for_status()


def shoot(url: str, out: Path) -> list[Path]:
    made = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_FLAGS)
        for signed_in in (False, True):
            context = browser.new_context(viewport=DESKTOP)
            page = context.new_page()
            if signed_in:
                page.goto(url + "/login")
                page.get_by_label("Personal access token").fill(ALICE)
                page.get_by_role("button", name="Sign in").click()
                page.wait_for_url(url + "/")
            for name, (path, needs_session) in PAGES.items():
                if needs_session is signed_in:
                    page.goto(url + path)
                    made.append(out / f"{name}.png")
                    page.screenshot(path=made[-1], full_page=True)
            context.close()
        phone = browser.new_context(viewport=PHONE, color_scheme="dark")
        page = phone.new_page()
        page.goto(url + PACKAGE)
        made.append(out / "package-phone-dark.png")
        page.screenshot(path=made[-1], full_page=True)
        phone.close()
        browser.close()
    return made


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as data:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "PACKYARD_DATA_DIR": data,
            # The README tour's address in every snippet, whatever port this run listens on,
            # so the pictures change only when the pages do.
            "PACKYARD_BASE_URL": PUBLIC_URL,
            "PACKYARD_DATABASE_URL": "",
        }
        env.pop("PACKYARD_DATABASE_URL")  # SQLite in the temporary directory
        packyard = [sys.executable, "-m", "packyard.cli.main"]
        subprocess.run([*packyard, "seed", str(WORLD)], env=env, check=True)
        server = subprocess.Popen([*packyard, "serve", "--port", str(port)], env=env)
        try:
            wait_until_serving(url, server)
            pull(url)
            time.sleep(1.5)  # downloads are written just behind the pulls
            for path in shoot(url, out):
                print(path)
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
