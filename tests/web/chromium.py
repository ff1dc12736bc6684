"""How Packyard starts Debian's chromium for Playwright: the browser tests and
scripts/screenshots alike. Playwright's own browser download cannot work here (and is never
run); these flags keep chromium off the network it would otherwise call home on."""

from __future__ import annotations

CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
