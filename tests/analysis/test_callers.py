"""What a parameter receives from the calls the file shows (migrator/analysis/callers.py), and
the checks that ask it: the model of RSP001 and message content (text or parts). Each shape has
a case where the calls are all known and one where they must not be trusted."""

from __future__ import annotations

import textwrap
from pathlib import Path

import libcst as cst
import pytest

from migrator.analysis import Analysis, Callers, ParameterValues, ProjectIndex
from migrator.analysis.callers import MAX_CALLER_LEVELS
from migrator.engine import migrate_source
from migrator.settings import Settings
from migrator.syntax import SourceTree

DASHSCOPE = (
    "import os\nfrom openai import OpenAI\n"
    'client = OpenAI(api_key=os.getenv("DASHSCOPE_API_KEY"), '
    'base_url="https://dashscope.aliyuncs.com/compatible-mode/v1")\n'
)


def parse(code: str) -> SourceTree:
    return SourceTree(cst.parse_module(textwrap.dedent(code)))


def values_of(code: str, function: str, parameter: str) -> ParameterValues | None:
    """What `parameter` of the function (or method) named `function` receives."""
    tree = parse(code)
    definition = next(f for f in tree.nodes(cst.FunctionDef) if f.name.value == function)
    params = definition.params
    every = [*params.posonly_params, *params.params, *params.kwonly_params]
    every += [p for p in (params.star_arg, params.star_kwarg) if isinstance(p, cst.Param)]
    param = next(p for p in every if p.name.value == parameter)
    return Callers(tree).parameter_values(param)


def passed(values: ParameterValues | None) -> list[tuple[str, bool]]:
    """(code of each value, whether it is the default), in the order of the calls."""
    assert values is not None
    module = cst.Module([])
    return [(module.code_for_node(p.value), p.by_default) for p in values.passed]


# -- which calls, and what each passes ------------------------------------------------------------

CALLS_OF_A_PRIVATE_FUNCTION = """
def _ask(question, model="qwen-plus", *, tone="plain"):
    return question, model, tone

_ask("a")
_ask("b", "qwen3-max")
_ask("c", model=FAST, tone="warm")
"""


def test_a_private_function_passes_positional_keyword_and_default_values():
    values = values_of(CALLS_OF_A_PRIVATE_FUNCTION, "_ask", "model")
    assert values is not None and values.complete and values.function == "`_ask()`"
    assert passed(values) == [('"qwen-plus"', True), ('"qwen3-max"', False), ("FAST", False)]
    assert passed(values_of(CALLS_OF_A_PRIVATE_FUNCTION, "_ask", "tone")) == [
        ('"plain"', True),
        ('"plain"', True),
        ('"warm"', False),
    ]


def test_positional_only_is_not_passed_by_keyword():
    code = 'def _f(a, /, b="x"):\n    pass\n_f("one", b="two")\n_f(a="no")\n'
    assert passed(values_of(code, "_f", "a")) == [('"one"', False)]  # `_f(a="no")` fails: no value


def test_a_call_leaving_out_a_required_parameter_passes_nothing():
    values = values_of("def _f(model):\n    pass\n_f()\n_f('qwen-plus')\n", "_f", "model")
    assert values is not None and values.complete and passed(values) == [("'qwen-plus'", False)]


def test_calls_that_all_fail_before_running_prove_nothing():
    values = values_of("def _f(model):\n    pass\n_f()\n", "_f", "model")
    assert values is not None and not values.passed and values.incomplete == "no call of `_f()` passes `model`"


def test_a_nested_function_is_complete():
    code = "def outer():\n    def inner(model):\n        pass\n    inner('qwen-plus')\n    inner(model='qwen3-max')\n"
    values = values_of(code, "inner", "model")
    assert values is not None and values.complete and len(values.passed) == 2


def test_a_private_method_called_on_self():
    code = """
    class Bot:
        def _send(self, text, model="qwen-plus"):
            pass
        def ask(self):
            self._send("hi")
            self._send("hi", "qwen3-max")
    """
    values = values_of(code, "_send", "model")
    assert values is not None and values.complete and values.function == "`Bot._send()`"
    assert passed(values) == [('"qwen-plus"', True), ('"qwen3-max"', False)]
    assert values_of(code, "_send", "self") is None  # no call passes `self` as an argument


