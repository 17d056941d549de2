"""Test doubles of OpenAI clients: the mocks a project's tests put where its code keeps a client.

A mock stands in for an OpenAI client only on evidence, decided by where a class is imported
from, never by a name or a shape:

- it is made with the client class as its spec: `MagicMock(spec=OpenAI)`, `Mock(spec_set=...)`;
- it replaces the client class where a module of the run imports it: `patch("pkg.llm.OpenAI")`
  (also `mocker.patch`, as a decorator, in `with ... as`), when `pkg/llm.py` binds `OpenAI`
  from `openai`; the client the code then makes is the mock's `return_value`;
- it replaces a Chat method of the SDK itself: `patch("openai.resources.chat.completions.
  Completions.create")`, `patch.object(Completions, "create")`.

The uses that matter are those of its `chat.completions` (`mock_client.chat.completions.create.
return_value = ...`, `.assert_called_once()`): the mock answers whatever the code asks, so a
migrated module reading `output_text` from a double still set up with `choices=[...]` gets a
mock where a string was, and its tests fail. A double is followed through the names that hold
it (`client = MagicMock(spec=OpenAI)`, `mock_openai.return_value`, a pytest fixture returning
it, `self.client` set in `setUp`) and is said to *feed* the module of the run whose function or
class it is passed to (`summarize(mock_client, ...)`, `Bot(client=mock_client)`) or whose
`OpenAI` it patches.

Some uses have a Responses form that keeps the test's meaning: `create.return_value =
MagicMock(choices=[MagicMock(message=MagicMock(content=TEXT))])` becomes `responses.create.
return_value = MagicMock(output_text=TEXT)` (also through `AsyncMock(return_value=...)`), and
`assert_called()`, `assert_called_once()`, `assert_not_called()`, `.called`, `.call_count`
only change the method they ask. Every other use (arguments asserted, `call_args`,
`side_effect`, a return value built elsewhere) is not rewritten, and the code the double feeds
then stays on Chat Completions (RSP030), so that `apply` never leaves a migrated function with
a test that mocks the old method.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from dataclasses import dataclass, field
from typing import cast

import libcst as cst

from migrator.analysis.calls import CLIENT_CLASSES, MOCK_CLASSES, PASS_THROUGH
from migrator.analysis.modules import absolute_name, module_name
from migrator.syntax import Binding, SourceTree
from migrator.syntax.tree import Replacement
from migrator.syntax.queries import is_inside, kwarg

#: What a test builds a fake response with.
SHAPE_MAKERS = MOCK_CLASSES | {"types.SimpleNamespace"}
#: Modules whose classes a patch may replace to stand in for a Chat method of the SDK.
CHAT_METHOD_MODULES = ("openai.resources.chat", "openai.resources.beta.chat")
#: The names a file that makes a double holds: a mock class, or `patch`.
_MAKERS = ("patch", *sorted({name.rsplit(".", 1)[1] for name in MOCK_CLASSES}))
_CHAT_METHOD_PREFIXES = tuple(module + "." for module in CHAT_METHOD_MODULES)
#: Uses of `chat.completions.create` on a double that only ask about the calls made.
CALL_CHECKS = frozenset({"assert_called", "assert_called_once", "assert_not_called"})
CALL_READS = frozenset({"called", "call_count"})
#: Uses that check the arguments of the calls made.
ARGUMENT_CHECKS = frozenset(
    {
        "assert_called_with",
        "assert_called_once_with",
        "assert_any_call",
        "assert_awaited_with",
        "assert_awaited_once_with",
        "assert_any_await",
    }
)
#: The Chat arguments an argument check may name, and the keyword under which the migrated call
#: sends the same value (RSP001: `messages` becomes `input`, the parameters that pass through
#: keep their names; RSP008: the output limit). Any other argument (`tools`, `extra_body`,
#: `stream`, ...) takes another form, so a check naming it is not rewritten. `store` is left out:
#: on OpenAI, RSP001 moves it only as an assumption.
SENT_AS = {
    "model": "model",
    "messages": "input",
    "max_tokens": "max_output_tokens",
    "max_completion_tokens": "max_output_tokens",
    **{name: name for name in PASS_THROUGH - {"store"}},
}


@dataclass(eq=False)
class ChatUse:
    """A use of `<double>.chat.completions...`."""

    #: The `<double>.chat.completions` node: `<double>.responses` when rewritten.
    chat_completions: cst.Attribute
    #: The whole expression (`<double>.chat.completions.create.return_value`).
    end: cst.BaseExpression
    #: For `... .return_value = <fake>` or `... .create = AsyncMock(return_value=<fake>)`: what
    #: gives the fake response its Responses form (each node, and the node that replaces it).
    fake_edits: list[tuple[cst.CSTNode, Replacement]] = field(default_factory=list)
    #: Why it has no Responses form that keeps the test's meaning; None when it has one.
    why_not: str | None = None
    #: For an argument check (`assert_called_once_with(...)`): its keywords that the Responses
    #: call sends under another name, with that name. The check holds after the rewrite only
    #: when the migration sends the same values (`Double.checks_arguments`).
    renamed: list[tuple[cst.Name | cst.SimpleString, str]] | None = None


@dataclass(eq=False)
class Double:
    """A mock standing in for an OpenAI client (or for a Chat method of the SDK)."""

    #: Where it is made (the `Mock(...)` or `patch(...)` call): findings point there.
    node: cst.CSTNode
    #: How, quoted: `MagicMock(spec=OpenAI)`.
    made: str
    uses: list[ChatUse] = field(default_factory=list)
    #: Modules of the run it feeds.
    feeds: set[str] = field(default_factory=set)
    #: For a patch of a Chat method of the SDK: the method patched.
    method: str | None = None

    @property
    def rewritable(self) -> bool:
        """Whether it can take the Responses shape (when the one module it feeds migrates)."""
        return bool(self.uses) and self.why_not is None

    @property
    def checks_arguments(self) -> bool:
        """Whether the test checks the arguments of the Chat calls (so the double can take the
        Responses shape only if the module's migration sends the same values)."""
        return any(use.renamed is not None for use in self.uses)

    @property
    def why_not(self) -> str | None:
        """Why the double cannot take the Responses shape; None when it can."""
        if self.method is not None:
            return f"it patches `{self.method}` of the SDK"
        reasons = [use.why_not for use in self.uses if use.why_not]
        if reasons:
            return reasons[0]
        if len(self.feeds) > 1:
            return "it stands in for the clients of " + ", ".join(sorted(self.feeds))
        return None


#: Resolves a patch target (`"pkg.llm.OpenAI"`) to the module of the run whose client class it
#: replaces (`"pkg.llm"`), or None when the target is not an OpenAI client class of the run.
TargetResolver = Callable[[str], str | None]
#: Gives the module of the run a qualified name (`pkg.llm.summarize`) belongs to, or None.
ModuleOf = Callable[[str], str | None]


def find_doubles(
    tree: SourceTree,
    resolve_target: TargetResolver,
    module_of: ModuleOf,
    shared: Mapping[str, SharedDouble] | None = None,
) -> list[Double]:
    """Every double of an OpenAI client in the file that uses its Chat methods, and every patch
    of a Chat method of the SDK; with `shared`, the pytest fixtures of the conftest.py files
    above the file that give a double (`RunModules.shared_doubles_for`), taken by its tests."""
    doubles = _fixture_doubles(tree, shared, module_of) if shared else []
    if not any(tree.names_valued(name) for name in _MAKERS):
        return doubles  # no mock is made and nothing is patched: most files
    for call in tree.nodes(cst.Call):
        double = _spec_double(tree, call) or _patch_double(tree, call, resolve_target)
        if double is None:
            continue
        made, client_holders = double
        found = Double(call, tree.quote(call, 60), method=made if isinstance(made, MethodPatch) and made else None)
        if found.method is None:
            found.feeds.update(_fed_module(tree, call, module_of))  # `bot.client = MagicMock(spec=OpenAI)`
            _take_holders(tree, found, client_holders, module_of)
            if isinstance(made, Patched) and made.module is not None:
                found.feeds.add(made.module)
            elif isinstance(made, Patched):
                found.feeds.update(_modules_called_under(tree, call, module_of))
            if not found.uses:
                continue  # a double whose Chat methods the test never touches
        else:
            found.feeds.update(_modules_called_under(tree, call, module_of))
        doubles.append(found)
    return doubles


@dataclass(frozen=True)
class SharedDouble:
    """A pytest fixture of a conftest.py that gives its tests a double of an OpenAI client."""

    #: How it is made, quoted with its file: `MagicMock(spec=OpenAI)` in tests/conftest.py.
    made: str
    #: The module of the run whose `OpenAI` it patches (the fixture then gives the patched class,
    #: and the client is its `return_value`); None for a mock of a client.
    module: str | None


def shared_doubles(tree: SourceTree, display: str, resolve_target: TargetResolver) -> dict[str, SharedDouble]:
    """The fixtures of a conftest.py that return or yield a double: `return MagicMock(spec=OpenAI)`,
    `with patch("pkg.llm.OpenAI") as m: yield m`, `return mocker.patch("pkg.llm.OpenAI")`."""
    shared = {}
    for call in tree.nodes(cst.Call):
        found = _spec_double(tree, call) or _patch_double(tree, call, resolve_target)
        if found is None or isinstance(found[0], MethodPatch):
            continue
        fixture = _fixture_giving(tree, call)
        if fixture is not None:
            made = found[0]
            module = made.module if isinstance(made, Patched) else None
            if isinstance(made, Patched) and module is None:
                continue  # `patch("openai.OpenAI")`: for the modules the tests call, not known here
            shared[fixture.name.value] = SharedDouble(f"`{tree.quote(call, 50)}` in {display}", module)
    return shared


def _fixture_giving(tree: SourceTree, call: cst.Call) -> cst.FunctionDef | None:
    """The pytest fixture that returns or yields what `call` makes, itself or through the one name
    that holds it (`m = ...`, `with ... as m`, `patch(...).start()`)."""
    function = tree.enclosing(call, (cst.FunctionDef,))
    if not isinstance(function, cst.FunctionDef) or not any(_is_fixture(tree, d) for d in function.decorators):
        return None
    value: cst.BaseExpression = call
    started = _attribute_of(tree, call, "start")
    if started is not None and isinstance(tree.parent(started), cst.Call):
        value = cast(cst.Call, tree.parent(started))
    parent = tree.parent(value)
    if isinstance(parent, (cst.Return, cst.Yield)):
        return function
    name = None
    if isinstance(parent, cst.Assign) and parent.value is value and len(parent.targets) == 1:
        name = parent.targets[0].target
    elif isinstance(parent, cst.WithItem) and parent.asname is not None:
        name = parent.asname.name
    binding = tree.binding_at(name) if isinstance(name, cst.Name) else None
    if binding is not None and any(
        isinstance(tree.parent(load), (cst.Return, cst.Yield)) for load in tree.references(binding)
    ):
        return function
    return None


def _fixture_doubles(tree: SourceTree, shared: Mapping[str, SharedDouble], module_of: ModuleOf) -> list[Double]:
    """The tests' parameters that take a shared fixture giving a double (a fixture of the same name
    in the file itself overrides it), one double each."""
    own = set(_fixtures(tree))
    doubles = []
    for function in tree.nodes(cst.FunctionDef):
        for param in function.params.params:
            given = shared.get(param.name.value)
            if given is None or param.name.value in own:
                continue
            found = Double(param, f"the fixture `{param.name.value}` ({given.made})")
            loads = list(_name_loads(tree, param.name))
            holders = [held for load in loads for held in _return_values(tree, load)] if given.module else loads
            _take_holders(tree, found, holders, module_of)
            if given.module is not None:
                found.feeds.add(given.module)
            if found.uses:
                doubles.append(found)
    return doubles


def _take_holders(tree: SourceTree, double: Double, holders: Iterable[cst.BaseExpression], module_of: ModuleOf) -> None:
    """What the expressions holding a double do: its uses of `chat.completions`, and the modules
    of the run it is handed to."""
    for holder in holders:
        use = _chat_use(tree, holder)
        if use is not None:
            double.uses.append(use)
        double.feeds.update(_fed_module(tree, holder, module_of))


def _modules_called_under(tree: SourceTree, patch: cst.Call, module_of: ModuleOf) -> set[str]:
    """The modules of the run whose functions or classes are called where a patch of the SDK's
    Chat method (or its client class) is in force: the body of the test it decorates, of its
    `with` block, or (made any other way: `.start()`, a fixture) the whole file. The double is
    linked to every one of them (more than the test may need: the safe side)."""
    scope: cst.CSTNode = tree.module
    parent = tree.parent(patch)
    if isinstance(parent, cst.Decorator):
        scope = tree.parent(parent) or scope
    elif isinstance(parent, cst.WithItem):
        scope = tree.parent(parent) or scope
    modules = set()
    for call in tree.nodes(cst.Call):
        if call is patch or not is_inside(tree, call, scope):
            continue
        name = tree.qualified_name(call.func)
        module = module_of(name) if name is not None else None
        if module is not None:
            modules.add(module)
    return modules


@dataclass(frozen=True)
class Patched:
    """A patch of the client class a module of the run imports, or (module None) of the SDK's
    own class (`patch("openai.OpenAI")`), which stands in for the clients the code the test
    calls makes."""

    module: str | None


class MethodPatch(str):
    """A patch of a Chat method of the SDK: the method."""


#: What a double stands in for: a client made with a spec (None), a client class a module
#: imports (Patched), a Chat method of the SDK (MethodPatch).
Made = Patched | MethodPatch | None


def _spec_double(tree: SourceTree, call: cst.Call) -> tuple[Made, list[cst.BaseExpression]] | None:
    """`Mock(spec=OpenAI)`, `MagicMock(spec_set=AsyncOpenAI)` ... (`create_autospec(OpenAI)` is no
    double of a client's Chat methods: its `chat` has no `completions`)."""
    if tree.qualified_name(call.func) not in MOCK_CLASSES:
        return None
    spec = kwarg(call, "spec") or kwarg(call, "spec_set")
    if spec is None or not _is_client_class(tree, spec.value):
        return None
    return None, list(_holders(tree, call))


def _patch_double(
    tree: SourceTree, call: cst.Call, resolve_target: TargetResolver
) -> tuple[Made, list[cst.BaseExpression]] | None:
    """`patch("pkg.llm.OpenAI")` and its kinds; `patch("openai.resources.chat....create")`,
    `patch.object(Completions, "create")`."""
    func = call.func
    name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else None
    if name == "object" and isinstance(func, cst.Attribute):
        return _patched_attribute(tree, call, resolve_target)
    if name != "patch" or not call.args or not isinstance(call.args[0].value, cst.SimpleString):
        return None
    if isinstance(func, cst.Name) and tree.qualified_name(func) not in ("unittest.mock.patch", "mock.patch"):
        return None
    target = call.args[0].value.evaluated_value
    if not isinstance(target, str):
        return None
    if target.startswith(_CHAT_METHOD_PREFIXES):
        return MethodPatch(target), []
    if target in CLIENT_CLASSES:
        return _class_patch(tree, call, None, new_at=1)
    module = resolve_target(target)
    return _class_patch(tree, call, module, new_at=1) if module is not None else None


def _patched_attribute(
    tree: SourceTree, call: cst.Call, resolve_target: TargetResolver
) -> tuple[Made, list[cst.BaseExpression]] | None:
    """`patch.object(Completions, "create")` (a Chat method of the SDK) and
    `patch.object(llm, "OpenAI")` (the client class a module of the run imports)."""
    if tree.qualified_name(call.func) not in ("unittest.mock.patch.object", "mock.patch.object") and not (
        isinstance(call.func, cst.Attribute)
        and isinstance(call.func.value, cst.Attribute)
        and call.func.value.attr.value == "patch"
    ):
        return None
    if len(call.args) < 2 or not isinstance(call.args[1].value, cst.SimpleString):
        return None
    owner = tree.qualified_name(call.args[0].value)
    attribute = call.args[1].value.evaluated_value
    if owner is None or not isinstance(attribute, str):
        return None
    if owner.startswith(_CHAT_METHOD_PREFIXES):
        return MethodPatch(f"{owner}.{attribute}"), []
    module = resolve_target(f"{owner}.{attribute}")
    return _class_patch(tree, call, module, new_at=2) if module is not None else None


def _class_patch(
    tree: SourceTree, call: cst.Call, module: str | None, new_at: int
) -> tuple[Made, list[cst.BaseExpression]] | None:
    """A patch of the client class `module` imports: the double is what the code's `OpenAI(...)`
    returns (`<mock>.return_value`), the mock being the one the patch makes (the decorated
    test's parameter, `with ... as m`, a fixture's value) or the one it is given as `new`
    (positional argument `new_at`)."""
    new = kwarg(call, "new")
    given = new.value if new is not None else None
    if given is None and len(call.args) > new_at and call.args[new_at].keyword is None:
        given = call.args[new_at].value
    classes = list(_holders(tree, call)) if given is None else list(_given_mock(tree, given))
    if given is not None and not classes:
        return None  # something else replaces the class: a hand-made fake, not a double
    return Patched(module), [holder for held in classes for holder in _return_values(tree, held)]


def _given_mock(tree: SourceTree, given: cst.BaseExpression) -> Iterator[cst.BaseExpression]:
    """The other uses of a mock handed to a patch as `new`: a name bound once, to `MagicMock()`
    or `Mock()` (a mock made with a spec is a double of its own)."""
    binding = _bare_mock(tree, given) if isinstance(given, cst.Name) else None
    if binding is not None:
        yield from (load for load in tree.references(binding) if load is not given)


def _bare_mock(tree: SourceTree, name: cst.Name) -> Binding | None:
    """The one binding `name` reads, when it is `name = MagicMock()` (or `Mock()`, no argument)."""
    assigned = _single_assignment(tree, name)
    if assigned is None:
        return None
    binding, value = assigned
    is_bare_mock = isinstance(value, cst.Call) and not value.args and tree.qualified_name(value.func) in MOCK_CLASSES
    return binding if is_bare_mock else None


def _is_client_class(tree: SourceTree, expr: cst.BaseExpression) -> bool:
    return tree.qualified_name(expr) in CLIENT_CLASSES


def _holders(tree: SourceTree, value: cst.BaseExpression) -> Iterator[cst.BaseExpression]:
    """The expressions that hold `value` where it is used: itself, the names it is assigned to
    (`mock_client = ...`, `with ... as m`), `self.<attr>` of its class, the parameters of the
    tests a pytest fixture returning it is given to, the parameter a `@patch` decorator adds."""
    parent = tree.parent(value)
    if isinstance(parent, cst.Attribute) and parent.value is value and parent.attr.value == "start":
        call = tree.parent(parent)
        if isinstance(call, cst.Call) and call.func is parent:
            value, parent = call, tree.parent(call)  # `patch(...).start()`
    if isinstance(parent, cst.Decorator):
        yield from _decorator_parameter(tree, parent)
        return
    if isinstance(parent, cst.WithItem) and parent.asname is not None:
        yield from _name_loads(tree, parent.asname.name)
        return
    if isinstance(parent, cst.Assign) and len(parent.targets) == 1:
        yield from _name_loads(tree, parent.targets[0].target)
        return
    yield from _through_fixtures(tree, value)


def _through_fixtures(tree: SourceTree, value: cst.BaseExpression) -> Iterator[cst.BaseExpression]:
    """`value`; when a pytest fixture returns or yields it, the parameters of that name in the
    file instead."""
    if isinstance(tree.parent(value), (cst.Return, cst.Yield)):
        yield from _fixture_parameters(tree, value)
    else:
        yield value


def _name_loads(tree: SourceTree, target: cst.BaseExpression) -> Iterator[cst.BaseExpression]:
    if isinstance(target, cst.Name):
        binding = tree.binding_at(target)
        if binding is not None:
            for load in tree.references(binding):
                yield from _through_fixtures(tree, load)
    elif isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) and target.value.value == "self":
        cls = tree.enclosing(target, (cst.ClassDef,))
        for node in tree.nodes(cst.Attribute):
            if (
                node is not target
                and node.attr.value == target.attr.value
                and isinstance(node.value, cst.Name)
                and node.value.value == "self"
                and tree.enclosing(node, (cst.ClassDef,)) is cls
            ):
                yield node
    elif isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name):
        yield from _attribute_loads(tree, target.value, target.attr.value)


