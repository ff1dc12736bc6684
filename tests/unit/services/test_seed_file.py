"""A seed file reads the same through `json` as through YAML, only faster."""

from __future__ import annotations

import pytest
import yaml

from packyard.services.seed_file import SeedFileError, parse_seed


@pytest.mark.parametrize(
    "value",
    ["1", "-0", "1.5", "10.0", "1.0e+5", "1.5e-7", "1e5", "1.0e5", "1E+5", '"\\/"', '"é\\u00e9"'],
)
def test_json_means_what_yaml_means(value: str) -> None:
    text = f'{{"versions": [{{"name": {value}}}]}}'
    assert parse_seed(text) == yaml.safe_load(text)


@pytest.mark.parametrize("text", ['{"n": NaN}', '{"n": -Infinity}', "{n: 1}", "[1, 2,]"])
def test_what_json_refuses_yaml_reads(text: str) -> None:
    assert parse_seed(text) == yaml.safe_load(text)


def test_yaml_and_nothing() -> None:
    assert parse_seed("users:\n  - login: zed\n") == {"users": [{"login": "zed"}]}
    assert parse_seed("") is None


def test_neither_is_an_error() -> None:
    with pytest.raises(SeedFileError, match="did not find expected node content"):
        parse_seed("users: [\n")
