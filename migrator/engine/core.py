"""The pure core: source text in, migrated text and findings out. No files, no output.

One run: rules plan, the engine decides which calls migrate, rules apply. The edits rules ask for
(`ctx.tree.edit`) are held, tagged with the rule's code, and registered together at the end, so
that the passes below can follow them; none costs anything when it has nothing to do.

- Suppressions (`migrator/engine/suppressions.py`), only in files with a `# migrator: ignore` marker:
  a suppressed edit or finding that belongs to a migrated call keeps that call on Chat
  Completions (silently) and the run starts again, until none does; other suppressed edits are
  dropped, suppressed findings left out.
- `--todo-comments` (`migrator/engine/todo_pass.py`): calls left for a human get a TODO line above them.
- Layout (`migrator/engine/layout_pass.py`): a statement whose lines the rewrite made too long is laid out
  as black would; with `--black` the whole changed file goes through black.
"""

from __future__ import annotations

import ast
import sys

import libcst as cst

from migrator.engine import layout_pass as layout
from migrator.engine import todo_pass as todo
from migrator.syntax import SourceTree
from migrator.analysis import (
    FEATURE,
    HELD_PARTS,
    MODEL,
    Block,
    CompletionCall,
    ProjectIndex,
    ResultUse,
    UnpackedDict,
    decisive_blocks,
    describe_escape,
)
from migrator.findings import Finding, Severity
from migrator.engine.prefilter import Prefilter, imports_openai
from migrator.analysis import provider_overrides
from migrator.engine.safe_parsing import (
    InternalError,
    SourceError,
    check_nesting,
    keep_what_libcst_lost,
    python_cannot_parse,
    python_parses,
)
from migrator.rules import all_rules
from migrator.rules.base import FileContext, Rule
from migrator.settings import Settings
from migrator.engine.suppressions import HeldEditsTree, Suppressions, calls_touched
from migrator.engine.suppressions import scan as scan_suppressions
from migrator.engine.result import Result


def enabled_rules(settings: Settings) -> list[Rule]:
    return [rule() for rule in all_rules() if settings.rule_enabled(rule.code)]


def could_apply(
    source: str,
    settings: Settings,
    python_tree: ast.Module | None = None,
    project: ProjectIndex | None = None,
    filename: str = "<string>",
) -> bool:
    """The prefilter on text: False when no enabled rule can act on it. With Python's tree of
    the source, also False when only rules that need an `import openai` could, and it has none
    (nor, with a project index, an import of a module of the project that exports a client)."""
    if python_tree is None:
        imports = True if project else None  # the client may come from another module
    else:
        imports = imports_openai(python_tree) or bool(project and project.imported_by(python_tree, filename))
    return Prefilter.for_rules(settings).in_text(source, imports)


def migrate_source(
    source: str, settings: Settings | None = None, filename: str = "<string>", project: ProjectIndex | None = None
) -> Result:
    """Migrate one file's text. `project` (a `ProjectIndex`) resolves clients that other
    modules of the project export; without it, only what the file itself shows counts."""
    settings = settings or Settings()
    if not could_apply(source, settings, project=project):
        return Result(source, source, parsed=False)
    suppressions = scan_suppressions(source)
    if suppressions is not None and suppressions.whole_file:
        return Result(source, source, parsed=False)
    python_tree = check_nesting(source)  # before LibCST, whose parser would crash the process
    # Python's parser is many times faster than LibCST's: what it shows (no `import openai`)
    # spares most files that name a trigger only in passing.
    if python_tree is not None and not could_apply(source, settings, python_tree, project, filename):
        return Result(source, source, parsed=False)
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        raise SourceError(_syntax_error_message(source, python_tree, error)) from None
    except RecursionError:
        raise SourceError("the code is nested too deeply to parse") from None
    rules = enabled_rules(settings)
    with provider_overrides(settings.provider_overrides, settings.declared_base_urls):
        ctx = _run(module, rules, settings, filename, project, suppressions)
        findings = _findings(ctx)
        if not ctx.tree.has_edits:
            return Result(source, source, findings)  # most parsed files: no code generation
        new_source = ctx.tree.edited_code()  # (its pass also gives `unedited_code` below)
        if new_source != source and not python_parses(new_source):
            raise InternalError(_culprit_message(source, module, rules, settings, filename))
    if new_source == source:
        return Result(source, source, findings)
    migrated_calls = len(ctx.migrated_sites)
    if settings.black:  # black rewrites whitespace on purpose
        new_source = layout.format_file(new_source, filename)
    else:
        new_source = keep_what_libcst_lost(source, new_source, ctx.tree.unedited_code)
    return Result(source, new_source, findings, migrated_calls=migrated_calls)


