"""A real CNCF distribution registry (Debian's `docker-registry`) behind a token server.

The token server is the part a registry delegates to (a Packyard's `/v2/token`, ghcr.io's
`/token`): it checks Basic credentials and signs JWTs the registry verifies against a
certificate bundle, exactly as production deployments of distribution do.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import subprocess
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.protocols.conftest import free_port
from tests.requirements import DOCKER_REGISTRY

SERVICE = "packyard-test-registry"
ISSUER = "packyard-tests"
USER, PASSWORD = "alice", "s3cret"


@dataclass
class Registry:
    url: str
    token_url: str
    key: ec.EllipticCurvePrivateKey
    cert_der: bytes

    def token(self, repository: str, actions: list[str]) -> str:
        return sign(self.key, self.cert_der, repository, actions)

    def push_blob(self, repository: str, data: bytes) -> str:
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        auth = {"Authorization": f"Bearer {self.token(repository, ['pull', 'push'])}"}
        start = httpx.post(f"{self.url}/v2/{repository}/blobs/uploads/", headers=auth)
        assert start.status_code == 202, start.text
        location = httpx.URL(self.url).join(start.headers["location"])
        # The upload URL carries the registry's own state in its query: add to it.
        done = httpx.put(location.copy_merge_params({"digest": digest}), content=data, headers=auth)
        assert done.status_code == 201, done.text
        return digest

    def push_manifest(
        self, repository: str, reference: str, document: dict[str, object], media_type: str
    ) -> tuple[str, bytes]:
        content = json.dumps(document, separators=(",", ":")).encode()
        auth = {
            "Authorization": f"Bearer {self.token(repository, ['pull', 'push'])}",
            "Content-Type": media_type,
        }
        put = httpx.put(
            f"{self.url}/v2/{repository}/manifests/{reference}", content=content, headers=auth
        )
        assert put.status_code == 201, put.text
        return "sha256:" + hashlib.sha256(content).hexdigest(), content


def sign(
    key: ec.EllipticCurvePrivateKey, cert_der: bytes, repository: str, actions: list[str]
) -> str:
    now = dt.datetime.now(dt.UTC)
    claims = {
        "iss": ISSUER,
        "sub": USER,
        "aud": SERVICE,
        "iat": now,
        "nbf": now,
        "exp": now + dt.timedelta(minutes=5),
        "jti": uuid.uuid4().hex,
        "access": [{"type": "repository", "name": repository, "actions": actions}]
        if actions
        else [],
    }
    return jwt.encode(
        claims, key, algorithm="ES256", headers={"x5c": [base64.b64encode(cert_der).decode()]}
    )


def make_certificate(directory: Path) -> tuple[ec.EllipticCurvePrivateKey, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ISSUER)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    (directory / "bundle.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key, cert.public_bytes(serialization.Encoding.DER)


def token_server(key: ec.EllipticCurvePrivateKey, cert_der: bytes) -> ThreadingHTTPServer:
    """Grants what the credentials allow: alice everything, anonymous pulls of `public/*`."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            query = parse_qs(urlsplit(self.path).query)
            scope = query.get("scope", [""])[0]
            _, repository, wanted = [*scope.split(":"), "", "", ""][:3]
            header = self.headers.get("Authorization", "")
            granted: list[str] = []
            if header.startswith("Basic "):
                user, _, password = base64.b64decode(header[6:]).decode().partition(":")
                if (user, password) != (USER, PASSWORD):
                    self.send_response(401)
                    self.end_headers()
                    return
                granted = wanted.split(",")
            elif repository.startswith("public/"):
                granted = [a for a in wanted.split(",") if a == "pull"]
            body = json.dumps({"token": sign(key, cert_der, repository, granted)}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    return ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)


@contextmanager
def running_registry(directory: Path) -> Iterator[Registry]:
    binary = DOCKER_REGISTRY.command("docker-registry")
    key, cert_der = make_certificate(directory)
    tokens = token_server(key, cert_der)
    threading.Thread(target=tokens.serve_forever, daemon=True).start()
    token_url = f"http://127.0.0.1:{tokens.server_address[1]}/token"
    port = free_port()
    (directory / "config.yml").write_text(f"""
version: 0.1
log: {{level: error}}
storage:
  filesystem: {{rootdirectory: {directory / "data"}}}
  delete: {{enabled: true}}
http: {{addr: "127.0.0.1:{port}"}}
auth:
  token:
    realm: {token_url}
    service: {SERVICE}
    issuer: {ISSUER}
    rootcertbundle: {directory / "bundle.pem"}
""")
    log = (directory / "registry.log").open("w")
    process = subprocess.Popen(
        [binary, "serve", str(directory / "config.yml")], stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(f"{url}/v2/", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None:
                    raise AssertionError((directory / "registry.log").read_text()) from None
                threading.Event().wait(0.1)
        yield Registry(url, token_url, key, cert_der)
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
        tokens.shutdown()
        tokens.server_close()
