"""An OCI distribution client: manifests, tags and referrers, with the registry token handshake.

It talks to ghcr.io, to a Packyard's `/v2/`, and to any distribution-spec registry:

- on a `401` with `WWW-Authenticate: Bearer realm=...,service=...,scope=...` it asks the
  realm for a token (Basic with the user and token, or anonymously) and retries with it;
- manifests and indexes come back in whatever format the registry holds, since every
  manifest media type is accepted;
- `referrers()` uses the referrers API and falls back to the `sha256-<hex>` tag schema on
  registries that have none (ghcr.io among them).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from packyard.client import errors
from packyard.client._responses import next_link

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
MANIFEST_TYPES = (OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST)
INDEX_TYPES = frozenset({OCI_INDEX, DOCKER_LIST})
# Packyard's request header for reads that must not count as downloads.
PURPOSE_HEADER = "Packyard-Purpose"
_CHALLENGE_PARAM = re.compile(r'(\w+)="([^"]*)"')


@dataclass(frozen=True)
class Descriptor:
    """A content descriptor: what an index lists and the referrers API returns.

    >>> Descriptor.from_json({"mediaType": OCI_MANIFEST, "digest": "sha256:ab", "size": 2}).size
    2
    """

    media_type: str
    digest: str
    size: int
    artifact_type: str | None = None
    platform: dict[str, Any] | None = None
    annotations: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Descriptor:
        return cls(
            media_type=data.get("mediaType", ""),
            digest=data["digest"],
            size=int(data.get("size", 0)),
            artifact_type=data.get("artifactType"),
            platform=data.get("platform"),
            annotations=dict(data.get("annotations") or {}),
        )


@dataclass(frozen=True)
class Manifest:
    """A manifest or index as the registry stores it: the exact bytes, their digest, and
    the parsed document.

    >>> m = Manifest.from_bytes(b'{"schemaVersion": 2, "manifests": []}', OCI_INDEX)
    >>> (m.is_index, m.children)
    (True, [])
    """

    media_type: str
    digest: str
    content: bytes
    document: dict[str, Any]

    @classmethod
    def from_bytes(cls, content: bytes, media_type: str, digest: str | None = None) -> Manifest:
        document = json.loads(content)
        return cls(
            media_type=media_type or document.get("mediaType", ""),
            digest=digest or "sha256:" + hashlib.sha256(content).hexdigest(),
            content=content,
            document=document,
        )

    @property
    def is_index(self) -> bool:
        return self.media_type in INDEX_TYPES

    @property
    def children(self) -> list[Descriptor]:
        """The manifests an index lists (empty for an image manifest)."""
        return [Descriptor.from_json(d) for d in self.document.get("manifests", [])]

    @property
    def subject(self) -> Descriptor | None:
        subject = self.document.get("subject")
        return Descriptor.from_json(subject) if subject else None


class RegistryClient:
    """Reads a registry's manifests, tags and referrers.

    >>> registry = RegistryClient("https://ghcr.io", username="alice", password="ghp_...")
    >>> registry.tags("alice/tools/cli")  # doctest: +SKIP
    ['latest', '1.0.0']
    """

    def __init__(
        self,
        registry_url: str,
        username: str | None = None,
        password: str | None = None,
        *,
        http_client: httpx.Client | None = None,
        timeout: float = 30.0,
        inspect: bool = False,
    ) -> None:
        """`inspect=True` marks every read as an inspection, not a pull: a Packyard then does
        not count it as a download (other registries ignore the header)."""
        self.registry_url = registry_url.rstrip("/")
        self._extra_headers = {PURPOSE_HEADER: "inspect"} if inspect else {}
        self.username = username
        self.password = password
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(timeout=timeout)
        self._tokens: dict[str, str] = {}  # scope → bearer token

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    # the handshake ------------------------------------------------------------------

    def _request(
        self,
        method: str,
        url: str,
        repository: str,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> httpx.Response:
        scope = f"repository:{repository}:pull"
        sent = {**self._extra_headers, **(headers or {})}
        token = self._tokens.get(scope)
        if token:
            sent["Authorization"] = f"Bearer {token}"
        response = self._http.request(method, url, headers=sent, params=params)
        challenge = response.headers.get("www-authenticate", "")
        if response.status_code == 401 and challenge.lower().startswith("bearer"):
            token = self._fetch_token(challenge, scope)
            self._tokens[scope] = token
            sent["Authorization"] = f"Bearer {token}"
            response = self._http.request(method, url, headers=sent, params=params)
        elif (
            response.status_code == 401
            and challenge.lower().startswith("basic")
            and self.password is not None
        ):
            response = self._http.request(
                method,
                url,
                headers=sent,
                params=params,
                auth=(self.username or "token", self.password),
            )
        return response

    def _fetch_token(self, challenge: str, default_scope: str) -> str:
        params = dict(_CHALLENGE_PARAM.findall(challenge))
        realm = params.pop("realm", None)
        if not realm:
            raise errors.PackyardClientError(f"a Bearer challenge without a realm: {challenge}")
        params.setdefault("scope", default_scope)
        auth = (self.username or "token", self.password) if self.password is not None else None
        answer = self._http.get(realm, params=params, auth=auth)
        _raise_for_registry(answer)
        body = answer.json()
        token = body.get("token") or body.get("access_token")
        if not token:
            raise errors.PackyardClientError(f"the token endpoint {realm} returned no token")
        return str(token)

    # reading ------------------------------------------------------------------------

    def manifest(self, repository: str, reference: str) -> Manifest:
        """A manifest or index by tag or digest, in whichever format the registry holds."""
        url = f"{self.registry_url}/v2/{repository}/manifests/{reference}"
        # One Accept header per type, as skopeo and docker send them.
        response = self._request(
            "GET", url, repository, headers={"Accept": ", ".join(MANIFEST_TYPES)}
        )
        _raise_for_registry(response)
        media_type = response.headers.get("content-type", "").split(";")[0].strip()
        return Manifest.from_bytes(
            response.content, media_type, response.headers.get("docker-content-digest")
        )

    def tags(self, repository: str, page_size: int | None = None) -> list[str]:
        return list(self.iter_tags(repository, page_size))

    def iter_tags(self, repository: str, page_size: int | None = None) -> Iterator[str]:
        """Every tag, following `Link` pagination (`n` and `last`)."""
        url = f"{self.registry_url}/v2/{repository}/tags/list"
        params = {"n": str(page_size)} if page_size else None
        while True:
            response = self._request("GET", url, repository, params=params)
            _raise_for_registry(response)
            yield from response.json().get("tags") or []
            following = next_link(response)
            if following is None:
                return
            url = str(httpx.URL(self.registry_url).join(following))
            params = None

    def referrers(
        self, repository: str, digest: str, artifact_type: str | None = None
    ) -> list[Descriptor]:
        """What refers to `digest` (signatures, attestations, SBOMs).

        Uses the referrers API; on registries without one (a 404 there), reads the index
        tagged `sha256-<hex>` as the distribution spec's fallback schema says.
        """
        url = f"{self.registry_url}/v2/{repository}/referrers/{digest}"
        params = {"artifactType": artifact_type} if artifact_type else None
        response = self._request(
            "GET", url, repository, headers={"Accept": OCI_INDEX}, params=params
        )
        if response.status_code == 200 and response.headers.get("content-type", "").startswith(
            OCI_INDEX
        ):
            found = [Descriptor.from_json(d) for d in response.json().get("manifests", [])]
            if artifact_type and "OCI-Filters-Applied" not in response.headers:
                found = [d for d in found if d.artifact_type == artifact_type]
            return found
        if response.status_code not in (404, 405):
            _raise_for_registry(response)
        algorithm, _, hex_digest = digest.partition(":")
        try:
            index = self.manifest(repository, f"{algorithm}-{hex_digest}")
        except errors.NotFound:
            return []
        found = index.children
        if artifact_type:
            found = [d for d in found if d.artifact_type == artifact_type]
        return found


def _raise_for_registry(response: httpx.Response) -> None:
    """Registry errors (`{"errors": [{"code", "message"}]}`) as the SDK's typed errors."""
    status = response.status_code
    if status < 400:
        return
    try:
        problems = response.json().get("errors") or []
        message = "; ".join(f"{p.get('code')}: {p.get('message')}" for p in problems)
    except (ValueError, AttributeError):
        message = response.text or response.reason_phrase
    error_class: type[errors.HTTPStatusError] = {
        401: errors.Unauthorized,
        403: errors.Forbidden,
        404: errors.NotFound,
    }.get(status, errors.ServerError if status >= 500 else errors.HTTPStatusError)
    raise error_class(response, message or response.reason_phrase)
