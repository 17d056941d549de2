"""`# migrator: ignore[...]` on a line and `# migrator: ignore-file[...]` in a file."""

from __future__ import annotations

import tokenize

from click.testing import CliRunner

from migrator.engine import suppressions
from migrator.cli import main
from migrator.engine import migrate_source
from migrator.settings import Settings

HEADER = """\
import os
from openai import OpenAI
client = OpenAI(api_key=os.getenv("DASHSCOPE_API_KEY"), base_url="https://dashscope.aliyuncs.com/compatible-mode/v1")
"""
CALL = 'client.chat.completions.create(model="qwen-plus", messages=[{"role": "user", "content": "Hi"}]{extra})'
LEGACY_URL = '"https://dashscope.aliyuncs.com/api/v2/apps/protocols/compatible-mode/v1"'
NEW_URL = '"https://dashscope.aliyuncs.com/compatible-mode/v1"'


def call(name: str, extra: str = "", marker: str = "") -> str:
    line = f"{name} = " + CALL.replace("{extra}", extra) + (f"  {marker}" if marker else "")
    return f"{line}\nprint({name}.choices[0].message.content)\n"


def migrate(source: str, **settings):
    return migrate_source(source, Settings(**settings))


def codes_by_line(result) -> dict[int, set[str]]:
    lines: dict[int, set[str]] = {}
    for finding in result.findings:
        lines.setdefault(finding.line, set()).add(finding.code)
    return lines


# --- line markers --------------------------------------------------------------------------------


def test_a_bare_marker_keeps_the_call_silently_and_the_others_migrate():
    source = HEADER + call("a", marker="# migrator: ignore") + call("b")
    result = migrate(source)
    assert "a = client.chat.completions.create(" in result.new_source
    assert "print(a.choices[0].message.content)" in result.new_source
    assert "b = client.responses.create(" in result.new_source and "print(b.output_text)" in result.new_source
    assert 4 not in codes_by_line(result) and 5 not in codes_by_line(result)  # nothing about `a`
    assert "RSP001" in codes_by_line(result)[6]


def test_a_code_specific_marker_on_the_line_of_that_rewrite_keeps_the_whole_call():
    # Half a rewrite would be wrong: the call stays as it is when its RSP003 part is suppressed.
    thinking = ', extra_body={"enable_thinking": True}'
    source = HEADER + call("a", thinking, "# migrator: ignore[RSP003]") + call("b", thinking)
    result = migrate(source)
    assert source.split("\n")[3] in result.new_source.split("\n")  # a's line untouched
    assert 'b = client.responses.create(model="qwen-plus"' in result.new_source
    assert 4 not in codes_by_line(result)


def test_a_marker_for_another_code_changes_nothing():
    marked = migrate(HEADER + call("a", marker="# migrator: ignore[RSP007, RSP021]"))
    plain = migrate(HEADER + call("a"))
    assert marked.new_source.replace("  # migrator: ignore[RSP007, RSP021]", "") == plain.new_source
    assert marked.findings == plain.findings and marked.changed


def test_suppressing_a_read_of_the_result_keeps_its_call():
    source = (
        HEADER
        + "a = "
        + CALL.replace("{extra}", "")
        + "\nprint(a.choices[0].message.content)  # migrator: ignore[RSP002]\n"
    )
    result = migrate(source)
    assert result.new_source == source and result.findings == []


def test_an_edit_that_belongs_to_no_call_is_dropped_alone():
    source = f"A = {LEGACY_URL}  # migrator: ignore[RSP004]\nB = {LEGACY_URL}\n"
    result = migrate(source)
    assert result.new_source == f"A = {LEGACY_URL}  # migrator: ignore[RSP004]\nB = {NEW_URL}\n"
    assert [(f.line, f.code) for f in result.findings] == [(2, "RSP004")]


def test_a_finding_alone_is_hidden_and_check_passes(tmp_path, monkeypatch):
    stop = call("a", ', stop=["\\n"]', "# migrator: ignore[RSP007]")
    result = migrate(HEADER + stop)
    assert result.findings == [] and not result.changed
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text(HEADER + stop)
    (tmp_path / "b.py").write_text(HEADER + stop.replace("  # migrator: ignore[RSP007]", ""))
    assert CliRunner().invoke(main, ["check", "a.py"]).exit_code == 0
    assert CliRunner().invoke(main, ["check", "b.py"]).exit_code == 1


def test_marker_spelling_is_forgiving_but_strings_do_not_count():
    spaced = f"A = {LEGACY_URL}  #migrator:ignore[ rsp004 ,RSP001]\n"
    assert not migrate(spaced).changed
    in_string = f'A = {LEGACY_URL}; B = "# migrator: ignore"\n'
    assert migrate(in_string).changed
    other_tool = f"A = {LEGACY_URL}  # migrator: ignored-by-someone\n"
    assert migrate(other_tool).changed


def test_a_suppressed_file_is_stable():
    source = HEADER + call("a", marker="# migrator: ignore") + f"B = {LEGACY_URL}  # migrator: ignore\n" + call("c")
    once = migrate(source).new_source
    assert migrate(once).new_source == once


# --- file markers --------------------------------------------------------------------------------


def test_ignore_file_skips_the_whole_file():
    source = "# migrator: ignore-file\n" + HEADER + call("a") + f"B = {LEGACY_URL}\n"
    result = migrate(source)
    assert result.new_source == source and result.findings == [] and not result.parsed


def test_ignore_file_with_codes_anywhere_in_the_file():
    source = HEADER + call("a") + f"B = {LEGACY_URL}\n" + "# migrator: ignore-file[RSP004]\n"
    result = migrate(source)
    assert f"B = {LEGACY_URL}" in result.new_source  # RSP004 nowhere
    assert "a = client.responses.create(" in result.new_source  # everything else as usual
    assert "RSP004" not in {f.code for f in result.findings}


# --- cost ----------------------------------------------------------------------------------------


def test_no_marker_no_tokenizing(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("tokenized a file without markers")

    monkeypatch.setattr(tokenize, "generate_tokens", fail)
    assert suppressions.scan(HEADER + call("a")) is None
    assert migrate(HEADER + call("a")).changed


def test_scan_reads_lines_and_codes():
    found = suppressions.scan("x = 1  # migrator: ignore\ny = 2  # noqa  # migrator: ignore[RSP003,rsp008]\n")
    assert found.covers(1, "RSP001") and found.covers(2, "RSP008") and not found.covers(2, "RSP001")
    assert not found.covers(3, "RSP003") and not found.whole_file
