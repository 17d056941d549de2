"""Worker processes only when the work pays for them (issue 23): they start once the files to
parse fill more than one chunk, and then once; a single file, however large, and a commit's
or a small repository's handful of files to parse run in the parent."""

from __future__ import annotations

import sys

import pytest
from click.testing import CliRunner

from migrator.cli import main
from migrator.files import processing as files
from migrator.files import workers as pool
from migrator.settings import Settings

LEGACY = 'BASE = "https://dashscope.aliyuncs.com/api/v2/apps/protocols/compatible-mode/v1"\n'
MIGRATED = 'BASE = "https://dashscope.aliyuncs.com/compatible-mode/v1"\n'


@pytest.fixture
def started(monkeypatch) -> list[int]:
    """The `jobs` of every pool the run starts (the pool is real)."""
    calls: list[int] = []
    real = pool._executor
    monkeypatch.setattr(pool, "_executor", lambda jobs: calls.append(jobs) or real(jobs))
    return calls


def _negate_all(items: list[int]) -> list[int]:
    return [-n for n in items]


def run_ordered(items: list[int], size: int, jobs: int = 4) -> list[int]:
    return list(
        pool.ordered(
            items, needs_work=lambda n: n % 2 == 0, work=_negate_all, crashed=str, size=lambda n: size, jobs=jobs
        )
    )


def test_a_single_file_never_starts_workers_however_large(started):
    assert run_ordered([0], size=pool.CHUNK_BYTES * 10) == [0]
    assert run_ordered([1, 2, 3], size=pool.CHUNK_BYTES * 10) == [1, -2, 3]
    assert started == []


def test_one_chunk_of_work_runs_in_this_process(started):
    items = list(range(2 * pool.CHUNK_FILES))  # every other one needs work: one chunk's worth
    assert run_ordered(items, size=1) == [-n if n % 2 == 0 else n for n in items]
    assert started == []


@pytest.mark.skipif(sys.platform != "linux", reason="a pool in a test process wants fork")
def test_more_than_one_chunk_of_work_starts_the_workers_once(started):
    items = list(range(10 * pool.CHUNK_FILES))  # five chunks' worth
    assert run_ordered(items, size=1, jobs=3) == [-n if n % 2 == 0 else n for n in items]
    assert started == [3]


@pytest.mark.skipif(sys.platform != "linux", reason="a pool in a test process wants fork")
def test_a_chunk_and_one_more_file_start_the_workers(started):
    items = list(range(2 * pool.CHUNK_FILES + 2))
    assert run_ordered(items, size=1) == [-n if n % 2 == 0 else n for n in items]
    assert started == [4]


def test_a_chunk_the_queues_head_ran_here_takes_no_more_files(started):
    """Past `MAX_QUEUE` items waiting behind it, the chunk being filled is run here as the
    queue's head; a file that needs work after that goes to a new chunk (it used to be added to
    the one already run, whose results then had no place for it: an IndexError)."""
    items = [0] + [1] * (pool.MAX_QUEUE + 1) + [2]
    assert run_ordered(items, size=1) == [0] + [1] * (pool.MAX_QUEUE + 1) + [-2]
    assert started == []


def test_a_handful_of_files_to_parse_stay_in_process_whatever_jobs_says(tmp_path, started):
    for index in range(5):
        (tmp_path / f"m{index}.py").write_text(LEGACY)
    for index in range(50):
        (tmp_path / f"plain{index}.py").write_text("x = 1\n")
    outcomes = list(files.run([str(tmp_path)], Settings(), jobs=8, write=True))
    assert sum(o.changed for o in outcomes) == 5 and (tmp_path / "m4.py").read_text() == MIGRATED
    assert started == []


GROWS = """\
from openai import OpenAI
client = OpenAI(base_url="https://dashscope.aliyuncs.com/compatible-mode/v1")
messages = [{"role": "user", "content": "Hi"}]
completion = client.chat.completions.create(model="qwen-plus", messages=messages, max_tokens=100)
print(completion.choices[0].message.content)
"""
#: The call with a line length of 150 (black's configuration below); 88 would split it.
WIDE = (
    'completion = client.responses.create(model="qwen-plus", input=messages, max_output_tokens=100, '
    'reasoning={"effort": "none"})\n'
)


@pytest.mark.skipif(sys.platform != "linux", reason="patching the pool needs fork")
def test_workers_lay_out_with_the_line_length_black_is_configured_with(tmp_path, monkeypatch, started):
    """Black's line length is read once a file is to be parsed (`before_parsing`), after the
    run has begun: the workers, started after that, lay out with it too."""
    (tmp_path / "pyproject.toml").write_text("[tool.black]\nline-length = 150\n")
    count = pool.CHUNK_FILES + 8
    for index in range(count):
        (tmp_path / f"m{index:02}.py").write_text(GROWS)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["apply", "--jobs", "2", "--preserve-nonthinking", "."])
    assert result.exit_code == 0, result.output
    assert started == [2]
    assert all(WIDE in (tmp_path / f"m{index:02}.py").read_text() for index in range(count))
