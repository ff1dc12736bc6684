"""`.nupkg` files as `nuget pack` writes them (a zip with the .nuspec at its root, the
OPC parts beside it), made in Python so the registry's HTTP tests need no mono;
tests/protocols packs real ones with the real nuget.exe."""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape, quoteattr

NAMESPACE = "http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd"
BOUNDARY = "b1d7e2c0-5a0f-4c3e-9d6b-nuget"
# Every entry's time: a package built twice is the same bytes (zipfile stamps now otherwise).
ENTRY_TIME = (2026, 1, 2, 0, 0, 0)


def nuspec(
    package_id: str = "Hello.World",
    version: str = "1.0.0",
    *,
    description: str = "A package for tests",
    license: str = "MIT",
    repository: str | None = None,
    dependencies: str = "",
    extra: str = "",
) -> str:
    repository_element = (
        f'<repository type="git" url={quoteattr(repository)} />' if repository else ""
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<package xmlns="{NAMESPACE}">
  <metadata>
    <id>{escape(package_id)}</id>
    <version>{escape(version)}</version>
    <authors>Alice Liddell</authors>
    <description>{escape(description)}</description>
    <license type="expression">{license}</license>
    <tags>hello tests</tags>
    {repository_element}
    {dependencies}
    {extra}
  </metadata>
</package>
"""


def nupkg(
    package_id: str = "Hello.World",
    version: str = "1.0.0",
    *,
    manifest: str | None = None,
    manifest_name: str | None = None,
    extra_files: dict[str, bytes] | None = None,
    **fields: str,
) -> bytes:
    """A package; `manifest` replaces the generated .nuspec, `extra_files` are added."""
    entries: dict[str, str | bytes] = {
        "_rels/.rels": "<Relationships/>",
        manifest_name or f"{package_id}.nuspec": (
            manifest if manifest is not None else nuspec(package_id, version, **fields)
        ),
        f"lib/netstandard2.0/{package_id}.dll": b"MZ" + bytes(64),
        "[Content_Types].xml": "<Types/>",
        **(extra_files or {}),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name, ENTRY_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return out.getvalue()


def multipart(data: bytes, boundary: str = BOUNDARY) -> tuple[bytes, str]:
    """A push's body as nuget.exe sends it, and its Content-Type (boundary quoted)."""
    body = (
        (
            f"--{boundary}\r\n"
            "Content-Type: application/octet-stream\r\n"
            "Content-Disposition: form-data; name=package; filename=package.nupkg\r\n"
            "\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f'multipart/form-data; boundary="{boundary}"'
