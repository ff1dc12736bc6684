"""Maven's answers: the plain-text errors GitHub's registries share
(`registries/text_errors.py`), with Maven's own message on a 401 — Maven 3.8 prints only the
status line, and sends the credentials of its `settings.xml` after the Basic challenge."""

from __future__ import annotations

from packyard.domain.errors import DomainError
from packyard.http.response import Response
from packyard.registries import text_errors
from packyard.registries.text_errors import TEXT, refused, server_error

__all__ = ["TEXT", "error_response", "refused", "server_error"]


def error_response(error: DomainError) -> Response:
    return text_errors.error_response(error, unauthenticated=None)
