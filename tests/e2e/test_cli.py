"""The command line, end to end through click's CliRunner: commands, output, exit codes."""

from __future__ import annotations

import io
import json
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrator import output as report
from migrator.cli import main
from migrator.findings import Finding, Severity

LEGACY = 'BASE = "https://dashscope.aliyuncs.com/api/v2/apps/protocols/compatible-mode/v1"\n'
MIGRATED = 'BASE = "https://dashscope.aliyuncs.com/compatible-mode/v1"\n'

CHAT = """\
import os
from openai import OpenAI
client = OpenAI(api_key=os.getenv("DASHSCOPE_API_KEY"), base_url="https://dashscope.aliyuncs.com/compatible-mode/v1")
completion = client.chat.completions.create(model="qwen-plus", messages=[{"role": "user", "content": "Hi"}]{extra})
print(completion.choices[0].message.content)
"""
CHAT_OK = CHAT.replace("{extra}", "")
#: `stop=` has no Responses equivalent: the call stays and a human must decide.
CHAT_STOP = CHAT.replace("{extra}", ', stop=["\\n"]')
#: Has a rule trigger (so it is parsed) but nothing to change or report.
CLEAN = 'URL = "https://dashscope.aliyuncs.com/api/v2/apps/protocols/compatible-mode"\n'
BROKEN = "import openai\ndef f(:\n    client.chat.completions.create()\n"


