"""Bad input: every file that cannot be migrated is one clear line, the others still run.

The promise, for each kind of bad file below: one `error: <path>: <reason>` line naming it,
no traceback, the file left as it was, the other files processed, exit code 2 at the end.
Input that has crashed parsers (deeply nested code) runs in a subprocess, so that a
regression shows up as a failing test instead of taking pytest down with it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrator.engine import safe_parsing as roundtrip
from migrator.cli import main

LEGACY = 'BASE = "https://dashscope.aliyuncs.com/api/v2/apps/protocols/compatible-mode/v1"\n'
MIGRATED = 'BASE = "https://dashscope.aliyuncs.com/compatible-mode/v1"\n'
#: Makes a file worth parsing (a rule's trigger, in a file that names openai) without anything
#: to rewrite. (A file with a syntax error that does not name openai is skipped unread.)
TRIGGER = "  # openai client.chat.completions\n"


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


def assert_one_line_per_bad_file(stderr: str, expected: dict[str, str]) -> None:
    """`expected`: file name → a piece of its reason."""
    lines = error_lines(stderr)
    assert len(lines) == len(expected), stderr
    for name, reason in expected.items():
        (line,) = [line for line in lines if line.startswith(f"error: {name}: ")] or [f"<no line for {name}>"]
        assert reason in line, line
    assert "Traceback" not in stderr


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    def invoke(*args, input=None):
        result = CliRunner().invoke(main, [str(a) for a in args], input=input)
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        assert "Traceback" not in result.output
        return result

    return invoke


def subprocess_cli(*args: str, cwd: Path, input: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "migrator", *args], cwd=cwd, input=input, capture_output=True, timeout=120, check=False
    )


# --- syntax errors, bytes that are not text, encodings ----------------------------------------


#: Python's own message and position (LibCST's point past the mistake and list every token it
#: expected), as the Python running the tests reads the file.
BAD_SOURCES = {
    "unclosed.py": ("x = (1,\n" + TRIGGER, "line 1, column 5: '(' was never closed"),
    "bad_indent.py": ("def f():\nreturn 1\n" + TRIGGER, "line 2, column 1: expected an indented block"),
    "python2.py": ('print "hello"' + TRIGGER, "line 1, column 1: Missing parentheses in call to 'print'"),
    "unterminated.py": ('s = """never closed\n' + TRIGGER, "line 1, column 5: unterminated triple-quoted string"),
    "tabs_and_spaces.py": ("if x:\n\tif y:\n        pass\n" + TRIGGER, "line 3, column 1: inconsistent use of tabs"),
    "stray_dedent.py": ("if x:\n        a = 1\n    b = 2\n" + TRIGGER, "line 3, column 10: unindent does not match"),
    "walrus_at_top.py": ("x := 1\n" + TRIGGER, "line 1, column 3: invalid syntax"),
}

BAD_BYTES = {
    "nul.py": (b"x = 1\0\n" + TRIGGER.encode(), "not a text file (it contains NUL bytes)"),
    "png.py": (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR openai completions", "not a text file"),
    "elf.py": (b"\x7fELF\x02\x01\x01\0\0\0openai completions\xff\xfe", "not a text file"),
    "random.py": (bytes(range(128, 256)) * 4 + b"openai completions", "cannot decode as utf-8"),
    "latin1_undeclared.py": (b"# caf\xe9\n" + TRIGGER.encode(), "cannot decode as utf-8"),
    "utf16.py": (LEGACY.encode("utf-16"), "not a text file"),
    "bom_and_latin1.py": (b"\xef\xbb\xbf# -*- coding: latin-1 -*-\n" + LEGACY.encode(), "bad encoding declaration"),
    "unknown_codec.py": (b"# -*- coding: klingon -*-\n" + LEGACY.encode(), "bad encoding declaration"),
    "wrong_declaration.py": (b"# -*- coding: ascii -*-\n# caf\xc3\xa9\n" + LEGACY.encode(), "cannot decode as ascii"),
}


def test_each_bad_file_is_one_line_and_the_good_ones_are_migrated(cli, tmp_path):
    for name, (text, _) in BAD_SOURCES.items():
        (tmp_path / name).write_text(text)
    for name, (raw, _) in BAD_BYTES.items():
        (tmp_path / name).write_bytes(raw)
    for name in ("a_good.py", "m_good.py", "z_good.py"):
        (tmp_path / name).write_text(LEGACY)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    result = cli("apply", "--jobs", "1", ".")
    assert result.exit_code == 2
    expected = {name: reason for name, (_, reason) in {**BAD_SOURCES, **BAD_BYTES}.items()}
    assert_one_line_per_bad_file(result.stderr, expected)
    for name, raw in before.items():
        now = (tmp_path / name).read_bytes()
        assert now == (MIGRATED.encode() if name.endswith("_good.py") else raw), name
    assert f"{len(before)} files checked" in result.stderr and f"{len(expected)} failed" in result.stderr


def test_check_and_diff_report_the_same_lines(cli, tmp_path):
    for name, (text, _) in BAD_SOURCES.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "good.py").write_text(LEGACY)
    expected = {name: reason for name, (_, reason) in BAD_SOURCES.items()}
    for command in ("check", "diff"):
        result = cli(command, "--jobs", "1", ".")
        assert result.exit_code == 2
        assert_one_line_per_bad_file(result.stderr, expected)


