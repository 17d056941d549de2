"""files.py: discovery, exact reading, safe writing, the per-file run."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from migrator.files import processing as files
from migrator.files import FileError, decode, discover, process, read_source, write_source
from migrator.settings import Settings

LEGACY = 'BASE = "https://dashscope.aliyuncs.com/api/v2/apps/protocols/compatible-mode/v1"\n'
MIGRATED = 'BASE = "https://dashscope.aliyuncs.com/compatible-mode/v1"\n'


def make(root: Path, *names: str, text: str = "x = 1\n") -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def found(root: Path, *args, **kwargs) -> list[str]:
    return [Path(p).relative_to(root).as_posix() for p in discover([str(root), *args], **kwargs)]


# --- discovery ---------------------------------------------------------------------------------


def test_discover_sorted_python_files_only(tmp_path):
    make(tmp_path, "b.py", "a.py", "pkg/z.py", "pkg/sub/c.py", "notes.txt", "script")
    assert found(tmp_path) == ["a.py", "b.py", "pkg/sub/c.py", "pkg/z.py"]


def test_discover_skips_tool_vcs_and_build_dirs(tmp_path):
    skipped = [
        ".git/x.py", ".hg/x.py", ".svn/x.py", ".venv/x.py", "venv/x.py", "__pycache__/x.py",
        "node_modules/x.py", "build/x.py", "dist/x.py", ".tox/x.py", ".nox/x.py", ".mypy_cache/x.py",
        ".pytest_cache/x.py", ".ruff_cache/x.py", "lib/site-packages/x.py", "pkg.egg-info/x.py",
    ]  # fmt: skip
    make(tmp_path, "keep.py", *skipped)
    assert found(tmp_path) == ["keep.py"]


def test_discover_skips_any_virtualenv_but_walks_a_plain_env_package(tmp_path):
    make(tmp_path, "env/settings.py", "myenv/lib/x.py", "envs/py/bin/y.py")
    (tmp_path / "myenv" / "pyvenv.cfg").write_text("home = /usr\n")
    (tmp_path / "envs" / "py" / "pyvenv.cfg").write_text("home = /usr\n")
    assert found(tmp_path) == ["env/settings.py"]


def test_discover_respects_nested_gitignores_with_negation(tmp_path):
    make(tmp_path, "a.py", "gen/out.py", "gen/keep.py", "sub/secret.py", "sub/ok.py", "log_test.py")
    (tmp_path / ".gitignore").write_text("gen/*\n!gen/keep.py\nlog_*.py\n")
    (tmp_path / "sub" / ".gitignore").write_text("secret.py\n")
    assert found(tmp_path) == ["a.py", "gen/keep.py", "sub/ok.py"]


def test_discover_reads_gitignores_of_the_repository_above_the_walked_dir(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("src/generated/\n")
    make(tmp_path, "src/a.py", "src/generated/b.py")
    assert [Path(p).name for p in discover([str(tmp_path / "src")])] == ["a.py"]


def test_a_directory_named_inside_an_ignored_folder_is_walked(tmp_path):
    # `migrator check .venv/lib/.../site-packages/pkg` in a repository that ignores `.venv`:
    # what was asked for is checked; the folder's own .gitignore still applies.
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text(".venv\nout/\n*.gen.py\n")
    make(tmp_path, "src/a.py", ".venv/lib/pkg/m.py", ".venv/lib/pkg/skip.py", "out/o.py")
    (tmp_path / ".venv" / "lib" / "pkg" / ".gitignore").write_text("skip.py\n")
    assert [Path(p).name for p in discover([str(tmp_path / ".venv" / "lib" / "pkg")])] == ["m.py"]
    assert [Path(p).name for p in discover([str(tmp_path / "out")])] == ["o.py"]
    # named from above, the ignored folder is still skipped
    assert found(tmp_path) == ["src/a.py"]


def test_discover_exclude_globs_match_names_and_paths(tmp_path):
    make(tmp_path, "a.py", "a_test.py", "vendor/v.py", "pkg/gen/g.py", "pkg/m.py")
    root = tmp_path.as_posix()
    assert found(tmp_path, exclude=["*_test.py", "vendor", f"{root}/pkg/gen/*"]) == ["a.py", "pkg/m.py"]


def test_files_named_explicitly_are_always_processed(tmp_path):
    make(tmp_path, "build/gen.py", "tool", "skip.py")
    (tmp_path / ".gitignore").write_text("skip.py\n")
    args = [str(tmp_path / "build/gen.py"), str(tmp_path / "tool"), str(tmp_path / "skip.py")]
    assert [str(p) for p in discover(args, exclude=["*.py"])] == args


def test_discover_yields_each_file_once_and_survives_symlink_loops(tmp_path):
    make(tmp_path, "pkg/a.py")
    try:
        (tmp_path / "pkg" / "loop").symlink_to(tmp_path, target_is_directory=True)
        (tmp_path / "alias").symlink_to(tmp_path / "pkg", target_is_directory=True)
    except OSError:
        pytest.skip("no symlinks here")
    result = list(discover([str(tmp_path), str(tmp_path / "pkg" / "a.py")]))
    assert [os.path.realpath(p) for p in result] == [os.path.realpath(tmp_path / "pkg" / "a.py")]


def test_discover_passes_stdin_and_missing_paths_through(tmp_path):
    assert list(discover(["-", str(tmp_path / "nope.py")])) == ["-", tmp_path / "nope.py"]


# --- decoding ----------------------------------------------------------------------------------


def test_decode_keeps_crlf_and_detects_bom_and_pep263():
    assert decode(b"x = 1\r\ny = 2\r\n") == ("x = 1\r\ny = 2\r\n", "utf-8")
    assert decode(b"\xef\xbb\xbfx = '\xc3\xa9'\n") == ("x = 'é'\n", "utf-8-sig")
    assert decode(b"# -*- coding: latin-1 -*-\nx = '\xe9'\n") == ("# -*- coding: latin-1 -*-\nx = 'é'\n", "iso-8859-1")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"x = 1\0\n", "not a text file"),
        (b"x = '\xe9'\n", "cannot decode as utf-8"),
        (b"x = 1\ny = 2\nz = '\xe9'\n", "cannot decode as utf-8"),
        (b"\xef\xbb\xbf# -*- coding: latin-1 -*-\nx = 1\n", "bad encoding declaration"),
        (b"# -*- coding: no-such-codec -*-\nx = 1\n", "bad encoding declaration"),
    ],
)
def test_decode_refuses_what_python_would_not_read(raw, message):
    with pytest.raises(FileError, match=message):
        decode(raw)


def test_read_source_reports_missing_file(tmp_path):
    with pytest.raises(FileError, match="no such file"):
        read_source(tmp_path / "nope.py")


# --- writing -----------------------------------------------------------------------------------


def test_write_round_trips_encoding_bom_crlf_and_mode(tmp_path):
    path = tmp_path / "a.py"
    raw = b"\xef\xbb\xbf# caf\xc3\xa9\r\n" + LEGACY.replace("\n", "\r\n").encode()
    path.write_bytes(raw)
    path.chmod(0o751)
    outcome = process(path, Settings(), write=True)
    assert outcome.written and outcome.error is None
    assert path.read_bytes() == b"\xef\xbb\xbf# caf\xc3\xa9\r\n" + MIGRATED.replace("\n", "\r\n").encode()
    assert stat.S_IMODE(path.stat().st_mode) == 0o751
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.py"]  # no temp file left


def test_write_keeps_a_latin1_file_latin1(tmp_path):
    path = tmp_path / "a.py"
    path.write_bytes(b"# -*- coding: latin-1 -*-\n# caf\xe9\n" + LEGACY.encode())
    assert process(path, Settings(), write=True).written
    assert path.read_bytes() == b"# -*- coding: latin-1 -*-\n# caf\xe9\n" + MIGRATED.encode()


def test_unchanged_file_is_not_written(tmp_path):
    path = tmp_path / "a.py"
    path.write_text("URL = 'https://dashscope.aliyuncs.com/api/v2/apps/protocols/compatible-mode'\n")
    before = path.stat()
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    outcome = process(path, Settings(), write=True)
    assert outcome.error is None and not outcome.written and outcome.result.parsed
    assert path.stat().st_mtime_ns == 1_000_000_000 and path.stat().st_ino == before.st_ino


def test_write_refuses_when_the_file_changed_on_disk(tmp_path):
    path = tmp_path / "a.py"
    path.write_text(LEGACY)
    source = read_source(path)
    path.write_text(LEGACY + "# edited meanwhile\n")
    with pytest.raises(FileError, match="changed on disk"):
        write_source(source, MIGRATED.encode())
    assert path.read_text() == LEGACY + "# edited meanwhile\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.py"]


def test_write_removes_temp_file_on_keyboard_interrupt(tmp_path, monkeypatch):
    path = tmp_path / "a.py"
    path.write_text(LEGACY)
    source = read_source(path)

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_source(source, MIGRATED.encode())
    assert path.read_text() == LEGACY
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.py"]


def test_write_goes_through_a_symlink(tmp_path):
    real = tmp_path / "real.py"
    real.write_text(LEGACY)
    link = tmp_path / "link.py"
    try:
        link.symlink_to(real)
    except OSError:
        pytest.skip("no symlinks here")
    assert process(link, Settings(), write=True).written
    assert link.is_symlink() and real.read_text() == MIGRATED


def test_unencodable_rewrite_is_an_error_not_a_crash(tmp_path, monkeypatch):
    path = tmp_path / "a.py"
    path.write_bytes(b"# -*- coding: ascii -*-\n" + LEGACY.encode())
    real = files.migrate_source

    def adds_non_ascii(text, settings, filename, *rest):
        result = real(text, settings, filename, *rest)
        result.new_source += "# é\n"
        return result

    monkeypatch.setattr(files, "migrate_source", adds_non_ascii)
    outcome = process(path, Settings(), write=True)
    assert outcome.error is not None and "cannot be encoded as ascii" in outcome.error
    assert path.read_bytes() == b"# -*- coding: ascii -*-\n" + LEGACY.encode()


# --- the run -----------------------------------------------------------------------------------


def test_prefilter_means_a_file_without_trigger_is_only_read(tmp_path, monkeypatch):
    path = tmp_path / "plain.py"
    path.write_text("def f(:\n")  # would not even parse

    def must_not_run(*args):
        raise AssertionError("migrate_source called on a file with no trigger")

    monkeypatch.setattr(files, "migrate_source", must_not_run)
    outcome = process(path, Settings(), write=True)
    assert outcome.error is None and outcome.result.parsed is False and not outcome.changed


def test_run_reports_each_failure_and_still_processes_the_rest(tmp_path):
    (tmp_path / "a_bad.py").write_text("import openai\ndef f(:\n    completions\n")
    (tmp_path / "b_binary.py").write_bytes(b"\0\1\2openai completions")
    (tmp_path / "c_good.py").write_text(LEGACY)
    outcomes = list(files.run([str(tmp_path)], Settings(), write=True))
    assert [(Path(o.display).name, o.error is None) for o in outcomes] == [
        ("a_bad.py", False),
        ("b_binary.py", False),
        ("c_good.py", True),
    ]
    assert "line" in outcomes[0].error and "not a text file" in outcomes[1].error
    assert (tmp_path / "c_good.py").read_text() == MIGRATED


def test_internal_error_in_a_rule_is_a_per_file_error(tmp_path, monkeypatch):
    (tmp_path / "a.py").write_text(LEGACY)

    def broken(*args):
        raise ValueError("boom")

    monkeypatch.setattr(files, "migrate_source", broken)
    (outcome,) = files.run([str(tmp_path)], Settings())
    assert outcome.error == "internal error (ValueError: boom); please report it"
