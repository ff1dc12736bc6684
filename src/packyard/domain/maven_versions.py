"""Maven's version order, as Maven's own `ComparableVersion` decides it.

`1.0-alpha-1 < 1.0-beta < 1.0-rc1 < 1.0-SNAPSHOT < 1.0 = 1.0.0 = 1.0-ga < 1.0-sp < 1.0.1`:
a version splits into numbers and qualifiers at `.`, `-` and each digit/letter boundary, a
`-` opening a sub-list; known qualifiers sort in their own order, unknown ones after all of
them, lexically; trailing zeros and release qualifiers do not count.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

# Qualifiers Maven knows, lowest first; "" is the release itself.
QUALIFIERS = ("alpha", "beta", "milestone", "rc", "snapshot", "", "sp")
ALIASES = {"ga": "", "final": "", "release": "", "cr": "rc"}
SHORT_BEFORE_DIGIT = {"a": "alpha", "b": "beta", "m": "milestone"}
_RELEASE = str(QUALIFIERS.index(""))

# An item is an int, a str (a qualifier, normalized) or a list of items.
Item = int | str | list["Item"]


def _qualifier_key(qualifier: str) -> str:
    if qualifier in QUALIFIERS:
        return str(QUALIFIERS.index(qualifier))
    return f"{len(QUALIFIERS)}-{qualifier}"


def _string_item(text: str, followed_by_digit: bool) -> str:
    if followed_by_digit and text in SHORT_BEFORE_DIGIT:
        text = SHORT_BEFORE_DIGIT[text]
    return ALIASES.get(text, text)


def _item(is_digit: bool, text: str) -> Item:
    return int(text) if is_digit else _string_item(text, False)


def _is_null(item: Item) -> bool:
    if isinstance(item, list):
        return not item
    if isinstance(item, int):
        return item == 0
    return item == ""


def _normalize(items: list[Item]) -> None:
    """Drop null items (0, "", empty lists) from the end, looking past sub-lists: Maven's
    `ListItem.normalize`, so `1.0-alpha` is `[1, [alpha]]` like `1-alpha`."""
    for index in range(len(items) - 1, -1, -1):
        item = items[index]
        if _is_null(item):
            del items[index]
        elif not isinstance(item, list):
            break


def parse(version: str) -> list[Item]:
    text = version.lower()
    root: list[Item] = []
    current = root
    stack = [root]
    is_digit = False
    start = 0

    def open_sublist() -> None:
        nonlocal current
        sub: list[Item] = []
        current.append(sub)
        current = sub
        stack.append(sub)

    for i, char in enumerate(text):
        if char in ".-":
            current.append(0 if i == start else _item(is_digit, text[start:i]))
            start = i + 1
            if char == "-":
                open_sublist()
        elif char.isdigit() and char.isascii():
            if not is_digit and i > start:
                current.append(_string_item(text[start:i], True))
                start = i
                open_sublist()
            is_digit = True
        else:
            if is_digit and i > start:
                current.append(_item(True, text[start:i]))
                start = i
                open_sublist()
            is_digit = False
    if len(text) > start:
        if not is_digit and current:
            # Maven 3.8.7: a trailing `.X` qualifier counts as `-X` (1.0.0.X1 < 1.0.0-X2).
            open_sublist()
        current.append(_item(is_digit, text[start:]))
    for items in reversed(stack):
        _normalize(items)
    return root


def _compare(left: Item | None, right: Item | None) -> int:
    """Maven's `Item.compareTo`, `left` never None unless both are."""
    if left is None:
        return 0 if right is None else -_compare(right, None)
    if isinstance(left, int):
        if right is None:
            return 0 if left == 0 else 1
        if isinstance(right, int):
            return (left > right) - (left < right)
        return 1
    if isinstance(left, str):
        key = _qualifier_key(left)
        if right is None:
            return (key > _RELEASE) - (key < _RELEASE)
        if isinstance(right, str):
            other = _qualifier_key(right)
            return (key > other) - (key < other)
        return -1
    if right is None:
        return 0 if not left else _compare(left[0], None)
    if isinstance(right, int):
        return -1
    if isinstance(right, str):
        return 1
    for index in range(max(len(left), len(right))):
        a = left[index] if index < len(left) else None
        b = right[index] if index < len(right) else None
        result = _compare(a, b) if a is not None else (0 if b is None else -_compare(b, None))
        if result:
            return result
    return 0


def compare(left: str, right: str) -> int:
    return _compare(parse(left), parse(right))


version_key = functools.cmp_to_key(compare)


def ordered(versions: Iterable[str]) -> list[str]:
    """Lowest first, as Maven would order them."""
    return sorted(versions, key=version_key)
