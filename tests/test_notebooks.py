"""Notebooks: code cells migrated as one program, everything else kept, layout too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrator import notebooks
from migrator.cli import main
from migrator.notebooks import NotebookError, migrate_notebook
from migrator.settings import Settings

CLIENT = (
    "import os\n"
    "from openai import OpenAI\n"
    'client = OpenAI(api_key=os.getenv("DASHSCOPE_API_KEY"), '
    'base_url="https://dashscope.aliyuncs.com/compatible-mode/v1")'
)
CALL = (
    "!echo start\n"
    "completion = client.chat.completions.create(\n"
    '    model="qwen-plus",\n'
    '    messages=[{"role": "user", "content": "Hi"}],\n'
    "    max_tokens=50,\n"
    ")"
)
NEW_CALL = (
    "!echo start\n"
    "completion = client.responses.create(\n"
    '    model="qwen-plus",\n'
    '    input=[{"role": "user", "content": "Hi"}],\n'
    "    max_output_tokens=50,\n"
    ")"
)
READ = "print(completion.choices[0].message.content)\ncompletion?"
NEW_READ = "print(completion.output_text)\ncompletion?"
OUTPUT = {"output_type": "stream", "name": "stdout", "text": ["chat.completions are here\n"]}


def cell(source, cell_type="code", as_list=True, outputs=()):
    lines = source.splitlines(keepends=True) if as_list else source
    data = {"cell_type": cell_type, "metadata": {}, "source": lines}
    if cell_type == "code":
        data.update(execution_count=None, outputs=list(outputs))
    return data


def notebook(*cells, language="python"):
    return {
        "cells": [{"id": f"cell-{number}", **data} for number, data in enumerate(cells, 1)],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": language, "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def sample(call=CALL, read=READ):
    return notebook(
        cell("# Demo with completions\n", "markdown"),
        cell("%pip install openai\n" + CLIENT),
        cell(call, outputs=[OUTPUT]),
        cell(read, as_list=False),
        cell("%%bash\necho client.chat.completions.create\n"),
    )


JUPYTER = {"indent": 1, "ensure_ascii": False}  # what Jupyter writes (plus a newline)


def dumps(data, style=JUPYTER, newline="\n"):
    return json.dumps(data, **style) + newline


# --- the rewrite -------------------------------------------------------------------------------


def test_cells_migrate_together_and_the_rest_stays():
    raw = dumps(sample()).encode()
    migrated = migrate_notebook(raw, Settings(), "nb.ipynb")
    assert migrated.new_raw == dumps(sample(NEW_CALL, NEW_READ)).encode()
    assert [label for label, _, _ in migrated.parts] == [":cell 3", ":cell 4"]
    assert migrated.parts[0][1:] == (CALL, NEW_CALL)


@pytest.mark.parametrize(
    ("style", "newline"),
    [
        (JUPYTER, "\n"),
        ({"indent": 2}, "\n"),
        ({"indent": 4, "ensure_ascii": False}, ""),
        ({"indent": "\t"}, "\n"),
        ({}, ""),  # one line, json.dumps's default separators
        ({"separators": (",", ":")}, "\n"),  # one line, compact
    ],
)
def test_layout_is_kept(style, newline):
    before = sample(read="# café ☕\n" + READ)
    raw = dumps(before, style, newline).encode()
    new_raw = migrate_notebook(raw, Settings()).new_raw
    assert new_raw == dumps(sample(NEW_CALL, "# café ☕\n" + NEW_READ), style, newline).encode()
    if "indent" not in style:
        assert new_raw.count(b"\n") == len(newline)


def test_unknown_layout_keeps_the_indent_and_the_cells_parse(tmp_path):
    raw = dumps(sample()).replace('"cells": [', '"cells":   [').encode()
    new = migrate_notebook(raw, Settings()).new_raw.decode()
    assert json.loads(new) == sample(NEW_CALL, NEW_READ)
    assert new.startswith('{\n "cells": [\n  {\n')


def test_magics_and_shell_lines_are_left_alone():
    code = "x = !ls\n%time y = 1\nls?\n??ls\nfor i in range(2):\n    !echo {i}\n" + CALL
    before = notebook(cell(CLIENT), cell(code), cell(READ))
    after = migrate_notebook(dumps(before).encode(), Settings()).new_raw
    cells = json.loads(after)["cells"]
    assert "".join(cells[1]["source"]) == code.replace(CALL, NEW_CALL)


def test_a_percent_that_continues_an_expression_is_python():
    code = "x = (10\n     % 3)\n"
    before = notebook(cell(CLIENT + "\n" + code), cell(CALL), cell(READ))
    cells = json.loads(migrate_notebook(dumps(before).encode(), Settings()).new_raw)["cells"]
    assert "".join(cells[0]["source"]).endswith(code)


def test_findings_point_into_cells():
    result = migrate_notebook(dumps(sample()).encode(), Settings()).result
    places = {(f.cell, f.line, f.column, f.code) for f in result.findings}
    assert {(3, 2, 14, "RSP001"), (3, 5, 5, "RSP008"), (4, 1, 7, "RSP002")} <= places


def test_a_cell_that_does_not_parse_is_an_error_naming_it():
    before = notebook(cell(CLIENT), cell("x = 1\ndef f(:\n    pass\n"), cell(CALL))
    with pytest.raises(NotebookError, match=r"^cell 2: line 2, column 7: invalid syntax"):
        migrate_notebook(dumps(before).encode(), Settings())


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b'{"cells": [', "not valid JSON (line 1, column 12"),
        (b"[1, 2]", "not a Jupyter notebook"),
        (b'{"worksheets": []}', "not a Jupyter notebook"),
    ],
)
def test_broken_notebooks(raw, message):
    with pytest.raises(NotebookError, match=message.replace("(", r"\(")):
        migrate_notebook(raw, Settings())


def test_other_kernels_and_cell_magics_are_not_read():
    r_notebook = notebook(cell(CLIENT), cell(CALL), language="R")
    assert migrate_notebook(dumps(r_notebook).encode(), Settings()).result.parsed is False
    only_magic = notebook(cell("%%bash\nclient.chat.completions.create()\n"))
    assert migrate_notebook(dumps(only_magic).encode(), Settings()).result.parsed is False


def test_bom_and_utf16_are_written_back_alike():
    text = dumps(sample())
    for raw in (b"\xef\xbb\xbf" + text.encode(), text.encode("utf-16")):
        new_raw = migrate_notebook(raw, Settings()).new_raw
        assert new_raw[:3] == raw[:3]
        assert notebooks.decode(new_raw)[0] == dumps(sample(NEW_CALL, NEW_READ))


def test_still_valid_for_nbformat():
    nbformat = pytest.importorskip("nbformat")
    new_raw = migrate_notebook(dumps(sample()).encode(), Settings()).new_raw
    nbformat.validate(nbformat.reads(new_raw.decode(), as_version=4))


# --- through the command line --------------------------------------------------------------------


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    def invoke(*args):
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    return invoke


def test_check_diff_apply(cli, tmp_path):
    path = Path("nb.ipynb")
    path.write_text(dumps(sample()))
    (tmp_path / "bad.ipynb").write_text('{"cells": [ "openai completions"')
    checked = cli("check", "--jobs", "1", ".")
    assert "nb.ipynb:cell 3:2:14: RSP001 [*] `chat.completions.create()` → `responses.create()`\n" in checked.stdout
    assert "nb.ipynb:cell 4:1:7: RSP002 [*]" in checked.stdout
    assert "error: bad.ipynb: not valid JSON" in checked.stderr and checked.exit_code == 2
    diffed = cli("diff", "nb.ipynb")
    assert diffed.stdout.startswith("--- a/nb.ipynb:cell 3\n+++ b/nb.ipynb:cell 3\n@@ -1,6 +1,6 @@\n !echo start\n")
    assert "--- a/nb.ipynb:cell 4\n+++ b/nb.ipynb:cell 4\n" in diffed.stdout
    assert cli("apply", "nb.ipynb").exit_code == 0
    assert path.read_text() == dumps(sample(NEW_CALL, NEW_READ))


def test_notebooks_without_a_trigger_are_skipped_and_checkpoints_never_walked(cli, tmp_path):
    Path("plain.ipynb").write_text(dumps(notebook(cell("x = 1"))))
    Path(".ipynb_checkpoints").mkdir()
    Path(".ipynb_checkpoints/nb-checkpoint.ipynb").write_text(dumps(sample()))
    result = cli("check", ".")
    assert result.exit_code == 0 and "1 file checked (1 skipped by the prefilter)" in result.stderr
