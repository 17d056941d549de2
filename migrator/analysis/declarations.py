"""What only the user knows: where a base URL the code cannot show points, and which models a
value the code cannot show holds, declared once in `[tool.migrator.base-urls]` and
`[tool.migrator.models]`.

A declaration names a value the way the code reads it (`Analysis.value_sources` finds them):

- `$LLM_BASE_URL`: the environment variable, however it is read (`os.getenv("LLM_BASE_URL")`,
  `os.environ["LLM_BASE_URL"]`, `os.environ.get(...)`, with or without a default, directly or
  through a name or `self.<attr>` that holds it). `$OPENAI_BASE_URL` is where a client with no
  base_url goes (the SDK reads that variable).
- `settings.LLM_BASE_URL`: a dotted name, matched on the expression as written
  (`settings.LLM_BASE_URL`, `self.base_url`, `BASE_URL`) or on its qualified name through the
  imports (`django.conf.settings.LLM_BASE_URL`, `app.config.BASE_URL`).
- `*`: every value the code cannot show and no other key names (not a client with no base_url:
  that is `$OPENAI_BASE_URL`'s).

What the code shows comes first: a literal or a constant is never looked up, and where the code
shows a default (`os.getenv("X") or "https://..."`, a parameter's default) `*` only adds to it.
A declaration of `$X` says that X is set, so the default `os.getenv("X", "https://...")` gives
when it is not no longer decides.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import libcst as cst

from migrator.analysis.providers import Provider, Target, classify_base_url, declared_base_urls

BASE_URLS_TABLE = "[tool.migrator.base-urls]"
MODELS_TABLE = "[tool.migrator.models]"
#: The key that declares every value no other key names.
ANY_VALUE = "*"
#: The key of a client that has no base_url: the SDK sends it where this variable says.
NO_BASE_URL = "$OPENAI_BASE_URL"


@dataclass(frozen=True)
class Source:
    """One value an expression may hold, and the keys a declaration names it by."""

    #: The code that gives the value, as written (`os.getenv("LLM_BASE_URL")`).
    code: str
    #: The keys that name it, most specific first: `$LLM_BASE_URL`; a dotted name as written,
    #: then its qualified name. () when only `*` can.
    keys: tuple[str, ...] = ()
    #: The string the code shows it holds (`proven`), or falls back to (a default).
    value: str | None = None
    #: True when `value` is all it can hold: no declaration is looked up.
    proven: bool = False
    #: True for the default of `os.getenv("X", value)`, which decides unless `$X` is declared
    #: (as the code is read without declarations).
    default_decides: bool = False
    #: Where `value` comes from, in words for a message ("the default of $LLM_MODEL").
    origin: str = ""


def dotted_name(expr: cst.BaseExpression) -> str | None:
    """`settings.LLM_BASE_URL` for that expression; None for anything but names and attributes."""
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        base = dotted_name(expr.value)
        return f"{base}.{expr.attr.value}" if base is not None else None
    return None


def declaration(table: str, key: str, value: str | tuple[str, ...]) -> str:
    """A declaration as the user writes it: `[tool.migrator.base-urls] "$X" = "dashscope"`."""
    written = f'"{value}"' if isinstance(value, str) else "[" + ", ".join(f'"{v}"' for v in value) + "]"
    return f'{table} "{key}" = {written}'


# -- base URLs -------------------------------------------------------------------------------


def declared_target(key: str, what: str) -> Target | None:
    """Where `key` points by `[tool.migrator.base-urls]`, `what` (the code, in words) named in
    its evidence; None when it is not declared. A URL is classified as the same URL written in
    the code would be (its region, a legacy or an application path)."""
    value = dict(declared_base_urls()).get(key)
    if value is None:
        return None
    line = declaration(BASE_URLS_TABLE, key, value)
    target = Target(Provider(value), "") if value in _PROVIDER_NAMES else classify_base_url(value)
    return replace(target, evidence=f"{what} as declared in {line}", declared=(line,))


_PROVIDER_NAMES = frozenset({Provider.OPENAI.value, Provider.DASHSCOPE.value, Provider.OTHER.value})


def settled_base_url(sources: list[Source]) -> Target | None:
    """Where a base_url that may hold these values points, when declarations settle every value
    the code does not show; None when one stays unknown, or when no declaration is needed."""
    if not declared_base_urls():
        return None
    targets = [_source_target(source) for source in sources]
    known = [target for target in targets if target is not None]
    if len(known) < len(targets) or not any(target.declared for target in known):
        return None
    return merge_targets(known)


def unsettled_keys(sources: list[Source]) -> list[str]:
    """For each value no declaration settles, the key that would: its most specific one, or `*`."""
    keys = [(source.keys or (ANY_VALUE,))[0] for source in sources if _source_target(source) is None]
    return list(dict.fromkeys(keys))


def _source_target(source: Source) -> Target | None:
    if source.proven and source.value is not None:
        return classify_base_url(source.value)
    for key in source.keys:
        declared = declared_target(key, f"base_url `{source.code}`")
        if declared is not None:
            return declared
    if source.default_decides and source.value is not None:
        shown = classify_base_url(source.value)
        return replace(shown, evidence=f"{shown.evidence}, {source.origin}")
    project = declared_target(ANY_VALUE, f"base_url `{source.code}`")
    if project is None or source.value is None:
        return project
    # The default the code shows is still one of the values: the call must be fine with both.
    return merge_targets([project, classify_base_url(source.value)])


def project_target(target: Target, what: str) -> Target:
    """An unknown endpoint the code shows nothing of (`**kwargs`, a client passed in): where `*`
    declares, else the same with the declaration that would settle it."""
    if target.provider is not Provider.UNKNOWN:
        return target
    return declared_target(ANY_VALUE, what) or with_hint(target, [ANY_VALUE])


def with_hint(target: Target, keys: Iterable[str]) -> Target:
    """An unknown target whose evidence also says which declaration would settle it."""
    keys = list(keys)
    if target.provider is not Provider.UNKNOWN or not keys:
        return target
    hint = base_url_hint(keys, target.likely)
    return replace(target, evidence=f"{target.evidence}; {hint}", declarable=tuple(keys))


def environment_keys(sources: list[Source]) -> tuple[str, ...]:
    """The variables whose declaration would say where a base_url the code reads from the
    environment points, beside the default the code gives it."""
    return tuple(dict.fromkeys(s.keys[0] for s in sources if s.keys[:1] and s.keys[0].startswith("$")))


def base_url_hint(keys: list[str], likely: Provider | None = None) -> str:
    """`say where it points: [tool.migrator.base-urls] "$X" = "dashscope" (or ...)`, one line."""
    provider = likely if likely in (Provider.OPENAI, Provider.DASHSCOPE) else Provider.DASHSCOPE
    assert provider is not None  # (one of the two, as just chosen)
    others = ", ".join(f'"{name}"' for name in sorted(_PROVIDER_NAMES - {provider.value}))
    entries = ", ".join(f'"{key}" = "{provider.value}"' for key in keys)
    subject = "every base_url the code does not show points" if keys == [ANY_VALUE] else "it points"
    return f"say where {subject}: {BASE_URLS_TABLE} {entries} (or {others}, or a URL)"


def merge_targets(targets: list[Target]) -> Target:
    """The target of a base_url that may be any of these: one that stays on Chat Completions
    decides (another provider, an endpoint without Responses); one provider is that provider;
    two are unknown. The declarations of all of them are kept, to be said."""
    first = targets[0]
    if all(target == first for target in targets):
        return first
    declared = tuple(dict.fromkeys(line for target in targets for line in target.declared))
    staying = next((t for t in targets if t.provider is Provider.OTHER or t.unsupported), None)
    if staying is not None:
        return replace(staying, declared=declared)
    evidence = " or ".join(dict.fromkeys(target.evidence for target in targets))
    if len({target.provider for target in targets}) == 1:
        return Target(first.provider, evidence, configured=all(t.configured for t in targets), declared=declared)
    return Target(Provider.UNKNOWN, f"it may be {evidence}", declared=declared)


# -- models ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelStrings:
    """The models a `model=` argument may be, with where each comes from, as the code and the
    declarations show them."""

    candidates: list[tuple[str, str]]
    #: True when those are all it can be.
    complete: bool
    #: The declarations they rest on, each as the user writes it.
    declared: tuple[str, ...] = ()
    #: The declaration that would settle what is left unknown, as a hint; "" when none would.
    hint: str = ""
    #: Why it may be another model the code does not show (a clause, `StringCandidates.why`).
    why: str = ""


def declared_models(key: str, table: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[str, ...] | None:
    """The models `[tool.migrator.models]` (`table`) declares for `key`; None when it does not."""
    return dict(table).get(key)


def settled_models(sources: list[Source], table: tuple[tuple[str, tuple[str, ...]], ...]) -> ModelStrings | None:
    """The models, when a declaration of `table` settles some value the code does not show;
    None when none does (the code alone answers then)."""
    candidates: list[tuple[str, str]] = []
    declared: list[str] = []
    unsettled: list[Source] = []
    for source in sources:
        models, settled, line = _source_models(source, table)
        candidates += models
        if not settled:
            unsettled.append(source)
        if line:
            declared.append(line)
    if not declared:
        return None
    return ModelStrings(
        list(dict.fromkeys(candidates)), not unsettled, tuple(dict.fromkeys(declared)), model_hint(unsettled)
    )


def _source_models(
    source: Source, table: tuple[tuple[str, tuple[str, ...]], ...]
) -> tuple[list[tuple[str, str]], bool, str]:
    """The models one value may be, whether those are all, and the declaration they rest on ("" for
    none), looked up in the order of `_source_target`. A default the code shows counts beside `*`,
    and when nothing settles the value."""
    shown = [(source.value, source.origin)] if source.value is not None else []
    if source.proven:
        return shown, True, ""
    for key in source.keys:
        listed = declared_models(key, table)
        if listed is not None:
            origin = f'as declared in {MODELS_TABLE} "{key}"'
            return [(model, origin) for model in listed], True, declaration(MODELS_TABLE, key, listed)
    if source.default_decides:
        return shown, True, ""
    listed = declared_models(ANY_VALUE, table)
    if listed is None:
        return shown, False, ""
    origin = f'as declared in {MODELS_TABLE} "{ANY_VALUE}"'
    return shown + [(model, origin) for model in listed], True, declaration(MODELS_TABLE, ANY_VALUE, listed)


def model_hint(sources: list[Source]) -> str:
    """`declare the models it may be: [tool.migrator.models] "$LLM_MODEL" = [...]`; "" for none."""
    keys = list(dict.fromkeys((source.keys or (ANY_VALUE,))[0] for source in sources if not source.proven))
    if not keys:
        return ""
    entries = ", ".join(f'"{key}" = ["<model>", ...]' for key in keys)
    subject = "in use" if keys == [ANY_VALUE] else "it may be"
    return f"declare the models {subject}: {MODELS_TABLE} {entries}"


def unsettled_model_sources(sources: list[Source]) -> list[Source]:
    """The values of a model argument the code does not settle (without declarations)."""
    return [source for source in sources if not source.proven and not source.default_decides]
