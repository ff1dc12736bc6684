from __future__ import annotations

import json

import pytest

from packyard.registries.oci.errors import ERRORS, ErrorCode, RegistryError


@pytest.mark.parametrize("code", list(ErrorCode))
def test_every_code_renders_in_the_specs_shape(code: ErrorCode) -> None:
    assert code in ERRORS
    error = RegistryError(code, detail={"digest": "sha256:x"})
    body = json.loads(error.body())
    assert body == {
        "errors": [
            {"code": code.value, "message": ERRORS[code][1], "detail": {"digest": "sha256:x"}}
        ]
    }
    assert error.status == ERRORS[code][0] and 400 <= error.status < 500
