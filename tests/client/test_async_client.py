"""AsyncClient: the generated awaitable twin, against the real app through httpx's ASGI
transport, and the shared retry flow through MockTransport."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import httpx
import pytest

from packyard.client import AsyncClient, LastTaggedVersionError, NotFound, RetryPolicy
from packyard.client._async_rest import AsyncPackagesApi, AsyncRateLimitApi, AsyncUsersApi
from packyard.client.rest import PackagesApi, RateLimitApi, UsersApi
from tests.conftest import ALICE

CLI = {"package_type": "container", "package_name": "tools/cli"}


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def async_client(app: Any, token: str | None = ALICE) -> AsyncClient:
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    return AsyncClient(
        token=token,
        base_url="http://testserver/api/v3",
        http_client=http,
        retry=RetryPolicy(retries=0),
    )


@pytest.mark.parametrize(
    ("sync", "twin"),
    [(PackagesApi, AsyncPackagesApi), (UsersApi, AsyncUsersApi), (RateLimitApi, AsyncRateLimitApi)],
)
def test_every_method_has_an_awaitable_twin_with_its_signature(sync: type, twin: type) -> None:
    names = [n for n in vars(sync) if not n.startswith("_")]
    assert names and names == [n for n in vars(twin) if not n.startswith("_")]
    for name in names:
        method = getattr(twin, name)
        assert inspect.iscoroutinefunction(method), name
        assert inspect.signature(method) == inspect.signature(getattr(sync, name)), name


def test_the_generated_file_is_current() -> None:
    import importlib.util
    from pathlib import Path

    script = Path(__file__).parents[2] / "scripts" / "generate_async_rest.py"
    spec = importlib.util.spec_from_file_location("generate_async_rest", script)
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    assert generator.TARGET.read_text() == generator.generate(), f"run {script}"


def test_operations_and_errors_against_the_app(app: Any, world: Any) -> None:
    async def scenario() -> None:
        async with async_client(app) as client:
            packages = client.rest.packages
            package = await packages.get_package_for_user(username="alice", **CLI)
            assert package.name == "tools/cli"
            versions = await packages.get_all_package_versions_for_package_owned_by_user(
                username="alice", **CLI
            )
            tagged = next(v for v in versions if v.tags)
            untagged = next(v for v in versions if not v.tags)
            await packages.delete_package_version_for_user(
                username="alice", package_version_id=untagged.id, **CLI
            )
            with pytest.raises(NotFound):
                await packages.get_package_version_for_user(
                    username="alice", package_version_id=untagged.id, **CLI
                )
            await packages.restore_package_version_for_user(
                username="alice", package_version_id=untagged.id, **CLI
            )
            assert (await client.rest.users.get_authenticated()).login == "alice"
            assert (await client.rest.rate_limit.get())["core"].limit > 0
            others = [v for v in versions if v.tags and v.id != tagged.id]
            for other in others:
                await packages.delete_package_version_for_user(
                    username="alice", package_version_id=other.id, **CLI
                )
            with pytest.raises(LastTaggedVersionError):
                await packages.delete_package_version_for_user(
                    username="alice", package_version_id=tagged.id, **CLI
                )

    run(scenario())


def test_paginate_follows_links(app: Any, world: Any) -> None:
    async def scenario() -> list[str]:
        async with async_client(app) as client:
            return [
                v.name
                async for v in client.paginate(
                    client.rest.packages.get_all_package_versions_for_package_owned_by_user,
                    username="alice",
                    per_page=1,
                    **CLI,
                )
            ]

    names = run(scenario())
    assert len(names) == 6 and len(set(names)) == 6  # one page each, none twice


def test_rate_limits_are_waited_out_by_the_shared_flow() -> None:
    answers = [
        httpx.Response(403, headers={"Retry-After": "7"}, json={"message": "secondary"}),
        httpx.Response(429, headers={"Retry-After": "2"}, json={"message": "slow down"}),
        httpx.Response(204),
    ]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async def scenario() -> None:
        transport = httpx.MockTransport(lambda _request: answers.pop(0))
        async with AsyncClient(
            token=ALICE,
            base_url="http://testserver/api/v3",
            http_client=httpx.AsyncClient(transport=transport),
            sleep=sleep,
        ) as client:
            await client.rest.packages.delete_package_version_for_user(
                username="alice", package_version_id=1, **CLI
            )

    run(scenario())
    assert slept == [7.0, 2.0] and answers == []
