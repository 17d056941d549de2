"""RSP030 mock-clients: test doubles of an OpenAI client move to the Responses shape with the code
they stand in for, or keep that code on Chat Completions.

What it does

In a test file, a mock that stands in for an OpenAI client (made with `spec=OpenAI`, or
replacing `OpenAI` where a module of the run imports it: `patch("pkg.llm.OpenAI")`,
`patch.object(llm, "OpenAI")`, also given the mock: `patch("pkg.llm.OpenAI", openai_class)`; or
the SDK's own class, `patch("openai.OpenAI")`, for the modules the test calls) and whose
`chat.completions` the test sets up is reported once, where it is made (a pytest fixture of a
conftest.py that gives one: at each test that takes it); so is a patch of a Chat method of the
SDK itself (`patch("openai.resources.chat.completions.Completions.create")`).

When the same run migrates the module the double stands in for (the module whose function or
class the test hands it to, whose object it is set on, `bot.client = mock_client`, or whose
`OpenAI` it patches), the double moves with it (see
Example). When a double cannot take the Responses shape (its `call_args` read as a whole, its
fake response built elsewhere or with more than the text, its arguments checked while the
migration changes what the call sends), the calls of the module it stands in for stay on Chat
Completions, with a finding that names the test. A patch of the SDK's Chat method keeps every
module of the run whose functions or classes are called where it is in force (the test it
decorates, its `with` block, else the whole file): a migrated call would no longer go through
the patched method.

Why

A mock answers whatever the code asks: a migrated function reading `output_text` from a double
still set up with `choices=[...]` gets a mock where a string was, and the project's own tests
fail after `apply`. So a module and the doubles of its client move together or not at all.

Example

    - mock_client.chat.completions.create.return_value = MagicMock(
    -     choices=[MagicMock(message=MagicMock(content="short"))]
    - )
    + mock_client.responses.create.return_value = MagicMock(output_text="short")
    - mock_client.chat.completions.create.assert_called_once_with(model="qwen-plus", messages=msgs)
    + mock_client.responses.create.assert_called_once_with(model="qwen-plus", input=msgs)

Fix safety

The double's rewrite keeps what the test checks: the fake response's text (given at once,
`MagicMock(choices=[MagicMock(message=MagicMock(content=TEXT))])`, or set on a bare mock used
nowhere else, `fake.choices = [...]` or `fake.choices[0].message.content = TEXT` (after a
placeholder `fake.choices = [MagicMock()]`, which goes), which becomes `fake.output_text =
TEXT`) is what the code now reads as `output_text`, and a fake `usage` with Chat's token counts
(`prompt_tokens`, `completion_tokens`, `total_tokens`) takes the names the code now reads
(RSP006); `assert_called()`, `assert_called_once()`, `assert_not_called()`, `.called` and
`.call_count` do not depend on the arguments; and a check of the arguments
(`assert_called_once_with`, `assert_called_with`, `assert_any_call` and their `awaited` forms,
and reads by key of `call_args.kwargs` or `call_args[1]`: `["messages"]`, `.get("model")`,
`"messages" in ...`, directly or through the one name they are kept in) is renamed only when
every rewrite of the module leaves the values the calls send as they were (`messages` becomes
`input`, `max_tokens` becomes `max_output_tokens`, `model`, `temperature`, `top_p` and the other
parameters that pass through keep their names) and the check names no other argument. When the
migration changes what a call sends (content parts, tools, `extra_body`, a dropped parameter, a
history chain), such a check would fail afterwards, so the module stays. The rewrite is made
only when the module's calls all migrate in the same run (one double serves every call of its
module, so they are linked). Run migrator on the tree that holds the tests: a run over `src/`
alone cannot see them.

Known problems

Only doubles and modules among the files of one run are linked, and only through a direct
handover (`summarize(mock_client)`, `Bot(client=mock_client)`, `bot.client = mock_client` on a
`bot = Bot()` of the test or of a pytest fixture of its file, `patch("pkg.llm.OpenAI")`): a
double handed to a function that passes the client on to another module, or set on an object
made elsewhere, is reported but not linked to that module. A double of a class the project
derives from `OpenAI` is not recognized.

Options

`--ignore RSP030` drops these findings and the link: the code then migrates alone.
`--no-follow-imports` turns off what needs the other files of the run (linking doubles).
"""

from __future__ import annotations

import libcst as cst

from migrator.analysis import Double, checks_would_fail, find_doubles
from migrator.findings import Severity
from migrator.rules.base import FileContext, Rule


