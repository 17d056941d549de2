"""What values a parameter takes, from the calls of its function that the file shows.

`def ask(prompt, model="qwen-plus")` sends what its callers give it: the Chat call itself shows
only names. This module finds the calls of a function that the analysis can prove are calls of
it, and what each passes to a parameter (the argument, or the default when the call leaves it
out):

- a function called by its name (`ask("Hi")`), at module level or inside another function;
- a method called as `self.<method>(...)` in a method of its own class;
- `__init__`, through calls of its class by name (`Bot(model="qwen-max")`).

The answer is **complete** (these are all the calls, so all the values) only when no code the
tool does not see can call the function:

- Nothing outside the file can name it: it is defined inside a function, or its name starts
  with one underscore (`_ask`, `self._send`: PEP 8's "internal use", which a module or class
  keeps to itself); for `__init__`, its class is (`_Bot`, or a class inside a function). A
  public function may be imported and called by any module, even one of a script: nothing in
  one file shows that no other file imports it. A public method may be called on any instance.
- Every use of its name in the file is one of those calls. A function passed as a value
  (`map(ask, ...)`, `callback=ask`), decorated, bound twice, read as `obj.ask`, named in a
  string (`getattr(x, "ask")`, `__all__`), or reachable through `globals()`, `vars()`,
  `getattr` with a computed name may be called with anything.
- For `__init__`: the class has no decorator, metaclass or subclass in the file, and never
  makes itself as `cls(...)`, `type(self)(...)` or `self.__class__(...)`.
- Every call shows the parameter's value (no `*args` / `**kwargs` spread over it), and there is
  at least one call (a private function nothing in its file calls is called from elsewhere, or
  never).

Cost: the calls of a function are found once per file, from the references of its name (for a
method, the attributes of the file with its name). Following a value further, through a
parameter of the caller in turn (`_ask(prompt, model)` inside `_run(model="qwen-plus")`), is
the asker's to do, at most MAX_CALLER_LEVELS functions up.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import libcst as cst

from migrator.syntax import SourceTree, is_builtin_call, is_inside, literal_string, receiver_class

#: How many functions up a value is followed through its callers: the parameter of the function
#: that makes the Chat call, the caller's parameter that call passes, and one more.
MAX_CALLER_LEVELS = 3
#: Builtins that reach a function or method by a name computed at run time.
_LOOKUPS_BY_NAME = ("globals", "vars", "locals", "eval", "exec")


@dataclass(frozen=True)
class Passed:
    """What one call gives the parameter."""

    call: cst.Call
    #: The argument, or the parameter's default when the call leaves it out.
    value: cst.BaseExpression
    by_default: bool


@dataclass(frozen=True)
class ParameterValues:
    """What a parameter receives from the calls of its function the file shows."""

    param: cst.Param
    #: The function as a finding names it: "`ask()`", "`Bot.send()`", or "`Bot()`" for `__init__`.
    function: str
    passed: tuple[Passed, ...]
    #: Why there may be other calls (a clause for a finding); None when `passed` holds every call.
    incomplete: str | None

    @property
    def complete(self) -> bool:
        return self.incomplete is None


@dataclass(frozen=True)
class StringCandidates:
    """The strings an expression may hold where the code shows some (`Analysis.string_candidates`)."""

    #: (string, where it comes from: "" for a constant, "passed to `ask()` on line 12", ...).
    values: list[tuple[str, str]]
    #: True when those are all it can hold.
    complete: bool
    #: Why it may hold others, when the tool knows (a clause for a finding); "" when complete.
    why: str = ""


@dataclass(frozen=True)
class FunctionCalls:
    """The calls of one function the file shows (`Callers.calls_of`), and why there may be others."""

    calls: tuple[cst.Call, ...]
    #: Leading parameters a call does not pass: `self` for a method or `__init__`.
    skipped: int
    #: The function as a finding names it: "`ask()`", "`Bot.send()`", "`Bot()`".
    display: str
    #: Why there may be other calls (a clause for a finding); None when these are all.
    incomplete: str | None
    #: The only reason is that the function is public: calls from modules outside the file
    #: are all the tool cannot see (an assumption --unsafe-fixes may make).
    only_public: bool = False


def parameter_of(tree: SourceTree, name: cst.Name) -> cst.Param | None:
    """The parameter `name` reads, when that is its only binding (nothing reassigns it)."""
    bindings = tree.bindings_of(name)
    if len(bindings) != 1 or bindings[0].kind != "param":
        return None
    param = tree.parent(bindings[0].node)
    return param if isinstance(param, cst.Param) else None


def passes_itself(tree: SourceTree, passed: Passed, param: cst.Param) -> bool:
    """The call passes the parameter its own value (`_ask(question)` in `_ask`): that adds no
    value to those the other calls pass."""
    return isinstance(passed.value, cst.Name) and parameter_of(tree, passed.value) is param


def is_private(name: str) -> bool:
    """`_name` and `__name`, which PEP 8 keeps to their module or class; not `__dunder__`."""
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


class Callers:
    """Answers, for one file, what the parameters of its functions receive from their calls."""

    def __init__(self, tree: SourceTree) -> None:
        self.tree = tree
        self._calls: dict[int, FunctionCalls] = {}

    def parameter_values(self, param: cst.Param) -> ParameterValues | None:
        """What `param` receives from each call of its function; None for a parameter no call
        passes as such: a lambda's, `*args`, `**kwargs`, or a method's `self`."""
        function = self.tree.enclosing(param, (cst.FunctionDef, cst.Lambda))
        if not isinstance(function, cst.FunctionDef):
            return None
        if param is function.params.star_arg or param is function.params.star_kwarg:
            return None
        calls = self.calls_of(function)
        positional = [*function.params.posonly_params, *function.params.params]
        if any(p is param for p in positional[: calls.skipped]):
            return None
        passed: list[Passed] = []
        why = calls.incomplete
        for call in calls.calls:
            found = self._argument(call, function, param, calls.skipped)
            if isinstance(found, Passed):
                passed.append(found)
            elif found is not None:
                why = why or found
            # (None: the call leaves out a parameter with no default, and fails before running)
        if not passed:
            why = why or f"no call of {calls.display} passes `{param.name.value}`"
        return ParameterValues(param, calls.display, tuple(passed), why)

    def calls_of(self, function: cst.FunctionDef) -> FunctionCalls:
        """Every call of `function` that the file shows, and why there may be others."""
        if id(function) not in self._calls:
            cls = self._class_of(function)
            if cls is None:
                found = self._function_calls(function)
            elif function.name.value == "__init__":
                found = self._constructor_calls(function, cls)
            else:
                found = self._method_calls(function, cls)
            self._calls[id(function)] = found
        return self._calls[id(function)]

    # -- the calls of a function -------------------------------------------------------

    def _class_of(self, function: cst.FunctionDef) -> cst.ClassDef | None:
        """The class `function` is a method of (defined directly in its body)."""
        body = self.tree.parent(function)
        cls = self.tree.parent(body) if body is not None else None
        return cls if isinstance(cls, cst.ClassDef) else None

    def _function_calls(self, function: cst.FunctionDef) -> FunctionCalls:
        name = function.name.value
        display = f"`{name}()`"
        public = self._public(function, f"{display} is public, so other modules may call it")
        reasons = [self._decorated(function, display), public]
        calls, used = self._direct_calls(function.name, display)
        reasons += [used, self._looked_up(name, display)]
        return self._answer(calls, 0, display, reasons, function, public)

    def _method_calls(self, function: cst.FunctionDef, cls: cst.ClassDef) -> FunctionCalls:
        tree = self.tree
        name = function.name.value
        display = f"`{cls.name.value}.{name}()`"
        public = None if is_private(name) else f"{display} is a public method, so code elsewhere may call it"
        reasons = [self._decorated(function, display), public, self._subclassed(cls)]
        # In the class body, the method's name is a plain name (`handler = send`).
        _, used = self._direct_calls(function.name, display, allow_calls=False)
        reasons.append(used)
        calls = []
        for node in tree.names_valued(name):
            attr = tree.parent(node)
            if not (isinstance(attr, cst.Attribute) and attr.attr is node):
                continue
            call = tree.parent(attr)
            if (
                isinstance(call, cst.Call)
                and call.func is attr
                and receiver_class(tree, attr, class_methods=False) is cls
            ):
                calls.append(call)
            else:
                reasons.append(self._other_use(attr, display))
        reasons.append(self._looked_up(name, display))
        return self._answer(calls, 1, display, reasons, function, public)

    def _constructor_calls(self, function: cst.FunctionDef, cls: cst.ClassDef) -> FunctionCalls:
        name = cls.name.value
        display = f"`{name}()`"
        reasons = [
            self._decorated(function, display),
            self._decorated(cls, f"`{name}`"),
            f"`{name}` has a metaclass, which may make it with other arguments" if cls.keywords else None,
            self._public(cls, f"`{name}` is a public class, so other modules may make one"),
            self._subclassed(cls),
            self._made_by_itself(cls),
            self._init_called(cls),
        ]
        calls, used = self._direct_calls(cls.name, display, annotations=True)
        reasons += [used, self._looked_up(name, display)]
        return self._answer(calls, 1, display, reasons, function)

    def _answer(
        self,
        calls: list[cst.Call],
        skipped: int,
        display: str,
        reasons: list[str | None],
        function: cst.FunctionDef,
        public: str | None = None,
    ) -> FunctionCalls:
        if not calls:
            reasons.append(f"nothing in this file calls {display}")
        why = next((reason for reason in reasons if reason), None)
        if function.decorators:
            # What a decorator passes on is not what the call shows (`@staticmethod` takes no
            # `self`): no value is proven.
            return FunctionCalls((), 0, display, why)
        only_public = public is not None and all(reason is None or reason is public for reason in reasons)
        return FunctionCalls(tuple(calls), skipped, display, why, only_public)

    def _direct_calls(
        self, name: cst.Name, display: str, *, allow_calls: bool = True, annotations: bool = False
    ) -> tuple[list[cst.Call], str | None]:
        """The calls of the def or class bound at `name` by that name, and why other uses of the
        name may call it too (None when there are none). `annotations`: a class named in a type
        annotation is not called there."""
        tree = self.tree
        binding = tree.binding_at(name)
        if binding is None:
            return [], f"{display} is not bound where the tool can follow it"
        if tree.bindings_in_scope_of(binding) != [binding]:
            return [], f"`{name.value}` is bound more than once, so a call of it may be of another"
        calls, why = [], None
        for reference in tree.references(binding):
            parent = tree.parent(reference)
            if allow_calls and isinstance(parent, cst.Call) and parent.func is reference:
                calls.append(parent)
            elif not (annotations and tree.enclosing(reference, (cst.Annotation,)) is not None):
                why = why or self._other_use(reference, display)
        return calls, why

    def _other_use(self, node: cst.BaseExpression, display: str) -> str:
        context = next((a for a in self.tree.ancestors(node) if isinstance(a, cst.BaseExpression)), node)
        line = self.tree.position(node)[0]
        return f"{display} is also used as `{self.tree.quote(context, 40)}` (line {line}), which may call it"

    # -- where else a function may be called from ---------------------------------------

    def _public(self, node: cst.FunctionDef | cst.ClassDef, reason: str) -> str | None:
        """`reason`, unless no other module can name `node`: it is inside a function, or its
        name is private. One in a class body is reached as an attribute, which is not followed."""
        binding = self.tree.binding_at(node.name)
        if binding is not None and isinstance(binding.scope, cst.ClassDef):
            return f"`{node.name.value}` is defined in a class body, and is called as an attribute of it"
        if self.tree.enclosing(node, (cst.FunctionDef, cst.Lambda)) is not None or is_private(node.name.value):
            return None
        return reason

    def _decorated(self, node: cst.FunctionDef | cst.ClassDef, display: str) -> str | None:
        if not node.decorators:
            return None
        decorator = self.tree.quote(node.decorators[0].decorator, 30)
        return f"{display} is decorated (`@{decorator}`), and the decorator may call it with other arguments"

    def _subclassed(self, cls: cst.ClassDef) -> str | None:
        """A subclass of `cls` in the file: it may call the methods of `cls` through `super()`."""
        binding = self.tree.binding_at(cls.name)
        for other in self.tree.nodes(cst.ClassDef):
            for base in other.bases:
                if isinstance(base.value, cst.Name) and any(b is binding for b in self.tree.bindings_of(base.value)):
                    line = self.tree.position(other)[0]
                    return f"`{cls.name.value}` has a subclass, `{other.name.value}` (line {line}), which may call it"
        return None

    def _made_by_itself(self, cls: cst.ClassDef) -> str | None:
        """`cls(...)` in a class method, `type(self)(...)` or `self.__class__(...)` in `cls`."""
        tree = self.tree
        for call in tree.nodes(cst.Call):
            func = call.func
            if not is_inside(tree, call, cls):
                continue
            made = (
                is_builtin_call(tree, func, "type")
                or (isinstance(func, cst.Attribute) and func.attr.value == "__class__")
                or (isinstance(func, cst.Name) and self._is_class_parameter(func))
            )
            if made:
                line = tree.position(call)[0]
                return f"`{cls.name.value}` makes an instance of itself as `{tree.quote(call, 40)}` (line {line})"
        return None

    def _is_class_parameter(self, name: cst.Name) -> bool:
        """`cls` of a `@classmethod`: the first parameter of a method decorated so."""
        param = parameter_of(self.tree, name)
        method = self.tree.enclosing(param, (cst.FunctionDef,)) if param is not None else None
        return (
            isinstance(method, cst.FunctionDef)
            and bool(method.params.params)
            and method.params.params[0] is param
            and any(isinstance(d.decorator, cst.Name) and d.decorator.value == "classmethod" for d in method.decorators)
        )

    def _init_called(self, cls: cst.ClassDef) -> str | None:
        """`self.__init__(...)` in the class, or `<Class>.__init__(...)`: a call by another name."""
        tree = self.tree
        binding = tree.binding_at(cls.name)
        for node in tree.names_valued("__init__"):
            attr = tree.parent(node)
            if not (isinstance(attr, cst.Attribute) and attr.attr is node):
                continue
            receiver = attr.value
            on_class = isinstance(receiver, cst.Name) and any(b is binding for b in tree.bindings_of(receiver))
            if on_class or receiver_class(tree, attr) is cls:
                line = tree.position(attr)[0]
                return f"`{cls.name.value}.__init__` is also called as `{tree.quote(attr, 40)}` (line {line})"
        return None

    def _looked_up(self, name: str, display: str) -> str | None:
        """A string of the file naming `name` (`getattr(obj, "ask")`, `__all__`), or a lookup by
        a computed name (`globals()`, `getattr(obj, name)`) that may reach it."""
        string = self._strings.get(name)
        if string is not None:
            line = self.tree.position(string)[0]
            return f"the string {string.value} (line {line}) may name {display}, to call it where the tool cannot see"
        if self._lookup is not None:
            line = self.tree.position(self._lookup)[0]
            return f"`{self.tree.quote(self._lookup, 40)}` (line {line}) may reach {display} by a computed name"
        return None

    @cached_property
    def _strings(self) -> dict[str, cst.SimpleString]:
        """The first string literal of the file with each value."""
        found: dict[str, cst.SimpleString] = {}
        for node in self.tree.nodes(cst.SimpleString):
            value = literal_string(node)
            if value is not None and value.isidentifier():
                found.setdefault(value, node)
        return found

    @cached_property
    def _lookup(self) -> cst.Call | None:
        """The first call of the file that looks a name up at run time."""
        tree = self.tree
        for call in tree.nodes(cst.Call):
            if any(is_builtin_call(tree, call, builtin) for builtin in _LOOKUPS_BY_NAME):
                return call
            if is_builtin_call(tree, call, "getattr") and (
                len(call.args) < 2 or literal_string(call.args[1].value) is None
            ):
                return call
        return None

    # -- what one call passes -----------------------------------------------------------

    def _argument(self, call: cst.Call, function: cst.FunctionDef, param: cst.Param, skipped: int) -> Passed | str | None:
        """What `call` passes to `param`; why the tool cannot see it (a clause); None when the
        call leaves out a parameter with no default (a TypeError before anything runs)."""
        params = function.params
        positional = [*params.posonly_params, *params.params]
        index = next((i - skipped for i, p in enumerate(positional) if p is param), None)
        by_keyword = not any(p is param for p in params.posonly_params)
        line = self.tree.position(call)[0]
        count = 0
        for arg in call.args:
            if arg.keyword is not None or arg.star == "**":
                continue
            if arg.star == "*":
                if index is not None and count <= index:
                    return f"the call on line {line} spreads `{self.tree.quote(arg, 30)}` over its arguments"
                continue
            if count == index:
                return Passed(call, arg.value, False)
            count += 1
        for arg in call.args:
            if by_keyword and arg.keyword is not None and arg.keyword.value == param.name.value:
                return Passed(call, arg.value, False)
        spread = next((arg for arg in call.args if arg.star == "**"), None)
        if spread is not None:
            return f"the call on line {line} spreads `{self.tree.quote(spread, 30)}` over its arguments"
        if param.default is not None:
            return Passed(call, param.default, True)
        return None
