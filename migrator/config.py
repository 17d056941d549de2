"""`[tool.migrator]` in pyproject.toml.

Found as ruff finds its own: walking up from the first path given (the current directory for
stdin), the nearest `pyproject.toml` that has a `[tool.migrator]` table. Command-line options
override it. An unknown key or a value of the wrong kind is an error that names the key.

```toml
[tool.migrator]
select = ["RSP001", "RSP002"]
ignore = ["RSP021"]
exclude = ["vendor", "legacy/*"]
extend-exclude = ["generated"]
thinking-effort = "high"
preserve-nonthinking = true
history-chains = false
session-cache = true
follow-imports = true
unsafe-fixes = false
extra-models = ["qwen-custom"]
line-length = 100

[tool.migrator.providers]
"llm-gateway.corp.example" = "dashscope"
"*.openai-proxy.example" = "openai"

[tool.migrator.base-urls]          # where base URLs the code cannot show point
"$LLM_BASE_URL" = "https://dashscope-intl.aliyuncs.com/compatible-mode/v1"
"settings.LLM_BASE_URL" = "dashscope"
"*" = "openai"

[tool.migrator.models]             # the models values the code cannot show may hold
"$LLM_MODEL" = ["qwen-plus", "qwen3-max"]
```

Without `line-length`, the `[tool.black]` line length of the project (as black finds it) is used.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from migrator.rules import rule_info
from migrator.settings import EFFORT_LEVELS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PROVIDERS = ("dashscope", "openai", "other")


class ConfigError(Exception):
    """The configuration cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Config:
    """The options a configuration file sets, by their Python names (as Settings / the CLI call them)."""

    path: Path | None = None
    options: dict[str, Any] = field(default_factory=dict)


def _strings(key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"`{key}` must be a list of strings")
    return tuple(value)


def _codes(key: str, value: Any) -> frozenset[str]:
    codes = frozenset(code.strip().upper() for code in _strings(key, value))
    unknown = sorted(code for code in codes if rule_info(code) is None)
    if unknown:
        raise ConfigError(f"`{key}`: unknown rule code {', '.join(unknown)} (see `migrator rules`)")
    return codes


def _bool(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"`{key}` must be true or false")
    return value


def _effort(key: str, value: Any) -> str:
    if not isinstance(value, str) or value not in EFFORT_LEVELS:
        raise ConfigError(f"`{key}` must be one of {', '.join(EFFORT_LEVELS)}")
    return value


def _line_length(key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"`{key}` must be a positive integer")
    return value


