"""Never lose code: how `apply` writes files, and what it does when that goes wrong.

Each test here breaks one link of the write path (a full disk, a failing chmod, Ctrl-C,
a file edited meanwhile, a rule whose output does not parse) and checks that the file is
left exactly as it was, that no temporary file remains, and that the run reports it.
"""

from __future__ import annotations

import tempfile
import errno
import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import libcst as cst
import pytest
from click.testing import CliRunner

import migrator.engine.core
from migrator.files import processing as files
from migrator.cli import main
from migrator.engine import migrate_source
from migrator.files import FileError, process, read_source, write_source
from migrator.rules import Rule
from migrator.settings import Settings

LEGACY = 'BASE = "https://dashscope.aliyuncs.com/api/v2/apps/protocols/compatible-mode/v1"\n'
MIGRATED = 'BASE = "https://dashscope.aliyuncs.com/compatible-mode/v1"\n'
#: Has a rule's trigger, so it is parsed, but nothing to change.
CLEAN_WITH_TRIGGER = 'URL = "https://dashscope.aliyuncs.com/api/v2/apps/protocols/compatible-mode"\n'

#: A call that migrates: several lines change, and the rewrite adds and renames arguments.
CHAT = """\
import os
from openai import OpenAI
# café: a comment with {accent}
client = OpenAI(api_key=os.getenv("DASHSCOPE_API_KEY"), base_url="https://dashscope.aliyuncs.com/compatible-mode/v1")
completion = client.chat.completions.create(
    model="qwen-plus",
    messages=[{{"role": "user", "content": "Grüße, {accent}"}}],
    max_tokens=50,
)
print(completion.choices[0].message.content)
"""


def chat(accent: str = "é") -> str:
    return CHAT.format(accent=accent)


@pytest.fixture
def run(tmp_path, monkeypatch):
    """The CLI in tmp_path, in this process (`--jobs 1`, so monkeypatches apply)."""
    monkeypatch.chdir(tmp_path)

    def invoke(*args, input=None):
        result = CliRunner().invoke(main, [str(a) for a in args], input=input)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert "Traceback" not in result.output
        return result

    return invoke


def listing(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def error_lines_of(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


def write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode())
    return path


# --- a write that fails never leaves a partial file ----------------------------------------------


class _HalfWriter:
    """Stands in for the temporary file's handle: writes half of the data, then fails."""

    def __init__(self, handle, error: BaseException):
        self.handle, self.error = handle, error

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.handle.close()
        return False

    def write(self, data: bytes) -> int:
        self.handle.write(data[: len(data) // 2])
        self.handle.flush()
        raise self.error


def _fail_midway(monkeypatch, error: BaseException) -> None:
    real_fdopen = os.fdopen
    monkeypatch.setattr(os, "fdopen", lambda fd, *a, **k: _HalfWriter(real_fdopen(fd, *a, **k), error))


def _fail_in(monkeypatch, name: str, error: BaseException) -> None:
    def failing(*args, **kwargs):
        raise error

    monkeypatch.setattr(os, name, failing)


def _refused(*args, **kwargs):
    raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))


FAILURES = {
    "disk full midway": lambda mp: _fail_midway(mp, OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))),
    "chmod refused": lambda mp: _fail_in(mp, "chmod", PermissionError(errno.EPERM, os.strerror(errno.EPERM))),
    "rename refused": lambda mp: _fail_in(mp, "replace", OSError(errno.EXDEV, os.strerror(errno.EXDEV))),
    "directory not writable": lambda mp: mp.setattr(tempfile, "mkstemp", _refused),
}


@pytest.mark.parametrize("failure", FAILURES)
def test_a_failed_write_leaves_the_file_as_it_was_and_no_temp_file(tmp_path, monkeypatch, failure):
    path = write(tmp_path / "a.py", LEGACY)
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    FAILURES[failure](monkeypatch)
    outcome = process(path, Settings(), write=True)
    assert outcome.error is not None and outcome.error.startswith("cannot write: ")
    assert not outcome.written and outcome.result is None
    assert path.read_bytes() == LEGACY.encode() and path.stat().st_mtime_ns == 1_000_000_000
    assert listing(tmp_path) == ["a.py"]


