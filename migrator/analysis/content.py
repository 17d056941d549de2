"""What a message's `content` holds, as far as the code shows: text, or Chat content parts.

Both APIs take a string as a message's content. Content parts differ: Chat's `text` and
`image_url` parts are `input_text` and `input_image` on Responses, and some (audio) have no
Responses form at all. So the content of every message a migrated call sends is one of:

- **text**: a string literal or f-string; `str(...)`, `input(...)`, `json.dumps(...)`; the
  result of a `str` method (`template.format(...)`, `" ".join(...)`, `text.strip()`); `+` or
  `%` on text; a slice of text; a parameter or name annotated `str`; a parameter every call of
  whose function passes text, when those calls are all known (`migrator/analysis/callers.py`);
  a name every assignment of which is text (`+=` included); a loop variable over a literal list
  of texts; `self.<attr>` assigned only text in its class; the text of a Chat result
  (`completion.choices[0].message.content`);
- **parts the tool can see**: a list literal, a comprehension that makes literal dicts, a list
  in a name built from those with `.append` / `.insert` / `.extend` / `+=`, what a helper
  function of the file returns, or a parameter whose every call is known to pass such parts (or
  text). Each part is a node the content-parts rule (RSP025) converts or
  reports. Every other use of such a list (or helper) must be known too: a list the code also
  prints, passes on or returns is refused, since converting its parts would change that use;
- or **unseen**: a parameter some call the tool cannot see may pass, an attribute, an imported
  name, a call the tool cannot follow.
  The call stays on Chat Completions with a finding that names the content (`--unsafe-fixes`
  migrates it, assuming text).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TypeVar

import libcst as cst

from migrator.syntax import Binding, SourceTree, dict_entries, is_truth_tested, string_value, visible_bindings
from migrator.analysis.callers import MAX_CALLER_LEVELS, Callers, ParameterValues, passes_itself

#: Builtins that always return a string.
TEXT_BUILTINS = frozenset({"str", "input", "repr", "format", "chr", "ascii"})
#: Functions of the standard library that always return a string.
TEXT_FUNCTIONS = frozenset(
    {
        "json.dumps",
        "textwrap.dedent",
        "textwrap.fill",
        "textwrap.indent",
        "textwrap.shorten",
        "inspect.cleandoc",
        "os.path.join",
        "os.path.basename",
    }
)
#: Methods of `str` that return a string; no list has them (`bytes` has some, and neither API
#: takes bytes, so the call would fail the same way before and after).
STR_METHODS = frozenset(
    {
        "format",
        "format_map",
        "strip",
        "lstrip",
        "rstrip",
        "lower",
        "upper",
        "title",
        "capitalize",
        "casefold",
        "swapcase",
        "replace",
        "join",
        "removeprefix",
        "removesuffix",
        "zfill",
        "center",
        "ljust",
        "rjust",
        "expandtabs",
        "translate",
        "decode",
        "strftime",
        "isoformat",
        "substitute",
        "safe_substitute",
        "read_text",
    }
)
#: Builtins that only read the list they are given.
_READING_BUILTINS = frozenset(
    {"len", "bool", "print", "list", "tuple", "sorted", "enumerate", "zip", "reversed", "set", "str", "repr", "iter"}
)
_MAX_DEPTH = 12
_T = TypeVar("_T")


@dataclass(frozen=True)
class Problem:
    """Why a message might not be valid Responses input: a finding at `node`."""

    node: cst.CSTNode
    message: str
    #: True when the content may well be fine but the tool cannot see it.
    unsafe: bool
    #: Set only while content is being followed, on a problem whose `unsafe` is not decided
    #: yet (see `_until_parts`); `ContentReader.read` decides it and clears this.
    until_parts: bool = False


def _until_parts(node: cst.CSTNode, message: str) -> Problem:
    """A problem found while following content: an assumption (`--unsafe-fixes` may take it)
    while the content may still be text, a hard stop once some of it is parts (then what the
    tool cannot see is parts too, which would go to Responses in Chat's form)."""
    return Problem(node, message, False, until_parts=True)


@dataclass
class Content:
    """What one message's content was found to be."""

    #: True when the content is text (nothing to convert).
    text: bool = False
    #: The part expressions the content is made of (literal dicts, or what the rule reports).
    parts: list[cst.BaseExpression] = field(default_factory=list)
    #: Why the content is not known whole; empty when it is text or parts seen whole.
    problems: list[Problem] = field(default_factory=list)
    #: Every message dict whose content is the same parts (the message asked about included):
    #: converting them changes what all of those messages send.
    holders: list[cst.Dict] = field(default_factory=list)
    #: The helper functions being followed: `return parts` in them is where the parts go.
    helpers: list[cst.FunctionDef] = field(default_factory=list)
    #: Where the parts of another list go into the one being followed: `*name` elements of a
    #: list, and `a + b` of lists.
    joins: list[cst.StarredElement | cst.BinaryOperation] = field(default_factory=list)
    #: The arguments of calls that pass parts to a parameter being followed (`ask(parts)`).
    arguments: list[cst.Arg] = field(default_factory=list)

    @property
    def has_parts(self) -> bool:
        return bool(self.parts) and not self.text


class ContentReader:
    """Answers what message contents are, for one file; `text_reads` are the ids of nodes that
    read the text of a Chat result (`<result>.choices[0].message.content`)."""

    def __init__(
        self,
        tree: SourceTree,
        text_reads: frozenset[int] = frozenset(),
        attribute_values: Callable[[cst.Attribute], list[cst.BaseExpression]] | None = None,
        callers: Callers | None = None,
    ) -> None:
        self.tree = tree
        self.text_reads = text_reads
        #: `attribute_values(attr)`: the values assigned to `self.<attr>` in its class (analysis).
        self.attribute_values: Callable[[cst.Attribute], list[cst.BaseExpression]] = attribute_values or (
            lambda attr: []
        )
        #: What the parameters of the file's functions receive from their calls (analysis).
        self.callers = callers
        self._read: dict[int, Content] = {}
        self._text_bindings: dict[int, bool] = {}
        #: How many functions up content is being followed through callers just now.
        self._levels = 0

    # -- one message -----------------------------------------------------------------

    def read(self, message: cst.Dict, value: cst.BaseExpression) -> Content:
        """What `value`, the `content` of `message`, holds (asked by RSP001 and RSP025 alike)."""
        if id(value) not in self._read:
            found = Content(text=True) if self.is_text(value) else Content(holders=[message])
            if not found.text:
                self._parts(value, found, 0)
                found.problems = [
                    replace(p, unsafe=not found.parts, until_parts=False) if p.until_parts else p
                    for p in found.problems
                ]
            self._read[id(value)] = found
        return self._read[id(value)]

    def _unseen(self, value: cst.BaseExpression, via: str | None = None) -> Problem:
        """Content the tool cannot see; `via`: the name it was reached through."""
        quoted, what = f"`{self.tree.quote(value, 40)}`", self._describe(value)
        if via is not None:
            said = f"the content `{via}` gets {quoted}" + (f", which {what}" if what else "")
        else:
            said = f"the content {quoted} {what}" if what else f"the content is {quoted}"
        return _until_parts(value, f"{said}; {_CANNOT_SEE}")

    def _describe(self, value: cst.BaseExpression) -> str:
        """What `value` is, as a predicate ("is a parameter of `ask()`"), or "" when nothing
        more can be said of it."""
        if isinstance(value, cst.Name):
            bindings = visible_bindings(self.tree, value)
            if bindings and all(b.kind == "param" for b in bindings):
                function = self.tree.enclosing(bindings[0].node, (cst.FunctionDef, cst.Lambda))
                name = f" of `{function.name.value}()`" if isinstance(function, cst.FunctionDef) else ""
                return f"is a parameter{name} (annotate it `str` if it is always text)"
            if bindings and all(b.kind == "import" for b in bindings):
                imported = bindings[0].qualified
                assert imported is not None  # (an import binding records what it imports)
                return f"is imported from `{imported.rsplit('.', 1)[0]}`"
            if not bindings:
                return "is not defined in this file"
            loops = [self.tree.parent(b.node) for b in bindings if b.kind == "for"]
            if loops and isinstance(loops[0], (cst.For, cst.CompFor)):
                return f"is a loop variable over `{self.tree.quote(loops[0].iter, 40)}`"
        if isinstance(value, cst.Attribute):
            return "is an attribute"
        if isinstance(value, cst.Call):
            return "is what a call returns"
        return ""

    # -- text ------------------------------------------------------------------------

    def is_text(self, expr: cst.BaseExpression, depth: int = 0) -> bool:
        """True when `expr` always evaluates to a string (or fails before any request)."""
        if depth > _MAX_DEPTH:
            return False
        if isinstance(expr, cst.SimpleString):
            return "b" not in expr.prefix.lower()
        if isinstance(expr, cst.ConcatenatedString):
            return self.is_text(expr.left, depth + 1) and self.is_text(expr.right, depth + 1)
        if isinstance(expr, cst.FormattedString):
            return True
        if id(expr) in self.text_reads:
            return True
        if isinstance(expr, cst.BinaryOperation):
            if isinstance(expr.operator, cst.Add):  # `str + x` is a string or a TypeError
                return self.is_text(expr.left, depth + 1) or self.is_text(expr.right, depth + 1)
            return isinstance(expr.operator, cst.Modulo) and self.is_text(expr.left, depth + 1)
        if isinstance(expr, cst.IfExp):
            return self.is_text(expr.body, depth + 1) and self.is_text(expr.orelse, depth + 1)
        if isinstance(expr, cst.BooleanOperation):
            return self.is_text(expr.left, depth + 1) and self.is_text(expr.right, depth + 1)
        if isinstance(expr, cst.Subscript):  # a slice of text, or an item of a list of texts
            return self.is_text(expr.value, depth + 1) or self._texts(expr.value, depth + 1)
        if isinstance(expr, cst.Call):
            return self._call_is_text(expr)
        if isinstance(expr, cst.Name):
            bindings = visible_bindings(self.tree, expr)  # (the one the order of the code shows)
            return bool(bindings) and all(self._binding_is_text_once(b, depth + 1) for b in bindings)
        if isinstance(expr, cst.Attribute):
            values = self.attribute_values(expr)
            return bool(values) and all(self.is_text(v, depth + 1) for v in values)
        return False

    def _call_is_text(self, call: cst.Call) -> bool:
        func = call.func
        if isinstance(func, cst.Name) and func.value in TEXT_BUILTINS and not self.tree.bindings_of(func):
            return True
        if self.tree.qualified_name(func) in TEXT_FUNCTIONS:
            return True
        return isinstance(func, cst.Attribute) and func.attr.value in STR_METHODS

    def _binding_is_text_once(self, binding: Binding, depth: int) -> bool:
        """`_binding_is_text`, answered once per binding (a name assigned from itself,
        `text = text + "..."`, is not text through that assignment alone)."""
        key = id(binding)
        if key not in self._text_bindings:
            self._text_bindings[key] = False  # while it is being answered
            self._text_bindings[key] = self._binding_is_text(binding, depth)
        return self._text_bindings[key]

    def _binding_is_text(self, binding: Binding, depth: int) -> bool:
        statement = self.tree.parent(binding.node)
        if binding.kind in ("assign", "walrus", "with"):
            return binding.value is not None and self.is_text(binding.value, depth)
        if binding.kind == "annassign":
            assert isinstance(statement, cst.AnnAssign)  # (an annotated name's parent)
            return _annotated_str(self.tree, statement.annotation) or (
                binding.value is not None and self.is_text(binding.value, depth)
            )
        if binding.kind == "augassign":
            # `text += more` keeps a string a string; the name's other bindings say it is one.
            others = [b for b in self.tree.bindings_in_scope_of(binding) if b.kind != "augassign"]
            assert isinstance(statement, cst.AugAssign)  # (an augmented name's parent)
            return bool(others) and isinstance(statement.operator, cst.AddAssign)
        if binding.kind == "param":
            assert isinstance(statement, cst.Param)  # (a parameter's name is bound in its Param)
            if statement.annotation is not None and _annotated_str(self.tree, statement.annotation):
                return True
            values = self._passed(statement)
            if values is None or not values.passed:
                return False
            passed = [p.value for p in values.passed if not passes_itself(self.tree, p, statement)]
            return self._through_callers(lambda: all(self.is_text(value, depth + 1) for value in passed))
        if binding.kind == "for":
            loop = statement if isinstance(statement, (cst.For, cst.CompFor)) else None
            return loop is not None and loop.target is binding.node and self._texts(loop.iter, depth)
        return False

    def _passed(self, param: cst.Param) -> ParameterValues | None:
        """What every call of `param`'s function passes it, when those calls are all known and
        the parameter is at most MAX_CALLER_LEVELS functions up; None otherwise."""
        if self.callers is None or self._levels >= MAX_CALLER_LEVELS:
            return None
        values = self.callers.parameter_values(param)
        return values if values is not None and values.complete else None

    def _through_callers(self, follow: Callable[[], _T]) -> _T:
        """`follow()`, counted as one function further up."""
        self._levels += 1
        try:
            return follow()
        finally:
            self._levels -= 1

    def _texts(self, expr: cst.BaseExpression, depth: int) -> bool:
        """A literal list, tuple or set of texts (directly, or in a name nothing changes)."""
        if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
            return all(isinstance(e, cst.Element) and self.is_text(e.value, depth + 1) for e in expr.elements) and bool(
                expr.elements
            )
        if isinstance(expr, cst.Name):
            bindings = self.tree.bindings_of(expr)
            if len(bindings) == 1 and bindings[0].kind == "param":  # `questions: list[str]`
                param = self.tree.parent(bindings[0].node)
                assert isinstance(param, cst.Param)  # (a parameter's name is bound in its Param)
                return _annotated_texts(self.tree, param.annotation)
            return (
                bool(bindings)
                and all(b.kind in ("assign", "annassign") and b.value is not None for b in bindings)
                and all(b.value is not None and self._texts(b.value, depth + 1) for b in bindings)
                and not any(self._changed(r) for b in bindings for r in self.tree.references(b))
            )
        return False

    def _changed(self, reference: cst.Name) -> bool:
        """The list a name holds may change here (a method call other than reading ones)."""
        parent = self.tree.parent(reference)
        if isinstance(parent, cst.Attribute) and parent.value is reference:
            return parent.attr.value not in ("index", "count", "copy")
        if isinstance(parent, cst.Subscript) and parent.value is reference:
            grand = self.tree.parent(parent)
            return isinstance(grand, (cst.AssignTarget, cst.Del, cst.AugAssign))
        if isinstance(parent, cst.Arg):  # handed to a function that may change it, unless a builtin that reads
            call = self.tree.parent(parent)
            func = call.func if isinstance(call, cst.Call) else None
            return not (
                isinstance(func, cst.Name) and func.value in _READING_BUILTINS and not self.tree.bindings_of(func)
            )
        return False

    # -- parts -----------------------------------------------------------------------

    def _parts(self, value: cst.BaseExpression, found: Content, depth: int, via: str | None = None) -> None:
        """Add the parts `value` is made of to `found`, or why they cannot be seen (text adds
        nothing: a name may hold text in one branch and parts in another). `via`: the name
        whose assignment `value` is."""
        if self.is_text(value):
            return
        if depth > _MAX_DEPTH:
            found.problems.append(self._unseen(value, via))
        elif isinstance(value, cst.List):
            self._literal_parts(value, found, depth)
        elif isinstance(value, cst.ListComp):
            found.parts.append(value.elt)
        elif isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Add):
            found.joins.append(value)  # `images + [text_part]`: the parts of both lists
            self._parts(value.left, found, depth + 1)
            self._parts(value.right, found, depth + 1)
        elif isinstance(value, cst.Name):
            self._name_parts(value, found, depth)
        elif not (isinstance(value, cst.Call) and self._helper_parts(value, found, depth)):
            found.problems.append(self._unseen(value, via))

    def _literal_parts(self, literal: cst.List | cst.Tuple, found: Content, depth: int = 0) -> None:
        for element in literal.elements:
            if isinstance(element, cst.StarredElement):
                # `[text_part, *images]`: the parts of the list spread in, followed like content.
                found.joins.append(element)
                self._parts(element.value, found, depth + 1)
            else:
                found.parts.append(element.value)

    def _name_parts(self, name: cst.Name, found: Content, depth: int) -> None:
        """A list of parts in a name: its assignments (or what every call passes a parameter),
        and every later change the file shows."""
        bindings = self.tree.bindings_of(name)
        if not bindings or any(
            b.kind not in ("assign", "annassign", "augassign") and self._passed_parameter(b) is None for b in bindings
        ):
            found.problems.append(self._unseen(name))
            return
        if any(b.is_class_attribute for b in bindings):
            found.problems.append(
                _until_parts(
                    name, f"the content parts `{name.value}` are a class attribute, which the tool cannot follow"
                )
            )
            return
        for binding in bindings:
            if binding.kind in ("assign", "annassign") and binding.value is not None:
                self._parts(binding.value, found, depth + 1, name.value)
            elif (
                binding.kind == "augassign"
                and isinstance(augmented := self.tree.parent(binding.node), cst.AugAssign)
                and isinstance(augmented.operator, cst.AddAssign)
            ):
                self._parts(augmented.value, found, depth + 1, name.value)
            elif (values := self._passed_parameter(binding)) is not None:
                self._through_callers(lambda: self._passed_parts(values, found, depth, name.value))
            else:
                found.problems.append(
                    _until_parts(
                        binding.node, f"the content parts `{name.value}` are bound in a way the tool cannot follow"
                    )
                )
            for reference in self.tree.references(binding):
                self._part_list_use(name.value, reference, found)

    def _passed_parameter(self, binding: Binding) -> ParameterValues | None:
        """What every call passes the parameter `binding` binds, when that is known."""
        param = self.tree.parent(binding.node) if binding.kind == "param" else None
        return self._passed(param) if isinstance(param, cst.Param) else None

    def _passed_parts(self, values: ParameterValues, found: Content, depth: int, via: str) -> None:
        """The parts every call passes a parameter; each call's argument is where they go in."""
        for passed in values.passed:
            argument = self.tree.parent(passed.value)
            if isinstance(argument, cst.Arg):
                found.arguments.append(argument)
            if not passes_itself(self.tree, passed, values.param):
                self._parts(passed.value, found, depth + 1, via)

    def _part_list_use(self, name: str, reference: cst.Name, found: Content) -> None:
        """One read of a list of parts: a message's content, a change the tool sees, or a use
        that would see the parts change form (refused)."""
        tree = self.tree
        parent = tree.parent(reference)
        holder = _content_holder(tree, reference)
        if holder is not None:
            if all(h is not holder for h in found.holders):
                found.holders.append(holder)
            return
        if isinstance(parent, (cst.StarredElement, cst.BinaryOperation)) and any(parent is j for j in found.joins):
            return  # joined into the list being followed
        if isinstance(parent, cst.Arg) and any(parent is a for a in found.arguments):
            return  # passed to the parameter being followed
        if isinstance(parent, cst.Return) and any(
            tree.enclosing(parent, (cst.FunctionDef, cst.Lambda)) is helper for helper in found.helpers
        ):
            return  # the list a helper being followed returns
        if isinstance(parent, cst.Attribute) and parent.value is reference:
            call = tree.parent(parent)
            method = parent.attr.value
            if isinstance(call, cst.Call) and call.func is parent and isinstance(tree.parent(call), cst.Expr):
                if method in ("append", "insert") and call.args and not call.args[-1].star:
                    found.parts.append(call.args[-1].value)
                    return
                if method == "extend" and len(call.args) == 1 and isinstance(call.args[0].value, (cst.List, cst.Tuple)):
                    self._literal_parts(call.args[0].value, found)
                    return
                if (
                    method == "extend"
                    and len(call.args) == 1
                    and isinstance(call.args[0].value, (cst.ListComp, cst.GeneratorExp))
                ):
                    found.parts.append(call.args[0].value.elt)
                    return
        call = tree.parent(parent) if isinstance(parent, cst.Arg) else None
        if (
            isinstance(call, cst.Call)
            and isinstance(call.func, cst.Name)
            and call.func.value in ("len", "bool")
            and not tree.bindings_of(call.func)
        ) or is_truth_tested(tree, reference):
            return  # the number of parts, or whether there are any: the same after conversion
        context = tree.enclosing(reference, (cst.BaseSmallStatement, cst.BaseCompoundStatement)) or reference
        found.problems.append(
            _until_parts(
                reference,
                f"the content parts `{name}` are also used in `{tree.quote(_header(context), 50)}`, "
                "which would see the parts change form",
            )
        )

    def _helper_parts(self, call: cst.Call, found: Content, depth: int) -> bool:
        """Parts returned by a function of this file (`content=build_parts(question, url)`);
        False when `call` is not a call of one."""
        tree = self.tree
        bindings = tree.bindings_of(call.func) if isinstance(call.func, cst.Name) else []
        if len(bindings) != 1 or bindings[0].kind != "def":
            return False
        function = tree.parent(bindings[0].node)
        if not isinstance(function, cst.FunctionDef):
            return False
        name = function.name.value
        returns = [r for r in tree.nodes(cst.Return) if tree.enclosing(r, (cst.FunctionDef, cst.Lambda)) is function]
        if not returns or any(r.value is None for r in returns):
            found.problems.append(_until_parts(call, f"`{name}()` does not return its parts in every path"))
            return True
        if isinstance(bindings[0].scope, cst.Module) and not name.startswith("_"):
            found.problems.append(
                Problem(
                    call,
                    f"the content parts come from `{name}()`, which other modules may call too "
                    "(converting its parts would change what they send)",
                    True,
                )
            )
        for reference in tree.references(bindings[0]):
            parent = tree.parent(reference)
            holder = _content_holder(tree, parent) if isinstance(parent, cst.Call) else None
            if holder is None:
                found.problems.append(
                    _until_parts(
                        reference,
                        f"`{name}()` makes content parts and is also used in "
                        f"`{tree.quote(tree.parent(reference) or reference, 50)}`, which would see them change form",
                    )
                )
            elif all(h is not holder for h in found.holders):
                found.holders.append(holder)
        found.helpers.append(function)
        for ret in returns:
            assert ret.value is not None  # (checked above: every return has a value)
            self._parts(ret.value, found, depth + 1)
        return True


