"""Reading a seed file: JSON through `json`, anything else as YAML through libyaml's C loader
where PyYAML was built with it (PyYAML's pure-Python loader alone takes ~13 s on a file of
60,000 versions).

JSON is YAML, and the reader chosen never changes what a file means: a number YAML 1.1 does
not read as a float (`1e5`, no dot or no exponent sign) stays the string YAML makes of it, a
`NaN` or `Infinity` (not JSON, a plain word in YAML) sends the file to the YAML reader, and so
does anything else that is not valid JSON, before it is refused.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

# PyYAML built without libyaml (a source build without its headers) still reads every file.
_YamlLoader: type[yaml.SafeLoader] = (
    yaml.CSafeLoader  # type: ignore[assignment]
    if yaml.__with_libyaml__
    else yaml.SafeLoader
)

# What of JSON's number syntax YAML 1.1 (PyYAML's resolver) reads as a float: a dot, and an
# exponent only with its sign.
_YAML_FLOAT = re.compile(r"-?[0-9]+\.[0-9]*(?:[eE][-+][0-9]+)?")


class SeedFileError(ValueError):
    """The text is neither JSON nor YAML; the message is the YAML parser's."""


def parse_seed(text: str) -> Any:
    """The document a seed file holds (None for an empty file)."""
    if text.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(text, parse_float=_float, parse_constant=_not_json)
        except ValueError:
            pass  # YAML in flow style, or JSON with what YAML reads otherwise: YAML decides
    try:
        return yaml.load(text, Loader=_YamlLoader)  # a safe loader, C or Python
    except yaml.YAMLError as error:
        raise SeedFileError(str(error)) from error


def _float(text: str) -> float | str:
    return float(text) if _YAML_FLOAT.fullmatch(text) else text


def _not_json(text: str) -> Any:
    raise ValueError(f"{text} is YAML's string, not a JSON number")
