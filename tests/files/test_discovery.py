"""Whole codebases: --include, --files-from, parallel runs (--jobs), the progress bar."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrator.files import processing as files
from migrator.files import workers as pool
from migrator import output as report
from migrator.output import progress
from migrator.cli import main
from migrator.files import read_path_list
from migrator.files import NOTEBOOK, PYTHON, TEXT, discover, kind_of
from migrator.settings import Settings

LEGACY = 'BASE = "https://dashscope.aliyuncs.com/api/v2/apps/protocols/compatible-mode/v1"\n'
MIGRATED = 'BASE = "https://dashscope.aliyuncs.com/compatible-mode/v1"\n'


def make(root: Path, *names: str, text: str = "x = 1\n") -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def found(root: Path, **kwargs) -> list[str]:
    return [Path(p).relative_to(root).as_posix() for p in discover([str(root)], **kwargs)]


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CI", raising=False)

    def invoke(*args, input=None):
        return CliRunner().invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)

    return invoke


# --- discovery -----------------------------------------------------------------------------------


def test_default_kinds_python_notebooks_and_endpoint_files(tmp_path):
    make(tmp_path, "a.py", "b.ipynb", ".env", "conf/app.yaml", "web/x.ts", "Dockerfile", "notes.txt", "img.png")
    assert found(tmp_path) == [".env", "Dockerfile", "a.py", "b.ipynb", "conf/app.yaml", "web/x.ts"]


def test_include_replaces_the_default_kinds(tmp_path):
    make(tmp_path, "a.py", "b.ipynb", "c.pyw", "docs/notes.txt", "conf/app.yaml")
    assert found(tmp_path, include=["*.py"]) == ["a.py"]
    assert found(tmp_path, include=["*.py", "*.pyw", "*.txt"]) == ["a.py", "c.pyw", "docs/notes.txt"]
    assert found(tmp_path, include=[f"{tmp_path.as_posix()}/conf/*"]) == ["conf/app.yaml"]


def test_include_keeps_exclude_gitignore_skipped_dirs_and_loop_safety(tmp_path):
    make(tmp_path, "a.py", "gen/g.py", "vendor/v.py", ".venv/x.py", "node_modules/m.py", "sub/s.py")
    (tmp_path / ".gitignore").write_text("gen/\n")
    try:
        (tmp_path / "sub" / "loop").symlink_to(tmp_path, target_is_directory=True)
    except OSError:
        pytest.skip("no symlinks here")
    assert found(tmp_path, include=["*.py"], exclude=["vendor"]) == ["a.py", "sub/s.py"]


def test_kind_of():
    assert [kind_of(Path(n)) for n in ["a.py", "tool", "b.ipynb", ".env", "x.yaml", "notes.txt", "s.pyw"]] == [
        PYTHON,
        PYTHON,
        NOTEBOOK,
        TEXT,
        TEXT,
        TEXT,
        PYTHON,
    ]
    assert kind_of(files.STDIN) == PYTHON


def test_read_path_list(tmp_path, monkeypatch):
    listing = tmp_path / "shard.txt"
    listing.write_text("a.py\n\n  src/b.py  \r\n-\n")
    assert read_path_list(str(listing)) == ["a.py", "src/b.py", os.path.join(".", "-")]
    monkeypatch.setattr(sys, "stdin", io.StringIO("x.py\ny.py\n"))
    assert read_path_list("-") == ["x.py", "y.py"]
    with pytest.raises(files.FileError, match="cannot read"):
        read_path_list(str(tmp_path / "missing.txt"))


def test_files_from_a_list_and_from_stdin(cli, tmp_path):
    make(tmp_path, "a.py", "b.py", "c.py", text=LEGACY)
    (tmp_path / "shard.txt").write_text("a.py\nc.py\n")
    result = cli("check", "--files-from", "shard.txt")
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == ["a.py", "c.py"]
    result = cli("check", "--files-from", "-", "b.py", input="c.py\n")
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == ["b.py", "c.py"]


def test_files_from_usage_errors(cli, tmp_path):
    assert cli("check").exit_code == 2  # no path at all
    missing = cli("check", "--files-from", "nope.txt")
    assert missing.exit_code == 2 and "--files-from: cannot read nope.txt" in missing.stderr
    both = cli("check", "--files-from", "-", "-", input="a.py\n")
    assert both.exit_code == 2 and "cannot be a PATH too" in both.stderr


# --- parallel runs -----------------------------------------------------------------------------


@pytest.fixture
def big_tree(tmp_path):
    """Enough files that need parsing to fill several chunks, mixed with files that do not."""
    for index in range(pool.CHUNK_FILES * 3):
        make(tmp_path, f"pkg{index % 4}/m{index:03}.py", text=LEGACY if index % 3 else "x = 1\n")
    make(tmp_path, "pkg1/broken.py", text="import openai\ndef f(:\n    client.chat.completions.create()\n")
    make(tmp_path, "pkg2/.env", text="URL=https://h.example/api/v2/apps/protocols/compatible-mode/v1\n")
    return tmp_path


def test_jobs_give_the_same_output_in_the_same_order(cli, big_tree, monkeypatch):
    started = []
    real_executor = pool._executor
    monkeypatch.setattr(pool, "_executor", lambda jobs: started.append(jobs) or real_executor(jobs))
    alone = cli("check", "--jobs", "1", ".")
    assert started == []
    together = cli("check", "--jobs", "3", ".")
    assert started == [3]  # the pool was really used
    assert (together.exit_code, together.stdout, together.stderr) == (alone.exit_code, alone.stdout, alone.stderr)
    paths = [line.split(":")[0] for line in alone.stdout.splitlines()]
    assert len(paths) == pool.CHUNK_FILES * 2 + 1 and paths == sorted(paths)
    assert "error: pkg1/broken.py: line " in alone.stderr


def test_parallel_apply_writes_every_changed_file(cli, big_tree):
    assert cli("apply", "--jobs", "2", ".").exit_code == 2  # the broken file
    texts = [p.read_text() for p in big_tree.rglob("m*.py")]
    assert texts.count(MIGRATED) == pool.CHUNK_FILES * 2 and LEGACY not in texts


@pytest.mark.skipif(sys.platform != "linux", reason="patching a worker needs fork")
def test_a_worker_that_dies_costs_only_its_file(big_tree, monkeypatch):
    make(big_tree, "pkg0/m000_crash.py", text=LEGACY)
    real = files.migrate_source

    def crashes(text, settings, filename, *rest):
        if "crash" in filename:
            os._exit(3)
        return real(text, settings, filename, *rest)

    monkeypatch.setattr(files, "migrate_source", crashes)
    outcomes = list(files.run([str(big_tree)], Settings(), jobs=2))
    failed = {Path(o.display).name: o.error for o in outcomes if o.error}
    assert failed.keys() == {"m000_crash.py", "broken.py"}
    assert "worker process" in failed["m000_crash.py"]
    assert sum(o.changed for o in outcomes) == pool.CHUNK_FILES * 2 + 1  # the .env file too


def test_ordered_keeps_input_order_and_runs_small_work_in_process():
    items = list(range(10))
    result = list(
        pool.ordered(
            items,
            needs_work=lambda n: n % 2 == 0,
            work=_negate_all,
            crashed=lambda n: None,
            size=lambda n: 1,
            jobs=4,
        )
    )
    assert result == [0, 1, -2, 3, -4, 5, -6, 7, -8, 9]


def _negate_all(items):
    return [-n for n in items]


# --- progress ----------------------------------------------------------------------------------


class Tty(io.StringIO):
    def isatty(self):
        return True


def test_progress_only_for_a_person_watching(monkeypatch):
    monkeypatch.delenv("CI", raising=False)

    def rep(stream, quiet=False):
        return report.Report(report.CHECK, report.make_console(io.StringIO()), report.make_console(stream), quiet=quiet)

    assert report.progress_wanted(rep(Tty()))
    assert not report.progress_wanted(rep(io.StringIO()))  # piped
    assert not report.progress_wanted(rep(Tty(), quiet=True))
    monkeypatch.setenv("CI", "true")
    assert not report.progress_wanted(rep(Tty()))


def test_progress_bar_never_mixes_with_output(tmp_path, monkeypatch):
    monkeypatch.setattr(progress, "PROGRESS_FILES", 3)
    make(tmp_path, *(f"m{i}.py" for i in range(6)))
    make(tmp_path, "m3.py", text=LEGACY)
    out, err = Tty(), Tty()
    rep = report.Report(report.CHECK, report.make_console(out, False), report.make_console(err, False))
    # Output to stdout and stderr share one terminal here: the bar must be gone while a line prints.
    shared = Tty()
    out.write = err.write = shared.write
    for outcome in report.with_progress(rep, files.run([str(tmp_path)], Settings()), enabled=True):
        rep.add(outcome)
    screen = shared.getvalue()
    assert "migrator check" in screen  # the bar was drawn
    finding = f"{tmp_path / 'm3.py'}:1:8: RSP004"
    line_start = screen.index(finding)
    assert screen[line_start - 4 : line_start] == "\x1b[2K"  # on a freshly erased line
    assert screen.endswith("\x1b[2K")  # and the bar is gone at the end


STOPPED_EARLY = """
import sys, time
sys.path.insert(0, {root!r})
from migrator.files import workers as pool

