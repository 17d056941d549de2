"""RSP004 legacy-base-url: the legacy DashScope path `/api/v2/apps/protocols/compatible-mode/v1`
becomes `/compatible-mode/v1`.

Model Studio first served the Responses API on the legacy path; it now says that path "will
be deprecated soon" and serves Responses at `/compatible-mode/v1`, the same base URL as Chat
Completions. Any Python string literal that is exactly such a base URL is rewritten (in
`base_url=`, in constants, in `os.getenv` defaults), with the host left alone: hosts carry
the region and workspace, which the tool never changes. The Conversations path
(`.../conversations`) moves the same way. Application endpoints
(`/api/v2/apps/agent/<APP_ID>/...`) are a different API and are never touched.

    - base_url="https://dashscope-intl.aliyuncs.com/api/v2/apps/protocols/compatible-mode/v1",
    + base_url="https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
"""

from __future__ import annotations

import re

import libcst as cst

from migrator.engine import FileContext
from migrator.rules import Rule

_LEGACY_PATH = "/api/v2/apps/protocols/compatible-mode/v1"
LEGACY_URL = re.compile(
    r"^(?P<origin>https?://[A-Za-z0-9.\-{}]+(?::\d+)?)/api/v2/apps/protocols/compatible-mode/v1"
    r"(?P<rest>/conversations)?(?P<slash>/?)$"
)


class LegacyBaseUrl(Rule):
    code = "RSP004"
    summary = "legacy `/api/v2/apps/protocols/compatible-mode/v1` URLs become `/compatible-mode/v1`"
    triggers = ("/api/v2/apps/protocols/compatible-mode",)
    needs_openai_import = False  # a URL is a URL, whoever reads it

    def apply(self, ctx: FileContext) -> None:
        for literal in ctx.tree.nodes(cst.SimpleString):
            if _LEGACY_PATH not in literal.value:
                continue  # (what LEGACY_URL needs; most strings are not URLs at all)
            if "b" in literal.prefix.lower():
                continue
            # Matched on the literal's text, not its value, so the prefilter's trigger (a
            # plain substring of the file) can never miss a string this rule rewrites.
            body = literal.value[len(literal.prefix) + len(literal.quote) : -len(literal.quote)]
            match = LEGACY_URL.match(body)
            if match is None:
                continue
            new_body = f"{match['origin']}/compatible-mode/v1{match['rest'] or ''}{match['slash']}"
            new_value = f"{literal.prefix}{literal.quote}{new_body}{literal.quote}"
            ctx.tree.edit(literal, lambda node, value=new_value: node.with_changes(value=value))
            ctx.report(literal, self.code, f"legacy DashScope path → `{new_body}`")


#: The legacy base URL anywhere in a text file (configs, scripts, docs): a full URL whose origin
#: is followed by the legacy path. What comes after `/v1` (`/responses`, a quote, the full stop
#: of a sentence) stays; `$` is allowed in hosts for `${REGION}`-style templates.
LEGACY_URL_IN_TEXT = re.compile(
    r"(?P<origin>https?://[A-Za-z0-9.\-{}$]+(?::\d+)?)/api/v2/apps/protocols/compatible-mode/v1(?![A-Za-z0-9_\-])"
)


def rewrite_legacy_urls_in_text(text: str) -> tuple[str, list[tuple[int, int, str, str]]]:
    """Rewrite every legacy base URL in `text` (not Python: any text file), host untouched.

    Returns the new text and, per URL, `(line, column, old, new)`: 1-based, in characters,
    pointing at the URL's first character; `old` / `new` are the base URLs.
    """
    changes = []
    parts, end = [], 0
    line, line_start = 1, 0
    for match in LEGACY_URL_IN_TEXT.finditer(text):
        line += text.count("\n", line_start, match.start())
        line_start = text.rfind("\n", 0, match.start()) + 1
        new = f"{match['origin']}/compatible-mode/v1"
        changes.append((line, match.start() - line_start + 1, match[0], new))
        parts += [text[end : match.start()], new]
        end = match.end()
    return "".join(parts) + text[end:], changes
