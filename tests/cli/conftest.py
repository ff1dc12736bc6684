from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from packyard.cli.main import main


@pytest.fixture
def cli(database_url: str, tmp_path: Path) -> Any:
    runner = CliRunner()
    env = {"PACKYARD_DATABASE_URL": database_url, "PACKYARD_DATA_DIR": str(tmp_path)}

    def run(*args: str) -> Any:
        return runner.invoke(main, list(args), env=env, catch_exceptions=False)

    return run