def test_init_of_a_private_class_through_its_constructor_calls():
    code = """
    class _Bot:
        def __init__(self, model="qwen-plus"):
            self.model = model
    def make(bot: _Bot) -> _Bot:
        return bot
    _Bot()
    _Bot("qwen3-max")
    """
    values = values_of(code, "__init__", "model")
    assert values is not None and values.complete and values.function == "`_Bot()`"
    assert passed(values) == [('"qwen-plus"', True), ('"qwen3-max"', False)]


@pytest.mark.parametrize(
    ("code", "function", "why"),
    [
        ('def ask(model="qwen-plus"):\n    pass\nask("qwen3-max")\n', "ask", "`ask()` is public"),
        ("def _ask(model):\n    pass\n_ask('x')\nprint(list(map(_ask, ['y'])))\n", "_ask", "also used as `map(_ask"),
        ("def _ask(model):\n    pass\nhandlers = {'ask': _ask}\n_ask('x')\n", "_ask", "also used as `{'ask': _ask}`"),
        ('def _ask(model="qwen-plus"):\n    pass\n', "_ask", "nothing in this file calls `_ask()`"),
        ("import functools\n@functools.cache\ndef _ask(model):\n    pass\n_ask('x')\n", "_ask", "decorated"),
        ("def _ask(model):\n    pass\n_ask = wrap(_ask)\n_ask('x')\n", "_ask", "bound more than once"),
        ("def _ask(model):\n    pass\n_ask(*args)\n", "_ask", "spreads `*args`"),
        ("def _ask(model):\n    pass\n_ask(**options)\n", "_ask", "spreads `**options`"),
        ("def _ask(model):\n    pass\n_ask('x')\ngetattr(module, '_ask')('y')\n", "_ask", "the string '_ask'"),
        ("def _ask(model):\n    pass\n_ask('x')\nglobals()[name]('y')\n", "_ask", "by a computed name"),
        ("def _ask(model):\n    pass\n_ask('x')\nfn = getattr(obj, name)\n", "_ask", "by a computed name"),
        ("__all__ = ['_ask']\ndef _ask(model):\n    pass\n_ask('x')\n", "_ask", "the string '_ask'"),
        ("class C:\n    def _f(model):\n        pass\n    if X:\n        def _g(model):\n            pass\n", "_g", "class body"),
    ],
    ids=[
        "public function",
        "passed as a value",
        "stored in a dict",
        "default only: never called",
        "decorated",
        "rebound",
        "star args",
        "double-star kwargs",
        "named in getattr",
        "globals()",
        "getattr with a computed name",
        "exported in __all__",
        "defined in a class body",
    ],
)
def test_calls_that_may_not_be_all_of_them(code, function, why):
    values = values_of(code, function, "model")
    assert values is not None and not values.complete
    assert values.incomplete is not None and why in values.incomplete


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("class Bot:\n    def _send(self, model):\n        pass\n    def go(self):\n        self._send('x')\n"
         "def use(bot):\n    bot._send('qwen-vl-max')\n", "`bot._send("),
        ("class Bot:\n    def send(self, model):\n        pass\n    def go(self):\n        self.send('x')\n",
         "public method"),
        ("class Bot:\n    def _send(self, model):\n        pass\n    def go(self):\n        self._send('x')\n"
         "class Child(Bot):\n    pass\n", "has a subclass, `Child`"),
        ("class Bot:\n    @staticmethod\n    def _send(model):\n        pass\n    def go(self):\n        self._send('x')\n",
         "decorated"),
        ("class Bot:\n    def _send(self, model):\n        pass\n    def go(self):\n        self._send('x')\n"
         "    handler = _send\n", "also used as"),
    ],
    ids=["called on another object", "public method", "subclassed", "static method", "read in the class body"],
)
def test_method_calls_that_may_not_be_all_of_them(code, why):
    values = values_of(code, "_send" if "_send" in code else "send", "model")
    assert values is not None and not values.complete and values.incomplete is not None
    assert why in values.incomplete


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("class Bot:\n    def __init__(self, model):\n        pass\nBot('x')\n", "public class"),
        ("class _Bot:\n    def __init__(self, model):\n        pass\n    @classmethod\n    def make(cls):\n"
         "        return cls('qwen-vl-max')\n_Bot('x')\n", "makes an instance of itself as `cls('qwen-vl-max')`"),
        ("class _Bot:\n    def __init__(self, model):\n        pass\n    def copy(self):\n        return type(self)('y')\n"
         "_Bot('x')\n", "makes an instance of itself"),
        ("from dataclasses import dataclass\n@dataclass\nclass _Bot:\n    def __init__(self, model):\n        pass\n"
         "_Bot('x')\n", "decorated"),
        ("class _Bot:\n    def __init__(self, model):\n        pass\nclass _Child(_Bot):\n    pass\n_Bot('x')\n",
         "has a subclass"),
        ("class _Bot:\n    def __init__(self, model):\n        pass\nmake = _Bot\n_Bot('x')\n", "also used as"),
        ("class _Bot:\n    def __init__(self, model):\n        pass\nb = _Bot('x')\n_Bot.__init__(b, 'y')\n",
         "also called as `_Bot.__init__`"),
    ],
    ids=["public class", "cls(...)", "type(self)(...)", "decorated class", "subclassed", "passed as a value",
         "__init__ called by name"],
)
def test_constructor_calls_that_may_not_be_all_of_them(code, why):
    values = values_of(code, "__init__", "model")
    assert values is not None and not values.complete and values.incomplete is not None
    assert why in values.incomplete