class MockClients(Rule):
    code = "RSP030"
    summary = "test doubles of an OpenAI client move to the Responses shape with the code they stand in for"
    triggers = ("completions",)
    keeps_sent_values = True

    def plan(self, ctx: FileContext) -> None:
        project = ctx.analysis.project
        module = ctx.analysis.module
        if project is None or module is None or not ctx.sites:
            return
        feeds = project.feeds.get(module, [])
        if not feeds:
            return
        stuck = next((feed for feed in feeds if feed.why_not), None)
        for site in ctx.sites:
            if stuck is not None:
                site.block(
                    self.code,
                    site.call.func,
                    f"the test double at {stuck.where()} stands in for this module's client and cannot take "
                    f"the Responses shape ({stuck.why_not}); migrate the calls and that test together by hand",
                )
            else:
                site.migrate_with(
                    ctx.sites[0], f"the test double at {feeds[0].where()} stands in for the client of every call here"
                )

    def apply(self, ctx: FileContext) -> None:
        project = ctx.analysis.project
        modules = project.run_modules if project is not None else None
        doubles = find_doubles(
            ctx.tree,
            modules.resolve_target if modules is not None else _no_module,
            modules.module_of if modules is not None else _no_module,
            modules.shared_doubles_for(ctx.filename) if modules is not None else None,
        )
        migrated = project.migrated if project is not None else frozenset()
        for double in doubles:
            if double.rewritable and double.feeds and double.feeds <= migrated:
                self._rewrite(ctx, double)
            else:
                ctx.report(double.node, self.code, _what_to_do(ctx, double), Severity.WARNING, fixable=False)

    def _rewrite(self, ctx: FileContext, double: Double) -> None:
        for use in double.uses:
            ctx.tree.edit(use.chat_completions, _to_responses)
            for old, new in use.fake_edits:
                ctx.tree.edit(old, lambda node, new=new: new)
            for name, new_name in use.renamed or ():
                ctx.tree.edit(name, lambda node, new=new_name: _renamed(node, new))
        (module,) = double.feeds
        renamed = sorted({(_name(node), new) for use in double.uses for node, new in use.renamed or ()})
        checks = "".join(f", `{old}` → `{new}` in its argument checks" for old, new in renamed)
        ctx.report(
            double.node,
            self.code,
            f"test double of {module}'s OpenAI client: `chat.completions.create` → `responses.create`, its fake "
            f"response → `output_text`{checks} (as {module} moves to the Responses API in this run)",
        )


def _to_responses(node: cst.CSTNode) -> cst.CSTNode:
    """`<double>.chat.completions` → `<double>.responses`."""
    assert isinstance(node, cst.Attribute) and isinstance(node.value, cst.Attribute)
    return node.with_changes(value=node.value.value, attr=cst.Name("responses"))


def _renamed(node: cst.CSTNode, new: str) -> cst.CSTNode:
    """A keyword (`messages=`) or a key (`"messages"`) under its new name, quoted as it was."""
    if isinstance(node, cst.SimpleString):
        return node.with_changes(value=f"{node.prefix}{node.quote}{new}{node.quote}")
    return cst.Name(new)


def _name(node: cst.Name | cst.SimpleString) -> str:
    return node.value if isinstance(node, cst.Name) else str(node.evaluated_value)


def _no_module(_: str) -> str | None:
    return None


def _what_to_do(ctx: FileContext, double: Double) -> str:
    if double.method is not None:
        kept = (
            f"; the code of this run it tests ({', '.join(sorted(double.feeds))}) stays on Chat Completions "
            "until both are moved by hand"
            if double.feeds
            else ""
        )
        return (
            f"this patch replaces `{double.method}`, a Chat Completions method of the SDK: once the code it "
            "tests moves to the Responses API, patch `openai.resources.responses.Responses.create` (with a "
            f"Response) instead{kept}"
        )
    lines = sorted({ctx.tree.position(use.end)[0] for use in double.uses})
    where = f"line {lines[0]}" if len(lines) == 1 else "lines " + ", ".join(map(str, lines))
    what = f"`{double.made}` is a test double of an OpenAI client whose `chat.completions` the test sets up ({where})"
    why_not = double.why_not
    fed = ", ".join(sorted(double.feeds))
    sends_otherwise = ctx.analysis.project.sends_otherwise if ctx.analysis.project is not None else {}
    changing = sorted({code for module in double.feeds for code in sends_otherwise.get(module, ())})
    if why_not is None and changing:
        why_not = checks_would_fail(changing)
    if why_not is not None and fed:
        return (
            f"{what}; migrator cannot give it the Responses shape ({why_not}), so the code it stands in for "
            f"({fed}) stays on Chat Completions: migrate both by hand"
        )
    if why_not is not None:
        return f"{what}; migrator cannot give it the Responses shape ({why_not}): move it by hand with the code it stands in for"
    if fed:
        return f"{what}; it moves to `responses.create` with the code it stands in for ({fed}), which stays on Chat Completions for now"
    return (
        f"{what}; the code it stands in for is not among the files of this run: run migrator on the tree "
        "that holds both, so that they move together"
    )
