"""Results that leave their function by `return`: the reads by its callers are the result's uses
when every call of the function is known (migrator/analysis/callers.py) and the function
returns nothing else."""

from __future__ import annotations

import textwrap

import pytest

from migrator.engine import migrate_source
from migrator.settings import Settings

HEADER = 'from openai import OpenAI\nclient = OpenAI()\n'
CREATE = 'client.chat.completions.create(model="gpt-4.1", messages=[{"role": "user", "content": p}])'
#: A call whose content is a literal (the functions that pass the result on have no text parameter).
SEND = CREATE.replace('"content": p', '"content": "hi"')


def migrate(code: str) -> tuple[str, list[str]]:
    result = migrate_source(HEADER + textwrap.dedent(code))
    return result.new_source, [f"{f.code} {f.message}" for f in result.findings if not f.fixable]


def test_the_callers_reads_are_rewritten_with_the_call():
    source, problems = migrate(
        f"""
        def _ask(p):
            r = {CREATE}
            return r

        def main():
            print(_ask("a").choices[0].message.content)
            x = _ask("b")
            print(x.usage.prompt_tokens)
        """
    )
    assert not problems
    assert '_ask("a").output_text' in source and "x.usage.input_tokens" in source


def test_followed_through_functions_that_return_it_again_up_to_the_limit():
    chain = f"def _a(p):\n    return {CREATE}\n"
    for inner, outer in (("_a", "_b"), ("_b", "_c")):
        chain += f"def {outer}(p):\n    return {inner}(p)\n"
    source, problems = migrate(chain + 'print(_c("x").choices[0].message.content)\n')
    assert not problems and '_c("x").output_text' in source
    too_deep = chain + 'def _d(p):\n    return _c(p)\nprint(_d("x").choices[0].message.content)\n'
    source, problems = migrate(too_deep)
    assert "chat.completions.create" in source
    assert any("returned from the function" in p for p in problems)


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (f"def ask(p):\n    return {CREATE}\nprint(ask('x').choices[0].message.content)\n", "is public"),
        (
            f"def _ask(p):\n    return {CREATE}\nprint(_ask('x').choices[0].message.content)\ncallback = _ask\n",
            "also used as",
        ),
        (
            f"def _ask(p):\n    if not p:\n        return {{}}\n    return {CREATE}\nprint(_ask('x').choices[0].message.content)\n",
            None,  # a dict literal is no result: only that the read is mapped matters
        ),
        (
            f"def _ask(p, cached):\n    if cached:\n        return cached\n    return {CREATE}\n"
            "print(_ask('x', None).choices[0].message.content)\n",
            "may also return `cached`",
        ),
        (f"def _ask(p):\n    yield {CREATE}\n", "yielded"),
        (f"def _ask(p):\n    r = {CREATE}\n    yield 1\n    return r\nprint(next(_ask('x')))\n", "may also return `_ask`"),
        (f"def _ask(p):\n    return {CREATE}\nprint(_ask('x'))\n", "passed to `print()`"),
        (
            f"def _ask(p):\n    return {CREATE}\nprint(_ask('x').choices[0].logprobs)\n",
            "read as `_ask('x').choices[0].logprobs`",
        ),
    ],
)
def test_a_return_the_tool_cannot_follow_keeps_the_call(code, reason):
    source, problems = migrate(code)
    if reason is None:
        assert "responses.create" in source
        return
    assert "chat.completions.create" in source
    assert any(reason in p for p in problems), problems


def test_a_function_that_calls_itself_is_followed_to_the_limit_and_no_further():
    source, _ = migrate(f"def _ask(p):\n    if p:\n        return _ask(p[1:])\n    return {CREATE}\n")
    assert "chat.completions.create" in source


# -- results passed to a function of the file ------------------------------------------