def _attribute_loads(tree: SourceTree, owner: cst.Name, attribute: str) -> Iterator[cst.BaseExpression]:
    """The reads of `owner.<attribute>` (`bot.client`) through the one binding `owner` reads."""
    bindings = tree.bindings_of(owner)
    if len(bindings) != 1:
        return
    for load in tree.references(bindings[0]):
        read = _attribute_of(tree, load, attribute)
        if read is not None and not isinstance(tree.parent(read), cst.AssignTarget):
            yield read


def _decorator_parameter(tree: SourceTree, decorator: cst.Decorator) -> Iterator[cst.BaseExpression]:
    """The parameter `@patch(...)` passes its mock in: the decorators nearest the function come
    first, after `self`; decorators given `new=` pass none."""
    function = tree.parent(decorator)
    if not isinstance(function, cst.FunctionDef):
        return
    patches = [d for d in reversed(function.decorators) if _passes_a_mock(d)]
    if decorator not in patches:
        return
    params = list(function.params.params)
    if params and params[0].name.value in ("self", "cls"):
        params = params[1:]
    index = patches.index(decorator)
    if index < len(params):
        yield from _name_loads(tree, params[index].name)


def _passes_a_mock(decorator: cst.Decorator) -> bool:
    call = decorator.decorator
    if not isinstance(call, cst.Call):
        return False
    func = call.func
    name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else None
    if name not in ("patch", "object"):
        return False  # `patch.dict`, `patch.multiple` pass no mock
    positional = len([arg for arg in call.args if arg.keyword is None])
    return kwarg(call, "new") is None and positional <= (2 if name == "object" else 1)


