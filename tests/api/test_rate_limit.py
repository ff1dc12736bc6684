from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from packyard.api.app import create_app
from packyard.config import Settings
from tests.conftest import ALICE, Api, Clock


def test_limits_when_configured(settings: Settings, engine: Any, clock: Clock, world: Any) -> None:
    from dataclasses import replace

    app = create_app(replace(settings, rate_limit=3), engine, clock=clock)
    with TestClient(app, base_url="http://testserver") as client:
        api = Api(client)
        seen = [api.get("/users/alice/packages/container/tools%2Fcli", ALICE) for _ in range(3)]
        assert [r.headers["x-ratelimit-remaining"] for r in seen] == ["2", "1", "0"]
        assert seen[0].headers["x-ratelimit-limit"] == "3"
        assert seen[0].headers["x-ratelimit-resource"] == "core"
        over = api.get("/users/alice/packages/container/tools%2Fcli", ALICE, check=False)
        assert over.status_code == 429 and int(over.headers["retry-after"]) >= 1
        assert "rate limit" in over.json()["message"]
        # Asking for the quota never spends it.
        assert api.get("/rate_limit", ALICE).json()["rate"]["remaining"] == 0
