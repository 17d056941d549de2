"""Notebooks: code cells migrated as one program, everything else kept, layout too; a cell
that does not parse is named, left as it was, and still counted as part of the program."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrator.files import notebooks
from migrator.cli import main
from migrator.files.notebooks import NotebookError, migrate_notebook
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


def test_pip_install_without_a_percent_is_a_magic():
    """IPython's automagic runs `pip install x` as `%pip install x`: not a cell that does not parse."""
    code = 'pip install "openai>=1.0"\n'
    before = notebook(cell(code), cell(CLIENT), cell(CALL), cell(READ))
    migrated = migrate_notebook(dumps(before).encode(), Settings())
    assert migrated.cell_errors == []
    assert "".join(json.loads(migrated.new_raw)["cells"][0]["source"]) == code


def test_a_percent_that_continues_an_expression_is_python():
    code = "x = (10\n     % 3)\n"
    before = notebook(cell(CLIENT + "\n" + code), cell(CALL), cell(READ))
    cells = json.loads(migrate_notebook(dumps(before).encode(), Settings()).new_raw)["cells"]
    assert "".join(cells[0]["source"]).endswith(code)


def test_findings_point_into_cells():
    result = migrate_notebook(dumps(sample()).encode(), Settings()).result
    places = {(f.cell, f.line, f.column, f.code) for f in result.findings}
    assert {(3, 2, 14, "RSP001"), (3, 5, 5, "RSP008"), (4, 1, 7, "RSP002")} <= places


def test_a_cell_that_does_not_parse_is_named_and_the_others_migrate():
    bad = "x = 1\ndef f(:\n    pass\n"
    before = notebook(cell(CLIENT), cell(bad), cell(CALL))
    migrated = migrate_notebook(dumps(before).encode(), Settings())
    assert migrated.cell_errors == ["cell 2: line 2, column 7: invalid syntax"]
    assert migrated.new_raw == dumps(notebook(cell(CLIENT), cell(bad), cell(NEW_CALL))).encode()
    assert [label for label, _, _ in migrated.parts] == [":cell 3"]


def test_every_code_cell_that_does_not_parse_is_one_error_as_before():
    before = notebook(cell("# notes\n", "markdown"), cell(CLIENT + "\ndef f(:\n"), cell(CALL + "\n)"))
    with pytest.raises(NotebookError, match=r"^cell 2: line 4, column 7: invalid syntax"):
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


# --- a cell that does not parse --------------------------------------------------------------------

DASHSCOPE_CLIENT = (
    "from openai import OpenAI\n" 'client = OpenAI(base_url="https://dashscope.aliyuncs.com/compatible-mode/v1")\n'
)
SIMPLE_CALL = 'resp = client.chat.completions.create(model="qwen-plus", messages=[{"role": "user", "content": "hi"}])\n'
SIMPLE_NEW_CALL = 'resp = client.responses.create(model="qwen-plus", input=[{"role": "user", "content": "hi"}])\n'
SIMPLE_READ = "print(resp.choices[0].message.content)\n"
SIMPLE_NEW_READ = "print(resp.output_text)\n"
#: An IPython construct the masking does not cover (a magic inside an expression): not Python.
UNPARSABLE = "total = 0\nrows = [%sql SELECT 1]\nprint(total)\n"
BAD_OUTPUT = {"output_type": "error", "ename": "SyntaxError", "evalue": "invalid syntax", "traceback": []}


def with_bad_cell(bad=UNPARSABLE, call=SIMPLE_CALL + SIMPLE_READ, after=None):
    """Markdown, the client, the cell that does not parse (cell 3, with an output and metadata of
    its own), the call and its read, and optionally a cell after them."""
    bad_cell = {**cell(bad, outputs=[BAD_OUTPUT]), "metadata": {"tags": ["broken"], "collapsed": False}}
    cells = [cell("# Chat with Qwen\n", "markdown"), cell(DASHSCOPE_CLIENT), bad_cell, cell(call, outputs=[OUTPUT])]
    return notebook(*cells, *([cell(after)] if after is not None else []))


def test_apply_migrates_the_other_cells_and_leaves_the_bad_one_byte_for_byte(cli):
    path = Path("nb.ipynb")
    path.write_text(dumps(with_bad_cell()))
    result = cli("apply", "--jobs", "1", "nb.ipynb")
    assert result.exit_code == 2  # CI must learn that a cell could not be read, though the file was written
    assert "error: nb.ipynb: cell 3: line 2, column 9: invalid syntax\n" in result.stderr
    assert "fixed: nb.ipynb\n" in result.stderr
    assert "0 failed, 1 notebook cell not parsed" in result.stderr
    # Everything but the call and its read is what it was: the bad cell (source, outputs,
    # metadata), the markdown, the client, the call cell's outputs, the notebook's metadata.
    assert path.read_text() == dumps(with_bad_cell(call=SIMPLE_NEW_CALL + SIMPLE_NEW_READ))
    assert json.loads(path.read_text())["cells"][2] == with_bad_cell()["cells"][2]
    # A second run changes nothing; with nothing left to migrate the notebook is not parsed at
    # all (as any file the prefilter skips), so its cell is no longer reported.
    again = cli("apply", "nb.ipynb")
    assert again.exit_code == 0 and path.read_text() == dumps(with_bad_cell(call=SIMPLE_NEW_CALL + SIMPLE_NEW_READ))


