"""Shared analysis: which calls are Chat Completions calls on an OpenAI SDK client, where
that client sends its requests, what constant values are, and where each call's result goes.

Rules never answer these questions themselves; they ask this module, so every rule agrees on
which calls are ours.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Protocol

import libcst as cst

from migrator.syntax import (
    Binding,
    SourceTree,
    dict_entries,
    kwarg,
    literal_string,
    reaching_binding,
    read_chain,
    receiver_class,
)
from migrator.analysis.callers import MAX_CALLER_LEVELS, Callers, StringCandidates, is_private, parameter_of
from migrator.analysis.content import ContentReader
from migrator.analysis.instance_lists import InstanceList, instance_list
from migrator.analysis.modules import absolute_name
from migrator.analysis.paths import CONTENT_PATH, HELD_PARTS, Path
from migrator.analysis.declarations import (
    NO_BASE_URL,
    ModelStrings,
    Source,
    declared_target,
    dotted_name,
    environment_keys,
    model_hint,
    project_target,
    settled_base_url,
    settled_models,
    unsettled_keys,
    unsettled_model_sources,
    with_hint,
)
from migrator.analysis.providers import Provider, Target, classify_base_url, declared_base_urls
from migrator.analysis.unpacking import UnpackedDict, unpacked_dict, virtual_arguments

if TYPE_CHECKING:
    from migrator.analysis.project import ProjectIndex
    from migrator.analysis.streams.reads import Kind, LoopNames

#: The SDK's client classes (`openai.Client` and `openai.AsyncClient` are aliases of them), and
#: whether each is async.
CLIENT_CLASSES = {
    "openai.OpenAI": False,
    "openai.AsyncOpenAI": True,
    "openai.Client": False,
    "openai.AsyncClient": True,
}
AZURE_CLIENT_CLASSES = {"openai.AzureOpenAI", "openai.AsyncAzureOpenAI", "openai.lib.azure.AzureOpenAI"}
#: Methods of `chat.completions` and the wrappers between it and the method.
COMPLETION_METHODS = ("create", "parse", "stream")
RESPONSE_WRAPPERS = ("with_raw_response", "with_streaming_response")
#: Parameters of a Chat call that mean the same on the Responses API and pass through unchanged
#: (RSP001 moves them; a test double's argument checks keep them, `analysis.doubles`).
PASS_THROUGH = frozenset(
    {
        "temperature",
        "top_p",
        "user",
        "store",
        "timeout",
        "extra_headers",
        "extra_query",
        "service_tier",
        "safety_identifier",
        "prompt_cache_key",
    }
)
_ENV_GETTERS = {"os.getenv", "os.environ.get"}
_MAX_DEPTH = 12
#: How many functions up a returned result is followed through the calls of the function.
MAX_RETURN_LEVELS = 3
#: Top-level packages of other SDKs, several with OpenAI's method names
#: (`client.chat.completions.create`): what their classes and functions make is never an OpenAI
#: SDK client, whatever `--unsafe-fixes` says.
OTHER_SDK_PACKAGES = frozenset(
    {
        "anthropic",
        "cerebras",
        "cohere",
        "dashscope",
        "fireworks",
        "google",
        "groq",
        "huggingface_hub",
        "instructor",
        "litellm",
        "mistralai",
        "ollama",
        "portkey_ai",
        "qianfan",
        "sambanova",
        "together",
        "volcenginesdkarkruntime",
        "zai",
        "zhipuai",
    }
)


#: The mock classes, as `unittest.mock` and its backport `mock` export them: a mock is never an
#: OpenAI client, even one made with `spec=OpenAI` (a test double, `analysis.doubles`).
MOCK_CLASSES = frozenset(
    f"{package}.{name}"
    for package in ("unittest.mock", "mock")
    for name in ("Mock", "MagicMock", "AsyncMock", "NonCallableMock", "NonCallableMagicMock")
)


@dataclass(frozen=True)
class Constant:
    value: str
    #: Set when the value is only the default of an environment variable.
    env_var: str | None = None


@dataclass(frozen=True)
class Client:
    """An OpenAI SDK client, as far as the code proves it."""

    is_async: bool | None
    target: Target
    #: False when the tool only assumes this is an OpenAI client.
    proven: bool = True
    #: The `OpenAI(...)` call that made it, when that is in this file.
    constructor: cst.Call | None = field(default=None, compare=False)


#: What a block is about, most decisive first: when a call stays for several reasons, only the
#: blocks of its most decisive kind are reported (the client's provider makes every other
#: reason moot; an unsupported model comes next; then features with no Responses equivalent;
#: what the tool only cannot prove is said when nothing more specific is known).
PROVIDER, MODEL, FEATURE, ASSUMPTION = "provider", "model", "feature", "assumption"
BLOCK_KINDS = (PROVIDER, MODEL, FEATURE, ASSUMPTION)


@dataclass(frozen=True)
class Block:
    """Why a call is not migrated: a finding of `code` at `node`."""

    code: str
    node: cst.CSTNode
    message: str
    #: An assumption the user may accept with --unsafe-fixes, not a hard stop.
    unsafe: bool = False
    #: One of BLOCK_KINDS (ASSUMPTION for every unsafe block, FEATURE by default otherwise).
    kind: str = FEATURE


def decisive_blocks(blocks: list[Block]) -> list[Block]:
    """The blocks of the most decisive kind present: the ones a human acts on first."""
    for kind in BLOCK_KINDS:
        chosen = [block for block in blocks if block.kind == kind]
        if chosen:
            return chosen
    return []


@dataclass(eq=False)
class ResultUse:
    """One place where a call's result is read: `resp.choices[0].message.content`, say."""

    #: chain[0] is the expression holding the result, or the part of it that the first
    #: `held` steps of the path lead to (a Name, or the call itself); chain[i] is the node that
    #: covers path[:held + i].
    chain: tuple[cst.BaseExpression, ...]
    #: The path from the result, whole: `("choices", 0, "message", "content")` for
    #: `message.content` where `message = resp.choices[0].message`.
    path: tuple[str | int, ...]
    #: The calls whose result may be what this use reads.
    sites: list[CompletionCall] = field(default_factory=list)
    #: How many steps of `path` the base already holds: 0 when it holds the result itself, 3 for
    #: a name that holds `.choices[0].message` (HELD_PARTS).
    held: int = 0

    @property
    def base(self) -> cst.BaseExpression:
        return self.chain[0]

    @property
    def holder_read(self) -> bool:
        """The use is the name that holds a part of the result, read whole (passed on, returned)."""
        return self.held > 0 and len(self.path) == self.held

    def node_for(self, prefix: tuple[str | int, ...]) -> cst.BaseExpression | None:
        """The node covering `prefix` if the use starts with it and reads it here (a prefix
        shorter than the part its name holds is read where that name is assigned)."""
        if len(prefix) >= self.held and self.path[: len(prefix)] == prefix:
            return self.chain[len(prefix) - self.held]
        return None

    def steps(self, prefix: tuple[str | int, ...]) -> int:
        """How many accesses (attribute, index, call) the node covering `prefix` is above the
        use's base (which the rewrite makes hold the response)."""
        return len(prefix) - self.held


@dataclass(frozen=True)
class Unfollowed:
    """Why a name that holds a message object is not followed: a finding at `node`."""

    node: cst.CSTNode
    reason: str


class StreamLoopPlan(Protocol):
    """What the analysis reads of RSP022's plan for a streaming call (`LoopPlan` in
    `migrator/rules/stream_loops.py`, which the analysis cannot import)."""

    #: The loop over the call's chunks.
    loop: cst.For
    names: LoopNames
    #: The statements of each kind's branch of the rewritten loop.
    branches: dict[Kind, list[cst.BaseStatement]]
    #: Statements other rules ask to run on the `response.created` event.
    on_created: list[str]


