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

LEGACY_URL = re.compile(
    r"^(?P<origin>https?://[A-Za-z0-9.\-{}]+(?::\d+)?)/api/v2/apps/protocols/compatible-mode/v1"
    r"(?P<rest>/conversations)?(?P<slash>/?)$"
)


class LegacyBaseUrl(Rule):
    code = "RSP004"
    summary = "legacy `/api/v2/apps/protocols/compatible-mode/v1` URLs become `/compatible-mode/v1`"
    triggers = ("/api/v2/apps/protocols/compatible-mode",)

    def apply(self, ctx: FileContext) -> None:
        for literal in ctx.tree.nodes(cst.SimpleString):
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