def _fixture_parameters(tree: SourceTree, value: cst.BaseExpression) -> Iterator[cst.BaseExpression]:
    """`return`ed or `yield`ed by a pytest fixture: the parameters of that name in the file."""
    function = tree.enclosing(value, (cst.FunctionDef,))
    if not isinstance(function, cst.FunctionDef) or not any(_is_fixture(tree, d) for d in function.decorators):
        return
    name = function.name.value
    for other in tree.nodes(cst.FunctionDef):
        for param in other.params.params:
            if param.name.value == name:
                yield from _name_loads(tree, param.name)


def _fixtures(tree: SourceTree) -> dict[str, list[cst.FunctionDef]]:
    """The pytest fixtures the file defines, by name."""
    found: dict[str, list[cst.FunctionDef]] = {}
    for function in tree.nodes(cst.FunctionDef):
        if any(_is_fixture(tree, d) for d in function.decorators):
            found.setdefault(function.name.value, []).append(function)
    return found


def _is_fixture(tree: SourceTree, decorator: cst.Decorator) -> bool:
    expr = decorator.decorator
    if isinstance(expr, cst.Call):
        expr = expr.func
    return tree.qualified_name(expr) == "pytest.fixture"


def _return_values(tree: SourceTree, holder: cst.BaseExpression) -> Iterator[cst.BaseExpression]:
    """Where a class mock's instance is used: `holder.return_value`, and the names it is
    assigned to."""
    parent = tree.parent(holder)
    if not (isinstance(parent, cst.Attribute) and parent.value is holder and parent.attr.value == "return_value"):
        return
    above = tree.parent(parent)
    if isinstance(above, cst.Assign) and above.value is parent and len(above.targets) == 1:
        yield from _name_loads(tree, above.targets[0].target)  # `client = mock_openai.return_value`
    elif isinstance(above, cst.AssignTarget):
        statement = tree.parent(above)  # `mock_openai.return_value = client`
        if isinstance(statement, cst.Assign) and isinstance(statement.value, cst.Name):
            yield from _value_loads(tree, statement.value)
    else:
        yield parent