def _syntax_error_message(source: str, python_tree: ast.Module | None, error: cst.ParserSyntaxError) -> str:
    """Python's own account of the syntax error when it cannot parse the file either: its line and
    column are where the mistake is, and its words are what running the file would print (LibCST's
    point at the token after, and list every token it expected)."""
    reason = python_cannot_parse(source) if python_tree is None else None
    if reason is not None:
        return reason
    return f"line {error.raw_line}, column {error.raw_column + 1}: {error.message}"


def _culprit_message(source: str, module: cst.Module, rules: list[Rule], settings: Settings, filename: str) -> str:
    # The rewrite is checked with Python's parser: when that cannot read the input either
    # (say, Python 3.12 syntax under 3.11), the input is the cause, not a rule.
    reason = python_cannot_parse(source)
    if reason is not None:
        version = f"{sys.version_info.major}.{sys.version_info.minor}"
        raise SourceError(f"{reason} (as Python {version}, which runs migrator, reads it)")
    culprit = _find_culprit(module, rules, settings, filename)
    return f"rule {culprit} produced code that does not parse; the file was left as it was"


def _run(
    module: cst.Module,
    rules: list[Rule],
    settings: Settings,
    filename: str,
    project: ProjectIndex | None = None,
    suppressions: Suppressions | None = None,
) -> FileContext:
    """One run; with suppressions, again with more calls kept, until no suppressed edit or
    finding belongs to a call that migrates (each round keeps at least one more call)."""
    kept: frozenset[cst.Call] = frozenset()
    while True:
        ctx = FileContext(HeldEditsTree(module), settings, filename, project, suppressions, kept)
        _run_once(ctx, [type(rule)() for rule in rules])
        if suppressions is None:
            return ctx
        hidden = [report.node for report in ctx.reports if ctx.suppressed(report.node, report.code)]
        touched = calls_touched(ctx.tree, ctx.sites, [*ctx.dropped_edits, *hidden])
        if not touched:
            return ctx
        kept |= touched


def _run_once(ctx: FileContext, rules: list[Rule]) -> None:
    tree = ctx.tree
    assert isinstance(tree, HeldEditsTree)  # (`_run` makes it one)
    for rule in rules:
        rule.plan(ctx)
    _decide(ctx)
    for stage in ("decide", "apply"):
        for rule in rules:
            tree.rule_code = rule.code
            getattr(rule, stage)(ctx)
    tree.rule_code = None
    edited, ctx.dropped_edits = tree.commit(ctx.suppressions)
    if ctx.settings.todo_comments:
        todo.add_comments(ctx)
    if ctx.settings.line_length and ctx.settings.new_code_shown:
        layout.relayout(tree, edited, ctx.settings.line_length)


