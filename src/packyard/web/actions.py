"""What a person does on the versions page: delete a version (after typing the package's
name on its confirmation page, as GitHub asks) and restore a deleted one.

Each goes through the REST API's own service (`services.packages.delete_version`,
`restore_version`): the same permissions, the same rules and GitHub's messages (the last
tagged version, the 5,000-download rule, index protection), shown on the error page.
"""

from __future__ import annotations

from packyard.http.response import Response
from packyard.services import packages
from packyard.web.call import Call, address, confirmed, version_id

NOT_CONFIRMED = "Type the package's name to confirm: nothing was deleted."


def delete_version(call: Call) -> Response:
    confirmed(call, NOT_CONFIRMED)
    packages.delete_version(call.ctx, address(call), version_id(call))
    return call.page.redirect(_versions_path(call) + "?state=deleted")


def restore_version(call: Call) -> Response:
    packages.restore_version(call.ctx, address(call), version_id(call))
    return call.page.redirect(_versions_path(call))


def _versions_path(call: Call) -> str:
    """`…/versions/ID/ACTION` → `…/versions`: the page the form was on (the raw path, which
    matched a route, so it is this site's and still percent-encoded)."""
    return call.request.raw_path.rsplit("/", 2)[0]
