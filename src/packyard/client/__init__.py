"""Packyard's Python SDK for GitHub's packages API, on api.github.com or on a Packyard.

Imports httpx and itself only, never the server.

>>> from packyard.client import Client
>>> with Client(token="ghp_...", base_url="http://127.0.0.1:8080/api/v3") as client:
...     client.rest.packages.delete_package_version_for_user(  # doctest: +SKIP
...         package_type="container", package_name="tools/cli", username="alice",
...         package_version_id=3)
"""

from __future__ import annotations

from packyard.client._async_client import AsyncClient
from packyard.client._client import Client, DeleteResult
from packyard.client._flow import PointsBudget, RetryPolicy
from packyard.client.errors import (
    BadRequest,
    Conflict,
    DownloadLimitError,
    Forbidden,
    HTTPStatusError,
    LastTaggedVersionError,
    LastVersionError,
    NotFound,
    PackyardClientError,
    RateLimited,
    ScopeError,
    ServerError,
    TransportError,
    Unauthorized,
    ValidationFailed,
)
from packyard.client.models import (
    Build,
    BuildFile,
    ContainerMetadata,
    DockerMetadata,
    Owner,
    Package,
    PackageVersion,
    RateLimit,
    Repository,
    VersionMetadata,
)
from packyard.client.oci import Descriptor, Manifest, RegistryClient

__all__ = [
    "AsyncClient",
    "BadRequest",
    "Build",
    "BuildFile",
    "Client",
    "Conflict",
    "ContainerMetadata",
    "DeleteResult",
    "Descriptor",
    "DockerMetadata",
    "DownloadLimitError",
    "Forbidden",
    "HTTPStatusError",
    "LastTaggedVersionError",
    "LastVersionError",
    "Manifest",
    "NotFound",
    "Owner",
    "Package",
    "PackageVersion",
    "PackyardClientError",
    "PointsBudget",
    "RateLimit",
    "RateLimited",
    "RegistryClient",
    "Repository",
    "RetryPolicy",
    "ScopeError",
    "ServerError",
    "TransportError",
    "Unauthorized",
    "ValidationFailed",
    "VersionMetadata",
]