def _decide(ctx: FileContext) -> None:
    """Migrate a call only when every parameter and every use of its result is claimed."""
    sites = ctx.sites
    for site in sites:
        _check_extra_body(site)
        if site.method != "create" and not site.method_claimed:
            site.block("RSP001", site.call.func, f"`chat.completions.{site.method}()` is not rewritten by this version")
        if isinstance(site.unpacked, UnpackedDict) and not ctx.settings.rule_enabled("RSP020"):
            # Only RSP020 writes the keywords `**params` stands for: without it, rewriting them
            # would leave Chat's parameters in the dict.
            site.block("RSP001", site.unpacked.arg, "`**` arguments are expanded by RSP020, which is turned off")
        for arg in site.arguments:
            if arg.keyword is None:
                reason = f": {site.unpacked}" if isinstance(site.unpacked, str) and arg.star == "**" else ""
                site.block("RSP001", arg, f"positional or unpacked (`*` / `**`) arguments cannot be checked{reason}")
            elif arg.keyword.value not in site.claimed_params:
                site.block("RSP001", arg, _unclaimed_message(arg))
        for use in site.uses:
            if id(use) not in site.claimed_uses and use.path:
                site.block("RSP001", use.chain[-1], _unclaimed_use_message(ctx.tree, use))
    for site in sites:
        site.migrate = _allowed(site, ctx.settings) and site.call not in ctx.kept
    # A name that may hold the result of several calls is rewritten only if all of them are.
    changed = True
    while changed:
        changed = False
        for site in sites:
            for use in site.uses:
                stuck = [s for s in use.sites if not s.migrate]
                if site.migrate and stuck:
                    line = ctx.tree.position(stuck[0].call)[0]
                    site.block(
                        "RSP001",
                        use.base,
                        f"`{ctx.tree.quote(use.base, 60)}` may also hold the result of the call on line {line}, "
                        "which stays on Chat Completions",
                    )
                    site.migrate = False
                    changed = True
            waiting = [(s, reason) for s, reason in site.together if not s.migrate]
            if site.migrate and waiting:
                other, reason = waiting[0]
                line = ctx.tree.position(other.call)[0]
                site.block("RSP001", site.call.func, f"{reason}; the call on line {line} stays on Chat Completions")
                site.migrate = False
                changed = True
    for site in sites:
        for block in decisive_blocks(site.blocks):
            if block.unsafe and ctx.settings.unsafe_fixes and site.migrate:
                ctx.report(
                    block.node,
                    block.code,
                    f"rewritten under --unsafe-fixes, assuming: {block.message}",
                    Severity.WARNING,
                )
            elif block.unsafe:
                ctx.report(
                    block.node,
                    block.code,
                    f"{block.message} (rewrite anyway with --unsafe-fixes)",
                    Severity.WARNING,
                    False,
                )
            else:
                ctx.report(block.node, block.code, block.message + _still_staying(site, block), Severity.WARNING, False)


def _still_staying(site: CompletionCall, block: Block) -> str:
    """For an unlisted model: the reason the call would stay even with another model, so that
    `--extra-model` is not tried in vain (DashScope image parts, say)."""
    if block.kind != MODEL:
        return ""
    features = [other for other in site.blocks if other.kind == FEATURE]
    return f" (with a listed model it would still stay: {features[0].message})" if features else ""


def _unclaimed_use_message(tree: SourceTree, use: ResultUse) -> str:
    if use.holder_read:  # the part itself: passed on, returned, stored
        assert isinstance(use.base, cst.Name)  # (the name that holds it)
        return (
            f"`{use.base.value}` holds {HELD_PARTS[use.path].description} and {describe_escape(tree, use.base)}, "
            "where the tool cannot follow it; migrate this call by hand"
        )
    return (
        f"the result is read as `{tree.quote(use.chain[-1], 60)}`, "
        "which migrator does not rewrite yet; migrate this call by hand"
    )


def _unclaimed_message(arg: cst.Arg) -> str:
    assert arg.keyword is not None  # (only keyword arguments are claimed)
    name = arg.keyword.value
    if name == "stream":
        return (
            "streaming: the loop that reads the chunks must become a loop over Responses events, "
            "and this one is not rewritten; migrate this call by hand"
        )
    return f"`{name}` is not rewritten by this version of migrator; migrate this call by hand"


def _check_extra_body(site: CompletionCall) -> None:
    """`extra_body` is fine when it is a literal dict and some rule claims every key in it."""
    arg = site.kwarg("extra_body")
    if arg is None:
        return
    site.claim("extra_body")
    entries = site.extra_body_entries()
    if entries is None:
        site.block("RSP001", arg, "`extra_body` is not a dict literal with string keys, so it cannot be checked")
        return
    for key, element in entries.items():
        if key not in site.claimed_extra_body:
            site.block(
                "RSP001",
                element,
                f"`extra_body` key {key!r} is not rewritten by this version "
                "(DashScope's Responses API ignores keys it does not document)",
            )


def _allowed(site: CompletionCall, settings: Settings) -> bool:
    return all(block.unsafe and settings.unsafe_fixes for block in site.blocks)


def _findings(ctx: FileContext) -> list[Finding]:
    findings = set()
    for report in ctx.reports:
        line, column = ctx.tree.position(report.node)
        if ctx.suppressions is not None and ctx.suppressions.covers(line, report.code):
            continue
        findings.add(Finding(line, column, report.code, report.message, report.severity, report.fixable))
    return sorted(findings)


def _find_culprit(module: cst.Module, rules: list[Rule], settings: Settings, filename: str) -> str:
    """Run each rule alone to name the one whose output does not parse."""
    for rule in rules:
        ctx = _run(module, [rule], settings, filename)
        if not python_parses(ctx.tree.edited_module().code):
            return rule.code
    return "combination of rules " + ", ".join(rule.code for rule in rules)
