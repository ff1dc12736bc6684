"""The formats registry: one Format per package type, registered ones replacing the plain."""

from __future__ import annotations

import pytest

from packyard.config import Settings
from packyard.core.formats import Format, Formats
from packyard.domain.types import PackageType
from packyard.registries.npm.hooks import NpmFormat
from packyard.registries.oci.hooks import OciFormat
from packyard.server import registered_formats


def test_unregistered_types_get_the_plain_format() -> None:
    formats = Formats()
    assert {f.package_type for f in formats} == set(PackageType)
    assert type(formats[PackageType.MAVEN]) is Format


def test_the_server_registers_oci_and_npm() -> None:
    formats = registered_formats(Settings())
    assert isinstance(formats[PackageType.CONTAINER], OciFormat)
    assert isinstance(formats[PackageType.NPM], NpmFormat)
    assert type(formats[PackageType.NUGET]) is Format


def test_github_exact_turns_off_the_index_protection() -> None:
    protecting = registered_formats(Settings())[PackageType.CONTAINER]
    exact = registered_formats(Settings(github_exact=True))[PackageType.CONTAINER]
    assert isinstance(protecting, OciFormat) and protecting.protect_children
    assert isinstance(exact, OciFormat) and not exact.protect_children


def test_the_environment_setting_reaches_the_formats(monkeypatch: pytest.MonkeyPatch) -> None:
    from packyard.config import settings_from_env

    monkeypatch.setenv("PACKYARD_GITHUB_EXACT", "1")
    container = registered_formats(settings_from_env())[PackageType.CONTAINER]
    assert isinstance(container, OciFormat) and not container.protect_children
