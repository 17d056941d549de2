"""Names that hold a part of a result (migrator/analysis/paths.py HELD_PARTS): every read through
them is a use with the part's path in front, and the rewrite maps it like a read of the result."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from migrator.analysis import HELD_PARTS, Analysis, Unfollowed
from migrator.engine import migrate_source
from migrator.settings import Settings
from migrator.syntax import SourceTree

HEADER = "from openai import OpenAI\nclient = OpenAI()\n"
CALL = 'resp = client.chat.completions.create(model="gpt-4.1", messages=[{"role": "user", "content": "hi"}])\n'


def uses_of(code: str) -> tuple[SourceTree, Analysis, list]:
    tree = SourceTree(cst.parse_module(HEADER + CALL + textwrap.dedent(code)))
    analysis = Analysis(tree)
    (site,) = analysis.completion_calls
    return tree, analysis, site.uses


def test_reads_through_a_name_carry_the_parts_path_in_front():
    tree, _, uses = uses_of("choice = resp.choices[0]\nprint(choice.message.content)\n")
    read = next(use for use in uses if use.held)
    assert read.path == ("choices", 0, "message", "content")
    assert read.held == 2
    assert tree.code(read.base) == "choice"
    # the node covering a path the name already holds is where the name is assigned, not here
    assert read.node_for(("choices", 0)) is read.base
    assert read.node_for(("choices",)) is None
    assert tree.code(read.node_for(("choices", 0, "message", "content"))) == "choice.message.content"
    assert read.steps(("choices", 0, "message", "content")) == 2


def test_names_that_hold_parts_of_parts_are_followed_in_turn():
    _, _, uses = uses_of("choice = resp.choices[0]\nmessage = choice.message\nprint(message.content)\n")
    assert sorted((use.path, use.held) for use in uses) == [
        (("choices", 0), 0),
        (("choices", 0, "message"), 2),
        (("choices", 0, "message", "content"), 3),
    ]


def test_a_name_assigned_twice_is_not_followed_and_says_why():
    _, analysis, uses = uses_of("usage = resp.usage\nprint(usage.total_tokens)\nusage = None\n")
    assert [use.path for use in uses] == [("usage",)]
    (followed,) = analysis.holders.values()
    assert isinstance(followed, Unfollowed)
    assert "assigned more than once" in followed.reason


def test_a_name_read_whole_is_a_use_of_the_part_itself():
    _, _, uses = uses_of("usage = resp.usage\nprint(usage)\n")
    whole = next(use for use in uses if use.held)
    assert whole.holder_read and whole.path == ("usage",)


def test_parts_without_a_place_on_responses_are_not_followed():
    assert ("choices", 0, "logprobs") not in HELD_PARTS
    _, _, uses = uses_of("lp = resp.choices[0].logprobs\nprint(lp.content)\n")
    assert [use.path for use in uses] == [("choices", 0, "logprobs")]


def migrate(code: str, **settings) -> str:
    return migrate_source(HEADER + CALL + textwrap.dedent(code), Settings(**settings)).new_source


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("choice = resp.choices[0]\nprint(choice.message.content)\n", "choice = resp\nprint(choice.output_text)\n"),
        ("choices = resp.choices\nprint(choices[0].message.content)\n", "choices = resp\nprint(choices.output_text)\n"),
        ("usage = resp.usage\nprint(usage.prompt_tokens)\n", "usage = resp.usage\nprint(usage.input_tokens)\n"),
        (
            "d = resp.usage.completion_tokens_details\nprint(d.reasoning_tokens)\n",
            "d = resp.usage.output_tokens_details\nprint(d.reasoning_tokens)\n",
        ),
        (
            "usage = resp.usage\nd = usage.prompt_tokens_details\nprint(d.cached_tokens)\n",
            "usage = resp.usage\nd = usage.input_tokens_details\nprint(d.cached_tokens)\n",
        ),
    ],
)
def test_the_name_holds_the_same_part_of_the_response(code, expected):
    assert migrate(code).endswith(expected)


@pytest.mark.parametrize(
    "code",
    [
        "choice = resp.choices[0]\nprint(choice.message.content, choice.logprobs)\n",  # not mapped
        "usage = resp.usage\nprint(usage)\n",  # the whole object changes shape
        "d = resp.usage.completion_tokens_details\nprint(d.audio_tokens)\n",  # no Responses field
        "choices = resp.choices\nprint(len(choices))\n",  # one answer on Responses
        "choice = resp.choices[0]\nprint(choice.message.content)\ndef f():\n    global choice\n",
    ],
)
def test_a_read_through_the_name_that_is_not_mapped_keeps_the_call(code):
    assert "chat.completions.create" in migrate(code)


def test_turning_the_rule_off_keeps_the_call():
    code = "choice = resp.choices[0]\nprint(choice.message.content)\n"
    assert "chat.completions.create" in migrate(code, ignore=frozenset({"RSP026"}))
    assert "responses.create" in migrate(code)