@pytest.fixture
def run(tmp_path, monkeypatch):
    """Invoke the CLI in tmp_path (so diff headers are `a/<relative path>`)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)

    def invoke(*args, input=None):
        return CliRunner().invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)

    return invoke


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# --- diff --------------------------------------------------------------------------------------


def test_diff_prints_a_patch_and_writes_nothing(run, tmp_path):
    write(tmp_path / "pkg/a.py", LEGACY)
    result = run("diff", "pkg")
    assert result.exit_code == 1
    assert result.stdout == (
        "--- a/pkg/a.py\n+++ b/pkg/a.py\n@@ -1 +1 @@\n"
        '-BASE = "https://dashscope.aliyuncs.com/api/v2/apps/protocols/compatible-mode/v1"\n'
        '+BASE = "https://dashscope.aliyuncs.com/compatible-mode/v1"\n'
    )
    assert (tmp_path / "pkg/a.py").read_text() == LEGACY
    assert "1 file checked (0 skipped by the prefilter), 1 would change" in result.stderr


def test_diff_exit_0_when_nothing_to_do(run, tmp_path):
    write(tmp_path / "a.py", CLEAN)
    write(tmp_path / "b.py", "x = 1\n")
    result = run("diff", ".")
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == (
        "2 files checked (1 skipped by the prefilter), 0 would change, 0 findings (0 need a human), 0 failed\n"
    )


def test_diff_exit_1_for_a_finding_that_needs_a_human_even_without_change(run, tmp_path):
    write(tmp_path / "a.py", CHAT_STOP)
    result = run("diff", "a.py")
    assert (result.exit_code, result.stdout) == (1, "")
    assert "a.py:4:" in result.stderr and "RSP007" in result.stderr and "`stop`" in result.stderr
    assert "(1 need a human)" in result.stderr


def test_diff_stdin(run):
    result = run("diff", "-", input=LEGACY)
    assert result.exit_code == 1
    assert result.stdout.startswith("--- <stdin>\n+++ <stdin>\n@@ -1 +1 @@\n")
    assert result.stdout.endswith("+" + MIGRATED)


def test_diff_shows_findings_after_the_patch_and_notes_too(run, tmp_path):
    write(tmp_path / "a.py", CHAT_OK)
    result = run("diff", "a.py")
    assert result.exit_code == 1
    assert "+completion = client.responses.create(" in result.stdout
    assert "RSP" not in result.stdout  # findings never mix into the patch
    # The fixed ones are in the diff; notes about the rewrite are listed.
    notes = [line for line in result.stderr.splitlines() if line.startswith("a.py:")]
    assert notes and all(" note: " in line for line in notes)


def test_diff_lines_come_out_verbatim(run, tmp_path):
    tricky = LEGACY.replace("\n", "  # x[b] [red] [/] [bold]b[/bold] :smile:\ttab\n")
    write(tmp_path / "a.py", "y = x[b]  # [red]not red[/red]\n" + tricky)
    plain = run("diff", "a.py")
    assert " y = x[b]  # [red]not red[/red]\n" in plain.stdout
    assert "-" + tricky in plain.stdout
    assert "\x1b" not in plain.stdout
    colored = run("diff", "--color", "a.py")
    assert "\x1b[32m+BASE" in colored.stdout and "\x1b[31m-BASE" in colored.stdout and "\x1b[36m@@" in colored.stdout
    assert "# x[b] [red] [/] [bold]b[/bold] :smile:\ttab\x1b[0m\n" in colored.stdout
    assert " y = x[b]  # [red]not red[/red]\n" in colored.stdout
    # Stripped of its colors, the colored diff is exactly the plain one.
    assert _strip_ansi(colored.stdout) == plain.stdout


def test_findings_with_brackets_are_verbatim_and_unwrapped(run, tmp_path):
    write(tmp_path / "a.py", CHAT_STOP)
    result = run("check", "--color", "a.py")
    line = next(line for line in _strip_ansi(result.stdout).splitlines() if "RSP007" in line)
    assert "`stop`: Responses has no stop sequences" in line and len(line) > 100  # one line, not re-wrapped


def _strip_ansi(text: str) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", text)


@pytest.mark.parametrize("tool", ["patch", "git"])
def test_the_diff_applies_with_patch_and_git(run, tmp_path, tool):
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed")
    write(tmp_path / "src/chat.py", CHAT_OK)
    (tmp_path / "src/crlf.py").write_bytes(LEGACY.replace("\n", "\r\n").encode())
    (tmp_path / "src/noeol.py").write_text("x = 1\n" + LEGACY.rstrip("\n"))
    expected = {}
    for name in ("chat.py", "crlf.py", "noeol.py"):
        expected[name] = run("apply", "-", input=(tmp_path / "src" / name).read_bytes()).stdout_bytes
    patch = run("diff", "src").stdout_bytes
    assert patch.count(b"--- a/src/") == 3 and b"\\ No newline at end of file\n" in patch
    command = ["patch", "-p1", "--binary"] if tool == "patch" else ["git", "apply", "-v", "-"]
    done = subprocess.run(command, input=patch, cwd=tmp_path, capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode() + done.stdout.decode()
    for name, data in expected.items():
        assert (tmp_path / "src" / name).read_bytes() == data
    assert (tmp_path / "src/crlf.py").read_bytes() == MIGRATED.replace("\n", "\r\n").encode()


# --- apply -------------------------------------------------------------------------------------


def test_apply_rewrites_and_exits_0_when_clean(run, tmp_path):
    write(tmp_path / "a.py", LEGACY)
    write(tmp_path / "b.py", CLEAN)
    result = run("apply", ".")
    assert result.exit_code == 0
    assert (tmp_path / "a.py").read_text() == MIGRATED and (tmp_path / "b.py").read_text() == CLEAN
    assert "fixed: a.py\n" in result.stderr and "fixed: b.py" not in result.stderr
    summary = "2 files checked (0 skipped by the prefilter), 1 changed, 1 finding (0 need a human), 0 failed\n"
    assert result.stderr.endswith(summary)
    assert run("apply", ".").exit_code == 0 and "fixed:" not in run("apply", ".").stderr  # idempotent


def test_apply_exits_1_when_findings_need_a_human(run, tmp_path):
    write(tmp_path / "a.py", CHAT_STOP)
    write(tmp_path / "b.py", LEGACY)
    result = run("apply", ".")
    assert result.exit_code == 1
    assert (tmp_path / "a.py").read_text() == CHAT_STOP and (tmp_path / "b.py").read_text() == MIGRATED
    assert "a.py:4:" in result.stderr and "RSP007" in result.stderr


def test_apply_exit_2_on_unparsable_file_but_the_others_are_fixed(run, tmp_path):
    write(tmp_path / "a.py", LEGACY)
    write(tmp_path / "b.py", BROKEN)
    write(tmp_path / "c.py", LEGACY)
    result = run("apply", ".")
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith("error: b.py: line ")
    assert "Traceback" not in result.stderr
    assert (tmp_path / "a.py").read_text() == MIGRATED and (tmp_path / "c.py").read_text() == MIGRATED
    assert (tmp_path / "b.py").read_text() == BROKEN
    assert "3 files checked" in result.stderr and "1 failed" in result.stderr


def test_apply_stdin_prints_the_migrated_bytes(run):
    crlf = LEGACY.replace("\n", "\r\n").encode()
    result = run("apply", "-", input=crlf)
    assert result.exit_code == 0
    assert result.stdout_bytes == MIGRATED.replace("\n", "\r\n").encode()
    assert "1 changed" in result.stderr


def test_apply_stdin_that_cannot_be_migrated_passes_through_unchanged(run):
    result = run("apply", "-", input=BROKEN)
    assert result.exit_code == 2
    assert result.stdout == BROKEN
    assert result.stderr.startswith("error: <stdin>: line ")


def test_apply_stdin_binary_passes_through_unchanged(run):
    raw = b"\x00\x01openai completions\xff"
    result = run("apply", "-", input=raw)
    assert result.exit_code == 2
    assert result.stdout_bytes == raw
    assert "error: <stdin>: not a text file" in result.stderr


def test_interrupt_exits_130_not_1(run, tmp_path, monkeypatch):
    from migrator import files

    def interrupted(*args, **kwargs):
        yield from ()
        raise KeyboardInterrupt

    monkeypatch.setattr(files, "run", interrupted)
    result = run("apply", ".")
    assert result.exit_code == 130 and "interrupted" in result.stderr


@pytest.mark.parametrize("where", ["config", "report"])
def test_interrupt_outside_the_file_loop_exits_130_too(run, tmp_path, monkeypatch, where):
    from migrator import config
    from migrator import output as report

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    (tmp_path / "a.py").write_text("x = 1\n")
    if where == "config":
        monkeypatch.setattr(config, "load", interrupted)
    else:
        monkeypatch.setattr(report.Report, "finish", interrupted)
    result = run("check", ".")
    assert result.exit_code == 130 and "interrupted" in result.stderr


def test_apply_keeps_crlf_bom_latin1_and_mode(run, tmp_path):
    crlf = tmp_path / "crlf.py"
    crlf.write_bytes(LEGACY.replace("\n", "\r\n").encode())
    bom = tmp_path / "bom.py"
    bom.write_bytes(b"\xef\xbb\xbf# -*- coding: utf-8 -*-\n# \xc3\xa9\n" + LEGACY.encode())
    latin = tmp_path / "latin.py"
    latin.write_bytes(b"# -*- coding: latin-1 -*-\n# \xe9\n" + LEGACY.encode())
    script = write(tmp_path / "script.py", "#!/usr/bin/env python\n" + LEGACY)
    script.chmod(0o755)
    assert run("apply", ".").exit_code == 0
    assert crlf.read_bytes() == MIGRATED.replace("\n", "\r\n").encode()
    assert bom.read_bytes() == b"\xef\xbb\xbf# -*- coding: utf-8 -*-\n# \xc3\xa9\n" + MIGRATED.encode()
    assert latin.read_bytes() == b"# -*- coding: latin-1 -*-\n# \xe9\n" + MIGRATED.encode()
    assert stat.S_IMODE(script.stat().st_mode) == 0o755
    assert script.read_text() == "#!/usr/bin/env python\n" + MIGRATED


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\x89PNG\r\n\x1a\n\0\0openai completions", "not a text file"),
        (b"x = '\xff\xfe'  # openai completions\n", "cannot decode as utf-8"),
        (b"\xef\xbb\xbf# -*- coding: latin-1 -*-\n" + LEGACY.encode(), "bad encoding declaration"),
    ],
)
def test_undecodable_file_is_a_per_file_error(run, tmp_path, raw, reason):
    (tmp_path / "bad.py").write_bytes(raw)
    write(tmp_path / "good.py", LEGACY)
    result = run("apply", ".")
    assert result.exit_code == 2
    assert f"error: bad.py: {reason}" in result.stderr
    assert (tmp_path / "bad.py").read_bytes() == raw and (tmp_path / "good.py").read_text() == MIGRATED


def test_missing_path_is_an_error_and_the_rest_still_runs(run, tmp_path):
    write(tmp_path / "a.py", LEGACY)
    result = run("check", "nope.py", "a.py")
    assert result.exit_code == 2
    assert "error: nope.py: no such file or directory" in result.stderr
    assert "a.py:1:" in result.stdout


# --- check -------------------------------------------------------------------------------------


def test_check_lists_findings_and_exits_1(run, tmp_path):
    write(tmp_path / "a.py", LEGACY)
    write(tmp_path / "b.py", CHAT_STOP)
    result = run("check", ".")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert (
        lines[0] == "a.py:1:8: RSP004 [*] legacy DashScope path → `https://dashscope.aliyuncs.com/compatible-mode/v1`"
    )
    assert lines[1].startswith("b.py:4:") and " RSP007 `stop`" in lines[1]  # no [*]: not fixable
    assert (tmp_path / "a.py").read_text() == LEGACY
    assert "[*] 1 fixable with `migrator apply`" in result.stderr


def test_check_exit_0_when_clean(run, tmp_path):
    write(tmp_path / "a.py", CLEAN)
    result = run("check", "a.py")
    assert (result.exit_code, result.stdout) == (0, "")


def test_check_stdin(run):
    result = run("check", "-", input=CHAT_STOP)
    assert result.exit_code == 1
    assert result.stdout.startswith("<stdin>:4:")


def test_check_json(run, tmp_path):
    write(tmp_path / "a.py", LEGACY)
    write(tmp_path / "b.py", "x = 1\n")
    write(tmp_path / "c.py", BROKEN)
    result = run("check", "--format", "json", ".")
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert data["findings"] == [
        {
            "path": "a.py",
            "line": 1,
            "column": 8,
            "code": "RSP004",
            "message": "legacy DashScope path → `https://dashscope.aliyuncs.com/compatible-mode/v1`",
            "severity": "error",
            "fixable": True,
        }
    ]
    assert [e["path"] for e in data["errors"]] == ["c.py"]
    assert data["summary"] == {
        "files": 3,
        "skipped_by_prefilter": 1,
        "would_change": 1,
        "failed": 1,
        "findings": 1,
        "fixable": 1,
        "need_human": 0,
        "by_severity": {"error": 1, "warning": 0, "info": 0},
    }


def test_check_info_alone_is_clean_and_warnings_are_not():
    def exit_code(*severities):
        rep = report.Report(report.CHECK, report.make_console(io.StringIO()), report.make_console(io.StringIO()))
        rep.findings = [("a.py", Finding(1, 1, "RSP003", "note", s, s is not Severity.WARNING)) for s in severities]
        return rep.exit_code()

    assert exit_code() == 0
    assert exit_code(Severity.INFO) == 0
    assert exit_code(Severity.INFO, Severity.WARNING) == 1
    assert exit_code(Severity.ERROR) == 1


# --- discovery through the CLI -----------------------------------------------------------------


def test_gitignored_venv_and_excluded_files_are_skipped(run, tmp_path):
    write(tmp_path / "app.py", LEGACY)
    write(tmp_path / ".gitignore", "generated/\n")
    for skipped in ("generated/g.py", "env/lib/e.py", ".venv/v.py", "node_modules/n.py", "vendor/x.py"):
        write(tmp_path / skipped, LEGACY)
    write(tmp_path / "env/pyvenv.cfg", "home = /usr/bin\n")
    result = run("check", "--exclude", "vendor", ".")
    assert (
        result.stdout
        == "app.py:1:8: RSP004 [*] legacy DashScope path → `https://dashscope.aliyuncs.com/compatible-mode/v1`\n"
    )
    assert "1 file checked" in result.stderr


# --- options -----------------------------------------------------------------------------------


def test_select_and_ignore(run, tmp_path):
    write(tmp_path / "a.py", LEGACY)
    assert run("check", "--ignore", "rsp004", "a.py").exit_code == 0
    assert run("check", "--select", "RSP001,RSP002", "a.py").exit_code == 0
    assert run("check", "--select", "RSP004", "a.py").exit_code == 1


def test_unknown_code_is_a_usage_error_naming_it(run, tmp_path):
    write(tmp_path / "a.py", LEGACY)
    result = run("check", "--select", "RSP004,RSP999", "a.py")
    assert result.exit_code == 2 and "unknown rule code RSP999" in result.stderr
    assert run("diff", "--thinking-effort", "huge", "a.py").exit_code == 2


def test_quiet_drops_the_summary(run, tmp_path):
    write(tmp_path / "a.py", LEGACY)
    result = run("diff", "--quiet", "a.py")
    assert result.exit_code == 1 and result.stderr == ""


def test_no_color_and_NO_COLOR(run, tmp_path, monkeypatch):
    write(tmp_path / "a.py", LEGACY)
    assert "\x1b" not in run("diff", "--no-color", "a.py").stdout

    class Tty(io.StringIO):
        def isatty(self):
            return True

    assert report.make_console(Tty()).color_system is not None
    monkeypatch.setenv("NO_COLOR", "1")
    assert report.make_console(Tty()).color_system is None
    assert report.make_console(Tty(), color=False).color_system is None


def test_help_documents_exit_codes(run):
    result = run("apply", "--help")
    assert result.exit_code == 0 and "Exit codes:" in result.stdout and "  2  usage error" in result.stdout


def test_the_command_list_gives_each_command_a_whole_sentence(run):
    # click cuts a short help at its first ". " (as in "e.g. ..."), leaving half a sentence
    listing = run("--help").stdout.split("Commands:")[1].split("Exit codes:")[0]
    lines = [line.strip() for line in listing.splitlines() if line.strip()]
    assert {line.split()[0] for line in lines} == {"apply", "check", "diff", "explain", "rules"}
    for line in lines:
        assert line.endswith(".") and not line.endswith("...") and line.count("(") == line.count(")"), line


# --- rules and explain -------------------------------------------------------------------------


def test_rules_lists_every_code(run):
    from migrator.rules import all_rules

    result = run("rules")
    assert result.exit_code == 0
    rows = result.stdout.splitlines()
    assert [row.split()[0] for row in rows] == [rule.code for rule in all_rules()]
    assert any(row.split()[:2] == ["RSP004", "legacy-base-url"] for row in rows)


def test_explain_prints_the_doc(run):
    from migrator.rules import rule_by_code

    result = run("explain", "rsp004")
    assert result.exit_code == 0
    assert result.stdout.strip() == rule_by_code("RSP004").doc()


def test_explain_unknown_code_is_a_usage_error(run):
    result = run("explain", "XYZ")
    assert result.exit_code == 2 and "unknown rule code 'XYZ'" in result.stderr


def test_python_dash_m(tmp_path):
    done = subprocess.run([sys.executable, "-m", "migrator", "--version"], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "0.1.0" in done.stdout


def test_the_garbage_collector_is_tuned_for_the_run_and_restored_after(run, tmp_path, monkeypatch):
    import gc

    from migrator import files

    seen, real_run = [], files.run

    def noting_run(*args, **kwargs):
        seen.append((gc.get_threshold()[0], gc.get_freeze_count()))
        return real_run(*args, **kwargs)

    monkeypatch.setattr(files, "run", noting_run)
    before = gc.get_threshold()
    (tmp_path / "a.py").write_text(CHAT_OK)
    assert run("apply", "a.py").exit_code == 0
    assert seen and seen[0][0] == 10_000 and seen[0][1] > 0  # fewer collections; the modules set aside
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
    assert "output_text" in (tmp_path / "a.py").read_text()
