"""`/v2/token` hands out short-lived OCI tokens, never the token it was shown."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

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
    # An OCI token can be exchanged again (clients refresh with what they hold).
    assert oci_token(http, bearer(token)).startswith("pyr_")
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
