"""Packyard: a self-hosted package registry that speaks GitHub's Packages REST API."""

from __future__ import annotations

__version__ = "0.1.0"
