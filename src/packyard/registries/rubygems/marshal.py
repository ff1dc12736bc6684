"""Ruby's Marshal format 4.8, the writer only: what RubyGems' indexes are made of.

    None → nil           bool → true/false         int → Fixnum, or Bignum past 31 bits
    str → String (UTF-8) bytes → String (binary)   list/tuple → Array    dict → Hash
    Symbol → Symbol      RubyObject → 'o'          UserMarshal → 'U'     UserDump → 'u'

As Ruby's `Marshal.dump` does, a Symbol is written once and named by its index (`;`) after,
and an object (RubyObject, UserMarshal, UserDump) written twice — the same Python object —
is written once and linked (`@`) after. Arrays and Hashes are written at each occurrence:
Python shares tuples it considers equal (every `()` is one object), and Ruby must not get
one Array where the caller meant two it may change apart. Equal strings are separate objects
too unless `link_equal_strings` is set: `gem generate_index` shares equal names and
platforms so its indexes stay small.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeAlias

MAJOR, MINOR = 4, 8
# Marshal's `w_long` writes -123..122 in one byte (offset by 5); other values as 1-4
# little-endian bytes after a byte that counts them (negative for negative numbers).
_SMALL = 122
# A Fixnum outside 31 signed bits is written as a Bignum: marshal.c shifts the tagged VALUE
# (2n + 1) by 31, so n must fit in 30 bits and a sign.
_FIXNUM_BITS = 30
_BYTE = 8


@dataclass(frozen=True, slots=True)
class Symbol:
    name: str


@dataclass(frozen=True, slots=True, eq=False)
class RubyObject:
    """A plain object: its class and its instance variables (`@name`), written as 'o'."""

    class_name: str
    ivars: Mapping[str, Value]


@dataclass(frozen=True, slots=True, eq=False)
class UserMarshal:
    """An object whose class defines `marshal_dump`: `value` is what it returns ('U')."""

    class_name: str
    value: Value


@dataclass(frozen=True, slots=True, eq=False)
class UserDump:
    """An object whose class defines `_dump`: `data` is the string it returns ('u')."""

    class_name: str
    data: bytes


Value: TypeAlias = (
    bool
    | int
    | str
    | bytes
    | Symbol
    | RubyObject
    | UserMarshal
    | UserDump
    | Sequence["Value"]
    | Mapping["Value", "Value"]
    | None
)


def dump(value: Value, *, link_equal_strings: bool = False) -> bytes:
    writer = _Writer(link_equal_strings)
    writer.out += bytes((MAJOR, MINOR))
    writer.value(value)
    return bytes(writer.out)


def long_bytes(number: int) -> bytes:
    """Marshal's `w_long`: how lengths, counts and Fixnums are written."""
    if number == 0:
        return b"\x00"
    if 0 < number <= _SMALL:
        return bytes((number + 5,))
    if -_SMALL - 1 <= number < 0:
        return bytes(((number - 5) & 0xFF,))
    body = bytearray()
    rest = number
    while True:
        body.append(rest & 0xFF)
        rest >>= _BYTE
        if rest == 0 if number > 0 else rest == -1:
            break
    count = len(body) if number > 0 else -len(body)
    return bytes((count & 0xFF,)) + bytes(body)


class _Writer:
    def __init__(self, link_equal_strings: bool) -> None:
        self.out = bytearray()
        self.link_equal_strings = link_equal_strings
        self.symbols: dict[str, int] = {}
        # Every object that is not immediate takes the next index, as Ruby's `w_remember`
        # counts them: links name objects by it. Keys are `id()` for objects (kept alive
        # by the value being dumped) and the value itself for linked strings.
        self.objects: dict[object, int] = {}
        self.count = 0

    def remember(self, key: object | None) -> None:
        if key is not None:
            self.objects[key] = self.count
        self.count += 1

    def linked(self, key: object) -> bool:
        index = self.objects.get(key)
        if index is None:
            return False
        self.out += b"@" + long_bytes(index)
        return True

    def value(self, value: Value) -> None:
        if value is None:
            self.out += b"0"
        elif value is True:
            self.out += b"T"
        elif value is False:
            self.out += b"F"
        elif isinstance(value, int):
            self.integer(value)
        elif isinstance(value, str | bytes):
            self.string(value)
        elif isinstance(value, Symbol):
            self.symbol(value.name)
        else:
            self.object(value)

    def integer(self, value: int) -> None:
        if -(1 << _FIXNUM_BITS) <= value < (1 << _FIXNUM_BITS):
            self.out += b"i" + long_bytes(value)
            return
        self.remember(None)  # a Bignum is an object, though never linked here
        magnitude = abs(value).to_bytes((abs(value).bit_length() + 15) // 16 * 2, "little")
        sign = b"+" if value > 0 else b"-"
        self.out += b"l" + sign + long_bytes(len(magnitude) // 2) + magnitude

    def string(self, value: str | bytes) -> None:
        key = (type(value), value) if self.link_equal_strings else None
        if key is not None and self.linked(key):
            return
        self.remember(key)
        if isinstance(value, bytes):
            self.out += b'"' + long_bytes(len(value)) + value
            return
        data = value.encode()
        # A String's encoding is an instance variable: `E` true means UTF-8.
        self.out += b'I"' + long_bytes(len(data)) + data + long_bytes(1)
        self.symbol("E")
        self.out += b"T"

    def symbol(self, name: str) -> None:
        index = self.symbols.get(name)
        if index is not None:
            self.out += b";" + long_bytes(index)
            return
        self.symbols[name] = len(self.symbols)
        data = name.encode()
        if name.isascii():
            self.out += b":" + long_bytes(len(data)) + data
            return
        self.out += b"I:" + long_bytes(len(data)) + data + long_bytes(1)
        self.symbol("E")
        self.out += b"T"

    def object(self, value: Value) -> None:
        if isinstance(value, RubyObject | UserMarshal | UserDump):
            if self.linked(id(value)):
                return
            self.remember(id(value))
        else:
            self.remember(None)
        if isinstance(value, RubyObject):
            self.out += b"o"
            self.symbol(value.class_name)
            self.out += long_bytes(len(value.ivars))
            for name, ivar in value.ivars.items():
                self.symbol(name)
                self.value(ivar)
        elif isinstance(value, UserMarshal):
            self.out += b"U"
            self.symbol(value.class_name)
            self.value(value.value)
        elif isinstance(value, UserDump):
            self.out += b"u"
            self.symbol(value.class_name)
            self.out += long_bytes(len(value.data)) + value.data
        elif isinstance(value, Mapping):
            self.out += b"{" + long_bytes(len(value))
            for key, item in value.items():
                self.value(key)
                self.value(item)
        elif isinstance(value, Sequence):
            self.out += b"[" + long_bytes(len(value))
            for item in value:
                self.value(item)
        else:
            raise TypeError(f"Marshal cannot write a {type(value).__name__}")
