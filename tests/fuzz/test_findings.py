"""What the fuzzers found in the parsers this work owns, each as its smallest input, fixed:
every one raised something other than the format's own error, which the registry answers
with a 500 instead of its 400."""

from __future__ import annotations

import struct
import zipfile

import pytest

from packyard.domain.nuget import NuGetInvalid
from packyard.registries.nuget.nupkg import parse_nuspec, read_nupkg
from tests.unit.registries.nuget.nupkg_builder import nupkg


def test_a_nupkg_whose_directory_points_before_its_start_is_invalid() -> None:
    # The end record's directory offset moved past where the directory is: zipfile then
    # reads each entry at a negative position (ValueError: negative seek value).
    data = bytearray(nupkg())
    end = data.rfind(b"PK\x05\x06")
    (offset,) = struct.unpack_from("<I", data, end + 16)
    struct.pack_into("<I", data, end + 16, offset + 1000)
    with pytest.raises(NuGetInvalid, match="cannot be read"):
        read_nupkg(bytes(data))


def test_a_nupkg_needing_an_unknown_zip_version_is_invalid() -> None:
    # A directory entry that says it needs zip version 15.8 (NotImplementedError).
    data = bytearray(nupkg())
    entry = data.find(b"PK\x01\x02")
    struct.pack_into("<H", data, entry + 6, 158)
    with pytest.raises(NuGetInvalid, match=r"not a valid \.nupkg"):
        read_nupkg(bytes(data))


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_a_nuspec_said_to_be_compressed_otherwise_than_it_is_is_invalid(method: int) -> None:
    # The .nuspec's method changed from deflate to bzip2 (bz2's OSError: Invalid data
    # stream) or LZMA, in its local header and its directory entry alike.
    data = bytearray(nupkg())
    local = data.find(b"PK\x03\x04", 1)
    struct.pack_into("<H", data, local + 8, method)
    central = data.find(b"PK\x01\x02", data.find(b"PK\x01\x02") + 1)
    struct.pack_into("<H", data, central + 10, method)
    with pytest.raises(NuGetInvalid, match="cannot be read"):
        read_nupkg(bytes(data))


@pytest.mark.parametrize("encoding", ["utf-4", "cp932"])
def test_a_nuspec_in_an_encoding_expat_cannot_read_is_invalid(encoding: str) -> None:
    # utf-4: no such codec (LookupError); cp932: multi-byte, which expat refuses (ValueError).
    manifest = f'<?xml version="1.0" encoding="{encoding}"?><package/>'.encode()
    with pytest.raises(NuGetInvalid, match="encoding cannot be read"):
        parse_nuspec(manifest)
