"""The OCI distribution API at /v2/: authenticate, route (`registries/oci/routes.py`),
answer in the spec's shape (`registries/oci/errors.py`).

Authentication: Basic (any user, a Packyard token as the password) or Bearer (a Packyard
token, or what `/v2/token` hands out). `/v2/token` answers a login with an OCI token that
stands for the login's token for five minutes (never the token itself), and anonymous callers
with an anonymous token, so clients that insist on the Bearer flow (docker, skopeo, oras)
work unchanged.

Pulls (GET, HEAD) are answered inline on the event loop, as the REST API's and Maven's reads
are: a few indexed rows and a manifest of at most 4 MB, where a hop to a worker thread costs
more than the work and, under a hundred concurrent pullers, makes the slowest wait on the
pool — unless the blob store is not local (S3), whose reads are network calls. Blob
bodies stream from the pool (the kit's `Response.send()`). Pushes and deletes are handled
whole in a worker thread: they read bodies and write.
"""

from __future__ import annotations

import re

from packyard.auth.tokens import parse_authorization
from packyard.domain.errors import DomainError
from packyard.domain.oci import is_valid_repository_name
from packyard.domain.types import ANONYMOUS, Actor
from packyard.http.request import BodyRefused, Request
from packyard.http.response import Response
from packyard.http.router import Route, Router
from packyard.registries.oci.errors import (
    ErrorCode,
    RegistryError,
    error_response,
    refused,
    server_error,
)
from packyard.registries.oci.naming import CONTAINER, Naming
from packyard.registries.oci.routes import (
    ANONYMOUS_TOKEN,
    PREFIX,
    ROUTES,
    Action,
    Call,
    Handler,
    Needs,
)
from packyard.registries.wiring import RegistryApp, Wiring
from packyard.services.auth import authenticate

__all__ = ["PREFIX", "OciApp"]

# A Host header fit to be put in a challenge (a name or address, and a port): anything else
# is not echoed back.
HOST = re.compile(r"[A-Za-z0-9.\-]{1,253}(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]{2,45}\](:[0-9]{1,5})?")


class OciApp(RegistryApp):
    prefix = PREFIX
    reads_inline = True  # a pull: a few rows and a manifest of at most 4 MB

    def __init__(self, wiring: Wiring, naming: Naming = CONTAINER) -> None:
        super().__init__(wiring)
        self.naming = naming
        # The legacy endpoint has a port (or host) of its own: its challenges send clients
        # to the token endpoint on the host they reached, which may be the only one they can.
        self.realm_from_host = naming is not CONTAINER
        self.service = self.base_url.split("://", 1)[-1].rstrip("/")
        self.router: Router[Route[Handler, Needs]] = Router(ROUTES)

    def server_error(self) -> Response:
        return server_error()

    def refusal(self, error: DomainError) -> Response:
        return error_response(error, "")

    def refused(self, refusal: BodyRefused) -> Response:
        return refused(refusal)

    def handle(self, request: Request) -> Response:
        name, action = "", Action.PULL
        try:
            actor = self._actor(request.headers)
            found = self.router.match(request.method, request.raw_path)
            if found is None:
                if self.router.knows(request.raw_path):
                    raise RegistryError(ErrorCode.UNSUPPORTED)
                raise RegistryError(ErrorCode.NAME_UNKNOWN, message="no such route")
            route, params = found
            name, action = params.get("name", ""), route.needs.action
            ctx = self.wiring.context(actor)
            keys = self.wiring.registry_keys
            call = Call(ctx, request, params, route.needs, self.blobs, self.naming, keys)
            return route.handler(call)
        except (RegistryError, DomainError) as error:
            return error_response(error, self._challenge(name, action, request))

    def _actor(self, headers: dict[str, str]) -> Actor:
        token = parse_authorization(headers.get("authorization"))
        if token in (None, ANONYMOUS_TOKEN):
            return ANONYMOUS
        return authenticate(
            self.store, token, self.clock(), registry_keys=self.wiring.registry_keys
        )

    def _challenge(self, name: str, action: Action, request: Request) -> str:
        scope = challenge_scope(name, action)
        base, service = self.base_url, self.service
        host = request.headers.get("host")
        if self.realm_from_host and host and HOST.fullmatch(host):
            base, service = f"{self.base_url.split('://', 1)[0]}://{host}", host
        return f'Bearer realm="{base}/v2/token",service="{service}"{scope}'


def challenge_scope(name: str, action: Action) -> str:
    """The challenge's `scope` for the repository a URL named, if it is a repository name
    (OCI's grammar: lower-case letters, digits, separators): a name from the URL is
    otherwise left out, so no quote, CR/LF or non-Latin-1 character of it reaches the
    header. Names are checked before any 401 today; this keeps it so whatever the order."""
    if not is_valid_repository_name(name):
        return ""
    return f',scope="repository:{name}:{action}"'