def test_a_failed_write_is_one_line_exit_2_and_the_other_files_are_written(run, tmp_path, monkeypatch):
    for name in ("a.py", "b.py", "c.py"):
        write(tmp_path / name, LEGACY)
    real_fdopen = os.fdopen
    full = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def disk_full_for_b(fd, *args, **kwargs):
        handle = real_fdopen(fd, *args, **kwargs)
        return _HalfWriter(handle, full) if ".b.py." in os.readlink(f"/proc/self/fd/{fd}") else handle

    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc to tell the temporary files apart")
    monkeypatch.setattr(os, "fdopen", disk_full_for_b)
    result = run("apply", "--jobs", "1", ".")
    assert result.exit_code == 2
    assert "error: b.py: cannot write: no space left on device\n" in result.stderr
    assert [line for line in result.stderr.splitlines() if line.startswith("error:")] == [
        "error: b.py: cannot write: no space left on device"
    ]
    assert (tmp_path / "b.py").read_text() == LEGACY
    assert (tmp_path / "a.py").read_text() == MIGRATED and (tmp_path / "c.py").read_text() == MIGRATED
    assert listing(tmp_path) == ["a.py", "b.py", "c.py"]


def test_the_swap_happens_only_once_the_new_text_is_complete_and_closed(tmp_path, monkeypatch):
    """Whoever reads the file sees the old text or the new one, never a mix."""
    path = write(tmp_path / "a.py", chat())
    expected = migrate_source(chat()).new_source.encode()
    seen = {}
    real_replace = os.replace

    def replace(src, dst):
        seen["target before the swap"] = Path(dst).read_bytes()
        seen["temp file"] = Path(src).read_bytes()
        seen["temp in same directory"] = Path(src).parent == Path(dst).parent
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    assert process(path, Settings(), write=True).written
    assert seen == {"target before the swap": chat().encode(), "temp file": expected, "temp in same directory": True}
    assert path.read_bytes() == expected and listing(tmp_path) == ["a.py"]


# --- what is kept: mode, owner, encoding, line endings -------------------------------------------


@pytest.mark.parametrize("mode", [0o644, 0o600, 0o640, 0o664, 0o755, 0o700, 0o750, 0o775])
def test_mode_is_kept_whatever_the_umask(tmp_path, mode):
    path = write(tmp_path / "a.py", LEGACY)
    path.chmod(mode)
    old_umask = os.umask(0o077)  # a umask stricter than the file's mode must not narrow it
    try:
        assert process(path, Settings(), write=True).written
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == mode
    assert path.read_text() == MIGRATED


def test_executable_script_stays_executable_through_the_cli(run, tmp_path):
    script = write(tmp_path / "tool", "#!/usr/bin/env python3\n" + LEGACY)
    script.chmod(0o755)
    assert run("apply", "--jobs", "1", "tool").exit_code == 0
    assert os.access(script, os.X_OK) and stat.S_IMODE(script.stat().st_mode) == 0o755
    assert script.read_text() == "#!/usr/bin/env python3\n" + MIGRATED


def test_owner_and_group_are_kept_when_root_writes_someone_elses_file(tmp_path):
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("only root may give a file to another user")
    path = write(tmp_path / "a.py", LEGACY)
    os.chown(path, 12345, 23456)
    path.chmod(0o6755)  # setuid and setgid: chown would clear them if it came after chmod
    assert process(path, Settings(), write=True).written
    status = path.stat()
    assert (status.st_uid, status.st_gid, stat.S_IMODE(status.st_mode)) == (12345, 23456, 0o6755)


