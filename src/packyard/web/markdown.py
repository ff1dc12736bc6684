"""A package's readme, Markdown from whoever published the package, as inert HTML.

markdown-it-py in CommonMark mode with raw HTML off: a `<script>` or an `onerror=` in the
text is escaped, never passed through, so the only tags are the renderer's own and the only
attributes it writes are `href`, `src`, `alt` and `title`. What is left to check is where a
link or image points: `link_allowed` takes http(s), mailto and relative addresses only
(markdown-it's own check would let `data:image/…` through). The page's policy (no script at
all) stands behind this, not instead of it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import Markup

# A readme longer than this is cut before rendering: rendering is linear, but a page is not
# the place for megabytes (npm's own registry truncates readmes at 64 KiB).
MAX_README_CHARS = 64 * 1024
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):", re.IGNORECASE)
_ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
# Characters browsers drop or ignore in a URL before reading its scheme (`java\tscript:`).
_IGNORED = re.compile(r"[\x00-\x20\x7f]")


def link_allowed(url: str) -> bool:
    """http(s), mailto, or relative (a path, a query, a fragment); nothing else. Checked
    percent-decoded too: markdown-it hands over `java&#9;script:` as `java%09script:`, a
    harmless relative path for a browser, but not one a readme has any use for."""
    cleaned = _IGNORED.sub("", unquote(url))
    if cleaned.startswith("//") or "\\" in cleaned[:2]:
        return False  # another host's address without a scheme: fine, but not worth parsing
    scheme = _SCHEME.match(cleaned)
    return scheme is None or scheme.group(1).lower() in _ALLOWED_SCHEMES


def _link_open(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    # The publisher's links: not endorsed, and the page never hands them an opener.
    tokens[idx].attrSet("rel", "nofollow ugc noopener")
    return str(self.renderToken(tokens, idx, options, env))


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table").enable("strikethrough")
    md.validateLink = link_allowed  # type: ignore[method-assign]  # markdown-it's hook
    md.add_render_rule("link_open", _link_open)
    return md


_MD = _parser()


def render_readme(text: str | None) -> Markup | None:
    """The readme as HTML safe to put in a page, or None when there is none."""
    if not text:
        return None
    # The one value marked safe in the templates: markdown-it escaped it, links are checked.
    return Markup(_MD.render(text[:MAX_README_CHARS]))
