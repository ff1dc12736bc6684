"""Package settings, as GitHub's settings page has them: who has access (people and
repositories, with a role; whether a linked package inherits its repository's), change the
visibility and delete the package (each after typing the package's name), and an owner's
deleted packages to restore (typing the name again).

Every action is the service the REST API (or, for the visibility, `services.settings`) uses:
the same permissions and messages. Only a package's administrators see its settings; others
get the 404 (or 403, for a token without the scopes) the services answer.
"""

from __future__ import annotations

from urllib.parse import quote

from packyard.http.response import Response
from packyard.services import grants, packages, settings
from packyard.services.access import OwnerScope
from packyard.web.call import Call, address, confirmed
from packyard.web.render import package_path

NOT_CONFIRMED = "Type the package's name to confirm: nothing was changed."


def deleted_path(call: Call) -> str:
    """Where the package's owner's deleted packages are listed: GitHub's Settings →
    Packages (`/orgs/…` addresses an organization; `/users/…` a user, whose own list it is)."""
    if call.params["scope"] == "orgs":
        return f"/organizations/{quote(call.params['owner'], safe='')}/settings/packages"
    return "/settings/packages"


def page(call: Call) -> Response:
    found = settings.package_settings(call.ctx, address(call))
    return call.page.render(
        "settings.html",
        settings=found,
        package=found.view.package,
        repository=found.view.repository,
        changed=call.request.query.get("changed"),
    )


def _settings_page(call: Call, flash: str) -> Response:
    return call.page.redirect(
        call.request.raw_path.split("/settings/", 1)[0] + f"/settings?changed={flash}"
    )


def grant(call: Call) -> Response:
    form = call.form
    grants.grant(
        call.ctx, address(call), form.get("kind", ""), form.get("name", ""), form.get("role", "")
    )
    return _settings_page(call, "access")


def remove_grant(call: Call) -> Response:
    grants.remove(call.ctx, address(call), call.form.get("kind", ""), call.form.get("name", ""))
    return _settings_page(call, "access")


def inherit_access(call: Call) -> Response:
    # A checkbox: sent when ticked, absent when not.
    grants.set_inheritance(call.ctx, address(call), call.form.get("inherit") == "on")
    return _settings_page(call, "access")


def change_visibility(call: Call) -> Response:
    confirmed(call, NOT_CONFIRMED)
    package = settings.change_visibility(call.ctx, address(call), call.form.get("visibility", ""))
    return call.page.redirect(package_path(package) + "/settings?changed=visibility")


def delete_package(call: Call) -> Response:
    confirmed(call, NOT_CONFIRMED)
    # The REST API's delete, with its scopes (delete:packages) and rules, nothing before it.
    packages.delete_package(call.ctx, address(call))
    return call.page.redirect(deleted_path(call))


def restore_package(call: Call) -> Response:
    confirmed(call, NOT_CONFIRMED)
    token = call.form.get("package_id") or None
    packages.restore_package(call.ctx, address(call), token)
    return call.page.redirect(call.request.raw_path.rsplit("/", 1)[0])


def _deleted(call: Call, scope: OwnerScope, login: str | None) -> Response:
    shown = settings.deleted_packages(call.ctx, scope, login)
    user = call.ctx.actor.user
    name = login if login is not None else (user.login if user else "")
    return call.page.render("deleted_packages.html", deleted=shown, login=name)


def user_deleted(call: Call) -> Response:
    return _deleted(call, OwnerScope.AUTHENTICATED_USER, None)


def org_deleted(call: Call) -> Response:
    return _deleted(call, OwnerScope.ORGS, call.params["owner"])