def _migrated(text: str) -> str:
    return migrate_source(text).new_source


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("lf", chat().encode(), _migrated(chat()).encode()),
        ("crlf", chat().replace("\n", "\r\n").encode(), _migrated(chat()).replace("\n", "\r\n").encode()),
        ("cr", chat().replace("\n", "\r").encode(), _migrated(chat()).replace("\n", "\r").encode()),
        ("no newline at end", chat().rstrip("\n").encode(), _migrated(chat()).rstrip("\n").encode()),
        ("bom", b"\xef\xbb\xbf" + chat().encode(), b"\xef\xbb\xbf" + _migrated(chat()).encode()),
        (
            "bom and declaration",
            b"\xef\xbb\xbf# -*- coding: utf-8 -*-\n" + chat().encode(),
            b"\xef\xbb\xbf# -*- coding: utf-8 -*-\n" + _migrated(chat()).encode(),
        ),
        (
            "latin-1",
            ("# -*- coding: latin-1 -*-\n" + chat()).encode("latin-1"),
            ("# -*- coding: latin-1 -*-\n" + _migrated(chat())).encode("latin-1"),
        ),
        (
            "cp1252 after a shebang",
            ("#!/usr/bin/env python\n# vim: set fileencoding=cp1252 :\n" + chat("€ – “quoted”")).encode("cp1252"),
            ("#!/usr/bin/env python\n# vim: set fileencoding=cp1252 :\n" + _migrated(chat("€ – “quoted”"))).encode(
                "cp1252"
            ),
        ),
        (
            "cp1252 with crlf",
            ("# coding=cp1252\n" + chat("€")).replace("\n", "\r\n").encode("cp1252"),
            ("# coding=cp1252\n" + _migrated(chat("€"))).replace("\n", "\r\n").encode("cp1252"),
        ),
        ("utf-8, not ascii", chat("你好 🙂").encode(), _migrated(chat("你好 🙂")).encode()),
    ],
)
def test_encoding_bom_and_line_endings_are_kept_byte_for_byte(run, tmp_path, name, raw, expected):
    assert raw != expected  # the case does migrate something
    path = tmp_path / "a.py"
    path.write_bytes(raw)
    result = run("apply", "--jobs", "1", "a.py")
    assert result.exit_code == 0, result.stderr
    assert path.read_bytes() == expected
    # And the same bytes come out of `apply -`, which writes nothing.
    assert run("apply", "--jobs", "1", "-", input=raw).stdout_bytes == expected


def test_mixed_line_endings_each_untouched_line_keeps_its_own(tmp_path):
    lines = chat().splitlines(keepends=True)
    endings = ["\n", "\r\n"]
    raw = "".join(line.rstrip("\n") + endings[i % 2] for i, line in enumerate(lines))
    path = tmp_path / "a.py"
    path.write_bytes(raw.encode())
    assert process(path, Settings(), write=True).written
    new = path.read_bytes().decode()
    assert new.replace("\r\n", "\n") == _migrated(chat())
    old_endings = {line.rstrip("\r\n"): line[len(line.rstrip("\r\n")) :] for line in raw.splitlines(keepends=True)}
    for line in new.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        if body in old_endings:  # a line the rewrite did not touch
            assert line[len(body) :] == old_endings[body], repr(line)


# --- what LibCST does not give back is put back ------------------------------------------------

EXCEPT_SPACE = "try:\n    import json\nexcept ImportError :\n    json = None\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # LibCST writes `except ImportError :` back without the space: not a change of ours.
        (EXCEPT_SPACE + CLEAN_WITH_TRIGGER, None),
        (EXCEPT_SPACE + LEGACY, EXCEPT_SPACE + MIGRATED),
        # LibCST drops trailing lines whose endings are mixed, and a last lone CR.
        (
            "x = 1\r\n" + LEGACY.rstrip("\n") + "\r\n\n\n\r\n   # c\r\n\n# c\r\n\n",
            "x = 1\r\n" + MIGRATED.rstrip("\n") + "\r\n\n\n\r\n   # c\r\n\n# c\r\n\n",
        ),
        ("x = 1\r" + LEGACY.replace("\n", "\r"), "x = 1\r" + MIGRATED.replace("\n", "\r")),
        ("x = 1\r" + CLEAN_WITH_TRIGGER.replace("\n", "\r") + "   # end\r  \r", None),
    ],
    ids=[
        "except space, nothing to do",
        "except space kept",
        "mixed endings at the end",
        "lone CR",
        "lone CR, no change",
    ],
)
def test_characters_libcst_does_not_give_back_are_kept(run, tmp_path, text, expected):
    path = write(tmp_path / "a.py", text)
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    result = run("apply", "--jobs", "1", "a.py")
    assert result.exit_code == 0, result.stderr
    if expected is None:
        assert path.stat().st_mtime_ns == 1_000_000_000 and "fixed:" not in result.stderr
    assert path.read_bytes() == (expected or text).encode()


