"""The command line: options → Settings → files.run → report. No logic of its own."""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO, TypeVar

import click
from click.core import ParameterSource

from migrator import __version__, config
from migrator import files
from migrator import output as report
from migrator.rules import CATALOG, rule_by_code, rule_info
from migrator.settings import EFFORT_LEVELS, Settings

EXIT_CODES = """\b
Exit codes:
  0  clean: nothing to change, nothing for a human to decide
  1  check: an error or warning was found (info notes alone are clean);
     diff: something would change, or a finding needs a human;
     apply: findings that need a human remain after the rewrite
  2  usage error (a bad option or [tool.migrator] key), or a file could
     not be processed (does not parse, unreadable, not decodable, or a
     rule failed on it); the other files are still processed; or a
     notebook cell does not parse (the other cells are still migrated)
  130  interrupted (Ctrl-C); files already written are complete
"""

#: A command's function, which click calls with its options as keyword arguments.
_Command = TypeVar("_Command", bound=Callable[..., None])
#: The options of a command as click gives them (each of the type its option declares), by name.
Options = dict[str, Any]


def _codes(ctx: click.Context, param: click.Parameter, value: str | None) -> frozenset[str] | None:
    if value is None:
        return None
    codes = frozenset(code.strip().upper() for code in value.split(",") if code.strip())
    unknown = sorted(code for code in codes if rule_info(code) is None)
    if unknown:
        raise click.BadParameter(f"unknown rule code {', '.join(unknown)} (see `migrator rules`)")
    return codes


