"""Results that leave their function by `return`: the reads by its callers are the result's uses
when every call of the function is known (migrator/analysis/callers.py) and the function
returns nothing else."""

from __future__ import annotations

import textwrap

import pytest

from migrator.engine import migrate_source

HEADER = 'from openai import OpenAI\nclient = OpenAI()\n'
CREATE = 'client.chat.completions.create(model="gpt-4.1", messages=[{"role": "user", "content": p}])'


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
