"""What the code means, knowing OpenAI and no rule: which calls are Chat Completions calls on an
OpenAI client and where their results go (calls), where a client sends its requests (providers),
what a parameter receives from the calls of its function (callers), what the user declares of
what the code cannot show (declarations), clients and constants other modules export
(project), `**params` (unpacking), what a message list and each message's content hold
(messages, content), `self.<attr>` lists (instance_lists), conversations kept by hand (chains),
streaming loops (streams/) and references to a client's Chat Completions methods that are not
calls (references). Everything a rule needs is exported here."""

from __future__ import annotations

from migrator.analysis.callers import MAX_CALLER_LEVELS, Callers, ParameterValues, Passed, StringCandidates
from migrator.analysis.calls import (
    Analysis,
    Block,
    CompletionCall,
    FEATURE,
    MODEL,
    PASS_THROUGH,
    PROVIDER,
    ResultUse,
    Unfollowed,
    decisive_blocks,
    describe_escape,
    holder_display,
)
from migrator.analysis.chains import Chain, find_conversations
from migrator.analysis.content import Content
from migrator.analysis.doubles import Double, Feed, RunModules, checks_would_fail, feeds_of, find_doubles
from migrator.analysis.declarations import BASE_URLS_TABLE, MODELS_TABLE, base_url_hint
from migrator.analysis.messages import (
    ListedMessage,
    PLAIN_ROLES,
    REPLY_PATH,
    REPLY_PATHS,
    assistant_text,
    function_item_kind,
    list_references,
    listed_messages,
    messages_problems,
    tool_call_fields,
)
from migrator.analysis.modules import absolute_name, module_name
from migrator.analysis.paths import (
    CONTENT_PATH,
    HELD_PARTS,
    MESSAGE_PATH,
    TOKEN_COUNTS,
    HeldPart,
    Path,
    held_on_response,
    relative_to,
)
from migrator.analysis.project import ProjectIndex, may_export_client
from migrator.analysis.references import ChatReference, chat_references
from migrator.analysis.providers import (
    Provider,
    dashscope_facts,
    model_maker,
    openai_chat_only,
    provider_overrides,
    supported_models,
)
from migrator.analysis.streams.consumers import consumer, loop_names, name_is_free
from migrator.analysis.streams.loops import CREATED_TEST, EVENT_TESTS, Specializer, does_nothing_with_empty
from migrator.analysis.streams.reads import Kind, LoopNames, Unmappable, usage_rename
from migrator.analysis.unpacking import UnpackedDict, reading_call

__all__ = [
    "Analysis",
    "BASE_URLS_TABLE",
    "Block",
    "CONTENT_PATH",
    "CREATED_TEST",
    "Callers",
    "Chain",
    "ChatReference",
    "CompletionCall",
    "Content",
    "Double",
    "Feed",
    "RunModules",
    "feeds_of",
    "find_doubles",
    "checks_would_fail",
    "EVENT_TESTS",
    "FEATURE",
    "HeldPart",
    "HELD_PARTS",
    "Kind",
    "ListedMessage",
    "LoopNames",
    "MAX_CALLER_LEVELS",
    "MESSAGE_PATH",
    "MODEL",
    "PASS_THROUGH",
    "MODELS_TABLE",
    "PLAIN_ROLES",
    "Path",
    "TOKEN_COUNTS",
    "PROVIDER",
    "ParameterValues",
    "Passed",
    "ProjectIndex",
    "Provider",
    "REPLY_PATH",
    "REPLY_PATHS",
    "ResultUse",
    "Specializer",
    "StringCandidates",
    "Unfollowed",
    "Unmappable",
    "UnpackedDict",
    "absolute_name",
    "assistant_text",
    "base_url_hint",
    "chat_references",
    "consumer",
    "dashscope_facts",
    "decisive_blocks",
    "describe_escape",
    "holder_display",
    "does_nothing_with_empty",
    "find_conversations",
    "held_on_response",
    "relative_to",
    "function_item_kind",
    "list_references",
    "listed_messages",
    "loop_names",
    "may_export_client",
    "messages_problems",
    "model_maker",
    "module_name",
    "openai_chat_only",
    "name_is_free",
    "provider_overrides",
    "reading_call",
    "supported_models",
    "tool_call_fields",
    "usage_rename",
]