def test_parameters_no_call_passes_as_such():
    assert values_of("f = lambda model: model\ndef _g(*args, **kwargs):\n    pass\n_g()\n", "_g", "args") is None
    assert values_of("def _g(*args, **kwargs):\n    pass\n_g()\n", "_g", "kwargs") is None


# -- the model ------------------------------------------------------------------------------------


def check(code: str, settings: Settings | None = None):
    return migrate_source(DASHSCOPE + textwrap.dedent(code), settings)


def send_model(function: str = "def _ask(question, model):") -> str:
    return (
        f"{function}\n"
        '    r = client.chat.completions.create(model=model, messages=[{"role": "user", "content": question}])\n'
        "    return r.choices[0].message.content\n"
    )


def test_every_caller_passes_a_listed_model():
    result = check(send_model() + "_ask('a', 'qwen-plus')\n_ask('b', model='qwen3-max')\n")
    assert "client.responses.create(" in result.new_source
    assert not any("the model" in f.message for f in result.findings)


def test_a_caller_passing_an_unlisted_model_keeps_the_call_and_is_named():
    result = check(send_model() + "_ask('a', 'qwen-plus')\n_ask('b', model='qwen-vl-max')\n")
    assert not result.changed
    (finding,) = [f for f in result.findings if "qwen-vl-max" in f.message]
    assert "(the argument of `_ask()` on line 8)" in finding.message
    assert "is not documented as supported" in finding.message


def test_a_public_function_is_an_assumption_that_says_why():
    result = check(send_model("def ask(question, model='qwen-plus'):") + "ask('a', 'qwen3-max')\n")
    assert not result.changed
    (finding,) = [f for f in result.findings if "is not a constant" in f.message]
    assert "the default of parameter `model` of `ask()` is 'qwen-plus'" in finding.message
    assert "the argument of `ask()` on line 7 is 'qwen3-max'" in finding.message
    assert "`ask()` is public, so other modules may call it" in finding.message
    assert check(send_model("def ask(question, model='qwen-plus'):"), Settings(unsafe_fixes=True)).changed


def test_a_public_function_with_a_caller_passing_an_unlisted_model_stays_even_unsafe():
    result = check(send_model("def ask(question, model='qwen-plus'):") + "ask('a', 'qwen-vl-max')\n", Settings(unsafe_fixes=True))
    assert not result.changed
    assert any("'qwen-vl-max' (the argument of `ask()` on line 7)" in f.message for f in result.findings)


def test_a_default_only_is_an_assumption():
    result = check(send_model("def _ask(question, model='qwen-plus'):"))
    assert not result.changed
    assert any("nothing in this file calls `_ask()`" in f.message for f in result.findings)


def test_a_model_followed_through_a_caller_of_the_caller():
    code = send_model() + "def _run(question, model='qwen3-max'):\n    return _ask(question, model)\n_run('a')\n"
    assert check(code).changed
    unlisted = check(code.replace("'qwen3-max'", "'qwen-vl-max'"))
    assert not unlisted.changed
    assert any(
        "(the default of parameter `model` of `_run()`, passed to `_ask()` on line 8)" in f.message
        for f in unlisted.findings
    )


def test_a_recursive_call_passing_the_parameter_back_adds_nothing():
    code = send_model() + "    _ask(question, model)\n"  # (after the return: never runs, but is a call)
    assert check(code + "_ask('a', 'qwen-plus')\n").changed