def _value_loads(tree: SourceTree, name: cst.Name) -> Iterator[cst.BaseExpression]:
    """The loads of the one binding a name read holds (`client` in `m.return_value = client`)."""
    bindings = tree.bindings_of(name)
    if len(bindings) == 1 and isinstance(bindings[0].node, cst.Name):
        yield from _name_loads(tree, bindings[0].node)


def _chat_use(tree: SourceTree, holder: cst.BaseExpression) -> ChatUse | None:
    """The use of `holder.chat.completions...`, classified; None for other uses."""
    names: list[str] = []
    node = holder
    chain: list[cst.Attribute] = []
    while True:
        parent = tree.parent(node)
        if not (isinstance(parent, cst.Attribute) and parent.value is node):
            break
        names.append(parent.attr.value)
        chain.append(parent)
        node = parent
    if names[:1] == ["beta"]:
        names, chain = names[1:], chain[1:]
        if names[:2] == ["chat", "completions"]:
            return ChatUse(chain[1], node, why_not=f"`{tree.quote(node, 60)}` is the beta Chat API")
    if names[:2] != ["chat", "completions"]:
        return None
    use = ChatUse(chain[1], node)
    use.why_not = _why_not(tree, use, names[2:])
    return use


def _why_not(tree: SourceTree, use: ChatUse, rest: list[str]) -> str | None:
    end = use.end
    quoted = f"`{tree.quote(end, 60)}`"
    if rest[:1] != ["create"]:
        return f"{quoted} mocks another Chat method than `create`"
    parent = tree.parent(end)
    if rest == ["create", "return_value"] and isinstance(parent, cst.AssignTarget):
        return _set_fake(tree, use, tree.parent(parent), lambda value: value)
    if rest == ["create"] and isinstance(parent, cst.AssignTarget):
        return _set_fake(tree, use, tree.parent(parent), _async_return_value)
    called_bare = isinstance(parent, cst.Call) and parent.func is end and not parent.args
    if len(rest) == 2 and rest[1] in CALL_CHECKS and called_bare:
        return None
    if len(rest) == 2 and rest[1] in CALL_READS and not isinstance(parent, (cst.AssignTarget, cst.Attribute)):
        return None
    if len(rest) == 2 and rest[1] in ARGUMENT_CHECKS and isinstance(parent, cst.Call) and parent.func is end:
        return _argument_check(use, parent, rest[1])
    if len(rest) >= 2 and rest[1].startswith("assert_"):
        return f"`{rest[1]}(...)` checks the arguments of the Chat call"
    if rest == ["create", "call_args", "kwargs"]:
        return _keyword_reads(tree, use, end)
    if rest == ["create", "call_args"] and _is_index(tree, end, 1):
        parent = tree.parent(end)
        assert isinstance(parent, cst.Subscript)
        return _keyword_reads(tree, use, parent)
    if len(rest) >= 2 and rest[1] in ("call_args", "call_args_list", "mock_calls"):
        return f"`.{rest[1]}` reads the arguments of the Chat call"
    if len(rest) >= 2 and rest[1] == "side_effect":
        return "its `side_effect` makes the fake responses"
    statement = tree.enclosing(end, (cst.SimpleStatementLine,)) or end
    return f"`{tree.quote(statement, 60)}` has no Responses form migrator writes"


