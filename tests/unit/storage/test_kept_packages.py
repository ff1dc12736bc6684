"""Owners and packages are built again whenever the row read differs from the row kept."""

from __future__ import annotations

from packyard.domain.types import Visibility
from packyard.storage.db.columns import ACCOUNT_COLUMNS, PACKAGE_COLUMNS, KeptPackages

AT = "2026-01-02 00:00:00.000000"
OWNER = (1, "alice", "User", None, 0, AT)
PACKAGE = (5, 1, "container", "app", "private", None, 1, 3, AT, AT, None)


def test_the_row_kept_gives_the_objects_kept() -> None:
    assert len(OWNER) == len(ACCOUNT_COLUMNS) and len(PACKAGE) == len(PACKAGE_COLUMNS)
    kept = KeptPackages()
    owner, package = kept.of(OWNER + PACKAGE + ("more columns",))
    again = kept.of(OWNER + PACKAGE)
    assert again[0] is owner and again[1] is package
    assert package.visibility is Visibility.PRIVATE and package.version_count == 3


def test_a_changed_package_or_owner_is_built_again() -> None:
    kept = KeptPackages()
    owner, _package = kept.of(OWNER + PACKAGE)
    fewer = (*PACKAGE[:7], 2, *PACKAGE[8:])
    owner2, package2 = kept.of(OWNER + fewer)
    assert package2.version_count == 2 and owner2 is owner  # the owner's row is the same
    public = (*PACKAGE[:4], "public", *PACKAGE[5:])
    assert kept.of(OWNER + public)[1].visibility is Visibility.PUBLIC
    renamed = (1, "alicia", *OWNER[2:])
    owner3, package3 = kept.of(renamed + public)
    assert owner3.login == "alicia" and package3.owner is owner3


def test_a_package_recounted_is_the_package_built_from_its_row() -> None:
    kept = KeptPackages()
    kept.of(OWNER + PACKAGE)
    for count in (2, 7, 0):
        recounted = (*PACKAGE[:7], count, *PACKAGE[8:])
        fresh = KeptPackages().of(OWNER + recounted)[1]
        assert kept.of(OWNER + recounted)[1] == fresh  # every field, not the count only
    deleted = (*PACKAGE[:10], AT)  # another column changed: built again, not recounted
    assert kept.of(OWNER + deleted)[1].deleted_at is not None


def test_recounted_sets_every_field_of_a_package() -> None:
    from dataclasses import fields, replace

    from packyard.storage.db.columns import recounted

    package = KeptPackages().of(OWNER + PACKAGE)[1]
    assert recounted(package, 9) == replace(package, version_count=9)
    # A field added to Package must be added to `recounted` too (else it takes the default).
    assert {f.name for f in fields(package)} == {
        "id",
        "owner",
        "package_type",
        "name",
        "visibility",
        "repository_id",
        "inherit_access",
        "created_at",
        "updated_at",
        "deleted_at",
        "version_count",
    }