def test_callers_are_followed_only_so_far():
    chain = send_model("def _f0(question, model):")
    for level in range(1, MAX_CALLER_LEVELS + 1):
        chain += f"def _f{level}(question, model):\n    return _f{level - 1}(question, model)\n"
    deep = check(chain + f"_f{MAX_CALLER_LEVELS}('a', 'qwen-plus')\n")
    assert not deep.changed
    assert any(f"followed {MAX_CALLER_LEVELS} functions up" in f.message for f in deep.findings)
    shallow = check(chain + f"_f{MAX_CALLER_LEVELS - 1}('a', 'qwen-plus')\n")
    assert any(f"followed {MAX_CALLER_LEVELS} functions up" in f.message for f in shallow.findings)  # (_fN: no caller)


def test_self_model_from_a_private_class_constructor():
    code = """
    class _Bot:
        def __init__(self, model="qwen-plus"):
            self.model = model

        def ask(self, question: str) -> str:
            r = client.chat.completions.create(model=self.model, messages=[{"role": "user", "content": question}])
            return r.choices[0].message.content

    print(_Bot().ask("a"), _Bot(model="MODEL").ask("b"))
    """
    assert check(code.replace('"MODEL"', '"qwen3-max"')).changed
    unlisted = check(code.replace('"MODEL"', '"qwen-vl-max"'))
    assert not unlisted.changed
    assert any(
        "'qwen-vl-max' (the argument of `_Bot()` on line 13, assigned to `self.model`)" in f.message
        for f in unlisted.findings
    )


def test_base_url_parameters_are_not_followed_through_callers():
    """`candidate_strings` (the base URL check) keeps the default alone: a caller's URL does not
    decide the endpoint (its check is not built for several values)."""
    tree = parse('def _make(url="https://api.deepseek.com"):\n    return url\n_make("https://example.com")\n')
    name = next(n for n in tree.names_valued("url") if isinstance(tree.parent(n), cst.Return))
    values, complete = Analysis(tree).candidate_strings(name)
    assert values == [("https://api.deepseek.com", "the default of parameter `url` of `_make()`")] and not complete


# -- content ----------------------------------------------------------------------------------------


def content_of(code: str):
    """The Content of the message `{"role": "user", "content": ...}` sent by the file's first
    create call."""
    tree = SourceTree(cst.parse_module(DASHSCOPE + textwrap.dedent(code)))
    analysis = Analysis(tree)
    call = analysis.completion_calls[0].call
    messages = next(arg.value for arg in call.args if arg.keyword and arg.keyword.value == "messages")
    message = messages.elements[-1].value
    content = next(e.value for e in message.elements if e.key.value == '"content"')
    return analysis.contents.read(message, content)


def send_content(function: str = "def _ask(prompt):") -> str:
    return (
        f"{function}\n"
        '    r = client.chat.completions.create(model="qwen-plus", messages=[{"role": "user", "content": prompt}])\n'
        "    return r.choices[0].message.content\n"
    )


@pytest.mark.parametrize(
    "callers",
    [
        "_ask('literal')",
        "name = 'Ann'\n_ask(f'Hello {name}')",
        "greeting = 'hi'\n_ask(greeting)",
        "_ask(TEMPLATE.format(1))",
        "def _again(text):\n    return _ask(text)\n_again('hi')",
        "def main(text: str):\n    return _ask(text)",
    ],
    ids=["literal", "f-string", "name holding text", "str method", "private caller's parameter", "annotated caller"],
)
def test_a_parameter_every_caller_passes_text_to_is_text(callers):
    found = content_of(send_content() + callers + "\n")
    assert found.text and not found.problems


@pytest.mark.parametrize(
    ("callers", "words"),
    [
        ("_ask('hi')", "is a parameter of `ask()`"),
        ("", "is a parameter of `_ask()`"),
        ("_ask(load())", "is what a call returns"),
        ("def relay(text):\n    return _ask(text)\nrelay('x')", "is a parameter of `relay()`"),
        ("_ask('hi')\nprint(list(map(_ask, ['x'])))", "is a parameter of `_ask()`"),
    ],
    ids=["public function", "never called", "caller passes an unseen value", "public caller", "passed as a value"],
)
def test_a_parameter_some_caller_may_pass_anything_to_is_unseen(callers, words):
    function = "def ask(prompt):" if "is a parameter of `ask()`" in words else "def _ask(prompt):"
    found = content_of(send_content(function) + callers.replace("_ask(", "ask(" if function.startswith("def ask") else "_ask(") + "\n")
    assert not found.text and not found.parts
    assert found.problems and all(p.unsafe for p in found.problems)
    assert any(words in p.message for p in found.problems)