@dataclass(eq=False)
class CompletionCall:
    """A `<client>.chat.completions.<method>(...)` call and the plan for it."""

    call: cst.Call
    method: str
    wrapper: str | None
    receiver: cst.BaseExpression
    #: The `<receiver>.chat.completions` node, which becomes `<receiver>.responses`.
    chat_completions: cst.Attribute
    client: Client | None
    uses: list[ResultUse] = field(default_factory=list)
    claimed_params: set[str] = field(default_factory=set)
    claimed_extra_body: set[str] = field(default_factory=set)
    claimed_uses: set[int] = field(default_factory=set)
    blocks: list[Block] = field(default_factory=list)
    #: Set by the rule that rewrites `chat.completions.parse` / `.stream` calls.
    method_claimed: bool = False
    #: Decided by the engine once every rule has planned.
    migrate: bool = False
    #: `**params` that can be expanded (migrator/unpacking.py), or why not; None without `**`.
    unpacked: UnpackedDict | str | None = None
    #: The keyword arguments `**params` stands for; their values are the nodes in the dict.
    virtual_args: list[cst.Arg] = field(default_factory=list)
    #: Calls that migrate only together with this one (see `migrate_with`).
    together: list[tuple[CompletionCall, str]] = field(default_factory=list)
    #: Set by RSP022 for a `stream=True` call whose loop over chunks it rewrites: its plan
    #: (`migrator/rules/stream_loops.py` LoopPlan), which other rules may read and add to.
    stream_loop: StreamLoopPlan | None = None

    @property
    def arguments(self) -> list[cst.Arg]:
        """The call's arguments, with an expanded `**params` replaced by the keywords it holds."""
        if not isinstance(self.unpacked, UnpackedDict):
            return list(self.call.args)
        args = []
        for arg in self.call.args:
            args.extend(self.virtual_args if arg is self.unpacked.arg else [arg])
        return args

    def kwarg(self, name: str) -> cst.Arg | None:
        for arg in self.call.args if self.unpacked is None else self.arguments:
            if arg.keyword is not None and arg.keyword.value == name:
                return arg
        return None

    @property
    def keyword_args(self) -> list[cst.Arg]:
        return [arg for arg in self.arguments if arg.keyword is not None]

    def claim(self, param: str) -> None:
        self.claimed_params.add(param)

    def claim_extra_body(self, key: str) -> None:
        """Claim one key of a literal `extra_body` dict (DashScope's own parameters live there)."""
        self.claimed_extra_body.add(key)

    def extra_body_entries(self) -> dict[str, cst.DictElement] | None:
        """The literal `extra_body` dict's entries by key; None when absent or not a literal."""
        arg = self.kwarg("extra_body")
        if arg is None or not isinstance(arg.value, cst.Dict):
            return None
        return dict_entries(arg.value)

    def claim_use(self, use: ResultUse) -> None:
        self.claimed_uses.add(id(use))

    def migrate_with(self, other: CompletionCall, reason: str) -> None:
        """Migrate this call and `other` both or neither (`reason` says why, for the finding)."""
        if other is not self and all(o is not other for o, _ in self.together):
            self.together.append((other, reason))
            other.together.append((self, reason))

    def block(self, code: str, node: cst.CSTNode, message: str, *, unsafe: bool = False, kind: str = FEATURE) -> None:
        self.blocks.append(Block(code, node, message, unsafe, ASSUMPTION if unsafe else kind))