def test_reads_in_the_body_of_a_private_function_given_the_result_are_its_uses():
    source, problems = migrate(
        f"""
        def _text(resp):
            return resp.choices[0].message.content

        def main():
            r = {SEND}
            print(_text(r), _text({SEND}))
        """
    )
    assert not problems
    assert "return resp.output_text" in source and source.count("responses.create") == 2


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (f"def text(resp):\n    return resp.choices[0].message.content\nprint(text({SEND}))\n", "is public"),
        (
            f"def _text(resp):\n    return resp.choices[0].message.content\nprint(_text({SEND}), _text(None))\n",
            "also given `None`",
        ),
        (
            f"def _text(resp=None):\n    return resp.choices[0].message.content\nprint(_text({SEND}), _text())\n",
            "also given `None`",
        ),
        (
            f"def _text(resp):\n    resp = resp or {{}}\n    return resp.choices[0].message.content\nprint(_text({SEND}))\n",
            "assigns it again",
        ),
        (
            f"def _text(resp):\n    print(resp)\nprint(_text({SEND}))\n",
            "passed to `print()`",
        ),
    ],
)
def test_a_function_given_the_result_that_the_tool_cannot_follow_keeps_the_call(code, reason):
    source, problems = migrate(code)
    assert "chat.completions.create" in source
    assert any(reason in p for p in problems), problems


def test_a_call_that_stays_keeps_the_other_calls_feeding_the_same_function():
    source, problems = migrate(
        f"""
        def _text(resp):
            return resp.choices[0].message.content

        print(_text({SEND}))
        print(_text({SEND.replace("create(", "create(logprobs=True, ")}))
        """
    )
    assert "responses.create" not in source
    assert any("stays on Chat Completions" in p for p in problems), problems


def test_a_public_function_is_an_assumption_that_unsafe_fixes_may_make():
    code = f"def ask(p):\n    return {CREATE}\nprint(ask('x').choices[0].message.content)\n"
    result = migrate_source(HEADER + code, Settings(unsafe_fixes=True))
    assert "ask('x').output_text" in result.new_source
    assert any("assumes that nothing else reads it" in f.message for f in result.findings)
    # passed as a value too: something the file shows reads it, no assumption covers that
    result = migrate_source(HEADER + code + "handlers = [ask]\n", Settings(unsafe_fixes=True))
    assert "chat.completions.create" in result.new_source


def test_a_part_kept_in_a_name_and_returned_is_followed_into_the_callers():
    source, problems = migrate(
        f"""
        def _reply(p):
            completion = {CREATE}
            message = completion.choices[0].message
            return message

        print(_reply("a").content)
        """
    )
    assert not problems
    assert "message = completion.output_text" in source and 'print(_reply("a"))' in source


# -- results kept on self ------------------------------------------------------------------

CLASS = f"""
class Bot:
    def ask(self):
        self._last = {SEND}

    def text(self):
        return self._last.choices[0].message.content
"""


def test_a_private_attribute_read_only_by_its_class_is_followed():
    source, problems = migrate(CLASS)
    assert not problems and "return self._last.output_text" in source


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ("\nprint(Bot()._last)\n", "may read it"),
        ("\n    def reset(self):\n        self._last = {}\n", "also assigned"),
        ("\n    def peek(self):\n        return getattr(self, '_last')\n", "the string"),
        ("\n    def dump(self):\n        print(self._last)\n", "passed to `print()`"),
        ("\n    _last = None\n", "the class sets `_last` itself"),
    ],
)
def test_an_attribute_the_tool_cannot_see_every_use_of_keeps_the_call(extra, reason):
    source, problems = migrate(CLASS + extra)
    assert "chat.completions.create" in source
    assert any(reason in p for p in problems), problems


def test_a_public_attribute_is_an_assumption():
    code = CLASS.replace("_last", "last")
    assert "chat.completions.create" in migrate(code)[0]
    result = migrate_source(HEADER + textwrap.dedent(code), Settings(unsafe_fixes=True))
    assert "self.last.output_text" in result.new_source