def checks_would_fail(codes: Iterable[str]) -> str:
    """Why a double that checks a call's arguments cannot move with a module whose migration
    changes what the call sends (the rules that change it: `codes`)."""
    return f"it checks the arguments of the Chat call, and the migration would change what the call sends: {', '.join(codes)}"


def _keyword_reads(tree: SourceTree, use: ChatUse, kwargs: cst.BaseExpression) -> str | None:
    """`call_args.kwargs` / `call_args[1]`, read by key (`["messages"]`, `.get("model")`,
    `"tools" in ...`) directly or through the one name it is assigned to: the keys to rename, or
    why not."""
    parent = tree.parent(kwargs)
    readers: list[cst.BaseExpression] = [kwargs]
    if isinstance(parent, cst.Assign) and parent.value is kwargs and len(parent.targets) == 1:
        target = parent.targets[0].target
        binding = tree.binding_at(target) if isinstance(target, cst.Name) else None
        readers = list(tree.references(binding)) if binding is not None else []
        if not readers or any(len(tree.bindings_of(reader)) != 1 for reader in readers if isinstance(reader, cst.Name)):
            return f"`{tree.quote(parent, 60)}` reads the arguments of the Chat call"
    renamed: list[tuple[cst.Name | cst.SimpleString, str]] = []
    for reader in readers:
        key = _key_read(tree, reader)
        if key is None:
            statement = tree.enclosing(reader, (cst.SimpleStatementLine,)) or reader
            return f"`{tree.quote(statement, 60)}` reads the arguments of the Chat call"
        name = key.evaluated_value
        new_name = SENT_AS.get(name) if isinstance(name, str) else None
        if new_name is None:
            return f"the test reads the argument `{name!s}` of the Chat call, which the Responses call does not send as it is"
        if new_name != name:
            renamed.append((key, new_name))
    use.renamed = renamed
    return None


def _key_read(tree: SourceTree, mapping: cst.BaseExpression) -> cst.SimpleString | None:
    """The literal key of `mapping["key"]`, `mapping.get("key"...)`, `"key" (not) in mapping`."""
    parent = tree.parent(mapping)
    if isinstance(parent, cst.Subscript) and parent.value is mapping and len(parent.slice) == 1:
        index = parent.slice[0].slice
        if isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString):
            return index.value
    if isinstance(parent, cst.Attribute) and parent.value is mapping and parent.attr.value == "get":
        call = tree.parent(parent)
        if (
            isinstance(call, cst.Call)
            and call.func is parent
            and call.args
            and isinstance(call.args[0].value, cst.SimpleString)
        ):
            return call.args[0].value if call.args[0].keyword is None else None
    if isinstance(parent, cst.ComparisonTarget) and parent.comparator is mapping:
        comparison = tree.parent(parent)
        if (
            isinstance(comparison, cst.Comparison)
            and len(comparison.comparisons) == 1
            and isinstance(parent.operator, (cst.In, cst.NotIn))
            and isinstance(comparison.left, cst.SimpleString)
        ):
            return comparison.left
    return None


def _is_index(tree: SourceTree, node: cst.BaseExpression, number: int) -> bool:
    """Whether `node` is subscripted with the whole number `number`: `node[1]`."""
    parent = tree.parent(node)
    if not (isinstance(parent, cst.Subscript) and parent.value is node and len(parent.slice) == 1):
        return False
    index = parent.slice[0].slice
    return isinstance(index, cst.Index) and isinstance(index.value, cst.Integer) and index.value.value == str(number)