class Analysis:
    def __init__(
        self, tree: SourceTree, project: ProjectIndex | None = None, module: str | None = None, is_package: bool = False
    ) -> None:
        self.tree = tree
        #: Clients other modules of the project export (a `ProjectIndex`), when known.
        self.project = project
        self.module = module
        self.is_package = is_package
        self._client_cache: dict[cst.CSTNode, Client | None] = {}

    # -- constants -------------------------------------------------------------------

    def constant_string(
        self, expr: cst.BaseExpression | None, depth: int = 0, *, env_defaults: bool = False
    ) -> Constant | None:
        """The string an expression always has: a literal, a constant name, an env default, or an
        f-string or `+` of constant strings (`f"{HOST}/compatible-mode/v1"`). With
        `env_defaults`, the string it has when no environment variable it reads is set: also
        `os.getenv("X") or "default"`, and f-strings or `+` with such defaults in them."""
        if expr is None or depth > _MAX_DEPTH:
            return None
        again = functools.partial(self.constant_string, depth=depth + 1, env_defaults=env_defaults)
        if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString)):
            value = literal_string(expr)
            return Constant(value) if value is not None else None
        if isinstance(expr, cst.FormattedString):
            return self._constant_fstring(expr, again, env_defaults)
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
            return _joined([again(side) for side in (expr.left, expr.right)], env_defaults)
        if isinstance(expr, cst.Name):
            values = [again(b.value) for b in self._value_bindings(expr)]
            if values and all(v is not None and v == values[0] for v in values):
                return values[0]
            return self._imported_constant(expr)
        if isinstance(expr, cst.Attribute):
            return self._imported_constant(expr)  # `config.MODEL`
        if isinstance(expr, cst.Call) and self.tree.qualified_name(expr.func) in _ENV_GETTERS:
            positional = [a for a in expr.args if a.keyword is None and not a.star]
            name = again(positional[0].value) if positional else None
            default_value = again(_getenv_default(expr))
            if name is not None and default_value is not None:
                return Constant(default_value.value, env_var=name.value)
        if env_defaults and isinstance(expr, cst.BooleanOperation) and isinstance(expr.operator, cst.Or):
            variable, fallback = self._env_variable(expr.left), again(expr.right)
            if variable is not None and fallback is not None:
                return Constant(fallback.value, env_var=fallback.env_var or variable)
        return None

    def _imported_constant(self, expr: cst.Name | cst.Attribute) -> Constant | None:
        """The string constant another module of the run binds under the name `expr` imports
        (`from .llm import MODEL`, `llm.MODEL`), when the project index read that module."""
        qualified = self.tree.qualified_name(expr)
        if self.project is None or qualified is None:
            return None
        name = absolute_name(qualified, self.module, self.is_package)
        return self.project.constants.get(name) if name else None

    def _env_variable(self, expr: cst.BaseExpression) -> str | None:
        """The variable `os.getenv("X")` / `os.environ.get("X")` / `os.environ["X"]` reads."""
        if isinstance(expr, cst.Call) and self.tree.qualified_name(expr.func) in _ENV_GETTERS and expr.args:
            variable = self.constant_string(expr.args[0].value)
        elif isinstance(expr, cst.Subscript) and self.tree.qualified_name(expr.value) == "os.environ":
            index = expr.slice[0].slice if len(expr.slice) == 1 else None
            variable = self.constant_string(index.value) if isinstance(index, cst.Index) else None
        else:
            return None
        return variable.value if variable is not None else None

    def candidate_strings(self, expr: cst.BaseExpression, depth: int = 0) -> tuple[list[tuple[str, str]], bool]:
        """The strings `expr` may hold where the code shows some, with where each comes from:
        `([(value, "the default of parameter `model` of `ask()`")], complete)`. `complete` is
        True when those are all it can hold (a constant; `self.<attr>` assigned only constants
        in its class); a parameter's default is one value among what callers may pass (callers
        are not followed here: `string_candidates` does)."""
        found = self.string_candidates(expr, depth, follow_callers=False)
        return found.values, found.complete

    def string_candidates(
        self,
        expr: cst.BaseExpression,
        depth: int = 0,
        *,
        follow_callers: bool = True,
        levels: int = 0,
        following: frozenset[int] = frozenset(),
    ) -> StringCandidates:
        """The strings `expr` may hold where the code shows some, each with where it comes from,
        following a parameter to what the calls of its function pass (`migrator/analysis/
        callers.py`), up to MAX_CALLER_LEVELS functions up. `following`: the ids of the
        parameters being followed, whose value passed back in (`ask(model)` inside `ask`) adds
        nothing."""
        constant = self.constant_string(expr)
        if constant is not None:
            return StringCandidates([(constant.value, "")], True)
        if depth > _MAX_DEPTH:
            return StringCandidates([], False)
        if isinstance(expr, cst.Name):
            param = parameter_of(self.tree, expr)
            if param is not None:
                return self._parameter_candidates(param, depth, follow_callers, levels, following)
        if isinstance(expr, cst.Attribute):
            values = self.instance_attribute_values(expr)
            found: list[tuple[str, str]] = []
            elsewhere = self._attribute_set_elsewhere(expr) if values else None
            complete, why = bool(values) and elsewhere is None, elsewhere or ""
            where = f"`{self.tree.code(expr)}`"
            for value in values:
                inner = self.string_candidates(
                    value, depth + 1, follow_callers=follow_callers, levels=levels, following=following
                )
                found += [
                    (string, f"{origin}, assigned to {where}" if origin else f"assigned to {where}")
                    for string, origin in inner.values
                ]
                complete = complete and inner.complete
                why = why or inner.why
            return StringCandidates(found, complete, "" if complete else why)
        return StringCandidates([], False)

    def _parameter_candidates(
        self, param: cst.Param, depth: int, follow_callers: bool, levels: int, following: frozenset[int]
    ) -> StringCandidates:
        """What a parameter may hold: what every call of its function passes when those calls
        are all known; otherwise its default and what the calls the file shows pass."""
        if id(param) in following:
            return StringCandidates([], True)  # the parameter's own value, passed back in
        name = param.name.value
        default = self.constant_string(param.default) if param.default is not None else None
        function = self.tree.enclosing(param, (cst.FunctionDef, cst.Lambda))
        owner = f" of `{function.name.value}()`" if isinstance(function, cst.FunctionDef) else ""
        defaults = [(default.value, f"the default of parameter `{name}`{owner}")] if default is not None else []
        values = self.callers.parameter_values(param) if follow_callers else None
        if values is None:
            return StringCandidates(defaults, False)
        if levels >= MAX_CALLER_LEVELS:
            return StringCandidates(defaults, False, f"its callers are followed {MAX_CALLER_LEVELS} functions up, no further")
        # When other calls may exist, the default is one value they may leave to it.
        found = [] if values.complete else list(defaults)
        complete, why = values.complete, values.incomplete or ""
        for passed in values.passed:
            if passed.by_default:
                found += defaults
                if default is None:
                    complete = False
                    why = why or f"the default of `{name}` is not a constant"
                continue
            inner = self.string_candidates(
                passed.value, depth + 1, levels=levels + 1, following=following | {id(param)}
            )
            line = self.tree.position(passed.call)[0]
            found += [
                (string, f"{origin}, passed to {values.function} on line {line}" if origin else f"the argument of {values.function} on line {line}")
                for string, origin in inner.values
            ]
            if not inner.complete:
                complete = False
                why = why or inner.why or f"the call on line {line} passes `{self.tree.quote(passed.value, 40)}`"
        unique = list(dict.fromkeys(found))
        return StringCandidates(unique, complete, "" if complete else why)

    def _attribute_set_elsewhere(self, attr: cst.Attribute) -> str | None:
        """Where the file may set `self.<name>` other than in its class's methods: an
        assignment to `<object>.<name>` outside them (`bot.model = ...`), in a class that may
        be a subclass, or `setattr`."""
        cls = receiver_class(self.tree, attr)
        name = attr.attr.value
        for assign in self.tree.nodes(cst.Assign):
            for target in assign.targets:
                node = target.target
                if not (isinstance(node, cst.Attribute) and node.attr.value == name):
                    continue
                owner = receiver_class(self.tree, node)
                if owner is None or (owner is not cls and owner.bases):
                    line = self.tree.position(node)[0]
                    return f"`{self.tree.quote(node, 30)}` is assigned on line {line}, which may be the same attribute"
        for call in self.tree.nodes(cst.Call):
            func = call.func
            if isinstance(func, cst.Name) and func.value == "setattr" and not self.tree.bindings_of(func):
                line = self.tree.position(call)[0]
                return f"`setattr` on line {line} may set `{name}`"
        return None

    @cached_property
    def callers(self) -> Callers:
        """What the parameters of the file's functions receive from their calls."""
        return Callers(self.tree)

    def _constant_fstring(
        self,
        fstring: cst.FormattedString,
        again: Callable[[cst.BaseExpression], Constant | None],
        env_defaults: bool,
    ) -> Constant | None:
        pieces: list[Constant | None] = []
        for part in fstring.parts:
            if isinstance(part, cst.FormattedStringText):
                if "\\" in part.value:
                    return None  # an escape sequence: not worth decoding here
                pieces.append(Constant(part.value.replace("{{", "{").replace("}}", "}")))
                continue
            assert isinstance(part, cst.FormattedStringExpression)  # (the other kind of part)
            if part.conversion is None and part.format_spec is None and part.equal is None:
                pieces.append(again(part.expression))
            else:
                return None  # `{x!r}`, `{x:>10}`, `{x=}` format the value
        return _joined(pieces, env_defaults)

    def _value_bindings(self, name: cst.Name) -> list[Binding]:
        """The bindings of `name`, or [] unless every one is a plain assignment of a value."""
        bindings = self.tree.bindings_of(name)
        if bindings and all(b.kind in ("assign", "annassign") and b.value is not None for b in bindings):
            return bindings
        return []

    # -- clients ---------------------------------------------------------------------

    def client(self, expr: cst.BaseExpression) -> Client | None:
        """The OpenAI client `expr` evaluates to, or None when that cannot be shown."""
        if expr not in self._client_cache:
            self._client_cache[expr] = None  # guards against cycles
            self._client_cache[expr] = self._resolve_client(expr, 0)
        return self._client_cache[expr]

    def _resolve_client(self, expr: cst.BaseExpression, depth: int) -> Client | None:
        if depth > _MAX_DEPTH:
            return None
        if isinstance(expr, cst.Await):
            return None
        if isinstance(expr, cst.Call):
            return self._client_from_call(expr)
        if isinstance(expr, cst.Name):
            if self.tree.qualified_name(expr) == "openai":
                return self._module_client()
            bindings = self.tree.bindings_of(expr)
            return _merge([self.client_of_binding(b) for b in bindings]) if bindings else None
        if isinstance(expr, cst.Attribute):
            imported = self._project_export(self.tree.qualified_name(expr), "instances")
            if imported is not None:
                return imported
            values = self.instance_attribute_values(expr)
            return _merge([self.client(v) for v in values]) if values else None
        return None

    def other_client(self, expr: cst.BaseExpression) -> str | None:
        """For a receiver not shown to be one OpenAI client: a value it may hold that stays on
        Chat Completions whatever else it holds (another provider's client, an Azure client,
        something that is no OpenAI client), in words with its line; None when none is known."""
        for value in self.values_of(expr):
            client = self.client(value)
            line = self.tree.position(value)[0]
            if client is not None and client.target.provider is Provider.OTHER:
                return f"{client.target.evidence} (line {line})"
            if client is None and self.not_a_client(value):
                return f"`{self.tree.quote(value, 40)}` (line {line}), which is not an OpenAI SDK client"
        return None

    def not_a_client(self, expr: cst.BaseExpression, depth: int = 0) -> bool:
        """True when `expr` is provably not an OpenAI SDK client: something a package of another
        SDK makes (`groq.Groq()`), or an instance of a class of this file with no base class."""
        if depth > _MAX_DEPTH:
            return False
        if isinstance(expr, cst.Call):
            func = expr.func
            if isinstance(func, cst.Attribute) and func.attr.value in ("with_options", "copy"):
                return self.not_a_client(func.value, depth + 1)
            maker = self.tree.qualified_name(func)
            if _from_other_sdk(maker) or maker in MOCK_CLASSES:
                return True
            bindings = self.tree.bindings_of(func) if isinstance(func, cst.Name) else []
            if len(bindings) != 1 or bindings[0].kind != "class":
                return False
            cls = self.tree.parent(bindings[0].node)
            return isinstance(cls, cst.ClassDef) and not cls.bases and not cls.keywords
        if isinstance(expr, cst.Name):
            answers = [self._not_a_client_binding(b, depth + 1) for b in self.tree.bindings_of(expr)]
        elif isinstance(expr, cst.Attribute):
            answers = [self.not_a_client(v, depth + 1) for v in self.instance_attribute_values(expr)]
        else:
            return False
        return bool(answers) and all(answers)

    def _not_a_client_binding(self, binding: Binding, depth: int) -> bool:
        if binding.kind in ("assign", "annassign", "walrus", "with") and binding.value is not None:
            return self.not_a_client(binding.value, depth)
        if binding.kind == "param":
            annotation = getattr(self.tree.parent(binding.node), "annotation", None)
            return annotation is not None and _from_other_sdk(self.tree.qualified_name(annotation.annotation))
        return False

    def _client_from_call(self, call: cst.Call) -> Client | None:
        name = self.tree.qualified_name(call.func)
        if name in CLIENT_CLASSES:
            return Client(CLIENT_CLASSES[name], self._constructor_target(call), constructor=call)
        if name in AZURE_CLIENT_CLASSES:
            return Client(name.endswith("AsyncAzureOpenAI"), Target(Provider.OTHER, "an Azure OpenAI client"))
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("with_options", "copy"):
            base = self.client(func.value)
            if base is None:
                return None
            if _kwarg_value(call, "base_url") is not None:
                return Client(base.is_async, self._constructor_target(call), base.proven)
            return base
        if isinstance(func, cst.Name):
            function = self._def_named(func)
            if function is not None:
                return self.factory_client(function)
        return self._project_export(self.tree.qualified_name(func), "factories")

    def _project_export(self, qualified: str | None, kind: str) -> Client | None:
        """A client another module of the project exports under `qualified`."""
        if self.project is None or qualified is None:
            return None
        name = absolute_name(qualified, self.module, self.is_package)
        return getattr(self.project, kind).get(name) if name else None

    def client_of_binding(self, binding: Binding) -> Client | None:
        if binding.kind in ("assign", "annassign", "walrus", "with") and binding.value is not None:
            return self.client(binding.value)
        if binding.kind == "import":
            return self._project_export(binding.qualified, "instances")
        if binding.kind == "param":
            param = self.tree.parent(binding.node)
            annotation = getattr(param, "annotation", None)
            if annotation is not None:
                name = self.tree.qualified_name(annotation.annotation)
                if name in CLIENT_CLASSES:
                    what = f"parameter {binding.name!r} (its base_url is set by the caller)"
                    return Client(CLIENT_CLASSES[name], project_target(Target(Provider.UNKNOWN, what), what))
        return None

    def _constructor_target(self, call: cst.Call) -> Target:
        later = self._base_url_set_later(call)
        base_url = later if later is not None else _kwarg_value(call, "base_url")
        if base_url is None:
            unpacked = next((arg for arg in call.args if arg.star == "**"), None)
            if unpacked is not None:
                what = f"`{self.tree.quote(unpacked, 40)}` may set base_url"
                return project_target(Target(Provider.UNKNOWN, what), what)
            return self._no_base_url_target(
                Target(
                    Provider.OPENAI,
                    "no base_url (the SDK default, unless OPENAI_BASE_URL says otherwise)",
                    by_default=True,
                )
            )
        return self._base_url_target(base_url, lambda constant: self._shown_base_url_target(base_url, constant))

    def _parameter_target(self, base_url: cst.BaseExpression) -> Target | None:
        """A base_url that is a parameter with a default: another provider's decides the call;
        otherwise the endpoint stays unknown (a caller may pass another), likely the default's."""
        candidates, _ = self.candidate_strings(base_url)
        if len(candidates) != 1 or not candidates[0][1]:
            return None
        url, origin = candidates[0]
        default = classify_base_url(url)
        if default.provider is Provider.OTHER:
            return Target(Provider.OTHER, f"base_url {url!r}, {origin}")
        return Target(Provider.UNKNOWN, f"base_url {url!r} is only {origin}", likely=default.provider)

    def _base_url_set_later(self, call: cst.Call) -> cst.BaseExpression | None:
        """The value of `<client>.base_url = ...` for the client `call` makes, if the file sets it
        after construction (`client.base_url = os.getenv(...)`)."""
        for target, value in self._base_url_assignments:
            if any(holder is call for holder in self.values_of(target)):
                return value
        return None

    @cached_property
    def _base_url_assignments(self) -> list[tuple[cst.BaseExpression, cst.BaseExpression]]:
        """(object, value) of every `<object>.base_url = <value>` statement of the file."""
        found = []
        for assign in self.tree.nodes(cst.Assign):
            for target in assign.targets:
                node = target.target
                if isinstance(node, cst.Attribute) and node.attr.value == "base_url":
                    found.append((node.value, assign.value))
        return found

    def _module_client(self) -> Client:
        """`openai.chat.completions.create(...)` uses the module's own client."""
        for assign in self.tree.nodes(cst.Assign):
            for target in assign.targets:
                t = target.target
                if (
                    isinstance(t, cst.Attribute)
                    and t.attr.value == "base_url"
                    and self.tree.qualified_name(t.value) == "openai"
                ):
                    return Client(False, self._base_url_target(assign.value, self._shown_module_target))
        return Client(
            False,
            self._no_base_url_target(
                Target(Provider.OPENAI, "the openai module client with no base_url", by_default=True)
            ),
        )

    # -- declarations: what only the user knows (migrator/analysis/declarations.py) ----------

    def _base_url_target(self, base_url: cst.BaseExpression, shown: Callable[[Constant | None], Target]) -> Target:
        """Where a base_url points: a constant decides (no declaration is looked up); else the
        declarations, when they settle every value the code does not show; else what the code
        alone shows (`shown`, given the default of its environment variable, if any), with the
        declaration that would settle it when that is unknown."""
        constant = self.constant_string(base_url)
        if constant is not None and constant.env_var is None:
            return classify_base_url(constant.value)
        sources = self.value_sources(base_url, frozenset(key for key, _ in declared_base_urls()))
        settled = settled_base_url(sources)
        if settled is not None:
            return settled
        target = shown(constant)
        if target.provider is Provider.UNKNOWN:
            return with_hint(target, unsettled_keys(sources))
        return replace(target, declarable=environment_keys(sources))

    @staticmethod
    def _shown_module_target(constant: Constant | None) -> Target:
        """Where `openai.base_url = <value>` points as far as the code alone shows."""
        if constant is None:
            return Target(Provider.UNKNOWN, "openai.base_url is not a constant")
        return classify_base_url(constant.value)  # (the default of its environment variable)

    def _shown_base_url_target(self, base_url: cst.BaseExpression, constant: Constant | None) -> Target:
        """Where a base_url that is not a constant points as far as the code alone shows: the
        default of its environment variable, another provider's default, or unknown."""
        if constant is None:
            # Where it points when its environment variable is not set decides it, if elsewhere.
            default = self.constant_string(base_url, env_defaults=True)
            if default is not None and classify_base_url(default.value).provider is Provider.OTHER:
                return Target(Provider.OTHER, f"base_url {default.value!r} when ${default.env_var} is not set")
            return self._parameter_target(base_url) or Target(
                Provider.UNKNOWN, f"base_url {self.tree.code(base_url)!r} is not a constant"
            )
        target = classify_base_url(constant.value)
        return Target(target.provider, f"{target.evidence}, the default of ${constant.env_var}", target.unsupported)

    @staticmethod
    def _no_base_url_target(default: Target) -> Target:
        """A client with no base_url goes where $OPENAI_BASE_URL says, else to OpenAI: a
        declaration of `$OPENAI_BASE_URL` says which (`*` does not: the code shows the default)."""
        declared = declared_target(NO_BASE_URL, "no base_url, so $OPENAI_BASE_URL")
        return declared or replace(default, declarable=(NO_BASE_URL,))

    def value_sources(
        self, expr: cst.BaseExpression, declared: frozenset[str] = frozenset(), seen: frozenset[int] = frozenset()
    ) -> list[Source]:
        """The values `expr` may hold, each with the keys a declaration names it by: a constant,
        an environment variable, a dotted name; through names and `self.<attr>` assigned in the
        file, down to the values a name that is itself `declared` (one of those keys) does not
        show."""
        code = self.tree.quote(expr, 60)
        constant = self.constant_string(expr)
        if constant is not None and constant.env_var is None:
            return [Source(code, value=constant.value, proven=True)]
        env = self._environment_source(expr, code)
        if env is not None:
            return [env]
        keys = self._declaration_keys(expr)
        values = [] if id(expr) in seen else self._assigned_values(expr)
        inner = [s for value in values for s in self.value_sources(value, declared, seen | {id(expr)})]
        if not inner:
            return [self._parameter_source(expr, code) or Source(code, keys)]
        shown = [s for s in inner if s.proven]
        if declared.intersection(keys) and len(shown) < len(inner):
            # The name is declared: it stands for every value the code does not show.
            return [*shown, Source(code, keys)]
        # A value only `*` could name (a parameter, a call) is named by the expression that holds it.
        return [replace(s, code=code, keys=keys) if keys and not s.keys and not s.proven else s for s in inner]

    def _environment_source(self, expr: cst.BaseExpression, code: str) -> Source | None:
        """`os.getenv("X")`, `os.environ["X"]`, `os.environ.get("X", default)`,
        `os.getenv("X") or default`: the value of $X."""
        if isinstance(expr, cst.BooleanOperation) and isinstance(expr.operator, cst.Or):
            variable = self._env_variable(expr.left)
            fallback = self.constant_string(expr.right)
            if variable is None or fallback is None:
                return None
            return Source(code, (f"${variable}",), fallback.value, origin=f"its value when ${variable} is not set")
        variable = self._env_variable(expr)
        if variable is None:
            return None
        default = None
        if isinstance(expr, cst.Call):
            default = self.constant_string(_getenv_default(expr))
        if default is None:
            return Source(code, (f"${variable}",))
        # (the code has always been read as pointing where this default does, unless declared)
        return Source(
            code, (f"${variable}",), default.value, default_decides=True, origin=f"the default of ${variable}"
        )

    def _declaration_keys(self, expr: cst.BaseExpression) -> tuple[str, ...]:
        """The keys a dotted name is declared by: as written (`settings.LLM_BASE_URL`,
        `self.base_url`), then qualified through the imports (`django.conf.settings.LLM_BASE_URL`)
        or by this module's name. A local name or a parameter has none: only `*` names it."""
        written = dotted_name(expr)
        if written is None:
            return ()
        root = expr
        while isinstance(root, cst.Attribute):
            root = root.value
        assert isinstance(root, cst.Name)  # (a dotted name is Names and attributes of them)
        bindings = self.tree.bindings_of(root)
        global_name = bool(bindings) and all(b.kind == "import" or isinstance(b.scope, cst.Module) for b in bindings)
        if isinstance(expr, cst.Name) and not global_name:
            return ()
        qualified = self.tree.qualified_name(expr)
        if qualified is not None:
            qualified = absolute_name(qualified, self.module, self.is_package)
        elif global_name and self.module:
            qualified = f"{self.module}.{written}"
        return tuple(dict.fromkeys(key for key in (written, qualified) if key))

    def _assigned_values(self, expr: cst.BaseExpression) -> list[cst.BaseExpression]:
        """What a name (when every binding assigns one) or `self.<attr>` is assigned in the file."""
        if isinstance(expr, cst.Name):
            return [b.value for b in self._value_bindings(expr) if b.value is not None]
        if isinstance(expr, cst.Attribute):
            return self.instance_attribute_values(expr)
        return []

    def _parameter_source(self, expr: cst.BaseExpression, code: str) -> Source | None:
        """A parameter with a constant default: that default, one value among what callers pass."""
        if not isinstance(expr, cst.Name):
            return None
        bindings = self.tree.bindings_of(expr)
        if len(bindings) != 1 or bindings[0].kind != "param":
            return None
        candidates, _ = self.candidate_strings(expr)
        if len(candidates) != 1:
            return None
        value, origin = candidates[0]
        return Source(code, value=value, origin=origin)

    def model_strings(self, expr: cst.BaseExpression, table: tuple[tuple[str, tuple[str, ...]], ...]) -> ModelStrings:
        """The models a `model=` argument may be, as the code shows them (`string_candidates`)
        or, where it does not, as `[tool.migrator.models]` (`table`) declares them."""
        found = self.string_candidates(expr)
        if found.complete and not table:
            return ModelStrings(found.values, True)
        sources = self.value_sources(expr, frozenset(key for key, _ in table))
        settled = settled_models(sources, table)
        if settled is not None:
            return settled
        hint = "" if found.complete else model_hint(unsettled_model_sources(sources))
        return ModelStrings(found.values, found.complete, hint=hint, why=found.why)

    def factory_client(self, function: cst.CSTNode | None) -> Client | None:
        if not isinstance(function, cst.FunctionDef):
            return None
        returns = self._returns_of(function)
        if not returns or any(r.value is None for r in returns):
            return None
        return _merge([self.client(r.value) for r in returns if r.value is not None])  # (each has one: above)

    def _returns_of(self, function: cst.FunctionDef) -> list[cst.Return]:
        """The `return` statements of `function` itself (not of functions nested in it)."""
        tree = self.tree
        return [r for r in tree.nodes(cst.Return) if tree.enclosing(r, (cst.FunctionDef, cst.Lambda)) is function]

    def values_of(self, expr: cst.BaseExpression) -> list[cst.BaseExpression]:
        """The values the file assigns to a name, or to `self.<attr>` in its class."""
        if isinstance(expr, cst.Name):
            return [b.value for b in self.tree.bindings_of(expr) if b.value is not None]
        if isinstance(expr, cst.Attribute):
            return self.instance_attribute_values(expr)
        return []

    def instance_attribute_values(self, attr: cst.Attribute) -> list[cst.BaseExpression]:
        """Values assigned to `self.<name>` in the class whose method reads `self.<name>`."""
        cls = receiver_class(self.tree, attr)
        if cls is None:
            return []
        values = []
        for assign in self.tree.nodes(cst.Assign):
            for target in assign.targets:
                if not self._is_instance_attribute(target.target, attr.attr.value, cls):
                    continue
                if len(assign.targets) != 1:
                    return []
                values.append(assign.value)
        for statement in cls.body.body:  # class-level `client = OpenAI()`
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                if isinstance(small, cst.Assign) and any(
                    isinstance(t.target, cst.Name) and t.target.value == attr.attr.value for t in small.targets
                ):
                    values.append(small.value)
        return values

    def _is_instance_attribute(self, target: cst.BaseExpression, name: str, cls: cst.ClassDef) -> bool:
        return (
            isinstance(target, cst.Attribute) and target.attr.value == name and receiver_class(self.tree, target) is cls
        )

    # -- message contents --------------------------------------------------------------

    @cached_property
    def contents(self) -> ContentReader:
        """What message contents hold (text or parts), for the message checks and RSP025."""
        reads = frozenset(
            id(use.chain[-1]) for site in self.completion_calls for use in site.uses if use.path == CONTENT_PATH
        )
        return ContentReader(self.tree, reads, self.instance_attribute_values, self.callers)

    # -- completion calls --------------------------------------------------------------

    @cached_property
    def completion_calls(self) -> list[CompletionCall]:
        sites = [site for call in self.tree.nodes(cst.Call) if (site := self._completion_call(call))]
        # Another SDK's client (or a home-made class) with the same method names: not ours at all.
        sites = [site for site in sites if site.client is not None or not self.not_a_client(site.receiver)]
        # A receiver that is not provably an OpenAI client is ours to report only in a file
        # that uses openai at all; elsewhere it is some other SDK with the same method names.
        if not self.tree.imports_module("openai"):
            sites = [site for site in sites if site.client is not None]
        self._attach_result_uses(sites)
        return sites

    def _completion_call(self, call: cst.Call) -> CompletionCall | None:
        func = call.func
        if not (isinstance(func, cst.Attribute) and func.attr.value in COMPLETION_METHODS):
            return None
        node, wrapper = func.value, None
        if isinstance(node, cst.Attribute) and node.attr.value in RESPONSE_WRAPPERS:
            wrapper = node.attr.value
            node = node.value
        if not (isinstance(node, cst.Attribute) and node.attr.value == "completions"):
            return None
        chat = node.value
        if not (isinstance(chat, cst.Attribute) and chat.attr.value == "chat"):
            return None
        receiver = chat.value
        if isinstance(receiver, cst.Attribute) and receiver.attr.value == "beta":
            receiver = receiver.value
        site = CompletionCall(call, func.attr.value, wrapper, receiver, node, self.client(receiver))
        site.unpacked = unpacked_dict(self.tree, call)
        if isinstance(site.unpacked, UnpackedDict):
            for arg, written_at in virtual_arguments(site.unpacked):
                self.tree.alias(arg, written_at)  # findings on the argument point at the dict entry
                site.virtual_args.append(arg)
        return site

    def _attach_result_uses(self, sites: list[CompletionCall]) -> None:
        self._site_calls = {id(site.call) for site in sites}
        #: For each node of a part of a result (HELD_PARTS) assigned to a name: the uses of that
        #: name (one per read, with the part's path in front), or why it is not followed.
        self.holders: dict[int, list[ResultUse] | Unfollowed] = {}
        uses_by_base: dict[cst.CSTNode, ResultUse] = {}
        for site in sites:
            for use in self._result_uses(site):
                for each in (use, *self._held_reads(site, use)):
                    shared = uses_by_base.setdefault(each.base, each)
                    shared.sites.append(site)
                    site.uses.append(shared)

    def _held_reads(self, site: CompletionCall, use: ResultUse) -> list[ResultUse]:
        """The reads through the name that the part of the result `use` reads is assigned to, and
        in turn through names that parts of those are assigned to (`choice = resp.choices[0]`,
        `message = choice.message`, then `message.content`); or, for a part that is returned,
        the reads of it by the callers of the function."""
        if use.path not in HELD_PARTS or use.holder_read:
            return []  # (a name assigned another name's value whole is not followed: no new part)
        part = use.chain[-1]
        if id(part) not in self.holders:
            if isinstance(self.tree.parent(part), cst.Return):
                self.holders[id(part)] = self._returned(site, part, use.path, 0)
            else:
                followed = _holder_reads(self.tree, part, HELD_PARTS[use.path].description)
                if followed is not None:
                    self.holders[id(part)] = (
                        followed
                        if isinstance(followed, Unfollowed)
                        else self._through_returns(site, [self._chain(r, use.path) for r in followed])
                    )
        found = self.holders.get(id(part))
        if not isinstance(found, list):
            return []
        return [each for read in found for each in (read, *self._held_reads(site, read))]

    def _through_returns(self, site: CompletionCall, reads: list[ResultUse]) -> list[ResultUse]:
        """The reads of a name that holds a part, with `return name` replaced by the reads of the
        callers (the rule that rewrites the part sees them all, and decides for them all)."""
        found: list[ResultUse] = []
        for read in reads:
            if read.holder_read and isinstance(self.tree.parent(read.base), cst.Return):
                found += self._followed_return(site, read.base, read.path, 0)
            else:
                found.append(read)
        return found

    def _result_uses(self, site: CompletionCall) -> list[ResultUse]:
        """Every read of the call's result; blocks the site where the result escapes."""
        if site.wrapper == "with_raw_response":
            uses = []
            for raw_use in self._uses_of_value(site, _awaited(self.tree, site.call)):
                parsed = raw_use.node_for(("parse", "()"))
                if parsed is not None and len(raw_use.path) == 2:
                    uses.extend(self._uses_of_value(site, _awaited(self.tree, parsed)))
                elif raw_use.path[:1] not in (("headers",), ("http_response",), ("status_code",)):
                    site.block(
                        "RSP001",
                        raw_use.chain[-1],
                        f"the raw response is used as `{self.tree.code(raw_use.chain[-1])}`",
                    )
            return uses
        return self._uses_of_value(site, _awaited(self.tree, site.call))

    def _uses_of_value(
        self, site: CompletionCall, expr: cst.BaseExpression, part: Path = (), depth: int = 0
    ) -> list[ResultUse]:
        """The reads of `expr`, which holds the result or (`part`) a part of it: here, through
        the name it is assigned to, or by the callers of the function that returns it."""
        parent = self.tree.parent(expr)
        if isinstance(parent, cst.Expr):
            return []
        if _reads_from(parent, expr):
            return [self._chain(expr, part)]
        if isinstance(parent, cst.Return):
            return self._followed_return(site, expr, part, depth)
        if isinstance(parent, cst.Arg) and not part:
            passed = self._passed_to_function(site, expr, depth)
            if passed is not None:
                return passed
        kept = self._kept_on_self(site, parent, expr, part)
        if kept is not None:
            return kept
        target = single_name_target(parent, expr)
        if target is None:
            what = self._described(site, expr)
            site.block("RSP001", expr, f"{what} {describe_escape(self.tree, expr)}, where the tool cannot follow it")
            return []
        binding = self.tree.binding_at(target)
        assert binding is not None  # (the target of an assignment is a binding of its name)
        if binding.is_class_attribute:
            # Rewriting the reads a name lookup sees would leave `self.<name>` on Chat's shape.
            site.block(
                "RSP001",
                target,
                f"its result is kept in the class attribute `{target.value}` (read as `self.{target.value}` "
                "too), where the tool cannot follow it",
            )
            return []
        return self._reads_of_binding(site, binding, part, depth)

    def _reads_of_binding(self, site: CompletionCall, binding: Binding, part: Path, depth: int) -> list[ResultUse]:
        """The reads of a name (or parameter) that holds the result or a part of it."""
        uses = []
        for reference in self.tree.references(binding):
            reaching = reaching_binding(self.tree, reference)
            if reaching is not None and reaching is not binding:
                continue  # (the order of the code shows this read sees another assignment)
            use = self._chain(reference, part)
            parent = self.tree.parent(reference)
            if use.path == part and isinstance(parent, cst.Return):
                uses += self._followed_return(site, reference, part, depth)
                continue
            if use.path == part and not part and isinstance(parent, cst.Arg):
                passed = self._passed_to_function(site, reference, depth)
                if passed is not None:
                    uses += passed
                    continue
            if use.path == part and (kept := self._kept_on_self(site, parent, reference, part)) is not None:
                uses += kept
                continue
            if use.path == part:
                site.block(
                    "RSP001",
                    reference,
                    f"`{reference.value}` {describe_escape(self.tree, reference)}, where the tool cannot follow it",
                )
            elif reaching is None and (other := self._other_value(reference, binding)) is not None:
                # Names are not flow-sensitive: this read may see another value, which a
                # rewrite of the read (`.output_text`) would break.
                site.block(
                    "RSP001",
                    reference,
                    f"`{reference.value}` may also hold `{self.tree.quote(other, 60)}` here, "
                    "which the tool cannot follow",
                )
            uses.append(use)
        return uses

    def _passed_to_function(
        self, site: CompletionCall, value: cst.BaseExpression, depth: int
    ) -> list[ResultUse] | None:
        """The reads of the result in the body of a function of this file it is passed to
        (`self._parse(response)`), when every call of that function passes it a result of a
        Chat Completions call of this file; None when the callee is no function of this file."""
        tree = self.tree
        arg = tree.parent(value)
        call = tree.parent(arg) if arg is not None else None
        if not isinstance(arg, cst.Arg) or not isinstance(call, cst.Call) or arg.star:
            return None
        function = self._function_called(call)
        if function is None:
            return None
        values = next(
            (
                found
                for param in (*function.params.posonly_params, *function.params.params, *function.params.kwonly_params)
                if (found := self.callers.parameter_values(param)) is not None
                and any(p.call is call and p.value is value for p in found.passed)
            ),
            None,
        )
        if values is None:
            return None
        problem = None
        if depth >= MAX_RETURN_LEVELS:
            problem = f"is passed to {values.function}, which the tool follows {MAX_RETURN_LEVELS} functions deep, no further"
        elif values.incomplete is not None:
            problem = f"is passed to {values.function}, and {values.incomplete}: the tool cannot see every value it reads"
        else:
            other = next((p for p in values.passed if p.by_default or not self._is_result(p.value)), None)
            if other is not None:
                line = tree.position(other.call)[0]
                problem = (
                    f"is passed to {values.function}, which is also given `{tree.quote(other.value, 40)}` "
                    f"(line {line}); the tool cannot follow it"
                )
        what = self._described(site, value)
        if problem is not None:
            site.block("RSP001", value, f"{what} {problem}")
            return []
        binding = tree.binding_at(values.param.name)
        assert binding is not None  # (a parameter's name is bound in its function)
        if tree.bindings_in_scope_of(binding) != [binding]:
            site.block("RSP001", value, f"{what} is passed to {values.function}, which assigns it again")
            return []
        return self._reads_of_binding(site, binding, (), depth + 1)

    def _kept_on_self(
        self, site: CompletionCall, statement: cst.CSTNode | None, value: cst.BaseExpression, part: Path
    ) -> list[ResultUse] | None:
        """The reads of `self.<attr>` in the methods of its class, for `self.<attr> = value`
        (the result or a part of it), when every other assignment of it there is another Chat
        Completions result or None and nothing else in the file reaches `.<attr>`
        (`instance_list`); None when `value` is not assigned to `self.<attr>`."""
        tree = self.tree
        if not (isinstance(statement, cst.Assign) and statement.value is value and len(statement.targets) == 1):
            return None
        target = statement.targets[0].target
        kept = instance_list(tree, target)
        if kept is None:
            return None
        problem = self._kept_elsewhere(kept, statement, part)
        if problem is not None:
            site.block("RSP001", target, f"its result is kept in `{kept.display}`, {problem}; the tool cannot follow it")
            return []
        if not is_private(kept.attr):
            site.block(
                "RSP001",
                target,
                f"its result is kept in `{kept.display}`, which code elsewhere may read (`obj.{kept.attr}`): "
                "this assumes that nothing else reads it",
                unsafe=True,
            )
        uses = []
        for attr in kept.references:
            use = self._chain(attr, part)
            if use.path == part:
                site.block(
                    "RSP001",
                    attr,
                    f"`{kept.display}` {describe_escape(tree, attr)}, where the tool cannot follow it",
                )
            uses.append(use)
        return uses

    def _kept_elsewhere(self, kept: InstanceList, statement: cst.Assign, part: Path) -> str | None:
        """Why the attribute that keeps a result may hold or give it where the tool does not look
        (a clause), or None."""
        tree = self.tree
        if kept.outside:
            outside = kept.outside[0]
            return f"and `{tree.quote(outside, 40)}` (line {tree.position(outside)[0]}) may read it"
        if kept.foreign:
            foreign = kept.foreign[0]
            line = tree.position(foreign)[0]
            if isinstance(foreign, cst.SimpleString):
                return f"and the string on line {line} may name it"
            if isinstance(foreign, cst.Name):
                return f"and the class sets `{kept.attr}` itself on line {line}"
            return f"which is also changed on line {line}"
        for assign, _ in kept.assignments:
            if assign is statement:
                continue
            if part or not (self._is_result(assign.value) or _is_constant_name(assign.value)):
                return f"which is also assigned on line {tree.position(assign)[0]}"
        return None

    def _function_called(self, call: cst.Call) -> cst.FunctionDef | None:
        """The function of this file `call` calls by its name, or the method of the class it
        is made in that it calls as `self.<method>(...)`."""
        func = call.func
        if isinstance(func, cst.Name):
            return self._def_named(func)
        if isinstance(func, cst.Attribute):
            cls = receiver_class(self.tree, func, class_methods=False)
            if cls is None:
                return None
            methods = [
                statement
                for statement in cls.body.body
                if isinstance(statement, cst.FunctionDef) and statement.name.value == func.attr.value
            ]
            return methods[0] if len(methods) == 1 else None
        return None

    def _def_named(self, name: cst.Name) -> cst.FunctionDef | None:
        """The function of this file `name` reads, when a `def` is its only binding."""
        bindings = self.tree.bindings_of(name)
        found = self.tree.parent(bindings[0].node) if len(bindings) == 1 and bindings[0].kind == "def" else None
        return found if isinstance(found, cst.FunctionDef) else None

    def _is_result(self, value: cst.BaseExpression) -> bool:
        """`value` is the result of a Chat Completions call of this file: the call, or a name
        every assignment of which is one."""
        if isinstance(value, cst.Await):
            value = value.expression
        if id(value) in self._site_calls:
            return True
        if not isinstance(value, cst.Name):
            return False
        bindings = self.tree.bindings_of(value)
        return bool(bindings) and all(
            b.kind == "assign" and b.value is not None and id(_unawaited(b.value)) in self._site_calls
            for b in bindings
        )

    def _described(self, site: CompletionCall, value: cst.BaseExpression) -> str:
        """How a finding names a value that holds a call's result: "its result" for the call
        itself, else the code (a name, a caller's call)."""
        return "its result" if value is _awaited(self.tree, site.call) else f"`{self.tree.quote(value, 40)}`"

    def _followed_return(
        self, site: CompletionCall, value: cst.BaseExpression, part: Path, depth: int
    ) -> list[ResultUse]:
        followed = self._returned(site, value, part, depth)
        if isinstance(followed, Unfollowed):
            site.block("RSP001", followed.node, followed.reason)
            return []
        return followed

    def _returned(
        self, site: CompletionCall, value: cst.BaseExpression, part: Path, depth: int
    ) -> list[ResultUse] | Unfollowed:
        """The reads of `value` (the result, or a part of it) by the callers of the function
        that returns it: every call of the function must be known (`Callers.calls_of`), and
        every `return` of it must give this value or one that no result can be (`None`)."""
        tree = self.tree
        what = self._described(site, value)
        function = tree.enclosing(value, (cst.FunctionDef, cst.Lambda))
        if not isinstance(function, cst.FunctionDef) or depth >= MAX_RETURN_LEVELS:
            return Unfollowed(value, f"{what} {describe_escape(tree, value)}, where the tool cannot follow it")
        display = f"`{function.name.value}()`"
        other = self._other_return(function, value)
        if other is not None:
            return Unfollowed(
                value,
                f"{what} is returned from {display}, which may also return `{tree.quote(other, 40)}` "
                f"(line {tree.position(other)[0]}); the tool cannot follow it",
            )
        calls = self.callers.calls_of(function)
        if calls.incomplete is not None and not calls.only_public:
            return Unfollowed(
                value, f"{what} is returned from {display}, and {calls.incomplete}: the tool cannot see every read of it"
            )
        if calls.incomplete is not None:
            # Calls in other modules would read Chat's shape: an assumption, said even when made.
            site.block(
                "RSP001",
                value,
                f"{what} is returned from {display}, and {calls.incomplete}: this assumes that nothing else reads it",
                unsafe=True,
            )
        uses: list[ResultUse] = []
        for call in calls.calls:
            uses += self._uses_of_value(site, _awaited(tree, call), part, depth + 1)
        return uses

    def _other_return(self, function: cst.FunctionDef, value: cst.BaseExpression) -> cst.BaseExpression | None:
        """A value `function` may return other than `value` and what no result can be; the
        function itself for a generator (what its callers get is no returned value)."""
        tree = self.tree
        if any(tree.enclosing(node, (cst.FunctionDef, cst.Lambda)) is function for node in tree.nodes(cst.Yield)):
            return function.name
        same = tree.bindings_of(value) if isinstance(value, cst.Name) else None
        for statement in self._returns_of(function):
            returned = statement.value
            if returned is None or returned is value:
                continue
            if isinstance(returned, _NOT_A_RESULT) or _is_constant_name(returned):
                continue
            if same and isinstance(returned, cst.Name) and tree.bindings_of(returned) == same:
                continue
            return returned
        return None

    def _other_value(self, reference: cst.Name, binding: Binding) -> cst.CSTNode | None:
        """What else the read may hold: a value bound to the same name that is neither another
        Chat Completions call (those must migrate together) nor something no result can be."""
        for other in self.tree.bindings_of(reference):
            if other is binding:
                continue
            if other.kind not in ("assign", "annassign", "walrus") or other.value is None:
                return other.node
            value = other.value.expression if isinstance(other.value, cst.Await) else other.value
            if not (id(value) in self._site_calls or isinstance(value, _NOT_A_RESULT) or _is_constant_name(value)):
                return value
        return None

    def _chain(self, base: cst.BaseExpression, part: Path = ()) -> ResultUse:
        """The accesses made on `base`, which holds the result or (`part`) a part of it."""
        chain, path = read_chain(self.tree, base)
        return ResultUse(tuple(chain), (*part, *path), held=len(part))


