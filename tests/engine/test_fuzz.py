"""Property-based tests: the fixtures, mutated in ways that must not matter to a codemod.

Each example takes a fixture's `before.py`, applies a few mutations (renamed variables, extra
arguments, comments and blank lines in odd places, other quotes and indentation, the code
nested inside a function, class, block or comprehension, CRLF line endings), each a LibCST
transform so the result is still valid Python, and checks what must hold for any input:

- the engine does not crash (the mutated code compiles, so not even `SourceError` is allowed);
- what it writes compiles (stricter than parsing: a repeated keyword argument parses);
- a second run changes nothing, and leaves no fixable error behind;
- line endings: a CRLF file comes out CRLF, and migrating it equals migrating the LF text.

Hypothesis runs derandomized (the same examples on every run, no example database), with a
bounded number of examples so the module stays at a few seconds.
"""

from __future__ import annotations

import dataclasses
import os
import re

import libcst as cst
import pytest
from fixture_cases import all_cases
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

import migrator.engine.core
from migrator.files import processing as files
from migrator.engine import migrate_source
from migrator.findings import Severity
from migrator.rules import Rule, all_rules
from migrator.settings import Settings

CASES = all_cases()
SOURCES = {case.id: case.before.read_text() for case in CASES}

#: More examples for a long local run: MIGRATOR_FUZZ_EXAMPLES=2000 pytest tests/engine/test_fuzz.py
EXAMPLES = int(os.environ.get("MIGRATOR_FUZZ_EXAMPLES", "200"))

FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=EXAMPLES,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)


