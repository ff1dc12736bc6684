"""The ASGI entry point uvicorn imports, configured from the environment."""

from __future__ import annotations

from packyard.config import settings_from_env
from packyard.server import create_app
from packyard.storage.db.engine import make_engine

_settings = settings_from_env()
app = create_app(_settings, make_engine(_settings.resolved_database_url))
