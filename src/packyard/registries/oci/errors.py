"""The distribution spec's error codes, the one table from each to its HTTP answer, and the
one mapping from a domain error (or a bug) to that answer."""

from __future__ import annotations

import enum
from typing import Any

import orjson

from packyard.domain import oci
from packyard.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    RateLimited,
    Unauthenticated,
    nearest,
)
from packyard.http.request import BodyRefused
from packyard.http.response import Response

JSON = "application/json"


class ErrorCode(enum.StrEnum):
    BLOB_UNKNOWN = "BLOB_UNKNOWN"
    BLOB_UPLOAD_INVALID = "BLOB_UPLOAD_INVALID"
    BLOB_UPLOAD_UNKNOWN = "BLOB_UPLOAD_UNKNOWN"
    DIGEST_INVALID = "DIGEST_INVALID"
    MANIFEST_BLOB_UNKNOWN = "MANIFEST_BLOB_UNKNOWN"
    MANIFEST_INVALID = "MANIFEST_INVALID"
    MANIFEST_UNKNOWN = "MANIFEST_UNKNOWN"
    NAME_INVALID = "NAME_INVALID"
    NAME_UNKNOWN = "NAME_UNKNOWN"
    PAGINATION_NUMBER_INVALID = "PAGINATION_NUMBER_INVALID"
    SIZE_INVALID = "SIZE_INVALID"
    UNAUTHORIZED = "UNAUTHORIZED"
    DENIED = "DENIED"
    UNSUPPORTED = "UNSUPPORTED"
    TOOMANYREQUESTS = "TOOMANYREQUESTS"


# (HTTP status, the spec's message for the code)
ERRORS: dict[ErrorCode, tuple[int, str]] = {
    ErrorCode.BLOB_UNKNOWN: (404, "blob unknown to registry"),
    ErrorCode.BLOB_UPLOAD_INVALID: (400, "blob upload invalid"),
    ErrorCode.BLOB_UPLOAD_UNKNOWN: (404, "blob upload unknown to registry"),
    ErrorCode.DIGEST_INVALID: (400, "provided digest did not match uploaded content"),
    ErrorCode.MANIFEST_BLOB_UNKNOWN: (
        404,
        "manifest references a manifest or blob unknown to registry",
    ),
    ErrorCode.MANIFEST_INVALID: (400, "manifest invalid"),
    ErrorCode.MANIFEST_UNKNOWN: (404, "manifest unknown to registry"),
    ErrorCode.NAME_INVALID: (400, "invalid repository name"),
    ErrorCode.NAME_UNKNOWN: (404, "repository name not known to registry"),
    ErrorCode.PAGINATION_NUMBER_INVALID: (400, "invalid number of results requested"),
    ErrorCode.SIZE_INVALID: (400, "provided length did not match content length"),
    ErrorCode.UNAUTHORIZED: (401, "authentication required"),
    ErrorCode.DENIED: (403, "requested access to the resource is denied"),
    ErrorCode.UNSUPPORTED: (405, "the operation is unsupported"),
    ErrorCode.TOOMANYREQUESTS: (429, "too many requests"),
}


class RegistryError(Exception):
    """An error to answer in the spec's shape: `{"errors": [{"code", "message", "detail"}]}`."""

    def __init__(
        self,
        code: ErrorCode,
        detail: Any = None,
        message: str | None = None,
        status: int | None = None,
    ) -> None:
        self.code = code
        default_status, default_message = ERRORS[code]
        self.status = status or default_status
        self.message = message or default_message
        self.detail = detail
        super().__init__(f"{code}: {self.message}")

    def body(self) -> bytes:
        error: dict[str, Any] = {"code": self.code.value, "message": self.message}
        if self.detail is not None:
            error["detail"] = self.detail
        return orjson.dumps({"errors": [error]})


def registry_error(error: DomainError) -> RegistryError:
    """The one mapping from a use case's refusal to the spec's error code."""
    if isinstance(error, Conflict):
        # The spec has no code for it: Packyard's protection of a tagged index's platforms.
        return RegistryError(ErrorCode.DENIED, message=error.message, status=409)
    if isinstance(error, (oci.ManifestTooLarge, oci.BlobTooLarge)):
        # The distribution spec's answer to a manifest over the registry's limit.
        return RegistryError(ErrorCode.SIZE_INVALID, message=error.message, status=413)
    code = nearest(CODE_BY_ERROR, error)
    if code is None:
        return RegistryError(ErrorCode.UNSUPPORTED, message=error.message)
    detail = {"digest": error.digest} if isinstance(error, oci.ManifestBlobUnknown) else None
    return RegistryError(code, detail=detail, message=error.message)


CODE_BY_ERROR: dict[type[DomainError], ErrorCode] = {
    oci.NameUnknown: ErrorCode.NAME_UNKNOWN,
    oci.BlobUnknown: ErrorCode.BLOB_UNKNOWN,
    oci.ManifestUnknown: ErrorCode.MANIFEST_UNKNOWN,
    oci.UploadUnknown: ErrorCode.BLOB_UPLOAD_UNKNOWN,
    oci.NameInvalid: ErrorCode.NAME_INVALID,
    oci.DigestInvalid: ErrorCode.DIGEST_INVALID,
    oci.ManifestRejected: ErrorCode.MANIFEST_INVALID,
    oci.ManifestBlobUnknown: ErrorCode.MANIFEST_BLOB_UNKNOWN,
    oci.TagInvalid: ErrorCode.MANIFEST_INVALID,
    oci.PaginationNumberInvalid: ErrorCode.PAGINATION_NUMBER_INVALID,
    oci.Denied: ErrorCode.DENIED,
    Forbidden: ErrorCode.DENIED,
    Unauthenticated: ErrorCode.UNAUTHORIZED,
    NotFound: ErrorCode.NAME_UNKNOWN,
    RateLimited: ErrorCode.TOOMANYREQUESTS,
}


def error_response(error: RegistryError | DomainError, challenge: str) -> Response:
    """The answer to a refusal; a 401 carries `challenge` so the client fetches a token."""
    if isinstance(error, oci.UploadOffsetInvalid):
        # A chunk that does not start where the upload stands: the spec's 416 with the range
        # the registry holds.
        invalid = RegistryError(ErrorCode.BLOB_UPLOAD_INVALID, message=error.message)
        headers = {"Range": f"0-{max(0, error.expected - 1)}", "Content-Type": JSON}
        return Response(416, headers=headers, content=invalid.body())
    if isinstance(error, DomainError):
        error = registry_error(error)
    headers = {"Content-Type": JSON}
    if error.status == 401:
        headers["WWW-Authenticate"] = challenge
    return Response(error.status, headers=headers, content=error.body())


# The spec has no code for a registry's own failure; distribution answers this one.
UNKNOWN_BODY = orjson.dumps({"errors": [{"code": "UNKNOWN", "message": "unknown error"}]})


def server_error() -> Response:
    """What a bug or a lost database answers: the spec's shape, no traceback."""
    return Response(500, headers={"Content-Type": JSON}, content=UNKNOWN_BODY)


def refused(refusal: BodyRefused) -> Response:
    """A body the kit will not read further, in the spec's shape: one too large (413) is
    SIZE_INVALID, as a manifest over its limit is; one whose client went silent (408), an
    upload gone wrong (BLOB_UPLOAD_INVALID)."""
    code = ErrorCode.SIZE_INVALID if refusal.status == 413 else ErrorCode.BLOB_UPLOAD_INVALID
    error = RegistryError(code, message=refusal.message, status=refusal.status)
    return Response(error.status, headers={"Content-Type": JSON}, content=error.body())