def test_check_and_diff_show_the_cell_error_beside_the_findings(cli):
    Path("nb.ipynb").write_text(dumps(with_bad_cell()))
    checked = cli("check", "nb.ipynb")
    assert checked.exit_code == 2
    assert "nb.ipynb:cell 4:1:8: RSP001 [*] `chat.completions.create()` → `responses.create()`\n" in checked.stdout
    assert checked.stderr.startswith("error: nb.ipynb: cell 3: line 2, column 9: invalid syntax\n")
    diffed = cli("diff", "nb.ipynb")
    assert diffed.exit_code == 2 and diffed.stdout.startswith("--- a/nb.ipynb:cell 4\n+++ b/nb.ipynb:cell 4\n")
    assert ":cell 3" not in diffed.stdout
    assert "error: nb.ipynb: cell 3: line 2, column 9: invalid syntax\n" in diffed.stderr


def test_a_result_the_bad_cell_reads_is_not_migrated(cli):
    # cell 4 makes the call, cell 5 reads the text; cell 3, which does not parse, reads `resp`
    # too: it may read it as a chat completion (`resp.choices[0]...`), so the call stays.
    bad = "print(resp.choices[0].message.content\n"
    before = dumps(with_bad_cell(bad=bad, call=SIMPLE_CALL, after=SIMPLE_READ))
    Path("nb.ipynb").write_text(before)
    result = cli("apply", "nb.ipynb")
    assert result.exit_code == 2 and Path("nb.ipynb").read_text() == before
    assert "error: nb.ipynb: cell 3: line 1, column 6: '(' was never closed\n" in result.stderr
    assert "nb.ipynb:cell 3:1:1: RSP001 `resp` is used in cell 3, which could not be parsed\n" in result.stderr
    assert "__migrator" not in result.stdout + result.stderr


def test_without_the_reads_of_the_bad_cell_that_call_would_be_migrated(monkeypatch):
    """The breakage the test above guards against: a stand-in that read no name would let the
    call and the read in cell 5 migrate, and cell 3 would then read `.choices` of a Response."""
    before = dumps(with_bad_cell(bad="print(resp.choices[0].message.content\n", call=SIMPLE_CALL, after=SIMPLE_READ))
    monkeypatch.setattr(notebooks, "_WORD", re.compile(r"(?!)"))  # matches nothing
    assert migrate_notebook(before.encode(), Settings()).result.changed


def test_a_client_the_bad_cell_assigns_is_not_trusted(cli):
    Path("nb.ipynb").write_text(dumps(with_bad_cell(bad="client = make_client(\n")))
    result = cli("apply", "nb.ipynb")
    assert result.exit_code == 2 and Path("nb.ipynb").read_text() == dumps(with_bad_cell(bad="client = make_client(\n"))
    assert "nb.ipynb:cell 4:1:8: RSP001 `client` could not be shown to be an OpenAI SDK client" in result.stderr


def test_an_import_in_the_bad_cell_does_not_make_the_clients_unproven(cli):
    bad = "from openai import OpenAI\nimport os as client_module\nx = (\n"
    Path("nb.ipynb").write_text(dumps(with_bad_cell(bad=bad)))
    assert cli("apply", "nb.ipynb").exit_code == 2
    assert Path("nb.ipynb").read_text() == dumps(with_bad_cell(bad=bad, call=SIMPLE_NEW_CALL + SIMPLE_NEW_READ))


def test_every_code_cell_bad_is_one_error_and_nothing_written(cli):
    before = dumps(notebook(cell(DASHSCOPE_CLIENT + "x = (\n"), cell(SIMPLE_CALL + "def f(:\n")))
    Path("nb.ipynb").write_text(before)
    result = cli("apply", "nb.ipynb")
    assert result.exit_code == 2 and Path("nb.ipynb").read_text() == before
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == ["error: nb.ipynb: cell 1: line 3, column 5: '(' was never closed"]
    assert "1 failed" in result.stderr and "fixed" not in result.stderr


