"""The server secret that signs registry tokens: given (`PACKYARD_SECRET_KEY`), or generated on
first start and kept in the data directory.

    DATA_DIR/
      secret_key    one line, 43 URL-safe characters (256 random bits); mode 0600

Every process of one deployment must verify what the others signed, so they share the data
directory or the environment variable. The file is never rewritten: two processes starting at
once each write a candidate and `link()` it into place, which only one can do; the other reads
the winner's. Rotation is by the environment variable (`new,old`), which then wins over the file.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import tempfile
from pathlib import Path

from packyard.auth.tokens import SigningKeys

SECRET_FILE = "secret_key"
# A shorter secret could be guessed offline from one registry token; a generated one has 43.
MIN_SECRET_LENGTH = 32
SECRET_BYTES = 32


class SecretKeyError(ValueError):
    """A secret that cannot be used: too short, unreadable, or readable by others."""


def check_secret(secret: str, where: str) -> str:
    if len(secret) < MIN_SECRET_LENGTH:
        raise SecretKeyError(
            f"{where}: a secret key needs at least {MIN_SECRET_LENGTH} characters "
            f"(generate one with: python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    return secret


def parse_secret_keys(value: str, where: str = "PACKYARD_SECRET_KEY") -> tuple[str, ...]:
    """`new,old,...`: the first signs, all verify. Blank entries are dropped."""
    keys = tuple(key.strip() for key in value.split(",") if key.strip())
    return tuple(check_secret(key, where) for key in keys)


def signing_keys(configured: tuple[str, ...], data_dir: Path) -> SigningKeys:
    """The configured keys, else the data directory's secret (created the first time)."""
    chosen = configured or (load_or_create_secret(data_dir),)
    return SigningKeys(tuple(secret.encode() for secret in chosen))


def load_or_create_secret(data_dir: Path) -> str:
    path = data_dir / SECRET_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        _create(path)
    return _read(path)


def _create(path: Path) -> None:
    # mkstemp makes the file 0600 whatever the umask: the secret is never readable by others,
    # not even for the moment between writing and renaming.
    descriptor, temporary = tempfile.mkstemp(prefix=".secret_key.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w") as candidate:
            candidate.write(secrets.token_urlsafe(SECRET_BYTES) + "\n")
            candidate.flush()
            os.fsync(candidate.fileno())
        # link() never replaces: of two processes starting at once, one secret wins.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        os.unlink(temporary)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _read(path: Path) -> str:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SecretKeyError(
            f"{path}: the secret key is open to other users (mode {stat.S_IMODE(mode):04o}); "
            f"chmod 600 it, since whoever reads it can sign registry tokens"
        )
    return check_secret(path.read_text().strip(), str(path))
