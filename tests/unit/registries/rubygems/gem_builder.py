"""`.gem` files as `gem build` writes them (RubyGems 3.3's YAML), made in Python so the
registry's HTTP tests need no Ruby; tests/protocols builds real ones with the real `gem`."""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile

DEPENDENCY = """- !ruby/object:Gem::Dependency
  name: {name}
  requirement: !ruby/object:Gem::Requirement
    requirements:
    - - "{op}"
      - !ruby/object:Gem::Version
        version: '{version}'
  type: :{kind}
  prerelease: false
  version_requirements: !ruby/object:Gem::Requirement
    requirements:
    - - "{op}"
      - !ruby/object:Gem::Version
        version: '{version}'
"""

SPEC = """--- !ruby/object:Gem::Specification
name: {name}
version: !ruby/object:Gem::Version
  version: {version}
platform: {platform}
authors:
- Alice Liddell
autorequire:
bindir: bin
cert_chain: []
date: 2026-12-06 00:00:00.000000000 Z
dependencies:{dependencies}
description: {description}
email:
executables: []
extensions: []
extra_rdoc_files: []
files:
- lib/{name}.rb
homepage: https://example.com/{name}
licenses:
- MIT
metadata:{metadata}
post_install_message:
rdoc_options: []
require_paths:
- lib
required_ruby_version: !ruby/object:Gem::Requirement
  requirements:
  - - ">="
    - !ruby/object:Gem::Version
      version: '2.7'
required_rubygems_version: !ruby/object:Gem::Requirement
  requirements:
  - - ">="
    - !ruby/object:Gem::Version
      version: '0'
requirements: []
rubygems_version: 3.3.15
signing_key:
specification_version: 4
summary: The {name} gem
test_files: []
"""


def gemspec_yaml(
    name: str,
    version: str,
    platform: str = "ruby",
    dependencies: tuple[tuple[str, str, str, str], ...] = (),
    github_repo: str | None = None,
    description: str = "A gem for tests",
) -> str:
    """`dependencies`: (name, operator, version, "runtime" or "development")."""
    deps = "".join(
        DEPENDENCY.format(name=n, op=op, version=v, kind=k) for n, op, v, k in dependencies
    )
    return SPEC.format(
        name=name,
        version=version,
        platform=platform,
        dependencies=("\n" + deps.rstrip("\n")) if deps else " []",
        description=description,
        metadata=f"\n  github_repo: {github_repo}" if github_repo else " {}",
    )


def _tar(members: dict[str, bytes], compress: bool = False) -> bytes:
    """The same bytes for the same members, every time (mtimes 0, the gzip header's too)."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    return gzip.compress(out.getvalue(), mtime=0) if compress else out.getvalue()


def gem_from_yaml(spec_yaml: str, name: str = "hello") -> bytes:
    metadata = gzip.compress(spec_yaml.encode(), mtime=0)
    data = _tar({f"lib/{name}.rb": f"module {name.capitalize()}; end\n".encode()}, compress=True)
    checksums = (
        "---\nSHA256:\n"
        f"  metadata.gz: {hashlib.sha256(metadata).hexdigest()}\n"
        f"  data.tar.gz: {hashlib.sha256(data).hexdigest()}\n"
    )
    return _tar(
        {
            "metadata.gz": metadata,
            "data.tar.gz": data,
            "checksums.yaml.gz": gzip.compress(checksums.encode(), mtime=0),
        }
    )


def gem(name: str, version: str, platform: str = "ruby", **kwargs: object) -> bytes:
    return gem_from_yaml(gemspec_yaml(name, version, platform, **kwargs), name)  # type: ignore[arg-type]