def _argument_check(use: ChatUse, check: cst.Call, method: str) -> str | None:
    """`assert_called_once_with(model=..., messages=...)`: the keywords to rename, or why not."""
    renamed: list[tuple[cst.Name | cst.SimpleString, str]] = []
    for arg in check.args:
        if arg.keyword is None:
            return f"`{method}(...)` checks arguments given by position or unpacked"
        name = arg.keyword.value
        new_name = SENT_AS.get(name)
        if new_name is None:
            return f"`{method}(...)` checks `{name}`, which the Responses call does not send as it is"
        if new_name != name:
            renamed.append((arg.keyword, new_name))
    use.renamed = renamed
    return None


def _async_return_value(value: cst.BaseExpression) -> cst.BaseExpression | None:
    """`AsyncMock(return_value=<fake>)` → `<fake>`."""
    if isinstance(value, cst.Call):
        arg = kwarg(value, "return_value")
        if arg is not None and len(value.args) == 1:
            return arg.value
    return None


def _set_fake(
    tree: SourceTree,
    use: ChatUse,
    statement: cst.CSTNode | None,
    fake_of: Callable[[cst.BaseExpression], cst.BaseExpression | None],
) -> str | None:
    if not isinstance(statement, cst.Assign) or len(statement.targets) != 1:
        return "an assignment to more than one target"
    if (
        fake_of is _async_return_value
        and tree.qualified_name(getattr(statement.value, "func", statement.value)) not in MOCK_CLASSES
    ):
        return f"`{tree.quote(statement, 60)}` replaces the method with something migrator does not read"
    fake = fake_of(statement.value)
    if isinstance(fake, cst.Call):
        new = _responses_fake(tree, fake)
        use.fake_edits = [(fake, new)] if new is not None else []
    elif isinstance(fake, cst.Name):
        use.fake_edits = _fake_set_up_in_steps(tree, fake)
    if not use.fake_edits:
        return (
            f"the fake response `{tree.quote(fake if fake is not None else statement.value, 50)}` on line "
            f"{tree.position(statement)[0]} is not "
            "`MagicMock(choices=[MagicMock(message=MagicMock(content=...))])`, made at once or set on a bare "
            "mock, the one shape migrator rewrites"
        )
    return None


def _responses_fake(tree: SourceTree, fake: cst.Call) -> cst.Call | None:
    """`X(choices=[Y(message=Z(content=TEXT))])` → `X(output_text=TEXT)`, for mock classes and
    `SimpleNamespace` (a message may also say `role="assistant"`); a `usage=` with Chat's token
    counts takes their Responses names."""
    if tree.qualified_name(fake.func) not in SHAPE_MAKERS or any(arg.keyword is None for arg in fake.args):
        return None
    keywords = {arg.keyword.value: arg.value for arg in fake.args if arg.keyword is not None}
    if len(keywords) != len(fake.args) or set(keywords) - {"choices", "usage"}:
        return None
    text = _text_of_choices(tree, keywords.get("choices"))
    if text is None:
        return None
    args = [cst.Arg(text, keyword=cst.Name("output_text"), equal=_EQUAL)]
    if "usage" in keywords:
        usage = _responses_usage(tree, keywords["usage"])
        if usage is None:
            return None
        args.append(cst.Arg(usage, keyword=cst.Name("usage"), equal=_EQUAL))
    return cst.Call(fake.func, args)


#: Chat's token counts on a fake response's `usage`, and their Responses names (RSP006).
USAGE_NAMES = {"prompt_tokens": "input_tokens", "completion_tokens": "output_tokens", "total_tokens": "total_tokens"}


def _responses_usage(tree: SourceTree, usage: cst.BaseExpression) -> cst.Call | None:
    """`X(prompt_tokens=A, completion_tokens=B)` → `X(input_tokens=A, output_tokens=B)`; None
    for any other shape (other fields, such as the token details, have no 1:1 counterpart)."""
    if not isinstance(usage, cst.Call) or tree.qualified_name(usage.func) not in SHAPE_MAKERS:
        return None
    args = []
    for arg in usage.args:
        if arg.keyword is None or arg.keyword.value not in USAGE_NAMES:
            return None
        args.append(arg.with_changes(keyword=cst.Name(USAGE_NAMES[arg.keyword.value])))
    return usage.with_changes(args=args)


def _fake_set_up_in_steps(tree: SourceTree, fake: cst.Name) -> list[tuple[cst.CSTNode, Replacement]]:
    """`fake = MagicMock()`, the name used nowhere else, then its text given by
    `fake.choices = [Mock(message=Mock(content=TEXT))]` or filled in place,
    `fake.choices[0].message.content = TEXT` (after `fake.choices = [MagicMock()]` or not), and
    maybe `fake.usage = Mock(prompt_tokens=...)`: the text becomes `fake.output_text = TEXT` (the
    placeholder list goes), the usage takes the Responses names."""
    binding = _bare_mock(tree, fake)
    if binding is None:
        return []
    edits: list[tuple[cst.CSTNode, Replacement]] = []
    set_fields: list[str] = []  # each once: "choices" (or "content", in place), "usage", "placeholder"
    for load in tree.references(binding):
        if load is fake:
            continue
        content = _first_content(tree, load)
        attribute, value = _field_set(tree, load) if content is None else (None, None)
        edit: list[tuple[cst.CSTNode, Replacement]]
        if content is not None:
            field_set, edit = "content", [(content, cst.Attribute(load, cst.Name("output_text")))]
        elif attribute is None or value is None:
            return []
        elif attribute.attr.value == "choices" and _is_placeholder_list(tree, value):
            line = _own_line(tree, attribute)
            if line is None:
                return []
            field_set, edit = "placeholder", [(line, cst.RemovalSentinel.REMOVE)]
        elif attribute.attr.value == "choices":
            text = _text_of_choices(tree, value)
            if text is None:
                return []
            field_set, edit = "choices", [
                (attribute, attribute.with_changes(attr=cst.Name("output_text"))),
                (value, text),
            ]
        elif attribute.attr.value == "usage":
            usage = _responses_usage(tree, value)
            if usage is None:
                return []
            field_set, edit = "usage", [(value, usage)]
        else:
            return []
        if field_set in set_fields:
            return []
        set_fields.append(field_set)
        edits += edit
    gives_the_text = ("choices" in set_fields) != ("content" in set_fields)
    if not gives_the_text or ("placeholder" in set_fields and "content" not in set_fields):
        return []
    return edits


