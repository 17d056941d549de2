"""`--todo-comments`, `--black`, and the layout pass that keeps rewritten code hand-written looking."""

from __future__ import annotations

import ast
from pathlib import Path

import black
import pytest
from click.testing import CliRunner

from migrator.engine import layout_pass as layout
from migrator.cli import main
from migrator.engine import migrate_source
from migrator.settings import Settings

HEADER = """\
import os
from openai import OpenAI
client = OpenAI(api_key=os.getenv("DASHSCOPE_API_KEY"), base_url="https://dashscope.aliyuncs.com/compatible-mode/v1")
"""
#: Stays on Chat Completions: `stop` and `seed` have no Responses equivalent.
NEEDS_HUMAN = HEADER + """

def ask(question: str):
    # one line only
    completion = client.chat.completions.create(
        model="qwen-plus", messages=[{"role": "user", "content": question}], stop=["\\n"], seed=7
    )
    return completion.choices[0].message.content
"""
TODO_STOP = (
    "    # TODO(migrator): RSP007 `stop`: Responses has no stop sequences; "
    "cut the text at the stop string yourself after the call\n"
)


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    def invoke(*args):
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    return invoke


# --- TODO comments -------------------------------------------------------------------------------


def test_todo_comments_go_above_the_statement_once():
    settings = Settings(todo_comments=True)
    once = migrate_source(NEEDS_HUMAN, settings)
    lines = once.new_source.splitlines(keepends=True)
    start = lines.index("    # one line only\n")
    assert lines[start + 1] == TODO_STOP
    assert lines[start + 2].startswith("    # TODO(migrator): RSP007 `seed`: Responses has no `seed`")
    assert lines[start + 3] == "    completion = client.chat.completions.create(\n"
    # The rest of the file is as it was.
    assert once.new_source.replace(lines[start + 1] + lines[start + 2], "") == NEEDS_HUMAN
    # A second run adds nothing: the comment text is its own key.
    assert migrate_source(once.new_source, settings).new_source == once.new_source


def test_todo_comments_give_the_decisive_reason_only():
    """On a model DashScope's Responses API does not list, `stop` and `seed` do not matter yet."""
    source = NEEDS_HUMAN.replace('model="qwen-plus"', 'model="qwen-long"')
    comments = [line.strip() for line in migrate_source(source, Settings(todo_comments=True)).new_source.splitlines()]
    todos = [line for line in comments if line.startswith("# TODO(migrator):")]
    assert len(todos) == 1 and "the model 'qwen-long' is not documented" in todos[0]


def test_no_todo_comments_without_the_option_or_for_migrated_or_suppressed_calls():
    assert not migrate_source(NEEDS_HUMAN).changed
    migrated = (
        HEADER + 'c = client.chat.completions.create(model="qwen-plus", messages=[{"role": "user", "content": "Hi"}])\n'
    )
    assert "TODO" not in migrate_source(migrated, Settings(todo_comments=True)).new_source
    suppressed = NEEDS_HUMAN.replace("seed=7\n", "seed=7  # migrator: ignore[RSP007]\n")
    assert not migrate_source(suppressed, Settings(todo_comments=True)).changed


def test_apply_todo_comments_from_the_command_line(run, tmp_path):
    (tmp_path / "a.py").write_text(NEEDS_HUMAN)
    first = run("apply", "--todo-comments", "a.py")
    assert first.exit_code == 1  # a human is still needed
    assert TODO_STOP in (tmp_path / "a.py").read_text() and "fixed: a.py" in first.stderr
    second = run("apply", "--todo-comments", "a.py")
    assert "fixed:" not in second.stderr and (tmp_path / "a.py").read_text().count("TODO(migrator)") == 2


# --- the layout pass -----------------------------------------------------------------------------

GROWS = HEADER + """\
UNTOUCHED = {  'a':1,'b' :[1,2,
      3] }   # odd, but mine
messages=[{"role":"user","content":"Hi"}]
# the call
completion = client.chat.completions.create(model="qwen-plus", messages=messages, max_tokens=100)  # mine
print(   completion.choices[0].message.content   )
x = "a line that was already long before the rewrite and is not the tool's business to wrap at all"
"""
GROWN = GROWS.replace(
    'completion = client.chat.completions.create(model="qwen-plus", messages=messages, max_tokens=100)  # mine\n',
    """\
completion = client.responses.create(
    model="qwen-plus",
    input=messages,
    max_output_tokens=100,
    reasoning={"effort": "none"},
)  # mine
""",
).replace("print(   completion.choices[0].message.content   )", "print(   completion.output_text   )")


def test_a_statement_made_too_long_is_laid_out_and_nothing_else_moves():
    result = migrate_source(GROWS, Settings(preserve_nonthinking=True))
    assert result.new_source == GROWN