def slow(items):
    time.sleep(0.3)
    return [b"x" * 5_000_000 for _ in items]  # a big result: a worker may be killed while sending it

if __name__ == "__main__":
    pool.GRACE_SECONDS = 0.31  # about when the chunk under way at the stop is being sent
    outcomes = pool.ordered(range(64), needs_work=lambda n: True, work=slow, crashed=str, size=lambda n: 10**6, jobs=2)
    next(outcomes)
    outcomes.close()  # an early stop, as on Ctrl-C
    print("stopped")
"""


@pytest.mark.skipif(sys.platform != "linux", reason="fork")
def test_stopping_early_never_hangs_at_exit(tmp_path):
    """Workers killed mid-send used to leave the executor's manager thread waiting forever, and the
    interpreter hung at exit joining it (about one run in seven)."""
    script = tmp_path / "stop.py"
    script.write_text(STOPPED_EARLY.format(root=str(Path(pool.__file__).parents[2])))
    for _ in range(5):
        done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=30, check=False)
        assert (done.returncode, done.stdout) == (0, "stopped\n"), done.stderr


def _slow_double(items):
    time.sleep(0.2)
    return [item * 2 for item in items]


@pytest.mark.skipif(sys.platform != "linux", reason="fork")
def test_an_early_stop_waits_for_the_pools_manager_thread():
    """After an early stop (Ctrl-C), the executor's manager thread has ended: left running, it races
    the interpreter's exit hook (Python 3.11 wakes it through a pipe the thread is closing), and a
    "Bad file descriptor" traceback follows "interrupted" about one run in a hundred."""
    outcomes = pool.ordered(
        range(200), needs_work=lambda n: True, work=_slow_double, crashed=str, size=lambda n: 10**6, jobs=2
    )
    assert next(outcomes) == 0
    managers = [thread for thread in threading.enumerate() if type(thread).__name__ == "_ExecutorManagerThread"]
    assert managers, "the run never started a pool"
    waited_for = []
    for thread in managers:  # whether it is still alive just after is a race; being waited for is not
        thread.join = lambda timeout=None, thread=thread: waited_for.append(thread) or type(thread).join(
            thread, timeout
        )
    outcomes.close()
    assert waited_for == managers and not [thread for thread in managers if thread.is_alive()]
