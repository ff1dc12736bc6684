"""The committed seeds: `python -m tests.fuzz.corpus` writes each target's seeds (built in
tests/fuzz/targets.py) to tests/fuzz/corpus/TARGET/seed-N, the same bytes every time."""

from __future__ import annotations

from pathlib import Path

from tests.fuzz.targets import TARGETS

CORPUS = Path(__file__).parent / "corpus"


def write() -> None:
    for name, target in TARGETS.items():
        folder = CORPUS / name
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("seed-*"):
            stale.unlink()
        for number, seed in enumerate(target.seeds()):
            (folder / f"seed-{number}").write_bytes(seed)


if __name__ == "__main__":
    write()
