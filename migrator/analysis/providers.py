"""Which service a base URL points at, from the facts in `data/dashscope.toml`."""

from __future__ import annotations

import fnmatch
import pkgutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import Any
from urllib.parse import urlsplit

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


class Provider(str, Enum):
    OPENAI = "openai"
    DASHSCOPE = "dashscope"
    OTHER = "other"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Target:
    """Where a client sends its requests, as far as the code shows."""

    provider: Provider
    #: Why the tool believes so, in words for a message ("base_url 'https://…'").
    evidence: str
    #: Set when the client is on DashScope but the Responses API is not served there.
    unsupported: str | None = None
    #: True for OpenAI taken from the absence of a base_url (OPENAI_BASE_URL may say otherwise).
    by_default: bool = False
    #: For an unknown endpoint: where it points by default (a parameter's default base_url), so
    #: that what would fail there (an unlisted model) is still said.
    likely: Provider | None = None
    #: True when the user said which provider this host is (`[tool.migrator.providers]`).
    configured: bool = False
    #: The declarations of `[tool.migrator.base-urls]` this rests on, each as a line of that
    #: table (`"$LLM_BASE_URL" = "dashscope"`): the user's word, so no assumption, but said.
    declared: tuple[str, ...] = ()
    #: Keys of `[tool.migrator.base-urls]` whose declaration would say where this points, when the
    #: code leaves it to the environment (`$OPENAI_BASE_URL` for a client with no base_url).
    declarable: tuple[str, ...] = ()

    @property
    def migratable(self) -> bool:
        return self.provider in (Provider.OPENAI, Provider.DASHSCOPE) and self.unsupported is None


@cache
def dashscope_facts() -> dict[str, Any]:
    return _data_file("dashscope.toml")


def supported_models(extra: frozenset[str] = frozenset()) -> frozenset[str]:
    return frozenset(dashscope_facts()["responses_models"]) | extra


@cache
def _model_facts() -> dict[str, Any]:
    return _data_file("openai.toml")


def _data_file(name: str) -> dict[str, Any]:
    """A file of migrator/data, parsed (Any: the values are what the TOML file holds, read by key
    where they are used; tomli, for Python 3.10, is not type-checked: see [tool.mypy])."""
    # (pkgutil reads it through migrator's loader, as importlib.resources would, without the
    # score of modules importlib.resources imports)
    data = pkgutil.get_data("migrator", f"data/{name}")
    assert data is not None  # (a loader that cannot read its package's files never loads migrator)
    facts: dict[str, Any] = tomllib.loads(data.decode("utf-8"))
    return facts


def model_maker(model: str) -> str | None:
    """ "openai" for an OpenAI model name, "other" for another provider's, None when the name
    does not say (`data/openai.toml`)."""
    name = model.lower()
    facts = _model_facts()
    if name.startswith(tuple(facts["model_prefixes"])):
        return "openai"
    if name.startswith(tuple(facts["other_model_prefixes"])):
        return "other"
    return None


def openai_chat_only(model: str) -> bool:
    """An OpenAI model that OpenAI's Responses API does not serve (`data/openai.toml`)."""
    name = model.lower()
    return any(name == only or name.startswith(f"{only}-") for only in _model_facts()["chat_only_models"])


#: `Settings.provider_overrides` of the file being migrated (the engine sets it around a run, so
#: the analysis needs no settings of its own).
_OVERRIDES: ContextVar[tuple[tuple[str, str], ...]] = ContextVar("provider_overrides", default=())
#: `Settings.declared_base_urls`, set alongside (read by `migrator.analysis.declarations`).
_BASE_URLS: ContextVar[tuple[tuple[str, str], ...]] = ContextVar("declared_base_urls", default=())


@contextmanager
def provider_overrides(
    overrides: tuple[tuple[str, str], ...], base_urls: tuple[tuple[str, str], ...] = ()
) -> Iterator[None]:
    """Within this block, `classify_base_url` takes these (host pattern, provider) pairs first,
    and the base URLs the code cannot show point where `base_urls` (key, value) declares."""
    overrides_token = _OVERRIDES.set(tuple(overrides))
    base_urls_token = _BASE_URLS.set(tuple(base_urls))
    try:
        yield
    finally:
        _BASE_URLS.reset(base_urls_token)
        _OVERRIDES.reset(overrides_token)


def declared_base_urls() -> tuple[tuple[str, str], ...]:
    """The `[tool.migrator.base-urls]` declarations in force: (key, provider or URL)."""
    return _BASE_URLS.get()


def _overridden(host: str) -> Provider | None:
    for pattern, provider in _OVERRIDES.get():
        if fnmatch.fnmatchcase(host, pattern.lower()):
            return Provider(provider)
    return None


def classify_base_url(url: str) -> Target:
    facts = dashscope_facts()
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    path = parts.path.rstrip("/")
    evidence = f"base_url {url!r}"
    overridden = _overridden(host)
    if overridden is not None:
        # The user's word about their gateway or proxy: no path or region checks.
        return Target(overridden, f"{evidence} (configured as {overridden.value})", configured=True)
    if host == "api.openai.com":
        return Target(Provider.OPENAI, evidence)
    if not _is_dashscope_host(host, facts):
        return Target(Provider.OTHER, evidence)
    if path.startswith(facts["application_path_prefix"].rstrip("/")):
        return Target(
            Provider.DASHSCOPE,
            evidence,
            unsupported="it is a Model Studio application endpoint, a different API from Responses",
        )
    if host in facts["hosts_without_responses"]:
        return Target(Provider.DASHSCOPE, evidence, unsupported=f"the Responses API is not listed for {host}")
    if path not in (facts["compatible_path"], facts["legacy_path"]):
        return Target(
            Provider.DASHSCOPE, evidence, unsupported=f"the path {path or '/'!r} is not an OpenAI-compatible one"
        )
    return Target(Provider.DASHSCOPE, evidence)


def _is_dashscope_host(host: str, facts: dict[str, Any]) -> bool:
    return (
        host in facts["responses_hosts"]
        or host in facts["hosts_without_responses"]
        or host.endswith(facts["workspace_host_suffix"])
        or host.endswith(".aliyuncs.com")
        and "dashscope" in host
    )