def test_a_rewrite_next_to_a_line_libcst_changes_is_refused(run, tmp_path):
    text = "try:\n    pass\nexcept (OSError, " + LEGACY.split(" = ")[1].strip() + ") :\n    pass\n"
    path = write(tmp_path / "a.py", text)
    result = run("apply", "--jobs", "1", "a.py")
    assert result.exit_code == 2
    assert error_lines_of(result.stderr) == [
        (
            "error: a.py: line 3: LibCST does not give this line back exactly, and the rewrite is next to it; "
            "the file was left as it was"
        )
    ]
    assert path.read_text() == text


#: LibCST's own changes (here `except OSError :` → `except OSError:`) must not reach a notebook
#: whose cells no rule changed: the engine, which notebooks use too, carries only rule edits over.
def test_a_notebook_is_not_changed_by_libcst_alone(run, tmp_path):
    pytest.importorskip("migrator.files.notebooks")
    cells = [EXCEPT_SPACE, "# chat.completions, mentioned\nx = 1\n"]
    notebook = {
        "cells": [
            {"cell_type": "code", "metadata": {}, "source": c, "outputs": [], "execution_count": None} for c in cells
        ],
        "metadata": {"kernelspec": {"language": "python", "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = write(tmp_path / "a.ipynb", json.dumps(notebook, indent=1) + "\n")
    before = path.read_bytes()
    run("apply", "--jobs", "1", "a.ipynb")
    assert path.read_bytes() == before


# --- nothing is written when nothing changes -----------------------------------------------------


FINDINGS_ONLY = chat().replace("max_tokens=50,", 'max_tokens=50,\n    stop=["\\n"],')


@pytest.mark.parametrize(
    "text",
    ["x = 1\n", CLEAN_WITH_TRIGGER, FINDINGS_ONLY, MIGRATED, _migrated(chat())],
    ids=["no trigger", "trigger but nothing to do", "findings only", "already migrated", "migrated call"],
)
def test_a_file_that_does_not_change_is_not_touched(run, tmp_path, text):
    path = write(tmp_path / "a.py", text)
    path.chmod(0o640)
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    before = path.stat()
    result = run("apply", "--jobs", "1", ".")
    assert result.exit_code in (0, 1) and "fixed:" not in result.stderr
    after = path.stat()
    assert (after.st_mtime_ns, after.st_ino, after.st_mode) == (1_000_000_000, before.st_ino, before.st_mode)
    assert path.read_bytes() == text.encode() and listing(tmp_path) == ["a.py"]


def test_second_apply_writes_nothing(run, tmp_path):
    path = write(tmp_path / "a.py", chat())
    assert run("apply", "--jobs", "1", ".").exit_code == 0
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    second = run("apply", "--jobs", "1", ".")
    assert second.exit_code == 0 and "fixed:" not in second.stderr and "0 changed" in second.stderr
    assert path.stat().st_mtime_ns == 1_000_000_000


# --- a file changed by someone else during the run is not overwritten ----------------------------


def _meanwhile(monkeypatch, name: str, action) -> None:
    """Run `action(path)` on file `name` while migrator is migrating it (after it was read)."""
    real = files.migrate_source

    def migrate_and_meddle(text, settings, filename, *args, **kwargs):
        if Path(filename).name == name:
            action(Path(filename))
        return real(text, settings, filename, *args, **kwargs)

    monkeypatch.setattr(files, "migrate_source", migrate_and_meddle)


def test_a_file_edited_during_the_run_is_not_overwritten(run, tmp_path, monkeypatch):
    write(tmp_path / "a.py", LEGACY)
    write(tmp_path / "b.py", LEGACY)
    edited = LEGACY + "# saved by an editor meanwhile\n"
    _meanwhile(monkeypatch, "a.py", lambda path: path.write_text(edited))
    result = run("apply", "--jobs", "1", ".")
    assert result.exit_code == 2
    assert "error: a.py: changed on disk while migrator was running; not overwritten\n" in result.stderr
    assert (tmp_path / "a.py").read_text() == edited
    assert (tmp_path / "b.py").read_text() == MIGRATED
    assert listing(tmp_path) == ["a.py", "b.py"]


def test_a_file_deleted_during_the_run_is_not_written_back(run, tmp_path, monkeypatch):
    write(tmp_path / "a.py", LEGACY)
    _meanwhile(monkeypatch, "a.py", Path.unlink)
    result = run("apply", "--jobs", "1", ".")
    assert result.exit_code == 2
    assert "error: a.py: cannot write: no such file or directory" in result.stderr
    assert listing(tmp_path) == []


def test_a_file_edited_to_the_same_bytes_is_still_written(tmp_path):
    """Only the content counts: touching the file (same bytes, new mtime) does not block the write."""
    path = write(tmp_path / "a.py", LEGACY)
    source = read_source(path)
    os.utime(path, ns=(2_000_000_000, 2_000_000_000))
    write_source(source, MIGRATED.encode())
    assert path.read_text() == MIGRATED


def test_write_refuses_when_the_file_became_a_different_file(tmp_path):
    path = write(tmp_path / "a.py", LEGACY)
    source = read_source(path)
    path.unlink()
    write(path, "x = 1\n")
    with pytest.raises(FileError, match="changed on disk"):
        write_source(source, MIGRATED.encode())
    assert path.read_text() == "x = 1\n" and listing(tmp_path) == ["a.py"]


# --- output that does not parse is never written -------------------------------------------------


class _BreaksTheCode(Rule):
    """A deliberately broken rule: turns the legacy URL string into the keyword `class`."""

    code = "RSP999"
    slug = "breaks-the-code"
    summary = "test only"
    triggers = ("/api/v2/apps/protocols/compatible-mode",)

    def apply(self, ctx):
        for literal in ctx.tree.nodes(cst.SimpleString):
            if "/api/v2/apps/" in literal.value:
                # LibCST accepts the name (it is an identifier); Python does not (it is a keyword).
                ctx.tree.edit(literal, lambda node: cst.Name("class"))
                ctx.report(literal, self.code, "breaks it")


class _Explodes(Rule):
    code = "RSP998"
    slug = "explodes"
    summary = "test only"
    triggers = ("/api/v2/apps/protocols/compatible-mode",)

    def apply(self, ctx):
        raise ValueError("a bug in a rule")


def _with_rule(monkeypatch, rule: type[Rule]) -> None:
    real = migrator.engine.core.enabled_rules
    monkeypatch.setattr(migrator.engine.core, "enabled_rules", lambda settings: [*real(settings), rule()])


def test_a_rule_whose_output_does_not_parse_changes_nothing_and_is_named(run, tmp_path, monkeypatch):
    _with_rule(monkeypatch, _BreaksTheCode)
    bad = write(tmp_path / "a.py", LEGACY)
    os.utime(bad, ns=(1_000_000_000, 1_000_000_000))
    write(tmp_path / "b.py", "x = 1  # no trigger\n")
    result = run("apply", "--jobs", "1", ".")
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == ["error: a.py: rule RSP999 produced code that does not parse; the file was left as it was"]
    assert bad.read_bytes() == LEGACY.encode() and bad.stat().st_mtime_ns == 1_000_000_000
    assert listing(tmp_path) == ["a.py", "b.py"]
    # diff shows no patch for it, and `apply -` passes the input through unchanged.
    assert run("diff", "--jobs", "1", "a.py").stdout == ""
    piped = run("apply", "--jobs", "1", "-", input=LEGACY)
    assert piped.exit_code == 2 and piped.stdout == LEGACY


def test_a_rule_that_raises_is_a_per_file_error_and_the_run_goes_on(run, tmp_path, monkeypatch):
    _with_rule(monkeypatch, _Explodes)
    write(tmp_path / "a.py", LEGACY)
    write(tmp_path / "b.py", "x = 1\n")
    result = run("apply", "--jobs", "1", ".")
    assert result.exit_code == 2
    assert "error: a.py: internal error (ValueError: a bug in a rule); please report it" in result.stderr
    assert (tmp_path / "a.py").read_text() == LEGACY and "2 files checked" in result.stderr


def test_input_newer_than_the_running_python_is_not_blamed_on_a_rule(tmp_path):
    """The output check uses Python's parser; if that cannot read the input either, say so."""
    if sys.version_info >= (3, 12):
        pytest.skip("`type X = ...` parses on this Python")
    path = write(tmp_path / "a.py", "type Alias = int\n" + LEGACY)
    outcome = process(path, Settings(), write=True)
    assert outcome.error is not None and "rule" not in outcome.error
    assert outcome.error.startswith("line 1, column 6: invalid syntax (as Python 3.")
    assert path.read_text() == "type Alias = int\n" + LEGACY


# --- Ctrl-C --------------------------------------------------------------------------------------


def _interrupt_in(monkeypatch, where: str) -> None:
    if where == "write":
        _fail_midway(monkeypatch, KeyboardInterrupt())
    elif where == "check":
        real = Path.read_bytes
        calls = []

        def read_bytes(self):
            calls.append(self)
            if len(calls) > 1:  # the first read is the file's; the second the check before the swap
                raise KeyboardInterrupt
            return real(self)

        monkeypatch.setattr(Path, "read_bytes", read_bytes)
    else:
        _fail_in(monkeypatch, where, KeyboardInterrupt())


@pytest.mark.parametrize("where", ["write", "chmod", "check", "replace"])
def test_ctrl_c_anywhere_in_the_write_leaves_the_file_whole_and_no_temp_file(tmp_path, monkeypatch, where):
    path = write(tmp_path / "a.py", LEGACY)
    _interrupt_in(monkeypatch, where)
    with pytest.raises(KeyboardInterrupt):
        process(path, Settings(), write=True)
    monkeypatch.undo()
    assert path.read_text() == LEGACY and listing(tmp_path) == ["a.py"]


def test_ctrl_c_during_apply_exits_130_with_finished_files_complete(run, tmp_path, monkeypatch):
    for name in ("a.py", "b.py", "c.py"):
        write(tmp_path / name, LEGACY)
    real_replace = os.replace

    def replace(src, dst):
        if Path(dst).name == "b.py":
            raise KeyboardInterrupt
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    result = run("apply", "--jobs", "1", ".")
    assert result.exit_code == 130 and "interrupted" in result.stderr
    assert [(tmp_path / n).read_text() for n in ("a.py", "b.py", "c.py")] == [MIGRATED, LEGACY, LEGACY]
    assert listing(tmp_path) == ["a.py", "b.py", "c.py"]


@pytest.fixture
def ctrl_c_as_in_a_terminal():
    """Python's own Ctrl-C handler for the test: a suite started from a background shell
    (`pytest &`, some CI runners) inherits SIGINT ignored, and so would every run it starts."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def _default_ctrl_c() -> None:
    """In a child before it runs Python: Ctrl-C's default action, so that Python installs its
    handler (it keeps SIGINT ignored when it starts with it ignored)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _sigint_then(real):
    """`real`, preceded by a real SIGINT to this process (as Ctrl-C sends it)."""

    def interrupted(*args, **kwargs):
        signal.raise_signal(signal.SIGINT)
        return real(*args, **kwargs)

    return interrupted


@pytest.mark.parametrize("where", ["mkstemp", "replace"])
def test_a_real_ctrl_c_during_a_write_waits_for_the_write_to_finish(
    tmp_path, monkeypatch, where, ctrl_c_as_in_a_terminal
):
    path = write(tmp_path / "a.py", LEGACY)
    module = tempfile if where == "mkstemp" else os
    monkeypatch.setattr(module, where, _sigint_then(getattr(module, where)))
    with pytest.raises(KeyboardInterrupt):
        process(path, Settings(), write=True)
    monkeypatch.undo()
    assert path.read_text() == MIGRATED and listing(tmp_path) == ["a.py"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_second_ctrl_c_during_a_write_interrupts_at_once_and_cleans_up(
    tmp_path, monkeypatch, ctrl_c_as_in_a_terminal
):
    path = write(tmp_path / "a.py", LEGACY)
    monkeypatch.setattr(os, "chmod", _sigint_then(_sigint_then(os.chmod)))
    with pytest.raises(KeyboardInterrupt):
        process(path, Settings(), write=True)
    monkeypatch.undo()
    assert path.read_text() == LEGACY and listing(tmp_path) == ["a.py"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.skipif(not hasattr(signal, "SIGTERM") or sys.platform == "win32", reason="POSIX signals")
def test_sigterm_during_a_write_ends_the_process_only_once_the_file_is_whole(tmp_path):
    path = write(tmp_path / "a.py", LEGACY)
    script = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from migrator.files import processing as files\n"
        "from migrator.settings import Settings\n"
        "real = os.replace\n"
        "def replace(src, dst):\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    return real(src, dst)\n"
        "os.replace = replace\n"
        "files.process(Path(sys.argv[1]), Settings(), write=True)\n"
        "print('still running')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == -signal.SIGTERM and "still running" not in done.stdout, done.stderr
    assert path.read_text() == MIGRATED and listing(tmp_path) == ["a.py"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("jobs", ["1", "4"])
def test_sigint_to_a_real_apply_leaves_every_file_whole(tmp_path, jobs):
    """A real Ctrl-C (SIGINT to the process group, as a terminal sends it) in the middle of a
    run: each file is either untouched or fully migrated, no temporary file is left, exit 130.
    With workers, this also guards against a hang at exit: a worker killed while sending its
    result leaves half a message in the result pipe (see `pool._unblock_result_reader`)."""
    tree = tmp_path / "tree"
    tree.mkdir()
    count = 3000
    padding = "".join(f"value_{i} = {i}\n" for i in range(40))
    for i in range(count):
        (tree / f"m{i:04}.py").write_text(padding + LEGACY)
    process = subprocess.Popen(
        [sys.executable, "-m", "migrator", "apply", "--jobs", jobs, "--quiet", str(tree)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=_default_ctrl_c,
    )
    deadline = time.monotonic() + 60
    last = tree / f"m{count - 1:04}.py"
    while time.monotonic() < deadline and process.poll() is None:
        # Wait until the writes have begun (the first file is migrated), then interrupt.
        if (tree / "m0000.py").read_text().endswith(MIGRATED):
            break
        time.sleep(0.005)
    finished_early = process.poll() is not None or last.read_text().endswith(MIGRATED)
    try:
        os.killpg(process.pid, signal.SIGINT)
    except ProcessLookupError:
        finished_early = True  # (it ended between the look and the signal)
    try:
        _, err = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise AssertionError("still running 20 s after Ctrl-C") from None
    if finished_early:
        pytest.skip("the run finished before the interrupt")
    assert process.returncode == 130, err.decode()
    assert "Traceback" not in err.decode() and "interrupted" in err.decode()
    texts = [p.read_text() for p in sorted(tree.iterdir())]
    assert len(texts) == count, "a temporary file was left behind"
    done = sum(text == padding + MIGRATED for text in texts)
    assert all(text in (padding + LEGACY, padding + MIGRATED) for text in texts)
    assert 0 < done < count


# --- other SDKs' clients ----------------------------------------------------------------------

_ASK = 'reply = {receiver}.chat.completions.create(model="gpt-4o", messages=[{{"role": "user", "content": "hi"}}])\n'


@pytest.mark.parametrize(
    "setup",
    [
        "from groq import Groq\nllm = Groq()\n",
        "from zhipuai import ZhipuAI\nllm = ZhipuAI(api_key='k').with_options(timeout=5)\n",
        "import instructor\nllm = instructor.from_openai(OpenAI())\n",
        "class Local:\n    pass\nllm = Local()\n",
    ],
)
def test_another_sdks_client_is_never_touched_nor_reported_even_with_unsafe_fixes(setup):
    source = "from openai import OpenAI\n" + setup + _ASK.format(receiver="llm")
    result = migrate_source(source, Settings(unsafe_fixes=True))
    assert result.new_source == source
    assert result.findings == []


@pytest.mark.parametrize(
    "setup",
    [
        "from shop.llm import make_client\nllm = make_client()\n",  # may well return OpenAI()
        "class Local(OpenAI):\n    pass\nllm = Local()\n",  # a subclass is an OpenAI client
        "from groq import Groq\nllm = Groq() if fast else OpenAI()\n",
    ],
)
def test_a_client_that_may_be_openais_is_still_reported_and_rewritten_only_when_unsafe(setup):
    source = "from openai import OpenAI\n" + setup + _ASK.format(receiver="llm")
    kept = migrate_source(source)
    assert kept.new_source == source
    assert any("could not be shown to be an OpenAI SDK client" in f.message for f in kept.findings)
    assert "llm.responses.create(" in migrate_source(source, Settings(unsafe_fixes=True)).new_source