def test_no_layout_when_the_new_code_is_not_shown():
    """`check` (`new_code_shown=False`) lays nothing out: black is not even imported for it."""
    result = migrate_source(GROWS, Settings(preserve_nonthinking=True, new_code_shown=False))
    assert result.changed and result.new_source != GROWN
    assert 'completion = client.responses.create(model="qwen-plus", input=messages, max_output_tokens=100, ' in (
        result.new_source
    )


def test_the_layout_follows_the_line_length():
    wide = migrate_source(GROWS, Settings(preserve_nonthinking=True, line_length=200)).new_source
    assert 'completion = client.responses.create(model="qwen-plus", input=messages, max_output_tokens=100, ' in wide
    assert migrate_source(GROWS, Settings(preserve_nonthinking=True, line_length=None)).new_source == wide


def test_a_statement_already_long_keeps_the_users_layout():
    long_before = GROWS.replace('model="qwen-plus"', 'model="qwen-plus", temperature=0.123456789, top_p=0.987654321')
    result = migrate_source(long_before, Settings())
    assert "completion = client.responses.create(model=" in result.new_source  # still one line: it got shorter


def test_layout_keeps_crlf_and_indentation():
    nested = GROWS.replace("\n", "\r\n")
    result = migrate_source(nested, Settings(preserve_nonthinking=True))
    assert result.new_source == GROWN.replace("\n", "\r\n")
    assert migrate_source(result.new_source, Settings(preserve_nonthinking=True)).new_source == result.new_source


def test_the_projects_black_line_length_is_used(run, tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.black]\nline-length = 150\n")
    (tmp_path / "a.py").write_text(GROWS)
    run("apply", "--preserve-nonthinking", "a.py")
    assert 'completion = client.responses.create(model="qwen-plus", input=messages,' in (tmp_path / "a.py").read_text()


def test_history_chain_fixture_is_laid_out():
    root = Path(__file__).resolve().parents[2] / "fixtures/history-chain/for_loop"
    after = (root / "after.py").read_text()
    assert max(len(line) for line in after.splitlines()) <= 100  # was a 130-character line
    assert "previous_response_id=previous_response_id,\n" in after


ONE_LINE = HEADER + (
    "def ask(question: str):\n"
    '    completion = client.chat.completions.create(model="qwen-plus", messages=[{"role": "user", '
    '"content": question}], max_tokens=100, temperature=0.5)\n'
    "    return completion.choices[0].message.content\n"
    'completion = client.chat.completions.create(model="qwen-plus", messages=[{"role": "user", '
    '"content": "Hi there"}], max_tokens=100, temperature=0.5)\n'
)


@pytest.mark.parametrize("variant", ["plain", "crlf", "no final line break", "tabs"])
def test_a_one_line_statement_takes_blacks_text_as_it_is(monkeypatch, variant):
    """black's layout of a statement written on one line is put in at its indentation as black
    wrote it, without LibCST parsing it again: the same code as when LibCST parses and prints it."""
    source = {
        "plain": ONE_LINE,
        "crlf": ONE_LINE.replace("\n", "\r\n"),
        "no final line break": ONE_LINE.rstrip("\n"),  # the last statement is laid out
        "tabs": ONE_LINE.replace("    ", "\t"),
    }[variant]
    settings = Settings(preserve_nonthinking=True)
    with monkeypatch.context() as patched:
        patched.setattr(layout, "_one_line_code", lambda *args: None)  # the general way: parse and print
        expected = migrate_source(source, settings).new_source

    def refuse(*args, **kwargs):
        raise AssertionError("parsed again")

    monkeypatch.setattr(layout.cst, "parse_statement", refuse)
    result = migrate_source(source, settings).new_source
    assert result == expected
    assert (
        result.count("completion = client.responses.create(\n")
        + result.count("completion = client.responses.create(\r\n")
        == 2
    )  # both laid out


def test_a_statement_in_a_match_case_is_laid_out_at_its_indentation():
    body = ONE_LINE[len(HEADER) :]
    nested = HEADER + "match 1:\n    case _:\n" + "".join("        " + line for line in body.splitlines(True))
    result = migrate_source(nested, Settings(preserve_nonthinking=True)).new_source
    assert "        completion = client.responses.create(\n            model=" in result
    assert "            completion = client.responses.create(\n                model=" in result
    assert max(len(line) for line in result.splitlines()[3:]) <= 88