@pytest.mark.parametrize("name", sorted(BAD_BYTES))
def test_bad_bytes_on_stdin_pass_through_unchanged(cli, name):
    raw, reason = BAD_BYTES[name]
    result = cli("apply", "-", input=raw)
    assert result.exit_code == 2 and result.stdout_bytes == raw
    assert error_lines(result.stderr) == [line for line in error_lines(result.stderr) if "<stdin>" in line]
    assert reason in result.stderr


def test_empty_and_blank_files_are_fine(cli, tmp_path):
    (tmp_path / "empty.py").write_bytes(b"")
    (tmp_path / "bom_only.py").write_bytes(b"\xef\xbb\xbf")
    (tmp_path / "comment_only.py").write_text(TRIGGER)
    (tmp_path / "formfeed.py").write_bytes(b"\x0c\n\x0c" + TRIGGER.encode())
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    result = cli("apply", "--jobs", "1", ".")
    assert result.exit_code == 0 and error_lines(result.stderr) == []
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


# --- files that cannot be read -------------------------------------------------------------------


def test_unreadable_file_is_reported(cli, tmp_path):
    secret = tmp_path / "secret.py"
    secret.write_text(LEGACY)
    (tmp_path / "good.py").write_text(LEGACY)
    secret.chmod(0o000)
    try:
        if os.access(secret, os.R_OK):
            pytest.skip("running as root (or with CAP_DAC_OVERRIDE): chmod 000 does not block reading")
        result = cli("apply", "--jobs", "1", ".")
    finally:
        secret.chmod(0o644)
    assert result.exit_code == 2
    assert_one_line_per_bad_file(result.stderr, {"secret.py": "permission denied"})
    assert secret.read_text() == LEGACY and (tmp_path / "good.py").read_text() == MIGRATED


def test_unreadable_file_simulated_so_it_runs_as_root_too(cli, tmp_path, monkeypatch):
    (tmp_path / "secret.py").write_text(LEGACY)
    (tmp_path / "good.py").write_text(LEGACY)
    real = Path.read_bytes

    def read_bytes(self):
        if self.name == "secret.py":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    result = cli("apply", "--jobs", "1", ".")
    assert result.exit_code == 2
    assert_one_line_per_bad_file(result.stderr, {"secret.py": "permission denied"})
    assert (tmp_path / "good.py").read_text() == MIGRATED


def test_paths_that_are_not_files(cli, tmp_path):
    (tmp_path / "folder.py").mkdir()
    (tmp_path / "good.py").write_text(LEGACY)
    try:
        (tmp_path / "dangling.py").symlink_to(tmp_path / "nowhere.py")
    except OSError:
        pytest.skip("no symlinks here")
    # In a directory walk they are not files, so not candidates at all.
    walked = cli("apply", "--jobs", "1", ".")
    assert walked.exit_code == 0 and error_lines(walked.stderr) == []
    # Named on the command line, each is an error of its own (a directory is walked, as ever).
    named = cli("check", "--jobs", "1", "folder.py", "dangling.py", "missing.py", "good.py")
    assert named.exit_code == 2
    assert_one_line_per_bad_file(named.stderr, {"dangling.py": "no such file", "missing.py": "no such file"})


def test_a_file_name_that_is_not_utf8(tmp_path):
    try:
        with open(os.path.join(os.fsencode(tmp_path), b"caf\xe9.py"), "w") as handle:
            handle.write(LEGACY)
    except (OSError, UnicodeError):
        pytest.skip("this file system wants UTF-8 names")
    done = subprocess_cli("apply", "--jobs", "1", ".", cwd=tmp_path)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert b"Traceback" not in done.stderr
    assert Path(os.fsdecode(os.path.join(os.fsencode(tmp_path), b"caf\xe9.py"))).read_text() == MIGRATED


# --- notebooks ---------------------------------------------------------------------------------

try:
    from migrator.files import notebooks
except ImportError:  # notebook support came in parallel with these tests
    notebooks = None
needs_notebooks = pytest.mark.skipif(notebooks is None, reason="migrator.files.notebooks is missing")


