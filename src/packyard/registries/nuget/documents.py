"""The NuGet v3 documents, made from the manifests of the versions a caller may read:
the service index, registration indexes (every page inlined) and leaves, the flat
container's version list, and search results.

Every address is under the feed's root, `{base}/_registry/nuget/OWNER`:

    index.json                                       the service index
    (the root itself)                                PackagePublish: PUT, DELETE {id}/{version}
                                                     (as GitHub's; api/v2/package answers too)
    registration/{lowerid}/index.json                RegistrationsBaseUrl (every version of it)
    registration/{lowerid}/{lowerversion}.json       a registration leaf
    download/{lowerid}/index.json                    PackageBaseAddress: the versions
    download/{lowerid}/{lowerversion}/{file}         the .nupkg, the .nuspec
    query                                            SearchQueryService
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from packyard.domain.nuget import Dependency, DependencyGroup, Nuspec, lower_id

# nuget.org's registration pages hold 64 versions; here every page is inlined in the index,
# so a client reads one document however many versions there are.
PAGE_SIZE = 64
SERVICE_INDEX_VERSION = "3.0.0"
ANY_VERSION = "(, )"  # a dependency without a version: any
DEFAULT_PACKAGE_TYPE = "Dependency"
# Every type the clients look for, by the resource that serves it. Registration and search
# answer alike whatever version of the type a client asks for: SemVer 2.0.0 versions are
# filtered by search's `semVerLevel`, and registrations list every version (as nuget.org's
# SemVer 2 hive does), which clients before 3.6 ignore rather than misread.
RESOURCE_TYPES = {
    "publish": ("PackagePublish/2.0.0",),
    "registration": (
        "RegistrationsBaseUrl",
        "RegistrationsBaseUrl/3.0.0-beta",
        "RegistrationsBaseUrl/3.0.0-rc",
        "RegistrationsBaseUrl/3.4.0",
        "RegistrationsBaseUrl/3.6.0",
    ),
    "download": ("PackageBaseAddress/3.0.0",),
    "query": (
        "SearchQueryService",
        "SearchQueryService/3.0.0-beta",
        "SearchQueryService/3.0.0-rc",
        "SearchQueryService/3.5.0",
    ),
}


@dataclass(frozen=True, slots=True)
class Listed:
    """One live version as the documents show it."""

    spec: Nuspec
    published: datetime
    downloads: int = 0


@dataclass(frozen=True, slots=True)
class Feed:
    """The addresses of one owner's feed."""

    root: str  # `{base}/_registry/nuget/OWNER`

    @property
    def publish(self) -> str:
        # GitHub's PackagePublish is the feed's root: `nuget push` PUTs to `…/OWNER/`.
        return self.root

    @property
    def registrations(self) -> str:
        return f"{self.root}/registration/"

    @property
    def downloads(self) -> str:
        return f"{self.root}/download/"

    @property
    def query(self) -> str:
        return f"{self.root}/query"

    def registration(self, package_id: str) -> str:
        return f"{self.registrations}{lower_id(package_id)}/index.json"

    def leaf(self, package_id: str, version: str) -> str:
        return f"{self.registrations}{lower_id(package_id)}/{version.lower()}.json"

    def content(self, package_id: str, version: str) -> str:
        lid, lversion = lower_id(package_id), version.lower()
        return f"{self.downloads}{lid}/{lversion}/{lid}.{lversion}.nupkg"


def service_index(feed: Feed) -> dict[str, Any]:
    addresses = {
        "publish": feed.publish,
        "registration": feed.registrations,
        "download": feed.downloads,
        "query": feed.query,
    }
    return {
        "version": SERVICE_INDEX_VERSION,
        "resources": [
            {"@id": addresses[resource], "@type": type_}
            for resource, types in RESOURCE_TYPES.items()
            for type_ in types
        ],
    }


def registration_index(feed: Feed, package_id: str, versions: Sequence[Listed]) -> dict[str, Any]:
    """Every version of the package, in version order, in pages of PAGE_SIZE, inlined."""
    index = feed.registration(package_id)
    pages = [versions[i : i + PAGE_SIZE] for i in range(0, len(versions), PAGE_SIZE)]
    return {
        "@id": index,
        "@type": ["catalog:CatalogRoot", "PackageRegistration", "catalog:Permalink"],
        "count": len(pages),
        "items": [
            {
                "@id": f"{index}#page/{page[0].spec.version}/{page[-1].spec.version}",
                "@type": "catalog:CatalogPage",
                "count": len(page),
                "lower": page[0].spec.version,
                "upper": page[-1].spec.version,
                "parent": index,
                "items": [_leaf_item(feed, listed) for listed in page],
            }
            for page in pages
        ],
    }


