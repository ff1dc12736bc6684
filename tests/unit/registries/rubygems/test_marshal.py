"""The Marshal writer, byte for byte against Ruby's `Marshal.dump` of the same values."""

from __future__ import annotations

import subprocess

import pytest

from packyard.registries.rubygems.marshal import (
    RubyObject,
    Symbol,
    UserDump,
    UserMarshal,
    Value,
    dump,
    long_bytes,
)
from tests.requirements import RUBY

# Classes whose Marshal forms are 'o' and 'u', for the cases below to build in Ruby.
PRELUDE = """
class Pair; def initialize(a, b); @a = a; @b = b; end; end
class Blob; def initialize(d); @d = d; end; def _dump(_limit); @d; end; end
"""
_VERSION = UserMarshal("Gem::Version", ["1.0"])

# (Python value, link_equal_strings, the same value as a Ruby expression)
CASES: list[tuple[Value, bool, str]] = [
    (None, False, "nil"),
    (True, False, "true"),
    (False, False, "false"),
    *[
        (n, False, str(n))
        for n in (0, 1, 122, 123, -1, -123, -124, 255, 256, -256, -257, 65535, 65536)
    ],
    *[(n, False, str(n)) for n in (2**24, -(2**24), 2**30, 2**31 - 1, -(2**31))],
    *[(n, False, str(n)) for n in (2**31, -(2**31) - 1, 2**62, 2**64, -(2**70), 3**50)],
    ("", False, "''"),
    ("héllo ✓", False, "'héllo ✓'"),
    (b"\xff\x00b", False, '"\\xff\\x00b".b'),
    (["x", "x"], False, "['x', 'x']"),
    (["x", "x", 2**70, "y", "x"], True, "s = 'x'; [s, s, 2**70, 'y', s]"),
    ([], False, "[]"),
    ([1, [2, [3]], {"a": 1}], False, "[1, [2, [3]], {'a' => 1}]"),
    ([Symbol("a"), Symbol("b"), Symbol("a")], False, "[:a, :b, :a]"),
    (Symbol("é"), False, ":é"),
    ({Symbol("name"): "rack", Symbol("number"): "1.0"}, False, "{name: 'rack', number: '1.0'}"),
    ([_VERSION, _VERSION], False, "v = Gem::Version.new('1.0'); [v, v]"),
    (
        RubyObject("Pair", {"@a": 1, "@b": [Symbol("a"), "s"]}),
        False,
        "Pair.new(1, [:a, 's'])",
    ),
    (
        [UserDump("Blob", b"\x04\x08[\x00"), Symbol("Blob")],
        False,
        "[Blob.new([].then { |a| Marshal.dump(a) }), :Blob]",
    ),
    (
        RubyObject("Gem::Platform", {"@cpu": "x86_64", "@os": "linux", "@version": None}),
        False,
        "Gem::Platform.new('x86_64-linux')",
    ),
]


def test_long_bytes_use_one_byte_for_small_numbers() -> None:
    assert long_bytes(0) == b"\x00" and long_bytes(122) == b"\x7f" and long_bytes(-123) == b"\x80"
    assert long_bytes(123) == b"\x01\x7b" and long_bytes(-124) == b"\xff\x84"


def test_every_case_is_what_ruby_writes() -> None:
    ruby = RUBY.command("ruby")
    script = PRELUDE + "STDIN.each_line { |e| puts Marshal.dump(eval(e.chomp)).unpack1('H*') }"
    expressions = "\n".join(expression for _, _, expression in CASES) + "\n"
    done = subprocess.run(
        [ruby, "-e", script], input=expressions, capture_output=True, text=True, check=True
    )
    theirs = done.stdout.split()
    ours = [dump(value, link_equal_strings=link).hex() for value, link, _ in CASES]
    assert len(theirs) == len(CASES)
    assert [(c[2], o) for c, o in zip(CASES, ours, strict=True)] == [
        (c[2], t) for c, t in zip(CASES, theirs, strict=True)
    ]


def test_what_marshal_cannot_write_is_refused() -> None:
    with pytest.raises(TypeError, match="float"):
        dump([1.5])  # type: ignore[list-item]
