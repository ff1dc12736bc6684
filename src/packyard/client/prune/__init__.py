"""Retention for GitHub Packages and Packyard: plan, apply, journal, undo.

>>> from packyard.client import Client
>>> from packyard.client.prune import Policy, Selection, make_plan, apply_plan
>>> policy = Policy.from_options({"keep-last": 5, "untagged": True})
>>> with Client(token="ghp_...") as client:  # doctest: +SKIP
...     plan = make_plan(client, Selection("container", owner="acme"), policy)
...     run = apply_plan(client, plan, journal=Journal())
"""

from __future__ import annotations

from packyard.client.prune.decide import PackageDecision, Verdict, VersionFacts, decide_package
from packyard.client.prune.journal import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_PLAN_INCOMPLETE,
    Journal,
    Run,
    state_dir,
)
from packyard.client.prune.plan import (
    PACKAGE_TYPES,
    PackagePlan,
    Plan,
    PlannedBuild,
    PlannedVersion,
    Progress,
    Selection,
    make_plan,
)
from packyard.client.prune.policy import PackageSelector, Pattern, Policy, PolicyError
from packyard.client.prune.run import apply_plan
from packyard.client.prune.undo import UndoReport, undo_run

__all__ = [
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_PLAN_INCOMPLETE",
    "PACKAGE_TYPES",
    "Journal",
    "PackageDecision",
    "PackagePlan",
    "PackageSelector",
    "Pattern",
    "Plan",
    "PlannedBuild",
    "PlannedVersion",
    "Policy",
    "PolicyError",
    "Progress",
    "Run",
    "Selection",
    "UndoReport",
    "Verdict",
    "VersionFacts",
    "apply_plan",
    "decide_package",
    "make_plan",
    "state_dir",
    "undo_run",
]