def registration_leaf(feed: Feed, listed: Listed) -> dict[str, Any]:
    spec = listed.spec
    return {
        "@id": feed.leaf(spec.id, spec.version),
        "@type": ["Package", "http://schema.nuget.org/catalog#Permalink"],
        "catalogEntry": feed.leaf(spec.id, spec.version),
        "listed": True,
        "packageContent": feed.content(spec.id, spec.version),
        "published": listed.published,
        "registration": feed.registration(spec.id),
    }


def _leaf_item(feed: Feed, listed: Listed) -> dict[str, Any]:
    spec = listed.spec
    leaf = feed.leaf(spec.id, spec.version)
    return {
        "@id": leaf,
        "@type": "Package",
        "catalogEntry": _catalog_entry(feed, listed, leaf),
        "packageContent": feed.content(spec.id, spec.version),
        "registration": feed.registration(spec.id),
    }


def _catalog_entry(feed: Feed, listed: Listed, leaf: str) -> dict[str, Any]:
    spec = listed.spec
    entry: dict[str, Any] = {
        "@id": f"{leaf}#catalogEntry",
        "@type": "PackageDetails",
        "authors": spec.authors,
        "dependencyGroups": [
            _dependency_group(feed, group, f"{leaf}#dependencygroup/{i}")
            for i, group in enumerate(spec.dependency_groups)
        ],
        "description": spec.description,
        "iconUrl": spec.icon_url,
        "id": spec.id,
        "language": spec.language,
        "licenseExpression": spec.license,
        "licenseUrl": spec.license_url,
        "listed": True,
        "minClientVersion": spec.min_client_version,
        "packageContent": feed.content(spec.id, spec.version),
        "projectUrl": spec.project_url,
        "published": listed.published,
        "requireLicenseAcceptance": spec.require_license_acceptance,
        "summary": spec.summary,
        "tags": list(spec.tags),
        "title": spec.title,
        "version": spec.version,
        "verbatimVersion": spec.verbatim_version,
    }
    return entry


def _dependency_group(feed: Feed, group: DependencyGroup, at: str) -> dict[str, Any]:
    found: dict[str, Any] = {
        "@id": at,
        "@type": "PackageDependencyGroup",
        "dependencies": [_dependency(feed, d, f"{at}/{d.id.lower()}") for d in group.dependencies],
    }
    if group.target_framework:
        found["targetFramework"] = group.target_framework
    return found


def _dependency(feed: Feed, dependency: Dependency, at: str) -> dict[str, Any]:
    return {
        "@id": at,
        "@type": "PackageDependency",
        "id": dependency.id,
        "range": dependency.range or ANY_VERSION,
        "registration": feed.registration(dependency.id),
    }


def flat_versions(versions: Sequence[Listed]) -> dict[str, Any]:
    """The flat container's `index.json`: the lowered versions, in version order."""
    return {"versions": [listed.spec.version.lower() for listed in versions]}


@dataclass(frozen=True, slots=True)
class Found:
    """A package a search finds: its name and owner, and its versions the search shows."""

    name: str
    owner: str
    versions: Sequence[Listed]  # version order: the last is the one described


def search_results(feed: Feed, total: int, found: Sequence[Found]) -> dict[str, Any]:
    return {"totalHits": total, "data": [_search_result(feed, f) for f in found]}


def _search_result(feed: Feed, found: Found) -> dict[str, Any]:
    latest = found.versions[-1].spec
    registration = feed.registration(found.name)
    return {
        "@id": registration,
        "@type": "Package",
        "registration": registration,
        "id": found.name,
        "version": latest.version,
        "description": latest.description,
        "summary": latest.summary,
        "title": latest.title,
        "iconUrl": latest.icon_url,
        "licenseUrl": latest.license_url,
        "projectUrl": latest.project_url,
        "tags": list(latest.tags),
        "authors": [latest.authors],
        "owners": [found.owner],
        "totalDownloads": sum(listed.downloads for listed in found.versions),
        "verified": False,
        "packageTypes": [{"name": DEFAULT_PACKAGE_TYPE}],
        "versions": [
            {
                "version": listed.spec.version,
                "downloads": listed.downloads,
                "@id": feed.leaf(listed.spec.id, listed.spec.version),
            }
            for listed in found.versions
        ],
    }