_CANNOT_SEE = "the tool cannot see whether it is text or Chat content parts, which change form on Responses"


def _annotated_str(tree: SourceTree, annotation: cst.Annotation | None) -> bool:
    """`str`, `"str"` or `Annotated[str, ...]`."""
    if annotation is None:
        return False
    node = annotation.annotation
    if isinstance(node, cst.Subscript) and (tree.qualified_name(node.value) or "").endswith("Annotated") and node.slice:
        first = node.slice[0].slice
        node = first.value if isinstance(first, cst.Index) else node
    return (isinstance(node, cst.Name) and node.value == "str" and not tree.bindings_of(node)) or (
        isinstance(node, cst.SimpleString) and string_value(node) == "str"
    )


#: Annotations of a parameter whose items are all strings (`questions: list[str]`).
_TEXT_CONTAINERS = frozenset({"list", "tuple", "set", "frozenset", "List", "Tuple", "Set", "Sequence", "Iterable"})


def _annotated_texts(tree: SourceTree, annotation: cst.Annotation | None) -> bool:
    node = annotation.annotation if annotation is not None else None
    if not isinstance(node, cst.Subscript) or not node.slice:
        return False
    container = node.value.attr.value if isinstance(node.value, cst.Attribute) else getattr(node.value, "value", None)
    items = [e.slice.value for e in node.slice if isinstance(e.slice, cst.Index)]
    if container not in _TEXT_CONTAINERS or not items:
        return False
    if container in ("tuple", "Tuple") and len(items) == 2 and isinstance(items[1], cst.Ellipsis):
        items = items[:1]
    return all(isinstance(item, cst.Name) and item.value == "str" and not tree.bindings_of(item) for item in items)


def _content_holder(tree: SourceTree, value: cst.CSTNode) -> cst.Dict | None:
    """The message dict when `value` is its `"content"` value."""
    element = tree.parent(value)
    if not (isinstance(element, cst.DictElement) and element.value is value):
        return None
    message = tree.parent(element)
    if not isinstance(message, cst.Dict):
        return None
    entries = dict_entries(message)
    return message if entries is not None and entries.get("content") is element else None


def _header(node: cst.CSTNode) -> cst.CSTNode:
    """What to quote of a statement: a compound statement's header, not its whole body."""
    if isinstance(node, (cst.If, cst.While)):
        return node.test
    if isinstance(node, cst.For):
        return node.iter
    return node
