"""`/v2/token` hands out short-lived registry tokens (`pyr_…`), never the token it was shown:
signed with the server secret, minted only for a real login, ended by revoking that login."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import stat
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from packyard.auth.secret import SECRET_FILE
from packyard.auth.tokens import SigningKeys, mint_oci_token, read_oci_token
from packyard.config import Settings
from packyard.server import create_app
from tests.conftest import ALICE, Clock


def basic(token: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"alice:{token}".encode()).decode()}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def http(app: Any, world: Any) -> Any:
    with TestClient(app, base_url="http://testserver") as client:
        yield client


def oci_token(http: Any, credentials: dict[str, str]) -> str:
    answer = http.get("/v2/token", params={"scope": "repository:alice/tools/cli:pull"},
                      headers=credentials)  # fmt: skip
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["token"] == body["access_token"] and body["expires_in"] == 300
    return str(body["token"])


def test_a_login_gets_a_oci_token_not_its_own(http: Any) -> None:
    token = oci_token(http, basic(ALICE))
    assert token.startswith("pyr_") and ALICE not in token
    assert http.get("/v2/", headers=bearer(token)).status_code == 200
    # The REST API takes personal tokens only, as api.github.com refuses ghcr.io's tokens.
    assert http.get("/api/v3/user", headers=bearer(token)).status_code == 401


def test_oci_tokens_expire(http: Any, clock: Clock) -> None:
    token = oci_token(http, basic(ALICE))
    clock.advance(timedelta(seconds=299))
    assert http.get("/v2/", headers=bearer(token)).status_code == 200
    clock.advance(timedelta(seconds=2))
    expired = http.get("/v2/", headers=bearer(token))
    assert expired.status_code == 401
    assert expired.headers["www-authenticate"].startswith("Bearer realm=")
    assert expired.json()["errors"][0]["code"] == "UNAUTHORIZED"


def test_tampered_tokens_and_revoked_logins_are_refused(
    http: Any, store: Any, clock: Clock
) -> None:
    from packyard.services.admin import revoke_token

    token = oci_token(http, basic(ALICE))
    payload, _, mac = token.partition(".")
    assert http.get("/v2/", headers=bearer(payload + "." + mac[::-1])).status_code == 401
    assert http.get("/v2/", headers=bearer("pyr_garbage")).status_code == 401
    assert http.get("/v2/token", headers=basic("ghp_wrong")).status_code == 401
    revoke_token(store, ALICE, clock.now)
    assert http.get("/v2/", headers=bearer(token)).status_code == 401


def test_a_registry_token_is_no_login_at_v2_token(http: Any) -> None:
    """Or a leaked one would renew itself for ever."""
    token = oci_token(http, basic(ALICE))
    for credentials in (bearer(token), basic(token)):
        refused = http.get("/v2/token", headers=credentials)
        assert refused.status_code == 401
        error = refused.json()["errors"][0]
        assert error["code"] == "UNAUTHORIZED" and "cannot be exchanged" in error["message"]
        assert "token" not in refused.json()
    # It still works where registry tokens work, until it expires.
    assert http.get("/v2/", headers=bearer(token)).status_code == 200


def _old_scheme(token_id: int, token_hash: str, expires_at: int) -> str:
    """A registry token as Packyard used to sign them: keyed by the stored token hash, which
    anyone who reads the database has."""
    payload = _b64(json.dumps({"t": token_id, "e": expires_at}, separators=(",", ":")).encode())
    mac = hmac.new(token_hash.encode(), payload.encode(), hashlib.sha256).digest()
    return f"pyr_{payload}.{_b64(mac)}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def test_a_token_forged_from_the_database_is_refused_everywhere(
    http: Any, store: Any, clock: Clock
) -> None:
    with store.read() as tx:
        found = tx.tokens.find_token_by_id(_token_id(http))
    assert found is not None
    token_id, token_hash = found[0].id, found[1]
    expires = int(clock.now.timestamp()) + 300
    forged = [
        _old_scheme(token_id, token_hash, expires),
        mint_oci_token(token_id, token_hash, expires, SigningKeys((token_hash.encode(),))),
    ]
    for token in forged:
        for credentials in (bearer(token), basic(token)):
            assert http.get("/v2/", headers=credentials).status_code == 401
            assert http.get("/v2/alice/tools/cli/tags/list", headers=credentials).status_code == 401
            assert http.get("/v2/token", headers=credentials).status_code == 401
            assert http.get("/api/v3/user", headers=credentials).status_code == 401
            assert http.get("/_registry/npm/-/whoami", headers=credentials).status_code == 401


def _token_id(http: Any) -> int:
    """ALICE's token row, read from a registry token's claims (as anyone may)."""
    parsed = read_oci_token(oci_token(http, basic(ALICE)))
    assert parsed is not None
    return parsed[0]


def test_rotation_keeps_the_old_key_verifying_until_it_is_dropped(
    settings: Settings, engine: Any, clock: Clock, world: Any
) -> None:
    new, old = "n" * 40, "o" * 40

    def app_with(*keys: str) -> TestClient:
        app = create_app(replace(settings, secret_keys=keys), engine, clock=clock)
        return TestClient(app, base_url="http://testserver")

    with app_with(old) as before:
        signed_by_old = oci_token(before, basic(ALICE))
    with app_with(new, old) as rotating:
        assert rotating.get("/v2/", headers=bearer(signed_by_old)).status_code == 200
        signed_by_new = oci_token(rotating, basic(ALICE))
    with app_with(new) as after:
        assert after.get("/v2/", headers=bearer(signed_by_new)).status_code == 200
        refused = after.get("/v2/", headers=bearer(signed_by_old))
        assert refused.status_code == 401


def test_the_generated_secret_survives_a_restart(
    settings: Settings, engine: Any, clock: Clock, world: Any
) -> None:
    assert not settings.secret_keys
    with TestClient(create_app(settings, engine, clock=clock), base_url="http://t") as first:
        token = oci_token(first, basic(ALICE))
    secret = settings.data_dir / SECRET_FILE
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    written = secret.read_text()
    with TestClient(create_app(settings, engine, clock=clock), base_url="http://t") as second:
        assert second.get("/v2/", headers=bearer(token)).status_code == 200
    assert secret.read_text() == written
    # Another deployment (another data directory, so another secret) does not take it.
    elsewhere = replace(settings, data_dir=settings.data_dir / "elsewhere")
    with TestClient(create_app(elsewhere, engine, clock=clock), base_url="http://t") as other:
        assert other.get("/v2/", headers=bearer(token)).status_code == 401


def test_revoking_the_login_ends_its_registry_tokens_at_once(
    http: Any, store: Any, clock: Clock
) -> None:
    from packyard.services.admin import revoke_token

    tokens = [oci_token(http, basic(ALICE)) for _ in range(2)]
    assert all(http.get("/v2/", headers=bearer(t)).status_code == 200 for t in tokens)
    revoke_token(store, ALICE, clock.now)
    assert all(http.get("/v2/", headers=bearer(t)).status_code == 401 for t in tokens)
    assert http.get("/v2/token", headers=basic(ALICE)).status_code == 401