def _is_placeholder_list(tree: SourceTree, value: cst.BaseExpression) -> bool:
    """`[MagicMock()]`: a list of one bare mock, for a test to fill in place."""
    if not (isinstance(value, cst.List) and len(value.elements) == 1):
        return False
    element = value.elements[0].value
    return isinstance(element, cst.Call) and not element.args and tree.qualified_name(element.func) in MOCK_CLASSES


def _own_line(tree: SourceTree, node: cst.CSTNode) -> cst.SimpleStatementLine | None:
    """The statement line of `node`'s statement, when that statement is alone on it."""
    line = tree.enclosing(node, (cst.SimpleStatementLine,))
    return line if isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1 else None


def _first_content(tree: SourceTree, load: cst.BaseExpression) -> cst.Attribute | None:
    """The `load.choices[0].message.content` that a statement sets (one target), or None."""
    choices = _attribute_of(tree, load, "choices")
    first = tree.parent(choices) if choices is not None and _is_index(tree, choices, 0) else None
    message = _attribute_of(tree, first, "message") if isinstance(first, cst.Subscript) else None
    content = _attribute_of(tree, message, "content") if message is not None else None
    target = tree.parent(content) if content is not None else None
    statement = tree.parent(target) if isinstance(target, cst.AssignTarget) else None
    return content if isinstance(statement, cst.Assign) and len(statement.targets) == 1 else None


def _attribute_of(tree: SourceTree, value: cst.BaseExpression, name: str) -> cst.Attribute | None:
    """`value.<name>`, when `value` is read for that attribute."""
    parent = tree.parent(value)
    return parent if isinstance(parent, cst.Attribute) and parent.value is value and parent.attr.value == name else None


def _field_set(tree: SourceTree, load: cst.BaseExpression) -> tuple[cst.Attribute | None, cst.BaseExpression | None]:
    """For `load.<field> = <value>` (one target): that attribute and the value."""
    attribute = tree.parent(load)
    if not (isinstance(attribute, cst.Attribute) and attribute.value is load):
        return None, None
    target = tree.parent(attribute)
    statement = tree.parent(target) if isinstance(target, cst.AssignTarget) else None
    if not (isinstance(statement, cst.Assign) and len(statement.targets) == 1):
        return None, None
    return attribute, statement.value


def _text_of_choices(tree: SourceTree, choices: cst.BaseExpression | None) -> cst.BaseExpression | None:
    """TEXT of `[Y(message=Z(content=TEXT))]`, for mock classes and `SimpleNamespace` (a message
    may also say `role="assistant"`); None for any other shape."""
    if not (isinstance(choices, cst.List) and len(choices.elements) == 1):
        return None
    choice = choices.elements[0].value
    message = _only_keyword(tree, choice, "message") if isinstance(choice, cst.Call) else None
    if not isinstance(message, cst.Call) or tree.qualified_name(message.func) not in SHAPE_MAKERS:
        return None
    keywords = {arg.keyword.value: arg for arg in message.args if arg.keyword is not None}
    if len(keywords) != len(message.args) or "content" not in keywords or set(keywords) - {"content", "role"}:
        return None
    role = keywords.get("role")
    if role is not None and not (
        isinstance(role.value, cst.SimpleString) and role.value.evaluated_value == "assistant"
    ):
        return None
    return keywords["content"].value


_EQUAL = cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace(""))


def _only_keyword(tree: SourceTree, call: cst.Call, name: str) -> cst.BaseExpression | None:
    if tree.qualified_name(call.func) not in SHAPE_MAKERS or len(call.args) != 1:
        return None
    arg = call.args[0]
    return arg.value if arg.keyword is not None and arg.keyword.value == name else None


def _fed_module(tree: SourceTree, holder: cst.BaseExpression, module_of: ModuleOf) -> Iterator[str]:
    """The module of the run whose function or class `holder` is given to:
    `summarize(mock_client, ...)`, `Bot(client=mock_client)`, or whose object it is set on:
    `bot = Bot(); bot.client = mock_client`."""
    parent = tree.parent(holder)
    call = tree.parent(parent) if isinstance(parent, cst.Arg) and parent.value is holder else None
    if isinstance(parent, cst.Assign) and parent.value is holder and len(parent.targets) == 1:
        target = parent.targets[0].target
        if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name):
            call = _maker_of(tree, target.value)
    if isinstance(call, cst.Call):
        name = tree.qualified_name(call.func)
        module = module_of(name) if name is not None else None
        if module is not None:
            yield module


def _maker_of(tree: SourceTree, name: cst.Name) -> cst.Call | None:
    """The call whose result the one binding `name` reads holds: `Bot(...)` for `bot = Bot()`,
    or for a test's parameter `bot` when a pytest fixture `bot` of the file returns or yields
    `Bot(...)` (and nothing else)."""
    assigned = _single_assignment(tree, name)
    if assigned is not None:
        return assigned[1] if isinstance(assigned[1], cst.Call) else None
    bindings = tree.bindings_of(name)
    if len(bindings) != 1 or not isinstance(tree.parent(bindings[0].node), cst.Param):
        return None
    fixtures = _fixtures(tree).get(name.value, [])
    if len(fixtures) != 1:
        return None
    inside = fixtures[0]
    given: list[cst.BaseExpression | cst.From | None] = [
        node.value for node in tree.nodes(cst.Return) if tree.enclosing(node, (cst.FunctionDef,)) is inside
    ]
    given += [node.value for node in tree.nodes(cst.Yield) if tree.enclosing(node, (cst.FunctionDef,)) is inside]
    return given[0] if len(given) == 1 and isinstance(given[0], cst.Call) else None


def _single_assignment(tree: SourceTree, name: cst.Name) -> tuple[Binding, cst.BaseExpression] | None:
    """The one binding `name` reads, when it is a plain `name = <value>`, and that value."""
    bindings = tree.bindings_of(name)
    if len(bindings) != 1 or not isinstance(bindings[0].node, cst.Name):
        return None
    target = tree.parent(bindings[0].node)
    made = tree.parent(target) if isinstance(target, cst.AssignTarget) else None
    if isinstance(made, cst.Assign) and len(made.targets) == 1:
        return bindings[0], made.value
    return None


# -- the run: which modules doubles stand in for ------------------------------------------


@dataclass(frozen=True)
class Feed:
    """A double of a test file of the run that stands in for the client of a module."""

    display: str
    line: int
    #: Why it cannot take the Responses shape; None when it can.
    why_not: str | None
    #: Whether it checks the arguments of the Chat calls (see `Double.checks_arguments`).
    checks_arguments: bool = False

    def where(self) -> str:
        return f"{self.display}:{self.line}"


