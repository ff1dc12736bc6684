"""Write src/packyard/client/_async_rest.py: the awaitable twin of client/rest.py.

The sync namespaces are the one hand-written copy; this turns every method into an
`async def` that awaits the same `_call`, so the two can never drift. A test regenerates the
file and fails if the committed one differs.

    .venv/bin/python scripts/generate_async_rest.py
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / "packyard" / "client" / "rest.py"
TARGET = ROOT / "src" / "packyard" / "client" / "_async_rest.py"
NAMESPACES = ("PackagesApi", "UsersApi", "RateLimitApi")

HEADER = '''"""`async_client.rest.*`: the awaitable twin of `packyard.client.rest`.

Generated from rest.py by scripts/generate_async_rest.py; do not edit by hand.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from packyard.client.models import Owner, Package, PackageVersion, RateLimit

if TYPE_CHECKING:
    from packyard.client._async_client import AsyncClient


class _AsyncNamespace:
    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def _call(self, name: str, **arguments: Any) -> Any:
        return await self._client._operation(name, arguments)
'''


class _AwaitCalls(ast.NodeTransformer):
    """`self._call(...)` becomes `await self._call(...)`."""

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "_call":
            return ast.Await(value=node)
        return node


def _async_method(method: ast.FunctionDef) -> ast.AsyncFunctionDef:
    body = [_AwaitCalls().visit(statement) for statement in method.body]
    return ast.AsyncFunctionDef(
        name=method.name,
        args=method.args,
        body=body,
        decorator_list=[],
        returns=method.returns,
        type_comment=None,
        type_params=[],
    )


def _async_class(node: ast.ClassDef) -> ast.ClassDef:
    doc = f"Awaitable twin of `{node.name}`: the same methods, each a coroutine."
    methods: list[ast.stmt] = [ast.Expr(ast.Constant(doc))]
    methods += [
        _async_method(item)
        for item in node.body
        if isinstance(item, ast.FunctionDef) and not item.name.startswith("__")
    ]
    return ast.ClassDef(
        name=f"Async{node.name}",
        bases=[ast.Name("_AsyncNamespace")],
        keywords=[],
        body=methods,
        decorator_list=[],
        type_params=[],
    )


REST = '''

class AsyncRest:
    """The namespaces under `async_client.rest`, as on the sync client."""

    def __init__(self, client: AsyncClient) -> None:
        self.packages = AsyncPackagesApi(client)
        self.users = AsyncUsersApi(client)
        self.rate_limit = AsyncRateLimitApi(client)
'''


def generate() -> str:
    tree = ast.parse(SOURCE.read_text())
    classes = [
        _async_class(node)
        for node in tree.body
        if isinstance(node, ast.ClassDef) and node.name in NAMESPACES
    ]
    body = "\n\n".join(ast.unparse(ast.fix_missing_locations(c)) for c in classes)
    text = HEADER + "\n\n" + body + "\n" + REST
    formatted = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--stdin-filename", str(TARGET), "-"],
        input=text,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return formatted.stdout


if __name__ == "__main__":
    TARGET.write_text(generate())
    print(f"wrote {TARGET.relative_to(ROOT)}")