#: Values that can never be a Chat Completions result, whatever the code does with them.
_NOT_A_RESULT = (
    cst.SimpleString,
    cst.ConcatenatedString,
    cst.FormattedString,
    cst.Integer,
    cst.Float,
    cst.Imaginary,
    cst.List,
    cst.Dict,
    cst.Set,
    cst.Tuple,
    cst.ListComp,
    cst.DictComp,
    cst.SetComp,
    cst.GeneratorExp,
    cst.Lambda,
    cst.Comparison,
)


def _is_constant_name(value: cst.BaseExpression) -> bool:
    return isinstance(value, cst.Name) and value.value in ("None", "True", "False")


def _from_other_sdk(qualified: str | None) -> bool:
    return qualified is not None and qualified.split(".")[0] in OTHER_SDK_PACKAGES


def _joined(pieces: list[Constant | None], env_defaults: bool = False) -> Constant | None:
    """Constant strings one after the other; None if one is not constant, or (unless
    `env_defaults`) is only the default of an environment variable (the variable would set part
    of the string, not all of it)."""
    if any(piece is None or (piece.env_var and not env_defaults) for piece in pieces):
        return None
    constants = [piece for piece in pieces if piece is not None]  # (all of them, as just shown)
    variable = next((piece.env_var for piece in constants if piece.env_var), None)
    return Constant("".join(piece.value for piece in constants), env_var=variable)