@dataclass
class RunModules:
    """The Python modules of a run, by name (`pkg.llm` → its file), to resolve what a test
    names by string (`patch("pkg.llm.OpenAI")`) or imports (`from pkg.llm import summarize`).

    Made from the files of the run by their last name (`llm` → `.../shop/llm.py`, `shop` →
    `.../shop/__init__.py`), which costs nothing; the module name of a file (which walks its
    folders) is worked out only for the few files a test names."""

    #: Last name of the module → the files of the run that may be it.
    files: dict[str, list[str]]
    _paths: dict[str, str | None] = field(default_factory=dict, repr=False)
    _imports: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)
    #: Folder of each conftest.py of the run that shares doubles → its fixtures that give one.
    _shared: dict[Path, dict[str, SharedDouble]] | None = field(default=None, repr=False)

    def shared_doubles(self) -> dict[Path, dict[str, SharedDouble]]:
        """The fixtures of the run's conftest.py files that give a double, by the conftest's
        folder (only conftest files that name a mock and `OpenAI`/`openai` are parsed)."""
        if self._shared is None:
            self._shared = {}
            for path in self.files.get("conftest", []):
                found = _conftest_doubles(path, self.resolve_target)
                if found:
                    self._shared[Path(path).resolve().parent] = found
        return self._shared

    def shared_doubles_for(self, path: str) -> dict[str, SharedDouble]:
        """The fixtures giving a double that a test file at `path` gets from the conftest.py files
        of its folder and the folders above (the nearest wins, as in pytest)."""
        shared = self.shared_doubles()
        if not shared:
            return {}
        folder = Path(path).resolve().parent
        found: dict[str, SharedDouble] = {}
        for above in reversed((folder, *folder.parents)):
            found.update(shared.get(above, {}))
        return found

    @classmethod
    def of(cls, paths: Iterable[Path]) -> RunModules:
        files: dict[str, list[str]] = {}
        for path in paths:
            last = path.parent.name if path.name == "__init__.py" else path.stem
            files.setdefault(last, []).append(str(path))
        return cls(files)

    def path_of(self, module: str) -> str | None:
        """The file of the run that is `module`, if one is (the first, when several are)."""
        if module not in self._paths:
            candidates = self.files.get(module.rsplit(".", 1)[-1], [])
            self._paths[module] = next((p for p in candidates if module_name(Path(p)) == module), None)
        return self._paths[module]

    def module_of(self, qualified: str, depth: int = 0) -> str | None:
        """The module of the run `qualified` belongs to (the longest that is a prefix), through
        the imports of a package that re-exports it (`shop.summarize`, when shop/__init__.py
        has `from .summaries import summarize`, is in `shop.summaries`)."""
        parts = qualified.split(".")
        for end in range(len(parts), 0, -1):
            module = ".".join(parts[:end])
            if self.path_of(module) is None:
                continue
            imported = self._module_imports(module).get(parts[end]) if end < len(parts) else None
            if imported is not None and depth < _MAX_REEXPORTS:
                return self.module_of(".".join([imported, *parts[end + 1 :]]), depth + 1)
            return module
        return None

    def resolve_target(self, target: str) -> str | None:
        """The module of the run whose OpenAI client class `target` names (`pkg.llm.OpenAI`,
        `pkg.llm.openai.OpenAI`), or None."""
        parts = target.split(".")
        for end in range(len(parts) - 1, 0, -1):
            module = ".".join(parts[:end])
            if self.path_of(module) is None:
                continue
            bound = self._module_imports(module).get(parts[end])
            return module if bound is not None and ".".join([bound, *parts[end + 1 :]]) in CLIENT_CLASSES else None
        return None

    def _module_imports(self, module: str) -> dict[str, str]:
        """The names a module binds at module level by importing (`OpenAI` → `openai.OpenAI`)."""
        if module not in self._imports:
            path = self.path_of(module)
            self._imports[module] = _imports_of(path, module) if path is not None else {}
        return self._imports[module]


#: How many re-exports (`from .summaries import summarize` in a package) are followed.
_MAX_REEXPORTS = 3


def _imports_of(path: str, module: str) -> dict[str, str]:
    """The names a module binds at module level by importing, with what they name (relative
    imports resolved against the module)."""
    import ast

    try:
        with open(path, "rb") as file:
            tree = ast.parse(file.read())
    except (OSError, SyntaxError, ValueError, RecursionError):
        return {}
    is_package = path.endswith("__init__.py")
    names = {}
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname is not None:
                    names[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    names[top] = top
        elif isinstance(node, ast.ImportFrom):
            base = absolute_name("." * node.level + (node.module or ""), module, is_package)
            if base is None:
                continue
            base = base.rstrip(".")  # `from . import summaries`
            for alias in node.names:
                if alias.name != "*":
                    names[alias.asname or alias.name] = f"{base}.{alias.name}" if base else alias.name
    return names


def _conftest_doubles(path: str, resolve_target: TargetResolver) -> dict[str, SharedDouble]:
    try:
        with open(path, "rb") as file:
            raw = file.read()
    except OSError:
        return {}
    if not (any(word in raw for word in (b"mock", b"Mock")) and (b"OpenAI" in raw or b"openai" in raw)):
        return {}  # (as `files.processing` skips it; repeated here, which must not import that layer)
    try:
        tree = SourceTree(cst.parse_module(raw))
    except (cst.ParserSyntaxError, RecursionError, UnicodeDecodeError):
        return {}  # its own run reports why
    return shared_doubles(tree, path, resolve_target)


def feeds_of(tree: SourceTree, display: str, modules: RunModules) -> tuple[dict[str, list[Feed]], bool]:
    """The modules of the run the doubles of one test file stand in for, and whether the file
    holds any double at all."""
    feeds: dict[str, list[Feed]] = {}
    doubles = find_doubles(tree, modules.resolve_target, modules.module_of, modules.shared_doubles_for(display))
    for double in doubles:
        line = tree.position(double.node)[0]
        for module in double.feeds:
            feeds.setdefault(module, []).append(Feed(display, line, double.why_not, double.checks_arguments))
    return feeds, bool(doubles)
