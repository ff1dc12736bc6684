"""Settings, read once from the command line and the environment, then passed down."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from packyard.auth.secret import parse_secret_keys
from packyard.domain.rules import DEFAULT_RESTORE_WINDOW
from packyard.storage.db.engine import sqlite_url

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
DEFAULT_DATA_DIR = Path("packyard-data")
GC_INTERVAL = timedelta(hours=1)
# S3's bucket names: 3-63 lower-case letters, digits, dots and hyphens.
BUCKET = re.compile(r"[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]")
PREFIX = re.compile(r"[A-Za-z0-9!_.*'()\-]+(/[A-Za-z0-9!_.*'()\-]+)*")


@dataclass(frozen=True)
class S3Location:
    """Where blobs go when they are not under the data directory: `s3://BUCKET/PREFIX`."""

    bucket: str
    prefix: str = ""


@dataclass(frozen=True)
class Settings:
    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str | None = None
    base_url: str = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"
    restore_window: timedelta = DEFAULT_RESTORE_WINDOW
    # Requests per window (an hour, as GitHub) per token, or per address for anonymous
    # calls; None is off.
    rate_limit: int | None = None
    rate_limit_window: int = 3600
    # GitHub's secondary limit as (points, seconds): 900 a minute, a write costing 5.
    secondary_rate_limit: tuple[int, int] | None = None
    # `PACKYARD_REDIS_URL`: where the processes of a deployment share rate-limit counts;
    # None shares them through PostgreSQL when that is the database, else keeps them here.
    redis_url: str | None = field(default=None, repr=False)
    gc_interval: timedelta | None = GC_INTERVAL
    # GitHub lets a manifest that a live, tagged index lists be deleted; Packyard refuses
    # unless told to behave exactly as GitHub does.
    github_exact: bool = False
    # The legacy Docker registry's port (`docker.pkg.github.com`'s names); None is off.
    docker_port: int | None = None
    # What signs registry tokens (`PACKYARD_SECRET_KEY=new,old`: the first signs, all
    # verify); empty: the data directory's `secret_key`, generated on first start.
    secret_keys: tuple[str, ...] = field(default=(), repr=False)
    # `PACKYARD_BLOB_STORE=s3://BUCKET/PREFIX`; None keeps blobs under the data directory.
    blob_store: S3Location | None = None
    # `PACKYARD_BLOB_REDIRECT=1`: blob and package-file downloads answered with a 307 to a
    # presigned URL of the bucket (S3 only).
    blob_redirect: bool = False

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or sqlite_url(self.data_dir)

    @property
    def api_url(self) -> str:
        return self.base_url.rstrip("/") + "/api/v3"

    @property
    def web_url(self) -> str:
        return self.base_url.rstrip("/")


def settings_from_env(
    data_dir: Path | None = None,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
) -> Settings:
    env = os.environ
    resolved_dir = data_dir or Path(env.get("PACKYARD_DATA_DIR") or DEFAULT_DATA_DIR)
    rate_limit, rate_window = _limit(env, "PACKYARD_RATE_LIMIT", 3600)
    secondary_points, secondary_window = _limit(env, "PACKYARD_SECONDARY_RATE_LIMIT", 60)
    window_days = env.get("PACKYARD_RESTORE_WINDOW_DAYS")
    blob_store = parse_blob_store(env.get("PACKYARD_BLOB_STORE", ""))
    blob_redirect = _flag(env.get("PACKYARD_BLOB_REDIRECT", ""))
    check_redirect(blob_store, blob_redirect)
    return Settings(
        data_dir=resolved_dir,
        database_url=env.get("PACKYARD_DATABASE_URL") or None,
        base_url=env.get("PACKYARD_BASE_URL") or f"http://{host}:{port}",
        restore_window=timedelta(days=float(window_days))
        if window_days
        else DEFAULT_RESTORE_WINDOW,
        rate_limit=rate_limit,
        rate_limit_window=rate_window,
        secondary_rate_limit=(secondary_points, secondary_window)
        if secondary_points is not None
        else None,
        redis_url=env.get("PACKYARD_REDIS_URL") or None,
        github_exact=env.get("PACKYARD_GITHUB_EXACT", "").lower() in ("1", "true", "yes"),
        docker_port=int(env["PACKYARD_DOCKER_PORT"]) if env.get("PACKYARD_DOCKER_PORT") else None,
        secret_keys=parse_secret_keys(env.get("PACKYARD_SECRET_KEY", "")),
        blob_store=blob_store,
        blob_redirect=blob_redirect,
    )


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes")


def check_redirect(blob_store: S3Location | None, redirect: bool) -> None:
    """Redirects need a bucket to send clients to. Refused rather than ignored: a deployment
    that asked for them counts on its servers not carrying the bytes, and would find out
    only under load."""
    if redirect and blob_store is None:
        raise ValueError(
            "PACKYARD_BLOB_REDIRECT=1 needs PACKYARD_BLOB_STORE=s3://BUCKET/PREFIX: blobs in "
            "the data directory have no URL to redirect to"
        )


def parse_blob_store(value: str) -> S3Location | None:
    """`s3://BUCKET` or `s3://BUCKET/PREFIX`; empty is the data directory's `blobs/`."""
    value = value.strip()
    if not value:
        return None
    bucket, _, prefix = value.removeprefix("s3://").partition("/")
    prefix = prefix.strip("/")
    if (
        not value.startswith("s3://")
        or not BUCKET.fullmatch(bucket)
        or ".." in bucket
        or (prefix and (not PREFIX.fullmatch(prefix) or ".." in prefix.split("/")))
    ):
        raise ValueError(
            f"PACKYARD_BLOB_STORE={value!r}: expected s3://BUCKET or s3://BUCKET/PREFIX "
            "(a bucket name of 3-63 lower-case letters, digits, dots and hyphens)"
        )
    return S3Location(bucket, prefix)


def _limit(env: os._Environ[str], name: str, default_window: int) -> tuple[int | None, int]:
    """`N` or `N/SECONDS`: N requests (or points) per window."""
    value = env.get(name, "").strip()
    if not value:
        return None, default_window
    count, _, window = value.partition("/")
    try:
        return int(count), int(window) if window else default_window
    except ValueError:
        raise ValueError(f"{name}={value!r}: expected N or N/SECONDS") from None