def _merge(clients: list[Client | None]) -> Client | None:
    if not clients or any(c is None for c in clients):
        return None
    known = [c for c in clients if c is not None]  # (all of them, as just shown)
    first = known[0]
    if all(c == first for c in known):
        return first
    providers = {c.target.provider for c in known}
    # One value that stays on Chat Completions (another provider, Azure, a region without
    # Responses) keeps the call whatever the others are: that is the decisive reason.
    staying = next((c.target for c in known if c.target.provider is Provider.OTHER or c.target.unsupported), None)
    if staying is not None:
        target = Target(staying.provider, f"it may be {staying.evidence}", staying.unsupported)
    elif len(providers) == 1:
        target = first.target
    else:
        target = Target(Provider.UNKNOWN, "several clients with different base URLs")
    is_async = first.is_async if all(c.is_async == first.is_async for c in known) else None
    return Client(is_async, target, all(c.proven for c in known))


def _getenv_default(call: cst.Call) -> cst.BaseExpression | None:
    """The default of `os.getenv("X", default)` / `os.environ.get("X", default=...)`."""
    positional = [a for a in call.args if a.keyword is None and not a.star]
    return positional[1].value if len(positional) > 1 else _kwarg_value(call, "default")


def _kwarg_value(call: cst.Call, name: str) -> cst.BaseExpression | None:
    arg = kwarg(call, name)
    return None if arg is None else arg.value


