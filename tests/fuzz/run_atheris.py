"""One parser target under atheris (libFuzzer): `python -m tests.fuzz.run_atheris TARGET
[libFuzzer options] [corpus folders]`. Packyard's modules are instrumented, so coverage
guides the mutations into its parsers; the libraries under them (yaml, tarfile, zipfile,
expat) are not, since instrumenting them costs seconds at every start.

An exception that `targets.check` lets through is a crash: libFuzzer prints its traceback,
writes the input to `crash-…` (see -artifact_prefix) and exits non-zero. A known finding
(targets.KNOWN) is printed the first time it is hit, with its input, and the run goes on.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports(include=["packyard"]):
    from tests.fuzz import targets


def main() -> None:
    target = targets.TARGETS[sys.argv[1]]
    atheris.Setup([sys.argv[0], *sys.argv[2:]], lambda data: targets.check(target, data))
    atheris.Fuzz()


if __name__ == "__main__":
    main()