def test_a_cell_only_libcst_cannot_read_is_set_aside_too():
    # Python parses a 2000-operand `and` chain; LibCST's parser would overflow the C stack on it.
    chain = "ok = " + " and ".join(["a"] * 2000) + "\n"
    before = dumps(with_bad_cell(bad=chain))
    migrated = migrate_notebook(before.encode(), Settings(), "nb.ipynb")
    assert migrated.cell_errors == [
        "cell 3: line 1: an `and` / `or` chain of 2000 operands (migrator parses at most 1000)"
    ]
    assert migrated.new_raw.decode() == dumps(with_bad_cell(bad=chain, call=SIMPLE_NEW_CALL + SIMPLE_NEW_READ))


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_machine_formats_carry_the_cell_error_like_a_file_error(cli, jobs):
    Path("nb.ipynb").write_text(dumps(with_bad_cell()))
    message = "cell 3: line 2, column 9: invalid syntax"

    data = json.loads((result := cli("check", "--jobs", jobs, "--format", "json", "nb.ipynb")).stdout)
    assert result.exit_code == 2
    assert data["errors"] == [{"path": "nb.ipynb", "message": message}]
    assert {(f["cell"], f["code"]) for f in data["findings"]} >= {(4, "RSP001"), (4, "RSP002")}

    result = cli("check", "--jobs", jobs, "--format", "github", "nb.ipynb")
    assert result.exit_code == 2
    assert result.stdout.startswith(f"::error file=nb.ipynb,title=migrator::{message}\n")
    assert "title=RSP001::" in result.stdout

    result = cli("check", "--jobs", jobs, "--format", "sarif", "nb.ipynb")
    assert result.exit_code == 2
    run = json.loads(result.stdout)["runs"][0]
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    [notification] = invocation["toolExecutionNotifications"]
    assert notification["message"]["text"] == message
    assert notification["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "nb.ipynb"
    assert {r["ruleId"] for r in run["results"]} >= {"RSP001", "RSP002"}
    schema = Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json"
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(json.loads(result.stdout), json.loads(schema.read_text(encoding="utf-8")))


# --- the statement that stands in for a cell that does not parse -----------------------------------


def test_the_stand_in_reads_every_word_and_assigns_what_the_cell_assigns():
    source = (
        "import os as client\n"  # imports are not assignments here
        "from openai import OpenAI\n"
        "a, (b, *c) = f(x)\n"
        "n: int = 1\n"
        "total += 1; obj.base_url = 'u = v'  # w = 1\n"
        "for i, (j, k) in pairs: pass\n"
        "with open(p) as fh:\n"
        "def ask(m): pass\n"
        "class Bot: pass\n"
        "if (size := len(q)) > 2 and True: 3 @@ 4\n"
        "(first,\n second) = g()\n"
        "q == r; s <= t\n"
    )
    stand_in = notebooks.stand_in(source, 7)
    targets, call = stand_in.rsplit(" = ", 1)[0].split(" = "), stand_in.rsplit(" = ", 1)[1]
    assert targets == [
        *("a", "b", "c", "n", "int", "total", "obj.base_url", "i", "j", "k", "fh", "ask", "Bot", "size"),
        *("first", "second"),
    ]
    assert call.startswith("__migrator_unparsed_cell_7__(os, client, openai, OpenAI, a, b, c, f, x, n, int,")
    read = set(call[call.index("(") + 1 : -1].split(", "))
    assert {"u", "v", "w", "pairs", "p", "m", "q", "r", "s", "t", "len", "g"} <= read
    assert not {"import", "from", "as", "for", "in", "True", "and", "pass", "1", "4"} & read
    ast.parse(stand_in)
    assert "\n" not in stand_in


def test_the_stand_in_of_a_huge_cell_is_still_one_statement():
    source = "\n".join(f"v{i} = w{i} +" for i in range(5000))
    stand_in = notebooks.stand_in(source, 2)
    assert len(ast.parse(stand_in).body) == 1
    assert notebooks.stand_in("'nothing here'", 3) == "__migrator_unparsed_cell_3__(nothing, here)"
    assert notebooks.stand_in("((", 3) == "__migrator_unparsed_cell_3__()"


def assigned_by_stand_in(source):
    *targets, _ = notebooks.stand_in(source, 1).split(" = ")
    return targets


@pytest.mark.parametrize(
    ("source", "targets"),
    [
        ("s = 'client = other'  # resp = 2\n", ["s"]),  # closed strings and comments assign nothing
        ('x = """never closed\nclient = make()\n', ["x", "client"]),  # ...but what an open quote hides may
        ("print(it's)\nclient = make()\n", ["client"]),
        ("from helpers import (a,\n b\nclient = make()\n", ["a", "client"]),  # the import is never closed
        ("import os as client; resp = 1\n", ["resp"]),
        ("f(x, model='m')\n", ["model"]),  # a keyword argument counts: too many names is safe
    ],
)
def test_what_the_stand_in_assigns(source, targets):
    assert assigned_by_stand_in(source) == targets
