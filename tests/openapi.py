"""GitHub's OpenAPI description, from the pinned npm package `@octokit/openapi`.

`scripts/test` installs it under tests/js/node_modules; the file is GitHub's own description
with octokit's `x-octokit` keys added. We keep the packages operations, the three calls
cleanup tools make first, the root and `/meta`, plus every component they reach, and
validate with openapi-core.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from openapi_core.templating.responses.exceptions import ResponseNotFound
from openapi_schema_validator import OAS30Validator
from werkzeug.datastructures import Headers, ImmutableMultiDict

from tests.requirements import OPENAPI

SPEC_FILE = Path(__file__).parent / "js/node_modules/@octokit/openapi/generated/api.github.com.json"
EXTRA_PATHS = ("/", "/meta", "/user", "/users/{username}", "/rate_limit")
API_PREFIX = "/api/v3"


def _closure(spec: dict[str, Any], roots: Any) -> dict[str, dict[str, Any]]:
    keep: dict[str, dict[str, Any]] = {}
    stack = [roots]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/"):
                _, _, section, name = ref.split("/", 3)
                if name not in keep.setdefault(section, {}):
                    keep[section][name] = spec["components"][section][name]
                    stack.append(spec["components"][section][name])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return keep


@functools.cache
def packages_description() -> dict[str, Any]:
    if not SPEC_FILE.exists():
        OPENAPI.missing(f"GitHub's OpenAPI description is not at {SPEC_FILE}")
    spec = json.loads(SPEC_FILE.read_text())
    paths = {
        path: item
        for path, item in spec["paths"].items()
        if path in EXTRA_PATHS
        or any(isinstance(op, dict) and "packages" in op.get("tags", ()) for op in item.values())
    }
    return {
        "openapi": spec["openapi"],
        "info": spec["info"],
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": _closure(spec, paths),
    }


@functools.cache
def openapi() -> OpenAPI:
    return OpenAPI.from_dict(packages_description())


@functools.cache
def _basic_error_validator() -> OAS30Validator:
    schema = packages_description()["components"]["schemas"]["basic-error"]
    return OAS30Validator(schema)


@dataclass
class _Request:
    host_url: str
    path: str
    method: str
    parameters: RequestParameters
    body: bytes | None = None
    content_type: str = "application/json"


@dataclass
class _Response:
    status_code: int
    data: bytes
    content_type: str
    headers: Headers = field(default_factory=Headers)


def operation_paths() -> dict[tuple[str, str], str]:
    """(METHOD, path template) → operationId, for every operation we serve."""
    return {
        (method.upper(), path): op["operationId"]
        for path, item in packages_description()["paths"].items()
        for method, op in item.items()
        if isinstance(op, dict) and "operationId" in op
    }


def validate(response: httpx.Response) -> None:
    """Raise if `response` does not match GitHub's description of its operation."""
    url = response.request.url
    raw_path = url.raw_path.decode().split("?", 1)[0]
    if not raw_path.startswith(API_PREFIX + "/"):
        return
    path = raw_path[len(API_PREFIX) :]
    if path.startswith("/_packyard/"):
        # Packyard's own calls have no description at GitHub; their errors still use its shape.
        if response.status_code >= 400:
            _check_error(response)
        return
    query = ImmutableMultiDict(parse_qsl(urlsplit(str(url)).query, keep_blank_values=True))
    request = _Request(
        host_url="http://testserver",
        path=path,
        method=response.request.method.lower(),
        parameters=RequestParameters(query=query, header=Headers(dict(response.request.headers))),
    )
    content_type = response.headers.get("content-type", "")
    if response.status_code == 204 or not response.content:
        assert not response.content, "a 204 carries no body"
        content_type = ""
    result = _Response(
        response.status_code,
        response.content,
        content_type,
        Headers(dict(response.headers)),
    )
    try:
        openapi().validate_response(request, result)  # type: ignore[arg-type]
    except (PathNotFound, OperationNotFound):
        # Unknown routes and methods answer GitHub's plain 404 body.
        _check_error(response)
    except ResponseNotFound:
        # GitHub documents only some error statuses per operation; every error body it
        # sends is still a basic-error.
        if response.status_code < 400:
            raise
        _check_error(response)
    if response.status_code >= 400:
        _check_error(response)


def _check_error(response: httpx.Response) -> None:
    body = response.json()
    _basic_error_validator().validate(body)
    assert body["status"] == str(response.status_code)
    assert re.match(r"^https://docs\.github\.com/", body["documentation_url"])
    assert response.headers["content-type"] == "application/json; charset=utf-8"