def notebook(*sources: str) -> str:
    cells = [
        {"cell_type": "code", "metadata": {}, "source": s, "outputs": [], "execution_count": None} for s in sources
    ]
    kernel = {"kernelspec": {"language": "python", "name": "python3", "display_name": "Python 3"}}
    return json.dumps({"cells": cells, "metadata": kernel, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"


BAD_NOTEBOOKS = {
    "truncated.ipynb": (b'{"cells": [ "openai completions"', "not valid JSON"),
    "binary.ipynb": (b"\x89PNG\r\n\x1a\n\0\0openai completions\xff", "cannot decode"),
    "a_list.ipynb": (b'["openai completions"]', "not a Jupyter notebook"),
    "bad_cell.ipynb": (notebook("import openai\nclient.chat.completions.create(\n").encode(), "cell 1: line 2"),
}


@needs_notebooks
def test_broken_notebooks_are_one_line_each(cli, tmp_path):
    for name, (raw, _) in BAD_NOTEBOOKS.items():
        (tmp_path / name).write_bytes(raw)
    (tmp_path / "good.py").write_text(LEGACY)
    result = cli("apply", "--jobs", "1", ".")
    assert result.exit_code == 2
    assert_one_line_per_bad_file(result.stderr, {name: reason for name, (_, reason) in BAD_NOTEBOOKS.items()})
    for name, (raw, _) in BAD_NOTEBOOKS.items():
        assert (tmp_path / name).read_bytes() == raw
    assert (tmp_path / "good.py").read_text() == MIGRATED


# --- code nested too deeply: parsers recurse, and LibCST's native one can crash -------------------


def _nested(opening: str, closing: str, depth: int, inner: str = "1") -> str:
    return "x = " + opening * depth + inner + closing * depth + TRIGGER


DEEP = {
    "parentheses.py": (_nested("(", ")", 2000), "too many nested parentheses"),
    "brackets.py": (_nested("[", "]", 2000, ""), "too many nested parentheses"),
    "braces.py": (_nested("{", "}", 2000, ""), "too many nested parentheses"),
    "calls.py": (_nested("f(", ")", 2000, ""), "too many nested parentheses"),
    "subscripts.py": (_nested("a[", "]", 2000), "too many nested parentheses"),
    "minus_signs.py": ("x = " + "-" * 20000 + "1" + TRIGGER, "nested too deeply"),
    "nots.py": ("x = " + "not " * 20000 + "1" + TRIGGER, "nested too deeply"),
    "sum.py": ("x = " + " + ".join(["1"] * 50000) + TRIGGER, "nested too deeply"),
    "attributes.py": ("x = a" + ".b" * 20000 + TRIGGER, "nested too deeply"),
    "elifs.py": ("if a:\n    pass\n" + "elif a:\n    pass\n" * 20000 + TRIGGER, "nested too deeply"),
    "and_chain.py": ("x = " + " and ".join(["a"] * 20000) + TRIGGER, "`and` / `or` chain of 20000 operands"),
    "indentation.py": ("".join("    " * i + "if x:\n" for i in range(120)) + "    " * 120 + "pass" + TRIGGER, "line"),
}


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_deep_nesting_is_one_line_per_file_not_a_crash(tmp_path, jobs):
    for name, (text, _) in DEEP.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "good.py").write_text(LEGACY)
    (tmp_path / "just_deep_enough.py").write_text(_nested("(", ")", 150) + LEGACY)
    done = subprocess_cli("apply", "--no-color", "--jobs", jobs, ".", cwd=tmp_path)
    stderr = done.stderr.decode()
    assert done.returncode == 2, f"exit {done.returncode} (negative: killed by a signal)\n{stderr[-2000:]}"
    assert_one_line_per_bad_file(stderr, {name: reason for name, (_, reason) in DEEP.items()})
    for name, (text, _) in DEEP.items():
        assert (tmp_path / name).read_text() == text
    assert (tmp_path / "good.py").read_text() == MIGRATED
    assert (tmp_path / "just_deep_enough.py").read_text() == _nested("(", ")", 150) + MIGRATED


def test_deep_nesting_on_stdin_passes_through(tmp_path):
    text = DEEP["parentheses.py"][0].encode()
    done = subprocess_cli("apply", "-", cwd=tmp_path, input=text)
    assert done.returncode == 2 and done.stdout == text
    assert done.stderr.decode().startswith("error: <stdin>: line 1, column ")


def test_check_nesting_lets_ordinary_syntax_errors_through_to_the_engine():
    roundtrip.check_nesting("def f(:\n")  # the engine reports it, with LibCST's position
    roundtrip.check_nesting("type X = int\n")  # newer syntax: LibCST may well read it
    with pytest.raises(roundtrip.SourceError, match="too many nested parentheses"):
        roundtrip.check_nesting("x = " + "(" * 300 + ")" * 300)


#: The engine asks Python's parser before LibCST's, whose native parser would overflow the C
#: stack and end the process: notebooks, whose cells go to the engine directly, are covered too.
@needs_notebooks
def test_deep_nesting_in_a_notebook_cell_is_one_line_not_a_crash(tmp_path):
    deep = "x = " + "(" * 2000 + ")" * 2000 + "\n"
    (tmp_path / "deep.ipynb").write_text(notebook("import openai\nclient.chat.completions.create()\n", deep))
    (tmp_path / "good.py").write_text(LEGACY)
    done = subprocess_cli("check", "--jobs", "1", ".", cwd=tmp_path)
    stderr = done.stderr.decode()
    assert done.returncode == 2, f"exit {done.returncode}\n{stderr[-2000:]}"
    assert_one_line_per_bad_file(stderr, {"deep.ipynb": "nested"})