def _awaited(tree: SourceTree, expr: cst.BaseExpression) -> cst.BaseExpression:
    parent = tree.parent(expr)
    return parent if isinstance(parent, cst.Await) else expr


def _unawaited(expr: cst.BaseExpression) -> cst.BaseExpression:
    return expr.expression if isinstance(expr, cst.Await) else expr


def _reads_from(parent: cst.CSTNode | None, expr: cst.BaseExpression) -> bool:
    return (isinstance(parent, (cst.Attribute, cst.Subscript)) and parent.value is expr) or (
        isinstance(parent, cst.Call) and parent.func is expr
    )


def single_name_target(parent: cst.CSTNode | None, expr: cst.BaseExpression) -> cst.Name | None:
    """The name in `name = expr` / `name: T = expr` (`parent` is the statement), else None."""
    if isinstance(parent, cst.Assign) and parent.value is expr and len(parent.targets) == 1:
        target = parent.targets[0].target
        return target if isinstance(target, cst.Name) else None
    if isinstance(parent, cst.AnnAssign) and parent.value is expr and isinstance(parent.target, cst.Name):
        return parent.target
    return None


def _holder_reads(tree: SourceTree, part: cst.BaseExpression, what: str) -> list[cst.Name] | Unfollowed | None:
    """The reads of the name that `part` (`<result>.choices[0].message`, say; `what` describes
    it) is assigned to, when that is the name's only assignment in its scope and every read sees
    only it; why not otherwise; None when `part` is not assigned to a plain name (or the name is
    never read)."""
    statement = tree.parent(part)
    target = single_name_target(statement, part)
    if target is None or not isinstance(statement, cst.Assign):
        return None  # (an annotated name would keep Chat's type in its annotation)
    binding = tree.binding_at(target)
    if binding is None:
        return None
    name = binding.name
    if binding.is_class_attribute:
        return Unfollowed(target, f"`{name}` holds {what} as a class attribute, which the tool cannot follow")
    if tree.bindings_in_scope_of(binding) != [binding]:
        return Unfollowed(target, f"`{name}` holds {what} and is assigned more than once, which the tool cannot follow")
    reads = tree.references(binding)
    for reference in reads:
        if isinstance(tree.parent(reference), cst.NameItem):  # `global name` / `nonlocal name`
            return Unfollowed(reference, f"`{name}` holds {what} and {describe_escape(tree, reference)}")
        if tree.bindings_of(reference) != [binding]:
            return Unfollowed(reference, f"`{name}` may hold {what} or another value here, which the tool cannot follow")
    return reads or None


def holder_display(tree: SourceTree, base: cst.BaseExpression) -> str:
    """How a finding names what holds a part of a result: the name, or the call of the function
    that returns it (`ask()`)."""
    if isinstance(base, cst.Call):
        return f"{tree.code(base.func)}()"
    return tree.code(base)


def describe_escape(tree: SourceTree, expr: cst.BaseExpression) -> str:
    parent = tree.parent(expr)
    if isinstance(parent, cst.NameItem):
        declaration = tree.parent(parent)
        keyword = "global" if isinstance(declaration, cst.Global) else "nonlocal"
        return f"is declared `{keyword}` in a function that may assign it"
    if isinstance(parent, cst.Return):
        return "is returned from the function"
    if isinstance(parent, (cst.Yield)):
        return "is yielded"
    if isinstance(parent, cst.Arg):
        call = tree.parent(parent)
        name = tree.code(call.func) if isinstance(call, cst.Call) else "a call"
        return f"is passed to `{name}()`"
    if isinstance(parent, (cst.For, cst.CompFor)):
        return "is iterated over"
    if isinstance(parent, (cst.WithItem,)):
        return "is used as a context manager"
    return f"is used in `{tree.quote(parent, 60)}`" if parent is not None else "is used elsewhere"
