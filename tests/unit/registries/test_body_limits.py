"""Every registry's whole-body reads stop at its `body_limit`: a declared length past it is
refused before the body is read, an undeclared (chunked) one once the bytes pass it, and
the server still answers the next request."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from packyard.domain.nuget import MAX_NUPKG_SIZE
from packyard.registries.maven.app import MavenApp
from packyard.registries.npm.app import NpmApp
from packyard.registries.nuget.app import MAX_FORM_OVERHEAD, NuGetApp
from packyard.registries.rubygems.app import MAX_FORM_BODY, RubyGemsApp
from packyard.registries.wiring import RegistryApp
from tests.conftest import ALICE

LIMIT = 4096
BASIC = "Basic " + base64.b64encode(f"alice:{ALICE}".encode()).decode()


@pytest.fixture
def client(app: Any, world: Any) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as c:
        yield c


def chunked(size: int) -> Iterator[bytes]:
    for _ in range(size // 1024):
        yield b"x" * 1024


def npm_error(response: httpx.Response) -> str:
    assert response.headers["content-type"] == "application/json"
    message: str = response.json()["error"]
    return message


def text_error(response: httpx.Response) -> str:
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    return response.text


# /v2/ reads no whole body through the kit: a manifest has distribution's own 4 MB bound
# (SIZE_INVALID, tests/unit/registries/oci), and blobs stream.
@pytest.mark.parametrize(
    ("app_class", "method", "path", "headers", "message"),
    [
        (
            NpmApp,
            "PUT",
            "/_registry/npm/@alice%2fhuge",
            {"Authorization": f"Bearer {ALICE}"},
            npm_error,
        ),
        (
            MavenApp,
            "PUT",
            "/_registry/maven/alice/tools/com/example/huge/1.0/huge-1.0.jar",
            {"Authorization": BASIC},
            text_error,
        ),
        (
            RubyGemsApp,
            "POST",
            "/_registry/rubygems/alice/api/v1/gems",
            {"Authorization": f"Bearer {ALICE}"},
            text_error,
        ),
        (
            NuGetApp,
            "PUT",
            "/_registry/nuget/alice/api/v2/package",
            {"Authorization": BASIC},
            text_error,
        ),
    ],
    ids=["npm", "maven", "rubygems", "nuget"],
)
@pytest.mark.parametrize("declared", [True, False])
def test_a_body_past_the_registrys_limit_is_413_in_its_format(
    client: TestClient,
    monkeypatch: pytest.MonkeyPatch,
    app_class: type[RegistryApp],
    method: str,
    path: str,
    headers: dict[str, str],
    message: Callable[[httpx.Response], str],
    declared: bool,
) -> None:
    monkeypatch.setattr(app_class, "body_limit", LIMIT)
    size = LIMIT * 4
    content: Any = b"x" * size if declared else chunked(size)
    response = client.request(method, path, headers=headers, content=content)
    assert response.status_code == 413, response.text
    assert f"limit of {LIMIT} bytes" in message(response)
    assert response.headers["connection"] == "close"
    # The registry still answers, and a body within the limit is read as before.
    small = client.request(method, path, headers=headers, content=b"{}")
    assert small.status_code not in (413, 500), small.text


def test_nugets_limit_is_githubs() -> None:
    # "The nupkg archive … must be smaller than 2.147 GB", in a push's multipart form.
    assert NuGetApp.body_limit == MAX_NUPKG_SIZE + MAX_FORM_OVERHEAD
    assert MAX_NUPKG_SIZE == 2**31 - 1


def test_a_rubygems_form_past_its_bound_is_413(client: TestClient) -> None:
    # A yank's form is a few fields: a larger one is not read whole (it was, up to the
    # registry's limit, and then cut).
    form = b"gem_name=hello&version=1.0.0&x=" + b"x" * MAX_FORM_BODY
    answer = client.request(
        "DELETE",
        "/_registry/rubygems/alice/api/v1/gems/yank",
        content=form,
        headers={
            "Authorization": f"Bearer {ALICE}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert answer.status_code == 413, answer.text
    assert f"limit of {MAX_FORM_BODY} bytes" in text_error(answer)


def test_the_default_limit_bounds_every_registry() -> None:
    from packyard.http import DEFAULT_BODY_LIMIT

    assert RegistryApp.body_limit == DEFAULT_BODY_LIMIT
    assert 256 * 1024 * 1024 <= DEFAULT_BODY_LIMIT <= 1024 * 1024 * 1024


def test_the_rest_api_answers_a_refused_body_in_githubs_shape() -> None:
    from packyard.api.app import _refused
    from packyard.http import BodyTooLarge

    response = _refused(BodyTooLarge(10))
    assert response.status == 413
    assert response.body == {
        "message": "The request body is larger than the limit of 10 bytes.",
        "documentation_url": "https://docs.github.com/rest",
        "status": "413",
    }
