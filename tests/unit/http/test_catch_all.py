"""Every app answers an unexpected exception with a logged 500 in its own error format."""

from __future__ import annotations

from typing import Any, NoReturn

import pytest
from starlette.testclient import TestClient

from packyard.registries.npm import service as npm
from packyard.registries.oci import service as oci
from packyard.services import accounts


def _boom(*_args: Any, **_kwargs: Any) -> NoReturn:
    raise RuntimeError("boom")


@pytest.mark.parametrize(
    ("module", "function", "path", "body"),
    [
        (
            accounts,
            "get_account",
            "/api/v3/users/alice",
            {
                "message": "Server Error",
                "documentation_url": "https://docs.github.com/rest",
                "status": "500",
            },
        ),
        (
            npm,
            "dist_tags",
            "/_registry/npm/-/package/left-pad/dist-tags",
            {"error": "Internal Server Error"},
        ),
        (
            oci,
            "list_tags",
            "/v2/alice/tools/tags/list",
            {"errors": [{"code": "UNKNOWN", "message": "unknown error"}]},
        ),
    ],
    ids=["rest", "npm", "oci"],
)
def test_an_unexpected_exception_is_a_500_in_the_protocols_shape(
    app: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    module: Any,
    function: str,
    path: str,
    body: dict[str, Any],
) -> None:
    monkeypatch.setattr(module, function, _boom)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get(path)
    assert response.status_code == 500 and response.json() == body
    assert "unhandled error on GET" in caplog.text and "boom" in caplog.text
