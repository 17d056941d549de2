"""The command line: options → Settings → files.run → report. No logic of its own."""

from __future__ import annotations

import sys
from collections.abc import Callable

import click

from migrator import __version__, files, report
from migrator.rules import all_rules, rule_by_code
from migrator.settings import EFFORT_LEVELS, Settings

EXIT_CODES = """\b
Exit codes:
  0  clean: nothing to change, nothing for a human to decide
  1  check: an error or warning was found (info notes alone are clean);
     diff: something would change, or a finding needs a human;
     apply: findings that need a human remain after the rewrite
  2  usage error, or a file could not be processed (does not parse,
     unreadable, not decodable, or a rule failed on it); the other
     files are still processed
  130  interrupted (Ctrl-C); files already written are complete
"""


def _codes(ctx: click.Context, param: click.Parameter, value: str | None) -> frozenset[str] | None:
    if value is None:
        return None
    codes = frozenset(code.strip().upper() for code in value.split(",") if code.strip())
    unknown = sorted(code for code in codes if rule_by_code(code) is None)
    if unknown:
        raise click.BadParameter(f"unknown rule code {', '.join(unknown)} (see `migrator rules`)")
    return codes


def _common(command: Callable) -> Callable:
    """The options every file command takes."""
    options = [
        click.argument("paths", nargs=-1, required=True, type=click.Path(allow_dash=True)),
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
            "--preserve-nonthinking",
            is_flag=True,
            help='Add reasoning={"effort": "none"} to DashScope calls that never set enable_thinking.',
        ),
        click.option(
            "--unsafe-fixes", is_flag=True, help="Also make rewrites that rest on an assumption (each is reported)."
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
            "--session-cache", is_flag=True, help="With chains: enable DashScope's session cache header on the client."
        ),
        click.option(
            "--exclude", multiple=True, metavar="GLOB", help="Skip files and directories matching GLOB (repeatable)."
        ),
        click.option("--quiet", "-q", is_flag=True, help="No summary line."),
        click.option(
            "--color/--no-color",
            default=None,
            help="Force color on or off (default: on a terminal, unless NO_COLOR is set).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _settings(kw: dict) -> Settings:
    return Settings(
        select=kw["select"],
        ignore=kw["ignore"] or frozenset(),
        thinking_effort=kw["thinking_effort"],
        preserve_nonthinking=kw["preserve_nonthinking"],
        unsafe_fixes=kw["unsafe_fixes"],
        history_chains=kw["history_chains"],
        session_cache=kw["session_cache"],
        extra_models=frozenset(kw["extra_models"]),
    )


def _run(command: str, kw: dict, json_format: bool = False) -> None:
    rep = report.Report(
        command,
        out=report.make_console(sys.stdout, kw["color"]),
        err=report.make_console(sys.stderr, kw["color"]),
        binary_out=sys.stdout.buffer,  # `apply -` prints bytes: the input's encoding and line endings
        quiet=kw["quiet"],
        json_format=json_format,
    )
    try:
        for outcome in files.run(kw["paths"], _settings(kw), write=command == report.APPLY, exclude=kw["exclude"]):
            rep.add(outcome)
    except KeyboardInterrupt:
        # Not click's "Aborted!" with exit 1, which would read as "findings": the files
        # written so far are complete (writes are atomic), the rest untouched.
        rep.err.print("interrupted")
        click.get_current_context().exit(130)
    click.get_current_context().exit(rep.finish())


@click.group(epilog=EXIT_CODES, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="migrator")
def main() -> None:
    """Move OpenAI Chat Completions code to the Responses API (DashScope / Qwen and OpenAI).

    PATH can be files or directories (their *.py files, minus .gitignore'd and virtualenv
    directories); `-` reads standard input.
    """


@main.command(epilog=EXIT_CODES)
@_common
def diff(**kw) -> None:
    """Show the rewrite as a unified diff; change nothing.

    The diff goes to stdout (`migrator diff src | git apply` works from the current
    directory); findings that need a human and the summary go to stderr.
    """
    _run(report.DIFF, kw)


@main.command(epilog=EXIT_CODES)
@_common
def apply(**kw) -> None:
    """Rewrite the files in place (only those that change).

    With `-`, the migrated text of stdin goes to stdout (the input as it was, if it cannot
    be migrated); everything else goes to stderr.
    """
    _run(report.APPLY, kw)


@main.command(epilog=EXIT_CODES)
@_common
@click.option("--format", "format_", type=click.Choice(["text", "json"]), default="text", show_default=True)
def check(format_: str, **kw) -> None:
    """Lint: report every finding, change nothing (for CI).

    One line per finding, `path:line:col: CODE [*] message`, where `[*]` means `migrator apply`
    rewrites it; or one JSON object with --format json.
    """
    _run(report.CHECK, kw, json_format=format_ == "json")


@main.command()
@click.option("--color/--no-color", default=None, help="Force color on or off.")
def rules(color: bool | None) -> None:
    """List every rule: code, name, summary."""
    report.print_rules(report.make_console(sys.stdout, color), all_rules())


@main.command()
@click.argument("code")
@click.option("--color/--no-color", default=None, help="Force color on or off.")
def explain(code: str, color: bool | None) -> None:
    """Explain one rule (e.g. `migrator explain RSP004`)."""
    rule = rule_by_code(code)
    if rule is None:
        raise click.BadParameter(f"unknown rule code {code!r} (see `migrator rules`)", param_hint="CODE")
    report.print_explain(report.make_console(sys.stdout, color), rule)