def _providers(key: str, value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        raise ConfigError(f"`{key}` must be a table of host = provider")
    for host, provider in value.items():
        if provider not in PROVIDERS:
            raise ConfigError(f"`{key}.{host}` must be one of {', '.join(PROVIDERS)}")
    return tuple((host.lower(), provider) for host, provider in value.items())


#: A declaration's key: `$VARIABLE`, a dotted name (`settings.LLM_BASE_URL`), or `*`.
_DECLARATION_KEY = re.compile(r"\*|\$[A-Za-z_]\w*|[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*", re.ASCII)


def _declarations(key: str, value: Any) -> dict[str, Any]:
    """A table of declarations by key. A dotted name written without quotes
    (`settings.LLM_BASE_URL = ...`) is a nested table to TOML: it is read back as its dotted key."""
    if not isinstance(value, dict):
        raise ConfigError(f"`{key}` must be a table of `$VARIABLE`, dotted name or `*` = value")
    flat: dict[str, Any] = {}
    for name, item in value.items():
        if isinstance(item, dict) and not name.startswith("$") and name != "*":
            flat.update({f"{name}.{inner}": deeper for inner, deeper in _declarations(key, item).items()})
        else:
            flat[name] = item
    for name in flat:
        if not _DECLARATION_KEY.fullmatch(name):
            raise ConfigError(
                f"`{key}.{name}`: a key must be `$VARIABLE`, a dotted name such as `settings.LLM_BASE_URL`, or `*`"
            )
    return flat


def _base_urls(key: str, value: Any) -> tuple[tuple[str, str], ...]:
    declared = _declarations(key, value)
    for name, url in declared.items():
        if not (url in PROVIDERS or isinstance(url, str) and _is_url(url)):
            raise ConfigError(f"`{key}.{name}` must be one of {', '.join(PROVIDERS)}, or a URL (https://...)")
    return tuple(declared.items())


def _is_url(text: str) -> bool:
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _models(key: str, value: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    declared = _declarations(key, value)
    models = []
    for name, listed in declared.items():
        names = [listed] if isinstance(listed, str) else listed
        if not (isinstance(names, list) and names and all(isinstance(n, str) and n for n in names)):
            raise ConfigError(f"`{key}.{name}` must be a model name or a list of model names")
        models.append((name, tuple(names)))
    return tuple(models)


#: key → (the option's Python name, the check that turns the TOML value into the option's value)
KEYS: dict[str, tuple[str, Callable[[str, Any], Any]]] = {
    "select": ("select", _codes),
    "ignore": ("ignore", _codes),
    "exclude": ("exclude", _strings),
    "extend-exclude": ("extend_exclude", _strings),
    "thinking-effort": ("thinking_effort", _effort),
    "preserve-nonthinking": ("preserve_nonthinking", _bool),
    "history-chains": ("history_chains", _bool),
    "session-cache": ("session_cache", _bool),
    "follow-imports": ("follow_imports", _bool),
    "unsafe-fixes": ("unsafe_fixes", _bool),
    "extra-models": ("extra_models", _strings),
    "providers": ("provider_overrides", _providers),
    "base-urls": ("declared_base_urls", _base_urls),
    "models": ("declared_models", _models),
    "line-length": ("line_length", _line_length),
}


def start_path(paths: Sequence[str]) -> Path:
    """Where the search starts: the first path given, or the current directory for stdin."""
    first = next((path for path in paths if path != "-"), None)
    return Path(first).absolute() if first is not None else Path.cwd()


def find(start: Path) -> tuple[Path, Any] | None:
    """The nearest pyproject.toml at or above `start` with a `[tool.migrator]` table, and that table
    (as parsed: Any, as TOML may hold anything there; `parse` checks it)."""
    directory = start if start.is_dir() else start.parent
    for folder in (directory, *directory.parents):
        candidate = folder / "pyproject.toml"
        if not candidate.is_file():
            continue
        try:
            data = tomllib.loads(candidate.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise ConfigError(f"{candidate}: cannot be read as TOML ({error})") from None
        table = data.get("tool", {}).get("migrator")
        if table is not None:
            return candidate, table
    return None


def parse(table: Any) -> dict[str, Any]:
    """Check a `[tool.migrator]` table; its options by Python name."""
    if not isinstance(table, dict):
        raise ConfigError("[tool.migrator] must be a table")
    options = {}
    for key, value in table.items():
        if key not in KEYS:
            raise ConfigError(f"unknown key `{key}` in [tool.migrator] (known: {', '.join(KEYS)})")
        name, check = KEYS[key]
        options[name] = check(key, value)
    return options


def load(paths: Sequence[str], *, read_black: bool = True) -> Config:
    """The configuration for a run over `paths`. `read_black`: without a `line-length` here,
    take black's (`black_line_length`); the command line asks for it only once a file is to be
    parsed."""
    start = start_path(paths)
    found = find(start)
    config = Config()
    if found is not None:
        path, table = found
        try:
            config = Config(path, parse(table))
        except ConfigError as error:
            raise ConfigError(f"{path}: {error}") from None
    if read_black and "line_length" not in config.options:
        black_length = black_line_length(paths)
        if black_length is not None:
            config.options["line_length"] = black_length
    return config


def black_line_length(paths: Sequence[str]) -> int | None:
    """The `[tool.black]` line length black would use for the files of `paths`, if one is set.

    Found as black finds its configuration (`black.find_pyproject_toml`, black 24 on), without
    importing black, which takes a tenth of a second that most runs never need: the project root
    is the nearest folder, from the first path given (or the current directory) up, with a
    `.git`, an `.hg` folder, or a `pyproject.toml` that has a `[tool.black]` table; its
    `pyproject.toml` if it has one, else black's user configuration (`~/.config/black`).
    A file that cannot be read as TOML on the way means none, as black's reading fails then.
    `tests/e2e/test_config.py` holds this to black's own answer."""
    start = str(start_path(paths))
    try:
        found = _black_config_file(Path(start) if Path(start).exists() else Path.cwd())
        if found is None:
            return None
        table = _toml(found).get("tool", {}).get("black", {})
    except (OSError, ValueError):  # (tomllib.TOMLDecodeError is a ValueError)
        return None
    options = {key.replace("--", "").replace("-", "_"): value for key, value in table.items()}
    length: int | None = options.get("line_length")
    return length


def _black_config_file(start: Path) -> Path | None:
    """`black.find_pyproject_toml((start,))`."""
    path = start.absolute().resolve()
    directory = path if path.is_dir() else path.parent
    for folder in (directory, *directory.parents):
        if (folder / ".git").exists() or (folder / ".hg").is_dir():
            break
        if (folder / "pyproject.toml").is_file() and "black" in _toml(folder / "pyproject.toml").get("tool", {}):
            break
    candidate = folder / "pyproject.toml"
    if candidate.is_file():
        return candidate
    try:
        if sys.platform == "win32":
            user = Path.home() / ".black"
        else:
            user = Path(os.environ.get("XDG_CONFIG_HOME", "~/.config")).expanduser() / "black"
        user = user.resolve()
    except (PermissionError, RuntimeError):
        return None  # (black says it ignores the user configuration directory)
    return user if user.is_file() else None


def _toml(path: Path) -> dict[str, Any]:
    with open(path, "rb") as file:
        parsed: dict[str, Any] = tomllib.load(file)
    return parsed
