"""Worker processes and what they are given."""

from __future__ import annotations

import sys

import pytest
from click.testing import CliRunner

from migrator.cli import main
from migrator.files import workers as pool


@pytest.fixture
def started(monkeypatch) -> list[int]:
    """The `jobs` of every pool the run starts (the pool is real)."""
    calls: list[int] = []
    real = pool._executor
    monkeypatch.setattr(pool, "_executor", lambda jobs: calls.append(jobs) or real(jobs))
    return calls


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