def _common(command: _Command) -> _Command:
    """The options every file command takes."""
    options = [
        click.argument("paths", nargs=-1, type=click.Path(allow_dash=True)),
        click.option("--select", callback=_codes, metavar="CODES", help="Only these rules (comma-separated)."),
        click.option("--ignore", callback=_codes, metavar="CODES", help="Leave these rules out (comma-separated)."),
        click.option(
            "--thinking-effort",
            type=click.Choice(EFFORT_LEVELS),
            default="medium",
            show_default=True,
            help="`reasoning.effort` written where a call had enable_thinking: True.",
        ),
        click.option(
            "--preserve-nonthinking/--no-preserve-nonthinking",
            help='Add reasoning={"effort": "none"} to DashScope calls that never set enable_thinking.',
        ),
        click.option(
            "--unsafe-fixes/--no-unsafe-fixes", help="Also make rewrites that rest on an assumption (each is reported)."
        ),
        click.option(
            "--extra-model",
            "extra_models",
            multiple=True,
            metavar="NAME",
            help="Accept this model on DashScope too (repeatable).",
        ),
        click.option(
            "--history-chains/--no-history-chains",
            default=True,
            show_default=True,
            help="Turn conversations kept by hand into previous_response_id chains where provably safe.",
        ),
        click.option(
            "--follow-imports/--no-follow-imports",
            default=True,
            show_default=True,
            help="Follow OpenAI clients that one module of the project makes and others import.",
        ),
        click.option(
            "--session-cache/--no-session-cache",
            help="With chains: enable DashScope's session cache header on the client.",
        ),
        click.option(
            "--exclude", multiple=True, metavar="GLOB", help="Skip files and directories matching GLOB (repeatable)."
        ),
        click.option(
            "--include",
            multiple=True,
            metavar="GLOB",
            help="In directories, take only files matching GLOB (repeatable; default: *.py, *.ipynb and "
            "config, script and doc files that may hold an endpoint).",
        ),
        click.option(
            "--files-from",
            metavar="FILE",
            help="Also process the paths listed in FILE, one a line (`-`: standard input), e.g. a CI shard.",
        ),
        click.option(
            "--jobs",
            "-j",
            type=click.IntRange(min=1),
            metavar="N",
            help="At most N worker processes for the files that need parsing, started only when there are "
            "enough of those to pay (default: all cores; 1: no workers).",
        ),
        click.option("--quiet", "-q", is_flag=True, help="No summary line, no progress bar."),
        click.option(
            "--color/--no-color",
            default=None,
            help="Force color on or off (default: on a terminal, unless NO_COLOR is set).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _rewrite_options(command: _Command) -> _Command:
    """The options of the commands that rewrite (`diff` shows what `apply` would write)."""
    options = [
        click.option(
            "--todo-comments",
            is_flag=True,
            help="Add a `# TODO(migrator): ...` line above each call left for a human (once).",
        ),
        click.option(
            "--black", is_flag=True, help="Format each changed file with black, as its project configures black."
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _with_files_from(kw: Options) -> Options:
    """PATHS plus the paths listed by --files-from; at least one path is needed."""
    paths = list(kw["paths"])
    if kw["files_from"] is not None:
        if kw["files_from"] == files.STDIN and files.STDIN in paths:
            raise click.UsageError("`--files-from -` reads standard input, so `-` cannot be a PATH too")
        try:
            paths += files.read_path_list(kw["files_from"])
        except files.FileError as error:
            raise click.UsageError(f"--files-from: {error}") from None
    elif not paths:
        raise click.UsageError("give at least one PATH (or --files-from FILE)")
    return {**kw, "paths": tuple(paths)}


def _with_config(kw: Options) -> Options:
    """The options, over `[tool.migrator]`: an option given on the command line wins. Black's
    line length is left to `_before_parsing`."""
    try:
        found = config.load(kw["paths"], read_black=False)
    except config.ConfigError as error:
        raise click.UsageError(str(error)) from None
    ctx = click.get_current_context()
    kw = dict(kw)
    for name, value in found.options.items():
        if name not in kw or ctx.get_parameter_source(name) in (ParameterSource.DEFAULT, None):
            kw[name] = value
    kw["exclude"] = (*kw["exclude"], *kw.get("extend_exclude", ()))
    return kw


def _settings(kw: Options, command: str) -> Settings:
    return Settings(
        select=kw["select"],
        ignore=kw["ignore"] or frozenset(),
        thinking_effort=kw["thinking_effort"],
        preserve_nonthinking=kw["preserve_nonthinking"],
        unsafe_fixes=kw["unsafe_fixes"],
        history_chains=kw["history_chains"],
        session_cache=kw["session_cache"],
        follow_imports=kw["follow_imports"],
        extra_models=frozenset(kw["extra_models"]),
        provider_overrides=kw.get("provider_overrides", ()),
        declared_base_urls=kw.get("declared_base_urls", ()),
        declared_models=kw.get("declared_models", ()),
        todo_comments=kw.get("todo_comments", False),
        black=kw.get("black", False),
        line_length=kw.get("line_length", Settings.line_length),
        new_code_shown=command != report.CHECK,
    )


def _run(
    command: str, kw: Options, check_format: str = report.TEXT, output: str | None = None, exit_zero: bool = False
) -> None:
    kw = _with_files_from(kw)
    kw = _with_config(kw)
    settings = _settings(kw, command)
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(_open_output(output)) if output else sys.stdout
        rep = report.Report(
            command,
            out=report.make_console(out, kw["color"] if output is None else False),
            err=report.make_console(sys.stderr, kw["color"]),
            binary_out=sys.stdout.buffer,  # `apply -` prints bytes: the input's encoding and line endings
            quiet=kw["quiet"],
            json_format=check_format == report.JSON,
            check_format=check_format,
        )
        try:
            with fewer_garbage_collections():
                run = files.run(
                    kw["paths"],
                    settings,
                    write=command == report.APPLY,
                    exclude=kw["exclude"],
                    include=kw["include"],
                    jobs=kw["jobs"] or files.default_jobs(),
                    before_parsing=lambda settings: _before_parsing(settings, kw),
                )
                for outcome in report.with_progress(rep, run):
                    rep.add(outcome)
        except KeyboardInterrupt:
            # Not click's "Aborted!" with exit 1, which would read as "findings": the files
            # written so far are complete (writes are atomic), the rest untouched.
            rep.err.print("interrupted")
            click.get_current_context().exit(130)
        code = rep.finish()
    # --exit-zero: findings do not fail the run; failures (2) still do.
    click.get_current_context().exit(0 if exit_zero and code == 1 else code)


def _before_parsing(settings: Settings, kw: Options) -> Settings:
    """Once a file is to be parsed (never in a run where none is): black's line length, unless
    `[tool.migrator]` sets one, and the modules parsing just imported set aside from the
    garbage collector like those imported before the run (`fewer_garbage_collections`)."""
    if "line_length" not in kw:
        black_length = config.black_line_length(kw["paths"])
        if black_length is not None:
            settings = dataclasses.replace(settings, line_length=black_length)
    gc.freeze()
    return settings


@contextlib.contextmanager
def fewer_garbage_collections() -> Iterator[None]:
    """Python's cycle collector, tuned for a run: it makes millions of LibCST nodes, and at the
    default thresholds the collector walks every live object (the imported modules' too) dozens
    of times a file. What is alive at the start (the modules) is set aside (`gc.freeze`, which
    also keeps forked workers from copying those pages), and collections of the youngest objects
    come 14 times less often; cycles are still collected. Both are undone after the run."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(10_000, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def _open_output(path: str) -> TextIO:
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return open(path, "w", encoding="utf-8")  # closed by the caller's ExitStack
    except OSError as error:
        raise click.UsageError(f"cannot write --output {path}: {(error.strerror or str(error)).lower()}") from None


class _Main(click.Group):
    def invoke(self, ctx: click.Context) -> object:  # (what the command returns)
        # Ctrl-C before or after the files are processed (reading the configuration, printing
        # the report): 130 as well, not click's "Aborted!" with 1, which would read as findings.
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)


@click.group(cls=_Main, epilog=EXIT_CODES, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="migrator")
def main() -> None:
    """Move OpenAI Chat Completions code to the Responses API (DashScope / Qwen and OpenAI).

    PATH can be files or directories (their *.py files, notebooks, and config, script and doc
    files that may hold the legacy endpoint, minus .gitignore'd and virtualenv directories);
    `-` reads standard input.
    """


@main.command(epilog=EXIT_CODES)
@_common
@_rewrite_options
def diff(**kw: Any) -> None:
    """Show the rewrite as a unified diff; change nothing.

    The diff goes to stdout (`migrator diff src | git apply` works from the current
    directory); findings that need a human and the summary go to stderr. A notebook shows one
    diff per changed cell (`a/nb.ipynb:cell 3`), to read rather than to `git apply`.
    """
    _run(report.DIFF, kw)


@main.command(epilog=EXIT_CODES)
@_common
@_rewrite_options
def apply(**kw: Any) -> None:
    """Rewrite the files in place (only those that change).

    With `-`, the migrated text of stdin goes to stdout (the input as it was, if it cannot
    be migrated); everything else goes to stderr.
    """
    _run(report.APPLY, kw)


@main.command(epilog=EXIT_CODES)
@_common
@click.option(
    "--format",
    "format_",
    type=click.Choice(report.CHECK_FORMATS),
    default=report.TEXT,
    show_default=True,
    help="text; json; github (workflow commands that annotate the pull request); sarif (SARIF 2.1.0).",
)
@click.option("--output", "-o", metavar="FILE", help="Write the findings to FILE instead of standard output.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings are left (still 2 when a file fails).")
def check(format_: str, output: str | None, exit_zero: bool, **kw: Any) -> None:
    """Lint: report every finding, change nothing (for CI).

    One line per finding, `path:line:col: CODE [*] message`, where `[*]` means `migrator apply`
    rewrites it; or one JSON object (--format json), GitHub annotations (--format github),
    a SARIF log (--format sarif).
    """
    _run(report.CHECK, kw, check_format=format_, output=output, exit_zero=exit_zero)


@main.command()
@click.option("--color/--no-color", default=None, help="Force color on or off.")
def rules(color: bool | None) -> None:
    """List every rule: code, name, summary."""
    report.print_rules(report.make_console(sys.stdout, color), CATALOG)


# (click's short help for the command list stops at the first ". ": "e.g." would cut it)
@main.command(short_help="Explain one rule: what it changes, and why.")
@click.argument("code")
@click.option("--color/--no-color", default=None, help="Force color on or off.")
def explain(code: str, color: bool | None) -> None:
    """Explain one rule (e.g. `migrator explain RSP004`)."""
    rule = rule_by_code(code)
    if rule is None:
        raise click.BadParameter(f"unknown rule code {code!r} (see `migrator rules`)", param_hint="CODE")
    report.print_explain(report.make_console(sys.stdout, color), rule)
