"""RSP004 legacy-base-url: the legacy DashScope path `/api/v2/apps/protocols/compatible-mode/v1`
becomes `/compatible-mode/v1`.

What it does

Any Python string literal that is exactly such a base URL is rewritten (in `base_url=`, in
constants, in `os.getenv` defaults), with the host left alone. So is the legacy path alone
(`HOST + "/api/v2/..."`), an f-string with placeholders in its host or before the path
(`f"{BASE}/api/v2/..."`), and the Responses and Conversations endpoints under the base URL
(`.../v1/responses/{id}`, `.../v1/conversations`).

Unlike the other rules it needs no OpenAI client: a URL is a URL, whoever reads it. Text files
that a run finds in a directory (`.env`, YAML, JSON and TOML configs, JavaScript and TypeScript,
shell scripts, Dockerfiles, Markdown) get the same rewrite of every full URL on the legacy path,
with whatever follows the path (`/responses`, a quote) left as it is.

Why

Model Studio first served the Responses API on the legacy path; it now says that path "will
be deprecated soon" and serves Responses at `/compatible-mode/v1`, the same base URL as Chat
Completions.

Example

    - base_url="https://dashscope-intl.aliyuncs.com/api/v2/apps/protocols/compatible-mode/v1",
    + base_url="https://dashscope-intl.aliyuncs.com/compatible-mode/v1",

Fix safety

Only a URL that moves as it is gets rewritten, and only its path changes: hosts carry the
region and workspace, which the tool never changes. Any other URL on the legacy path (a query
string, another endpoint, a byte string) is reported, to change by hand. Application endpoints
(`/api/v2/apps/agent/<APP_ID>/...`) are a different API and are never touched, nor are
sentences that mention the old path. A `# migrator: ignore[RSP004]` comment keeps the string
on its line as it is.

Known problems

An f-string with literal braces (`{{`, `}}`) in its text is not looked at.

Options

None (`--ignore RSP004` leaves every URL as it is).
"""

from __future__ import annotations

import re

import libcst as cst

from migrator.rules.base import FileContext
from migrator.rules.base import Rule

_LEGACY_PATH = "/api/v2/apps/protocols/compatible-mode/v1"
_NEW_PATH = "/compatible-mode/v1"


class LegacyBaseUrl(Rule):
    code = "RSP004"
    summary = "legacy `/api/v2/apps/protocols/compatible-mode/v1` URLs become `/compatible-mode/v1`"
    triggers = ("/api/v2/apps/protocols/compatible-mode",)
    needs_openai_import = False  # a URL is a URL, whoever reads it
    keeps_sent_values = True  # (the URL a client is made with, never what a call sends)

    def apply(self, ctx: FileContext) -> None:
        tree = ctx.tree
        strings: tuple[cst.SimpleString | cst.FormattedString, ...] = (
            *tree.nodes(cst.SimpleString),
            *tree.nodes(cst.FormattedString),
        )
        for literal in strings:
            # Matched on the literal's text, not its value, so the prefilter's trigger (a
            # plain substring of the file) can never miss a string this rule rewrites.
            text = _template(literal)
            if text is None or _LEGACY_PATH not in text:
                continue  # (most strings are not URLs at all)
            new_text = None if "b" in literal.prefix.lower() else _moved(text)  # (bytes go to a socket, not the SDK)
            if new_text is None:
                if _URL_ON_LEGACY_PATH.match(text):
                    ctx.report(
                        literal,
                        self.code,
                        "a URL on the legacy DashScope path: move it to `/compatible-mode/v1` by hand "
                        "(migrator rewrites base URLs and the Responses and Conversations endpoints only)",
                        fixable=False,
                    )
                continue
            tree.edit(literal, lambda node, new=new_text: _with_text(node, new))
            ctx.report(literal, self.code, f"legacy DashScope path → `{new_text.replace(_PLACEHOLDER, '{…}')}`")


#: What an f-string's placeholders read as in `_template` (a host can hold no such character).
_PLACEHOLDER = "\0"
#: A URL on the legacy path in a string's text as `_template` gives it, that moves as it is: the
#: base URL, or the Responses or Conversations endpoints under it (`.../v1/responses/{id}`). Its
#: host may hold f-string placeholders (`f"https://{HOST}/api/..."`); it may also be the path
#: alone (`HOST + "/api/v2/apps/protocols/compatible-mode/v1"`), or after a placeholder
#: (`f"{BASE}/api/..."`).
_P = re.escape(_PLACEHOLDER)
_LEGACY_BASE = re.compile(
    rf"^(?:https?://(?:[A-Za-z0-9.\-{{}}]|{_P})+(?::\d+)?|{_P})?/api/v2/apps/protocols/compatible-mode/v1"
    rf"(?:/(?:responses|conversations)(?:/(?:[A-Za-z0-9_.\-]|{_P})+)*)?/?$"
)
#: Any URL (or path) on the legacy path: one word, no spaces (a sentence is not a URL).
_URL_ON_LEGACY_PATH = re.compile(r"^(?:https?://)?[^\s/]*/api/v2/apps/protocols/compatible-mode/v1(?:[/?#]\S*)?$")


def _template(literal: cst.SimpleString | cst.FormattedString) -> str | None:
    """The string's text as written, each f-string placeholder as `_PLACEHOLDER`; None for an
    f-string with braces in its text (`{{`)."""
    if isinstance(literal, cst.SimpleString):
        return literal.value[len(literal.prefix) + len(literal.quote) : -len(literal.quote)]
    parts = []
    for part in literal.parts:
        if isinstance(part, cst.FormattedStringText):
            if "{" in part.value or "}" in part.value:
                return None
            parts.append(part.value)
        else:
            parts.append(_PLACEHOLDER)
    return "".join(parts)


def _moved(text: str) -> str | None:
    """`text` on the new path, when it is a URL (or the path alone) that moves as it is."""
    if _LEGACY_BASE.match(text) is None:
        return None
    return text.replace(_LEGACY_PATH, _NEW_PATH, 1)


def _with_text(node: cst.SimpleString | cst.FormattedString, new: str) -> cst.SimpleString | cst.FormattedString:
    if isinstance(node, cst.SimpleString):
        return node.with_changes(value=f"{node.prefix}{node.quote}{new}{node.quote}")
    # The path holds no placeholder, so one text part holds all of it: only that part changes.
    parts = list(node.parts)
    for index, part in enumerate(parts):
        if isinstance(part, cst.FormattedStringText) and _LEGACY_PATH in part.value:
            parts[index] = part.with_changes(value=part.value.replace(_LEGACY_PATH, _NEW_PATH, 1))
            return node.with_changes(parts=parts)
    raise AssertionError("the legacy path is not in the f-string's text")


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