def test_parts_every_caller_passes_are_seen_whole():
    found = content_of(
        send_content()
        + "_ask([{'type': 'text', 'text': 'a'}])\n"
        + "parts = [{'type': 'text', 'text': 'b'}]\nparts.append({'type': 'image_url', 'image_url': {'url': 'u'}})\n"
        + "_ask(parts)\n_ask('only text')\n"
    )
    assert not found.text and len(found.parts) == 3 and not found.problems
    assert len(found.arguments) == 3 and len(found.holders) == 1


def test_parts_a_caller_also_uses_are_refused():
    found = content_of(send_content() + "parts = [{'type': 'text', 'text': 'b'}]\n_ask(parts)\nprint(parts)\n")
    assert found.parts and found.problems and not any(p.unsafe for p in found.problems)
    assert "also used in `print(parts)`" in found.problems[0].message


def test_a_caller_passing_unseen_content_beside_parts_is_a_hard_stop():
    found = content_of(send_content() + "_ask([{'type': 'text', 'text': 'b'}])\n_ask(load())\n")
    assert found.parts and found.problems and not any(p.unsafe for p in found.problems)


# -- module constants of another module of the run ---------------------------------------------------

LLM = DASHSCOPE + 'MODEL = "qwen-plus"\nVISION = os.getenv("VISION_MODEL", "qwen-vl-max")\n'

USE_CONSTANTS = """\
from . import llm
from .llm import client, MODEL, VISION


def a(question: str):
    return client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": question}]).choices[0].message.content


def b(question: str):
    return client.chat.completions.create(model=llm.MODEL, messages=[{"role": "user", "content": question}]).choices[0].message.content


def c(question: str):
    return client.chat.completions.create(model=VISION, messages=[{"role": "user", "content": question}]).choices[0].message.content
"""


def test_a_constant_another_module_of_the_run_binds(tmp_path: Path):
    package = tmp_path / "shop"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "llm.py").write_text(LLM)
    (package / "use.py").write_text(USE_CONSTANTS)
    index = ProjectIndex.build([(path, path.read_text()) for path in package.glob("*.py")])
    assert index.constants["shop.llm.MODEL"].value == "qwen-plus"
    assert index.constants["shop.llm.VISION"].env_var == "VISION_MODEL"
    result = migrate_source(USE_CONSTANTS, filename=str(package / "use.py"), project=index)
    assert result.new_source.count("client.responses.create(") == 2
    assert any("'qwen-vl-max'" in f.message and "not documented as supported" in f.message for f in result.findings)
    alone = migrate_source(USE_CONSTANTS, filename=str(package / "use.py"))
    assert not alone.changed  # without the index the client is not known either


def test_the_cli_follows_a_model_constant_of_the_module_that_makes_the_client(tmp_path: Path, monkeypatch):
    from click.testing import CliRunner

    from migrator.cli import main

    monkeypatch.chdir(tmp_path)
    package = tmp_path / "shop"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "llm.py").write_text(LLM)
    (package / "use.py").write_text(USE_CONSTANTS)
    CliRunner().invoke(main, ["apply", "--jobs", "1", str(package)], catch_exceptions=False)
    assert (package / "use.py").read_text().count("client.responses.create(") == 2


def test_self_model_set_outside_its_class_is_not_complete():
    code = """
    class _Bot:
        def __init__(self, model="qwen-plus"):
            self.model = model

        def ask(self, question: str) -> str:
            r = client.chat.completions.create(model=self.model, messages=[{"role": "user", "content": question}])
            return r.choices[0].message.content

    bot = _Bot()
    EXTRA
    print(bot.ask("a"))
    """
    assert check(code.replace("EXTRA", "")).changed
    for extra, why in [
        ('bot.model = "qwen3-max"', "`bot.model` is assigned on line 14"),
        ('setattr(bot, "model", "qwen3-max")', "`setattr` on line 14"),
    ]:
        result = check(code.replace("EXTRA", extra))
        assert not result.changed
        assert any(why in f.message for f in result.findings), extra


def test_a_recursive_call_passing_content_back_adds_nothing():
    code = send_content() + "    _ask(prompt)\n_ask('hi')\n"  # (after the return: never runs, but is a call)
    found = content_of(code)
    assert found.text and not found.problems
