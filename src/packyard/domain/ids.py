"""Row ids as a URL carries them (`/versions/123`), read without trusting the text."""

from __future__ import annotations

# The database's ids are 32-bit integers (SQL INTEGER on both engines): anything past them is
# an id nothing has, not a number to hand the database, which would overflow on it.
MAX_ID = 2**31 - 1
ABSENT_ID = 0  # SQL's ids start at 1: a number to look up that no row has
# Enough digits for MAX_ID; more are not parsed, only known to be too many.
MAX_ID_DIGITS = 10


def ascii_digits(value: str) -> bool:
    """`str.isdigit()` alone accepts Arabic-Indic and other digits that `int()` reads."""
    return value.isascii() and value.isdigit()


def parse_id(raw: str) -> int | None:
    """A path id. A number past the database's range is an id no row has (`ABSENT_ID`, so
    the answer is that for a row that does not exist, not an overflow in SQL); anything but
    ASCII digits is not an id at all (None), as `abc` is not."""
    if not ascii_digits(raw):
        return None
    if len(raw) > MAX_ID_DIGITS:
        return ABSENT_ID
    number = int(raw)
    if number == 0:
        return None
    return number if number <= MAX_ID else ABSENT_ID
