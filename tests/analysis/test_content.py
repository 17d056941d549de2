"""What a message's content is shown to be (migrator/content.py): text, parts seen whole, or
unseen. Each shape has a case where the tool sees it and one where it must not trust it."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from migrator.syntax import SourceTree
from migrator.analysis import Analysis
from migrator.engine import migrate_source
from migrator.settings import Settings

HEADER = "from openai import OpenAI\nclient = OpenAI()\n"


def read_content(code: str):
    """The Content of the message `{"role": "user", "content": ...}` sent by the file's last
    `client.chat.completions.create(...)` call."""
    tree = SourceTree(cst.parse_module(HEADER + textwrap.dedent(code)))
    analysis = Analysis(tree)
    call = analysis.completion_calls[-1].call
    messages = next(arg.value for arg in call.args if arg.keyword and arg.keyword.value == "messages")
    message = messages.elements[-1].value
    content = next(e.value for e in message.elements if e.key.value == '"content"')
    return tree, analysis.contents.read(message, content)


def send(content_expression: str) -> str:
    return f'client.chat.completions.create(model="gpt-4.1", messages=[{{"role": "user", "content": {content_expression}}}])\n'


TEXT = {
    "literal": send('"Hello"'),
    "f-string": 'name = "Ann"\n' + send('f"Hello {name}"'),
    "format": 'TEMPLATE = "Hi {}"\n' + send('TEMPLATE.format("Ann")'),
    "join": send('"\\n".join(lines)'),
    "str-method on unknown": "def f(x):\n    " + send("x.strip()"),
    "concatenation": "def f(x):\n    " + send('"Q: " + x'),
    "annotated parameter": "def f(question: str):\n    " + send("question"),
    "Annotated[str, ...] parameter": "from typing import Annotated\ndef f(q: Annotated[str, 'doc']):\n    " + send("q"),
    "augmented name": 'def f(chunks):\n    text = ""\n    for c in chunks:\n        text += c\n    ' + send("text"),
    "loop over literal texts": 'for q in ["a", "b"]:\n    ' + send("q"),
    "loop over annotated list": "def f(questions: list[str]):\n    for q in questions:\n        " + send("q"),
    "item of a list of texts": 'QUESTIONS = ["a", "b"]\n' + send("QUESTIONS[0]"),
    "self attribute": 'class A:\n    def __init__(self):\n        self.p = "x"\n    def f(self):\n        '
    + send("self.p"),
    "json.dumps": "import json\n" + send("json.dumps({})"),
    "text of a chat result": 'r = client.chat.completions.create(model="m", messages=[])\n'
    + send("r.choices[0].message.content"),
}

UNSEEN = {
    "unannotated parameter": ("def f(question):\n    " + send("question"), "is a parameter of `f()`"),
    "imported name": ("from prompts import SYSTEM\n" + send("SYSTEM"), "is imported from `prompts`"),
    "unknown call": ("from prompts import build\n" + send("build()"), "is what a call returns"),
    "attribute of another object": ("def f(cfg):\n    " + send("cfg.prompt"), "is an attribute"),
    "loop over unknown": ("def f(items):\n    for q in items:\n        " + send("q"), "is a loop variable"),
    "list of texts changed": ('QS = ["a"]\nQS.append(x)\n' + send("QS[0]"), "is `QS[0]`"),
    "self attribute from parameter": (
        "class A:\n    def __init__(self, p):\n        self.p = p\n    def f(self):\n        " + send("self.p"),
        "is an attribute",
    ),
}


@pytest.mark.parametrize("code", TEXT.values(), ids=TEXT.keys())
def test_text_is_seen(code):
    _, content = read_content(code)
    assert content.text and not content.problems and not content.parts


@pytest.mark.parametrize("code, words", UNSEEN.values(), ids=UNSEEN.keys())
def test_unseen_content_is_refused_and_named(code, words):
    _, content = read_content(code)
    assert not content.text
    assert content.problems and all(problem.unsafe for problem in content.problems)
    assert words in content.problems[0].message


PARTS = {
    "inline list": (send('[{"type": "text", "text": "a"}, {"type": "image_url", "image_url": {"url": u}}]'), 2),
    "name with append": (
        'p = [{"type": "text", "text": "a"}]\np.append({"type": "text", "text": "b"})\n' + send("p"),
        2,
    ),
    "name with insert": (
        'p = [{"type": "text", "text": "a"}]\np.insert(0, {"type": "text", "text": "b"})\n' + send("p"),
        2,
    ),
    "name with extend": (
        'p = []\np.extend([{"type": "text", "text": "a"}, {"type": "text", "text": "b"}])\n' + send("p"),
        2,
    ),
    "name with +=": ('p = [{"type": "text", "text": "a"}]\np += [{"type": "text", "text": "b"}]\n' + send("p"), 2),
    "comprehension": (send('[{"type": "image_url", "image_url": {"url": u}} for u in urls]'), 1),
    "spread comprehension": (
        'imgs = [{"type": "image_url", "image_url": {"url": u}} for u in urls]\n'
        + send('[{"type": "text", "text": "a"}, *imgs]'),
        2,
    ),
    "private helper": ('def _parts(q):\n    return [{"type": "text", "text": q}]\n' + send('_parts("a")'), 1),
    "helper with a local list": (
        'def _parts(q):\n    p = [{"type": "text", "text": q}]\n    p.append({"type": "text", "text": "b"})\n    return p\n'
        + send('_parts("a")'),
        2,
    ),
    "counted with len": ('p = [{"type": "text", "text": "a"}]\nprint(len(p))\n' + send("p"), 1),
    "lists joined with +": (
        'imgs = []\nimgs.append({"type": "image_url", "image_url": {"url": u}})\n'
        + send('imgs + [{"type": "text", "text": "a"}]'),
        2,
    ),
}

HIDDEN_PARTS = {
    "printed": ('p = [{"type": "text", "text": "a"}]\nprint(p)\n' + send("p"), "also used in `print(p)`"),
    "passed on": ('p = [{"type": "text", "text": "a"}]\nlog(p)\n' + send("p"), "also used in `log(p)`"),
    "extended from unknown": ('p = [{"type": "text", "text": "a"}]\np.extend(more)\n' + send("p"), "p.extend(more)"),
    "spread of unknown": ("def f(more):\n    " + send('[{"type": "text", "text": "a"}, *more]'), "is a parameter"),
    "public helper": (
        'def parts(q):\n    return [{"type": "text", "text": q}]\n' + send('parts("a")'),
        "other modules may call too",
    ),
    "helper used elsewhere": (
        'def _parts(q):\n    return [{"type": "text", "text": q}]\nprint(_parts("b"))\n' + send('_parts("a")'),
        "also used in",
    ),
    "helper without a return": (
        'def _parts(q):\n    if q:\n        return [{"type": "text", "text": q}]\n    return\n' + send('_parts("a")'),
        "does not return its parts",
    ),
    "class attribute": (
        'class A:\n    P = [{"type": "text", "text": "a"}]\n    ' + send("P"),
        "class attribute",
    ),
}


@pytest.mark.parametrize("code, count", PARTS.values(), ids=PARTS.keys())
def test_parts_are_seen_whole(code, count):
    _, content = read_content(code)
    assert not content.problems
    assert len(content.parts) == count


@pytest.mark.parametrize("code, words", HIDDEN_PARTS.values(), ids=HIDDEN_PARTS.keys())
def test_parts_not_seen_whole_are_refused(code, words):
    _, content = read_content(code)
    assert any(words in problem.message for problem in content.problems), [p.message for p in content.problems]


def test_an_appended_image_is_converted_and_a_hidden_one_keeps_the_call():
    """The issue's case: a part added with `.append` is converted, never sent as Chat's form."""
    appended = HEADER + 'parts = [{"type": "text", "text": "Hi"}]\n'
    appended += 'parts.append({"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}})\n'
    appended += send("parts")
    result = migrate_source(appended, Settings(line_length=120))
    assert '{"type": "input_image", "image_url": "https://example.com/cat.png", "detail": "auto"}' in result.new_source
    assert '"image_url": {"url"' not in result.new_source
    hidden = appended.replace("parts.append(", "add_part(parts, ")
    assert migrate_source(hidden).new_source == hidden  # the part may be anything: the call stays


def test_content_parts_rule_off_keeps_calls_with_parts():
    source = HEADER + send('[{"type": "text", "text": "Hi"}]')
    result = migrate_source(source, Settings(ignore=frozenset({"RSP025"})))
    assert result.new_source == source
    assert any("content parts must be converted" in f.message for f in result.findings)


def test_what_hides_among_parts_is_a_hard_stop_but_a_public_helper_an_assumption():
    """Once content is parts, what the tool cannot see among them is parts too, in Chat's form:
    no `--unsafe-fixes` may send it. A public helper's parts are seen; only its other callers
    are assumed away."""
    for case in ("spread of unknown", "printed", "extended from unknown"):
        _, content = read_content(HIDDEN_PARTS[case][0])
        assert content.problems and not any(problem.unsafe for problem in content.problems), case
    _, content = read_content(HIDDEN_PARTS["public helper"][0])
    assert [problem.unsafe for problem in content.problems] == [True]


def test_a_part_the_tool_cannot_read_keeps_the_call_even_with_unsafe_fixes():
    source = HEADER + "def f(make):\n    " + send('[{"type": "text", "text": "a"}, make()]')
    result = migrate_source(source, Settings(unsafe_fixes=True))
    assert result.new_source == source
    assert any("is not a literal dict" in f.message for f in result.findings)
