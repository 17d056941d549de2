"""RSP020 dict-params: `create(**params)` with `params` a dict literal built right before the call
becomes a call with keyword arguments, so every parameter gets its own rewrite.

What it does

The dict's entries are written into the call as keyword arguments, in the same order, and the
lines that built the dict are removed (comments above those lines move above the call). The
other rules then rewrite each argument as usual.

Why

The arguments of a call made as `client.chat.completions.create(**params)` are the keys of a
dict; the Responses names and shapes of those parameters differ (`messages` → `input`,
`max_tokens` → `max_output_tokens`, flat tools, ...), so the dict cannot be passed on as it is.

Example

    - params = {"model": "qwen-plus", "messages": messages}
    - params["max_tokens"] = 200
    - completion = client.chat.completions.create(**params)
    + completion = client.responses.create(model="qwen-plus", input=messages, max_output_tokens=200)

Fix safety

When the dict is a literal used for nothing else (assigned once, given more keys only by
`params["key"] = value` lines, all directly before the call in the same block), the call is the
same as one that spells the entries out as keyword arguments. The analysis
(`migrator/analysis/unpacking.py`) proves that and shows the other rules the entries as
ordinary keyword arguments; this rule writes them into the call once the engine has decided to
migrate it. Any other use of the dict keeps the call on Chat Completions, with the reason in
the finding.

Known problems

With --ignore RSP020, a call that spreads `**params` stays on Chat Completions (the finding
says RSP020 is off): only this rule writes the keywords the dict stands for.

Options

None.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from migrator.syntax import statement_of
from migrator.analysis import CompletionCall
from migrator.rules.base import FileContext
from migrator.rules.base import Rule
from migrator.analysis import UnpackedDict


class DictParams(Rule):
    code = "RSP020"
    summary = "`create(**params)` with a dict literal built just before becomes keyword arguments"
    triggers = ("completions",)  # acts only on `**params` of a create call
    keeps_sent_values = True  # (the same keywords, written out)

    def __init__(self) -> None:
        self.expanded: list[UnpackedDict] = []

    def decide(self, ctx: FileContext) -> None:
        # Registered before any rule applies, so every later edit of the call sees the keywords.
        for site in ctx.migrated_sites:
            if isinstance(site.unpacked, UnpackedDict):
                self.expanded.append(site.unpacked)
                _expand(ctx, site, site.unpacked)

    def apply(self, ctx: FileContext) -> None:
        for unpacked in self.expanded:
            name = unpacked.binding.name
            ctx.report(
                unpacked.arg,
                self.code,
                f"`**{name}` → its keys as keyword arguments (the lines that built `{name}` are removed)",
            )


@dataclass
class _Built:
    """What the lines that build the dict hold, noted as they are rebuilt (before the call)."""

    #: Each key's (already rewritten) value.
    values: dict[str, cst.BaseExpression] = field(default_factory=dict)
    #: The blank and comment lines above the dropped lines.
    leading: list[cst.EmptyLine] = field(default_factory=list)
    #: The dict literal, as rewritten.
    literal: cst.Dict | None = None


def _expand(ctx: FileContext, site: CompletionCall, unpacked: UnpackedDict) -> None:
    built = _Built()
    for statement in unpacked.statements:
        ctx.tree.edit(statement, lambda line: _take_values(line, built))
    ctx.tree.edit(site.call, lambda call: _with_keywords(call, unpacked, built))
    call_line = statement_of(ctx.tree, site.call)
    assert call_line is not None  # (a call is part of a statement)
    ctx.tree.edit(call_line, lambda line: line.with_changes(leading_lines=[*built.leading, *line.leading_lines]))


def _take_values(line: cst.SimpleStatementLine, built: _Built) -> cst.RemovalSentinel:
    """Note the (already rewritten) values a dict-building line holds, then drop the line."""
    statement = line.body[0]
    built.leading.extend(line.leading_lines)
    target = statement.targets[0].target if isinstance(statement, cst.Assign) else None
    if isinstance(statement, cst.Assign) and isinstance(target, cst.Subscript):  # `params["key"] = value`
        index = target.slice[0].slice
        assert isinstance(index, cst.Index)  # (`unpacked_dict` took only a string key)
        built.values[_key(index.value)] = statement.value
    else:  # `params = {...}` or `params: dict = {...}`
        assert isinstance(statement, (cst.Assign, cst.AnnAssign)) and isinstance(statement.value, cst.Dict)
        built.literal = statement.value
        for element in statement.value.elements:
            assert isinstance(element, cst.DictElement)  # (`unpacked_dict` took only string keys)
            built.values[_key(element.key)] = element.value
    return cst.RemovalSentinel.REMOVE


def _key(literal: cst.BaseExpression) -> str:
    """The key a string literal holds (`unpacked_dict` took only keys that are names)."""
    assert isinstance(literal, cst.SimpleString)
    key = literal.evaluated_value
    assert isinstance(key, str)
    return key


def _with_keywords(call: cst.Call, unpacked: UnpackedDict, built: _Built) -> cst.Call:
    """`call` with its `**params` replaced by `key=value` arguments, laid out like the dict."""
    index = next(i for i, arg in enumerate(call.args) if arg.star == "**")
    star = call.args[index]
    literal = built.literal
    assert literal is not None  # (the line that binds the dict comes before the call, so is rebuilt first)
    opening, closing = literal.lbrace.whitespace_after, literal.rbrace.whitespace_before
    multiline = isinstance(opening, cst.ParenthesizedWhitespace)
    separator = cst.Comma(whitespace_after=opening if multiline else cst.SimpleWhitespace(" "))
    # One argument per line when the dict had one entry per line, ending with a trailing comma.
    trailing = cst.Comma(whitespace_after=closing if isinstance(closing, cst.ParenthesizedWhitespace) else opening)
    rest = list(call.args[index + 1 :])
    if not multiline:
        last_comma = star.comma
    elif rest:
        last_comma = separator
        rest = [arg.with_changes(comma=separator) for arg in rest[:-1]] + [rest[-1].with_changes(comma=trailing)]
    else:
        last_comma = trailing
    equal = cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace(""))
    keys = [key for key, _, _ in unpacked.entries]
    new_args = [
        cst.Arg(
            built.values[key],
            keyword=cst.Name(key),
            equal=equal,
            comma=separator if position < len(keys) - 1 else last_comma,
        )
        for position, key in enumerate(keys)
    ]
    changes: dict[str, object] = {"args": [*call.args[:index], *new_args, *rest]}
    if multiline and index == 0:
        changes["whitespace_before_args"] = opening
    return call.with_changes(**changes)
