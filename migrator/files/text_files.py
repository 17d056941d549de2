"""Files that are not Python but may hold the legacy DashScope endpoint (rule RSP004).

Configuration, scripts and docs carry base URLs as often as code does: `.env` files, YAML
and JSON configs, JavaScript/TypeScript clients, shell scripts with `curl`, Dockerfiles,
READMEs. In them the legacy path `/api/v2/apps/protocols/compatible-mode/v1` is found in
any full URL (`https://<host>/api/v2/...`), reported at its line and column under RSP004
and, by `apply`, rewritten to `/compatible-mode/v1` with the host and whatever follows the
path (`/responses`, a quote) left alone. The URL logic is the rule's own
(`migrator.rules.legacy_base_url`); application endpoints (`/api/v2/apps/agent/...`) never
match it.

The text is decoded as UTF-8 (a BOM, UTF-16 or UTF-32 as marked), else as latin-1, which
maps every byte to one character and back: URLs are ASCII, so the rewrite is exact in any
ASCII-compatible encoding and every other byte is written back as it was.
"""

from __future__ import annotations

import codecs
import fnmatch

from migrator.engine import Result
from migrator.findings import Finding, Severity
from migrator.settings import Settings

#: The rule that acts on these files: RSP004 legacy-base-url (`migrator.rules.legacy_base_url`).
RULES = ("RSP004",)

#: Looked for when walking directories.
DISCOVERED = (
    "*.env", ".env.*", "*.yaml", "*.yml", "*.json", "*.toml", "*.ini", "*.cfg", "*.conf",
    "*.js", "*.mjs", "*.cjs", "*.ts", "*.mts", "*.cts", "*.jsx", "*.tsx", "*.sh", "*.bash", "*.zsh",
    "Dockerfile", "Dockerfile.*", "*.dockerfile", "*.md",
)  # fmt: skip
#: Treated as text (not as Python) when named on the command line or matched by --include.
KNOWN = DISCOVERED + ("*.txt", "*.rst", "*.properties", "*.xml", "*.html", "*.ps1", "*.bat", "*.cmd")

#: Byte order marks, longest first. The UTF-16/32 codecs named keep the mark in the text (as
#: U+FEFF), so the file is written back in the byte order it came in.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


class TextFileError(Exception):
    """The file cannot be read as text; the message says why, in a few words."""


def is_discovered(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in DISCOVERED)


def is_text(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in KNOWN)


def decode(raw: bytes) -> tuple[str, str]:
    """Bytes → (text, encoding): as a BOM says, else UTF-8, else latin-1 (which never fails)."""
    encoding = next((name for bom, name in _BOMS if raw.startswith(bom)), None)
    if encoding is None and b"\0" in raw:
        raise TextFileError("not a text file (it contains NUL bytes)")
    try:
        return raw.decode(encoding or "utf-8"), encoding or "utf-8"
    except UnicodeDecodeError:
        if encoding is not None:
            raise TextFileError(f"cannot decode as {encoding}") from None
    return raw.decode("latin-1"), "latin-1"


def migrate_text(raw: bytes, settings: Settings) -> tuple[str, str, Result, bytes | None]:
    """(text, encoding, result, bytes to write or None) for one text file."""
    text, encoding = decode(raw)
    if not any(settings.rule_enabled(code) for code in RULES):
        return text, encoding, Result(text, text, parsed=False), None
    # The rule's module (with LibCST, as every rule) is imported only for a file that holds the
    # legacy path: most runs have none.
    from migrator.rules.legacy_base_url import rewrite_legacy_urls_in_text

    new_text, changes = rewrite_legacy_urls_in_text(text)
    bom = text.startswith("\ufeff")  # not a column of the first line
    findings = [
        Finding(line, column - (bom and line == 1), RULES[0], f"legacy DashScope path → `{new}`", Severity.ERROR, True)
        for line, column, _old, new in changes
    ]
    new_raw = new_text.encode(encoding) if new_text != text else None
    return text, encoding, Result(text, new_text, findings), new_raw
