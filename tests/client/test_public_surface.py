from __future__ import annotations

import subprocess
import sys

import packyard.client


def test_all_is_sorted_and_complete() -> None:
    assert packyard.client.__all__ == sorted(packyard.client.__all__)
    assert packyard.client.__all__ == [
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
    for name in packyard.client.__all__:
        doc = getattr(packyard.client, name).__doc__ or ""
        assert ">>>" in doc, f"{name} has no usage example"


def test_docstring_examples_run() -> None:
    import doctest

    from packyard.client import (
        _async_client,
        _client,
        _flow,
        errors,
        extensions,
        links,
        models,
        oci,
        rest,
    )

    modules = (_async_client, _client, _flow, errors, extensions, links, models, oci, rest)
    for module in (*modules, packyard.client):
        failures, _ = doctest.testmod(
            module, extraglobs={"client": None, "Client": packyard.client.Client}
        )
        assert failures == 0, module.__name__


def test_importing_the_sdk_loads_no_server_code() -> None:
    code = (
        "import sys, packyard.client; "
        "print('\\n'.join(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('packyard', 'sqlalchemy', 'starlette', 'uvicorn', 'alembic'))))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    shared = (
        "packyard",
        "packyard.semver",
        "packyard.ratepoints",
    )  # leaves that import nothing of ours
    assert loaded and all(m in shared or m.startswith("packyard.client") for m in loaded), loaded


def test_every_operation_is_a_method() -> None:
    from packyard.client._operations import OPERATIONS
    from packyard.client.rest import PackagesApi

    packages_ops = [
        n for n in OPERATIONS if n not in ("get_authenticated", "get_by_username", "get")
    ]
    assert len(packages_ops) == 27
    for name in packages_ops:
        assert callable(getattr(PackagesApi, name)), name
