from __future__ import annotations

import json

import orjson
import pytest

from packyard.domain import oci
from packyard.domain.errors import Conflict, DomainError, Forbidden, RateLimited, Unprocessable
from packyard.http.request import BodyRefused, BodyTimeout, BodyTooLarge
from packyard.registries.oci.errors import (
    CODE_BY_ERROR,
    ERRORS,
    ErrorCode,
    RegistryError,
    error_response,
    refused,
    server_error,
)

CHALLENGE = 'Bearer realm="http://x/v2/token",service="x"'


def _instance(error: type[DomainError]) -> DomainError:
    if issubclass(error, RateLimited):
        return error("slow down", retry_after=1)
    if error is oci.ManifestBlobUnknown:
        return oci.ManifestBlobUnknown("missing", "sha256:" + "a" * 64)
    return error("message")


@pytest.mark.parametrize(
    ("error", "code"), list(CODE_BY_ERROR.items()), ids=lambda v: getattr(v, "__name__", v)
)
def test_every_row_renders_in_the_specs_shape(error: type[DomainError], code: ErrorCode) -> None:
    instance = _instance(error)
    response = error_response(instance, CHALLENGE)
    body = orjson.loads(response.payload())
    assert response.status == ERRORS[code][0]
    assert body["errors"][0]["code"] == code.value
    assert body["errors"][0]["message"] == instance.message
    assert response.headers["Content-Type"] == "application/json"
    assert (response.headers.get("WWW-Authenticate") == CHALLENGE) is (response.status == 401)


def test_a_conflict_is_denied_with_409() -> None:
    response = error_response(Conflict("tagged index"), CHALLENGE)
    assert response.status == 409
    assert orjson.loads(response.payload())["errors"][0]["code"] == "DENIED"


def test_an_unmapped_refusal_is_unsupported() -> None:
    response = error_response(Unprocessable("odd"), CHALLENGE)
    assert response.status == 405
    assert orjson.loads(response.payload())["errors"][0]["code"] == "UNSUPPORTED"


def test_a_misplaced_chunk_is_416_with_the_range_held() -> None:
    response = error_response(oci.UploadOffsetInvalid("wrong offset", expected=10), CHALLENGE)
    assert response.status == 416 and response.headers["Range"] == "0-9"
    assert orjson.loads(response.payload())["errors"][0]["code"] == "BLOB_UPLOAD_INVALID"


def test_a_registry_error_passes_through() -> None:
    response = error_response(RegistryError(ErrorCode.UNAUTHORIZED), CHALLENGE)
    assert response.status == 401 and response.headers["WWW-Authenticate"] == CHALLENGE
    assert error_response(Forbidden("no"), CHALLENGE).status == 403


def test_the_catch_all() -> None:
    response = server_error()
    assert response.status == 500
    assert orjson.loads(response.payload()) == {
        "errors": [{"code": "UNKNOWN", "message": "unknown error"}]
    }


@pytest.mark.parametrize("code", list(ErrorCode))
def test_every_code_renders_in_the_specs_shape(code: ErrorCode) -> None:
    assert code in ERRORS
    error = RegistryError(code, detail={"digest": "sha256:x"})
    body = json.loads(error.body())
    assert body == {
        "errors": [
            {"code": code.value, "message": ERRORS[code][1], "detail": {"digest": "sha256:x"}}
        ]
    }
    assert error.status == ERRORS[code][0] and 400 <= error.status < 500


@pytest.mark.parametrize(
    ("refusal", "status", "code"),
    [
        (BodyTooLarge(4096), 413, "SIZE_INVALID"),
        (BodyTimeout(60), 408, "BLOB_UPLOAD_INVALID"),
    ],
)
def test_a_refused_body_renders_in_the_specs_shape(
    refusal: BodyRefused, status: int, code: str
) -> None:
    response = refused(refusal)
    assert response.status == status
    assert response.headers["Content-Type"] == "application/json"
    assert orjson.loads(response.payload())["errors"][0] == {
        "code": code,
        "message": refusal.message,
    }