def compiles(text: str) -> bool:
    try:
        compile(text, "<fuzz>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


def check_migration(text: str, options: Settings) -> str:
    """Migrate `text` and check the properties every migration must have; the new text."""
    first = migrate_source(text, options, "fuzz.py")
    if first.changed:
        assert compiles(first.new_source), f"the migrated code does not compile:\n{first.new_source}"
    second = migrate_source(first.new_source, options, "fuzz.py")
    assert second.new_source == first.new_source, "a second run changed the code again"
    leftover = [f for f in second.findings if f.fixable and f.severity is Severity.ERROR]
    assert not leftover, f"fixable findings left after the rewrite: {leftover}"
    return first.new_source


# --- mutations: each a LibCST transform, so the code stays valid --------------------------------


class _Rename(cst.CSTTransformer):
    """Rename one variable everywhere it is a variable (not an attribute or keyword)."""

    def __init__(self, old: str, new: str) -> None:
        self.old, self.new = old, new
        self.protected: set[int] = set()

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.protected.add(id(node.attr))

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self.protected.add(id(node.keyword))

    def visit_ImportAlias(self, node: cst.ImportAlias) -> bool:
        return False

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
        if original.value == self.old and id(original) not in self.protected:
            return updated.with_changes(value=self.new)
        return updated


def _assigned_names(module: cst.Module) -> list[str]:
    names: set[str] = set()

    class Collect(cst.CSTVisitor):
        def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
            if isinstance(node.target, cst.Name):
                names.add(node.target.value)

    module.visit(Collect())
    return sorted(names)


EXTRA_ARGUMENTS = [
    "temperature=0.5", "top_p=1", 'user="u-1"', "seed=7", "n=1", "stop=None", "unknown_option=1",
    'extra_headers={"X-Trace": "1"}', 'extra_body={"enable_thinking": False}', "timeout=10", "stream=False",
    'metadata={"k": "v"}', "store=True", "parallel_tool_calls=False", "max_completion_tokens=10", "max_tokens=5",
    'reasoning_effort="low"', 'response_format={"type": "json_object"}', "**options", "*args",
]  # fmt: skip


class _AddArgument(cst.CSTTransformer):
    """Add an argument to `.create(...)` / `.parse(...)` calls that do not have it yet."""

    def __init__(self, argument: str, position: int) -> None:
        self.arg = cst.parse_expression(f"f({argument})").args[0]
        self.position = position

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        func = updated.func
        if not (isinstance(func, cst.Attribute) and func.attr.value in ("create", "parse", "stream")):
            return updated
        keywords = {arg.keyword.value for arg in updated.args if arg.keyword is not None}
        if self.arg.keyword is not None and self.arg.keyword.value in keywords:
            return updated
        args = [arg.with_changes(comma=cst.MaybeSentinel.DEFAULT) for arg in updated.args]
        # Python's order: positional, *args, keywords, **kwargs.
        if self.arg.star == "**":
            index = len(args)
        elif self.arg.star == "*" or self.arg.keyword is None:
            index = 0
        else:
            first_keyword = next((i for i, a in enumerate(args) if a.keyword is not None or a.star), len(args))
            last_keyword = next((i for i, a in enumerate(args) if a.star == "**"), len(args))
            index = first_keyword + self.position % (last_keyword - first_keyword + 1)
        args.insert(index, self.arg)
        return updated.with_changes(args=args)


_COMMENT_LINE = cst.EmptyLine(comment=cst.Comment("# a comment: chat.completions.create(messages=...)"))


class _Comments(cst.CSTTransformer):
    """Comments and blank lines in odd places: above statements, and after commas inside
    calls, lists and dicts (where a line break is allowed)."""

    def __init__(self, every: int) -> None:
        self.every, self.count = every, 0

    def _now(self) -> bool:
        self.count += 1
        return self.count % self.every == 0

    def leave_SimpleStatementLine(self, original, updated):
        if self._now():
            return updated.with_changes(leading_lines=[*updated.leading_lines, cst.EmptyLine(), _COMMENT_LINE])
        return updated

    def _comma(self, original, updated):
        if not isinstance(updated.comma, cst.Comma) or not self._now():
            return updated
        broken = cst.ParenthesizedWhitespace(
            first_line=cst.TrailingWhitespace(whitespace=cst.SimpleWhitespace("  "), comment=cst.Comment("# odd")),
            empty_lines=[cst.EmptyLine(), cst.EmptyLine(comment=cst.Comment("# odder"))],
            indent=True,
            last_line=cst.SimpleWhitespace("        "),
        )
        return updated.with_changes(comma=updated.comma.with_changes(whitespace_after=broken))

    leave_Arg = leave_Element = leave_DictElement = _comma


class _Quotes(cst.CSTTransformer):
    """Write string literals with the other quote, or triple quotes."""

    def __init__(self, style: str) -> None:
        self.style = style

    def leave_SimpleString(self, original, updated):
        prefix, quote = updated.prefix, updated.quote
        body = updated.value[len(prefix) + len(quote) : -len(quote)]
        if len(quote) == 3 or "\\" in body or "'" in body or '"' in body or "\n" in body:
            return updated
        new_quote = {"single": "'", "double": '"', "triple": '"""'}[self.style]
        return updated.with_changes(value=f"{prefix}{new_quote}{body}{new_quote}")


def _body_statements(module: cst.Module) -> tuple[list, list]:
    """The module's statements as (those that must stay first: docstring, __future__; the rest)."""
    head = []
    for statement in module.body:
        code = module.code_for_node(statement).strip()
        if code.startswith("from __future__") or (not head and code[:3] in ('"""', "'''")):
            head.append(statement)
        else:
            break
    return head, list(module.body[len(head) :])


WRAPPERS = {
    "function": ("def _wrapped():\n    pass\n", "_wrapped()\n"),
    "async function": ("async def _wrapped():\n    pass\n", ""),
    "method": ("class _Box:\n    def run(self):\n        pass\n", "_Box().run()\n"),
    "class body": ("class _Box:\n    pass\n", ""),
    "if": ("if True:\n    pass\n", ""),
    "try": ("try:\n    pass\nexcept ImportError:\n    raise\n", ""),
    "for": ("for _round in range(1):\n    pass\n", ""),
    "with": ("import contextlib\nwith contextlib.nullcontext():\n    pass\n", ""),
}


def _nest(module: cst.Module, kind: str) -> cst.Module:
    """Put the module's code inside a function, a class, a block."""
    head, rest = _body_statements(module)
    opening, after = WRAPPERS[kind]
    wrapper = cst.parse_module(opening)
    *setup, outer = wrapper.body
    innermost = outer
    path = [outer]
    while isinstance(innermost.body, cst.IndentedBlock) and isinstance(
        innermost.body.body[0], cst.BaseCompoundStatement
    ):
        innermost = innermost.body.body[0]
        path.append(innermost)
    new_inner = innermost.with_changes(
        body=innermost.body.with_changes(body=rest or [cst.SimpleStatementLine([cst.Pass()])])
    )
    for node in reversed(path[:-1]):
        new_inner = node.with_changes(body=node.body.with_changes(body=[new_inner]))
    tail = list(cst.parse_module(after).body) if after else []
    return module.with_changes(body=[*head, *setup, new_inner, *tail])


class _InComprehension(cst.CSTTransformer):
    """`x = value` becomes `x = [value for _ in [0]][0]`; `f(...)` becomes `[f(...) for _ in [0]]`."""

    def __init__(self, every: int) -> None:
        self.every, self.count = every, 0

    def _wrap(self, value: cst.BaseExpression) -> cst.ListComp:
        return cst.ListComp(
            elt=value,
            for_in=cst.CompFor(target=cst.Name("_"), iter=cst.List([cst.Element(cst.Integer("0"))])),
        )

    def leave_Assign(self, original, updated):
        self.count += 1
        if self.count % self.every:
            return updated
        index = cst.Index(cst.Integer("0"))
        return updated.with_changes(value=cst.Subscript(self._wrap(updated.value), [cst.SubscriptElement(index)]))

    def leave_Expr(self, original, updated):
        self.count += 1
        if self.count % self.every or not isinstance(updated.value, cst.Call):
            return updated
        return updated.with_changes(value=self._wrap(updated.value))


@st.composite
def mutation(draw, module: cst.Module):
    kind = draw(st.sampled_from(["rename", "argument", "comments", "quotes", "indent", "nest", "comprehension"]))
    if kind == "rename":
        names = _assigned_names(module)
        if not names:
            return kind, module
        old = draw(st.sampled_from(names))
        new = draw(st.sampled_from(["c", "resp", "result", "data", "openai", "os", "json", "_x", "client", "messages"]))
        return f"rename {old}→{new}", module.visit(_Rename(old, new + "_" if new == old else new))
    if kind == "argument":
        argument = draw(st.sampled_from(EXTRA_ARGUMENTS))
        return f"argument {argument}", module.visit(_AddArgument(argument, draw(st.integers(0, 5))))
    if kind == "comments":
        every = draw(st.integers(1, 4))
        return f"comments every {every}", module.visit(_Comments(every))
    if kind == "quotes":
        style = draw(st.sampled_from(["single", "double", "triple"]))
        return f"quotes {style}", module.visit(_Quotes(style))
    if kind == "indent":
        indent = draw(st.sampled_from(["\t", "  ", "        "]))
        return f"indent {indent!r}", module.with_changes(default_indent=indent)
    if kind == "nest":
        where = draw(st.sampled_from(sorted(WRAPPERS)))
        return f"nest in {where}", _nest(module, where)
    every = draw(st.integers(1, 3))
    return f"comprehension every {every}", module.visit(_InComprehension(every))


@st.composite
def mutated_fixture(draw):
    case = draw(st.sampled_from(CASES))
    module = cst.parse_module(SOURCES[case.id])
    applied = []
    for _ in range(draw(st.integers(1, 4))):
        name, module = draw(mutation(module))
        applied.append(name)
    text = module.code
    if draw(st.booleans()):
        text, applied = text.replace("\n", "\r\n"), [*applied, "crlf"]
    return case, applied, text


CODES = sorted(rule.code for rule in all_rules())


@st.composite
def options(draw, base: Settings) -> Settings:
    some_rules = st.sets(st.sampled_from(CODES), min_size=1).map(frozenset)
    return dataclasses.replace(
        base,
        # Any subset of the rules must leave correct code too (`--select` / `--ignore`).
        select=draw(st.one_of(st.just(base.select), st.just(base.select), some_rules)),
        unsafe_fixes=draw(st.booleans()) or base.unsafe_fixes,
        preserve_nonthinking=draw(st.booleans()) or base.preserve_nonthinking,
        todo_comments=draw(st.booleans()),
        line_length=draw(st.sampled_from([base.line_length, None, 40])),
    )


# --- the properties --------------------------------------------------------------------------------


@FUZZ
@given(st.data())
def test_mutated_fixtures_migrate_to_code_that_compiles_and_is_stable(data):
    case, applied, text = data.draw(mutated_fixture(), label="fixture")
    if not compiles(text):
        reject()  # a mutation that Python refuses (say, `import *` nested in a function)
    option_set = data.draw(options(case.settings), label="settings")
    new = check_migration(text, option_set)
    if "crlf" in applied:
        assert "\n" not in new.replace("\r\n", ""), f"a bare LF in a CRLF file after {applied}"
        lf = migrate_source(text.replace("\r\n", "\n"), option_set, "fuzz.py").new_source
        assert new == lf.replace("\n", "\r\n"), f"CRLF changed the rewrite, after {applied}"


# --- bugs the fuzzing found (each pinned by a test) -------------------------------------------


def test_todo_comments_are_added_once():
    # A message that names a line ("line 25 sends it") moves with the TODO lines added above it.
    check_migration(SOURCES["tool-messages/noop_list_shared_with_chat_call"], Settings(todo_comments=True))


def test_unsafe_fixes_on_a_call_whose_client_is_unknown():
    # A call migrated under --unsafe-fixes may have no known client: no rule may assume one.
    check_migration(SOURCES["chat-completions-create/unresolved_client"], Settings(unsafe_fixes=True))


def test_a_name_that_may_hold_a_result_the_tool_cannot_follow_is_not_rewritten():
    # `completion` is bound to a call it can follow (in a branch) and to one it cannot
    # (`[...][0]`): the read after the branch may see the latter, a Chat Completions object
    # without `.output_text`. (One after the other, the order would show which each read sees.)
    source = (
        "import os\nfrom openai import OpenAI\n\nclient = OpenAI()\n"
        'completion = [client.chat.completions.create(model="gpt-4o", messages=[]) for _ in [0]][0]\n'
        'if os.getenv("AGAIN"):\n'
        '    completion = client.chat.completions.create(model="gpt-4o", messages=[])\n'
        "print(completion.choices[0].message.content)\n"
    )
    assert "output_text" not in check_migration(source, Settings(todo_comments=True))
    findings = migrate_source(source, Settings(), "fuzz.py").findings
    assert any("`completion` may also hold `[client.chat.completions.create(" in f.message for f in findings)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_every_fixture_in_crlf_migrates_like_in_lf(case):
    text = SOURCES[case.id]
    lf = migrate_source(text, case.settings).new_source
    crlf = check_migration(text.replace("\n", "\r\n"), case.settings)
    assert crlf == lf.replace("\n", "\r\n")


#: A finding that quotes code spanning several lines quotes it on one line.
ESCAPING_CALL = """\
import os
from openai import OpenAI
client = OpenAI(api_key=os.getenv("DASHSCOPE_API_KEY"), base_url="https://dashscope.aliyuncs.com/compatible-mode/v1")
results = [client.chat.completions.create(
    model="qwen-plus",
    messages=[{"role": "user", "content": "Hi"}],
)]
"""


@pytest.mark.parametrize(
    "text",
    [
        *[pytest.param(SOURCES[case.id], id=case.id) for case in CASES],
        pytest.param(ESCAPING_CALL, id="escaping call"),
    ],
)
def test_finding_messages_are_one_line_whatever_the_line_endings(text):
    lf = migrate_source(text).findings
    crlf = migrate_source(text.replace("\n", "\r\n")).findings
    assert all("\n" not in f.message and "\r" not in f.message for f in lf + crlf)
    assert [f.message for f in lf] == [f.message for f in crlf]


# --- LibCST must not lose the end of a file ------------------------------------------------------

LEGACY = 'BASE = "https://dashscope.aliyuncs.com/api/v2/apps/protocols/compatible-mode/v1"'
MIGRATED = 'BASE = "https://dashscope.aliyuncs.com/compatible-mode/v1"'
LINES = ["x = 1", "if x:", "    pass", "# c", "    # c", "   # c", "", "   ", "\t", "\x0c", "y = (1,", "     2)"]


@FUZZ
@given(
    st.lists(st.sampled_from(LINES), max_size=6),
    st.lists(st.sampled_from(["", "   ", "\t", "# end", "    # end", "\x0c", "# migrator-looking: text"]), max_size=6),
    st.lists(st.sampled_from(["\n", "\r\n", "\r"]), min_size=14, max_size=14),
    st.booleans(),
)
def test_blank_and_comment_lines_at_the_end_survive_any_line_endings(head, footer, endings, final_newline):
    """LibCST drops some trailing blank and comment lines when their line endings are mixed, or
    the file ends in a lone CR; migrator must give them back, so only the URL changes."""
    lines = [*head, LEGACY, *footer]
    text = "".join(line + endings[i] for i, line in enumerate(lines))
    if not final_newline:
        text = text[: -len(endings[len(lines) - 1])]
    if not compiles(text):
        reject()
    outcome = files.migrate(files.Outcome(files.STDIN_NAME, is_stdin=True, raw=text.encode()), Settings())
    assert outcome.error is None, outcome.error
    assert outcome.result.new_source == text.replace(LEGACY, MIGRATED)
    assert outcome.new_raw == text.replace(LEGACY, MIGRATED).encode()


# --- the idempotence check itself catches a rule that does not converge ---------------------------


class _GrowsEveryRun(Rule):
    code = "RSP997"
    slug = "grows-every-run"
    summary = "test only"
    triggers = ("/api/v2/apps/protocols/compatible-mode",)

    def apply(self, ctx):
        for literal in ctx.tree.nodes(cst.SimpleString):
            if re.search(r"compatible-mode", literal.value):
                ctx.tree.edit(literal, lambda node: node.with_changes(value=node.value[:-1] + "!" + node.value[-1]))


def test_check_migration_catches_a_rule_that_changes_its_own_output(monkeypatch):
    real = migrator.engine.core.enabled_rules
    monkeypatch.setattr(migrator.engine.core, "enabled_rules", lambda options: [*real(options), _GrowsEveryRun()])
    with pytest.raises(AssertionError, match="a second run changed the code again"):
        check_migration("import openai\n" + LEGACY + "  # completions\n", Settings())