def _one_line_statements() -> list[str]:
    """Every statement of the fixtures written on one line, longer than 40 characters, without comments."""
    found = set()
    for path in sorted((Path(__file__).resolve().parents[2] / "fixtures").rglob("*.py")):
        text = path.read_text()
        lines = text.splitlines()
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Expr, ast.Return)):
                line = lines[node.lineno - 1].strip()
                if node.lineno == node.end_lineno and len(line) > 40 and "#" not in line and ";" not in line:
                    found.add(line + "\n")
    return sorted(found)


def test_one_black_pass_lays_out_as_black_itself():
    statements = _one_line_statements()
    assert len(statements) > 100
    for width in (layout.ONE_PASS_MIN_WIDTH, 60, 88):
        mode = black.Mode(line_length=width, string_normalization=False)
        for code in statements:
            assert layout.formatted_by_black(code, width) == black.format_str(code, mode=mode), (width, code)


def test_black_runs_once_only_where_one_pass_is_final(monkeypatch):
    passes, one_pass = [], layout._format_once
    monkeypatch.setattr(layout, "_format_once", lambda code, mode: passes.append("one") or one_pass(code, mode=mode))
    monkeypatch.setattr(black, "format_str", lambda code, mode: passes.append("two") or code)
    long_call = "answer = client.responses.create(model='qwen-plus', input=messages, previous_response_id=last_id)\n"
    layout.formatted_by_black(long_call, 60)
    header = "for tool_call in [item for item in completion.output if item.type == 'function_call']:\n    pass\n"
    layout.formatted_by_black(header, 60, header=True)
    assert passes == ["one", "one"]
    passes.clear()
    layout.formatted_by_black(long_call, layout.ONE_PASS_MIN_WIDTH - 1)  # narrow: both passes
    layout.formatted_by_black(long_call.replace("input=", "input=(\n").replace(", prev", "), prev"), 60)  # two lines
    layout.formatted_by_black(long_call.replace("\n", "  # mine\n"), 60)  # a comment
    layout.formatted_by_black(long_call.replace("input=", "input=\\\n"), 60)  # a backslash
    layout.formatted_by_black(header.replace("]:", "]:  # each"), 60, header=True)
    assert passes == ["two"] * 5


# --- --black -------------------------------------------------------------------------------------


def test_black_formats_changed_files_with_their_projects_configuration(run, tmp_path):
    source = GROWS.replace('"content":"Hi"', '"content":"Hi, what is the weather like in Hangzhou?"')
    for folder, length in (("narrow", 60), ("wide", 100)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "pyproject.toml").write_text(f"[tool.black]\nline-length = {length}\n")
        (tmp_path / folder / "a.py").write_text(source)
        (tmp_path / folder / "same.py").write_text("x = {  'a':1 }\n")
    result = run("apply", "--black", "narrow", "wide")
    assert result.exit_code == 0, result.stderr
    for folder, length in (("narrow", 60), ("wide", 100)):
        expected = black.format_str(
            migrate_source(source, Settings(line_length=None)).new_source, mode=black.Mode(line_length=length)
        )
        assert (tmp_path / folder / "a.py").read_text() == expected
        assert (tmp_path / folder / "same.py").read_text() == "x = {  'a':1 }\n"  # unchanged: not formatted
    assert "messages = [\n" in (tmp_path / "narrow/a.py").read_text()
    assert "messages = [{" in (tmp_path / "wide/a.py").read_text()


def test_black_is_applied_by_diff_too(run, tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.black]\nline-length = 60\n")
    (tmp_path / "a.py").write_text(GROWS)
    assert '+UNTOUCHED = {"a": 1, "b": [1, 2, 3]}  # odd, but mine\n' in run("diff", "--black", "a.py").stdout
    assert (tmp_path / "a.py").read_text() == GROWS


def test_todo_lines_for_extra_body_keys_come_in_the_order_the_keys_are_written():
    """They used to follow a set's order, which changes with PYTHONHASHSEED from run to run."""
    import os
    import subprocess
    import sys

    code = (
        "from openai import OpenAI\n"
        "client = OpenAI(base_url='https://dashscope.aliyuncs.com/compatible-mode/v1')\n"
        "r = client.chat.completions.create(model='qwen-plus', messages=[], "
        "extra_body={'top_k': 5, 'repetition_penalty': 1.1, 'result_format': 'message'})\n"
    )
    script = (
        "import sys; from migrator.engine.core import migrate_source; from migrator.settings import Settings;"
        "print(migrate_source(sys.stdin.read(), Settings(todo_comments=True)).new_source)"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            input=code,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            check=True,
        ).stdout
        for seed in range(6)
    }
    assert len(outputs) == 1
    todo = [line for line in outputs.pop().splitlines() if "TODO(migrator): RSP007" in line]
    assert [next(k for k in ("top_k", "repetition", "result_format") if k in line) for line in todo] == [
        "top_k",
        "repetition",
        "result_format",
    ]
