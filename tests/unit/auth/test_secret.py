"""The server secret: generated once, 0600, reused; given keys win and are checked."""

from __future__ import annotations

import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from packyard.auth.secret import (
    MIN_SECRET_LENGTH,
    SECRET_FILE,
    SecretKeyError,
    load_or_create_secret,
    parse_secret_keys,
    signing_keys,
)

LONG = "s" * MIN_SECRET_LENGTH


def test_generated_once_private_and_reused(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = load_or_create_secret(data_dir)
    path = data_dir / SECRET_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= MIN_SECRET_LENGTH
    assert load_or_create_secret(data_dir) == first
    assert signing_keys((), data_dir).keys == (first.encode(),)
    assert [p.name for p in data_dir.iterdir()] == [SECRET_FILE]


def test_processes_starting_at_once_agree(tmp_path: Path) -> None:
    with ThreadPoolExecutor(8) as pool:
        found = set(pool.map(lambda _: load_or_create_secret(tmp_path), range(16)))
    assert len(found) == 1
    assert [p.name for p in tmp_path.iterdir()] == [SECRET_FILE]


def test_a_secret_open_to_others_is_refused(tmp_path: Path) -> None:
    load_or_create_secret(tmp_path)
    (tmp_path / SECRET_FILE).chmod(0o644)
    with pytest.raises(SecretKeyError, match="chmod 600"):
        load_or_create_secret(tmp_path)


def test_given_keys_win_over_the_file_and_rotate(tmp_path: Path) -> None:
    new, old = "n" * 40, "o" * 40
    assert parse_secret_keys(f" {new} , {old},") == (new, old)
    assert signing_keys((new, old), tmp_path).keys == (new.encode(), old.encode())
    assert not (tmp_path / SECRET_FILE).exists()
    assert parse_secret_keys("") == ()


def test_short_secrets_are_refused() -> None:
    with pytest.raises(SecretKeyError, match="PACKYARD_SECRET_KEY"):
        parse_secret_keys(f"{LONG},short")


def test_the_environment_variable_is_a_setting_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    from packyard.config import settings_from_env

    new, old = "n" * 40, "o" * 40
    monkeypatch.setenv("PACKYARD_SECRET_KEY", f"{new},{old}")
    settings = settings_from_env()
    assert settings.secret_keys == (new, old)
    assert new not in repr(settings)
