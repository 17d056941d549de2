"""A fake DashScope "compatible-mode" server for tests (standard library only).

It serves the two OpenAI-compatible endpoints DashScope offers, in the exact
shapes the ``openai`` SDK parses:

* ``POST /compatible-mode/v1/chat/completions`` (plain JSON or SSE chunks)
* ``POST /compatible-mode/v1/responses`` (plain JSON or typed SSE events)
* ``GET  /compatible-mode/v1/responses/{id}`` (a stored response)

and the same three under ``/openai/v1``, where it checks message content parts the way
OpenAI's own API does (the tests point ``OPENAI_BASE_URL`` there): its Responses endpoint
takes only ``input_text`` / ``input_image`` / ``input_file`` parts with their own keys, so a
Chat-style ``text`` or ``image_url`` part left in a migrated call fails as it would for real.
On the DashScope path, Responses takes text parts (``text`` or ``input_text``) and the
Chat-style ``image_url`` part its reference documents, and refuses audio and video.
The model sees images and files as ``[image URL DETAIL]`` / ``[file NAME]`` in its context,
so a part whose URL or detail is lost in a conversion prints differently.

The "model" is deterministic and spells out the context it saw, so a program
that keeps its history by hand and one that chains ``previous_response_id``
print the same text::

    [{model}] turn {n_user_msgs}: {last_user_text!r}; context: {u1 | u2 | ...}
        [; tool said: {tool outputs after the last user message}]
        [ (system: {system/developer/instructions texts})]
        [ [searched: {last_user_text}]]

Tokens are whitespace-separated words, counted the same way on both
endpoints.  Run ``python tests/fake_dashscope.py [PORT]`` to try it by hand.
"""

from __future__ import annotations

import json
import re
import sys
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

PREFIX = "/compatible-mode/v1"
#: Where the fake answers as OpenAI's own API (stricter about content parts).
OPENAI_PREFIX = "/openai/v1"
DASHSCOPE, OPENAI = "dashscope", "openai"
# Fixed timestamp so that whole payloads are deterministic.
CREATED = 1700000000
# DashScope's Responses endpoint refuses smaller output limits.
MIN_MAX_OUTPUT_TOKENS = 16
TEXT_PART_TYPES = {"text", "input_text", "output_text"}
# Output items a program may echo back in `input` that carry no visible text.
SILENT_ITEM_TYPES = {"reasoning", "web_search_call"}


class ApiError(Exception):
    """An HTTP error answered with an OpenAI-style error body."""

    def __init__(self, status: int, message: str, code: str = "invalid_parameter") -> None:
        super().__init__(message)
        self.status = status
        self.body = {"error": {"message": message, "type": "invalid_request_error", "code": code}}


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def internal_error(error: Exception) -> dict:
    return {
        "error": {
            "message": repr(error),
            "type": "server_error",
            "code": "internal_error",
        }
    }


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    body: Any  # the parsed JSON body (None without a body, the raw text if not JSON)
    headers: dict[str, str]  # lower-cased names


# ---------------------------------------------------------------------------
# The deterministic model
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Turn:
    """One piece of the conversation as the model sees it."""

    role: str  # "system", "user", "assistant", "tool_call" or "tool"
    text: str = ""
    call_id: str | None = None


@dataclass
class Reply:
    """What the model produced for one request."""

    text: str | None  # None when the model calls a tool instead
    reasoning: str | None
    tool_call: tuple[str, str] | None  # (function name, JSON arguments)
    truncated: bool
    search_query: str | None  # set when a web search ran
    input_tokens: int
    output_tokens: int
    reasoning_tokens: int


def count_words(text: str | None) -> int:
    return len((text or "").split())


def word_pieces(text: str) -> list[str]:
    """Split into word-ish stream deltas that join back to `text` exactly."""
    return re.findall(r"\S+\s*", text)


def truncate_words(text: str, limit: int) -> str:
    return "".join(word_pieces(text)[:limit]).rstrip()


def pick_tool(text: str, tool_names: list[str]) -> str | None:
    """The tool a user turn asks for: one it names, else the first on "weather"."""
    for name in tool_names:
        if name in text:
            return name
    if tool_names and re.search(r"\bweather\b", text, re.IGNORECASE):
        return tool_names[0]
    return None


def tool_arguments(text: str) -> str:
    words = re.findall(r"[\w-]+", text)
    return json.dumps({"city": words[-1] if words else ""})


def compose_text(model: str, turns: list[Turn], search_query: str | None) -> str:
    users = [t.text for t in turns if t.role == "user"]
    last_user = users[-1] if users else ""
    text = f"[{model}] turn {len(users)}: {last_user!r}; context: {' | '.join(users)}"
    last_user_index = max((i for i, t in enumerate(turns) if t.role == "user"), default=-1)
    tool_outputs = [t.text for t in turns[last_user_index + 1 :] if t.role == "tool"]
    if tool_outputs:
        text += f"; tool said: {' | '.join(tool_outputs)}"
    systems = [t.text for t in turns if t.role == "system"]
    if systems:
        text += f" (system: {' | '.join(systems)})"
    if search_query is not None:
        text += f" [searched: {search_query}]"
    return text


def run_model(
    model: str,
    turns: list[Turn],
    *,
    tool_names: list[str],
    thinking: bool,
    search: bool,
    limit: int | None,
) -> Reply:
    users = [t.text for t in turns if t.role == "user"]
    last_user = users[-1] if users else ""
    reasoning = f"thinking about {last_user!r}" if thinking else None
    # Only a fresh user turn triggers a call; a tool result gets an answer.
    tool = pick_tool(last_user, tool_names) if turns and turns[-1].role == "user" else None
    search_query = last_user if search else None
    text, tool_call, truncated = None, None, False
    if tool:
        tool_call = (tool, tool_arguments(last_user))
    else:
        text = compose_text(model, turns, search_query)
        if limit is not None and count_words(text) > limit:
            text, truncated = truncate_words(text, limit), True
    reasoning_tokens = count_words(reasoning)
    emitted = text if tool_call is None else tool_call[1]
    return Reply(
        text=text,
        reasoning=reasoning,
        tool_call=tool_call,
        truncated=truncated,
        search_query=search_query,
        input_tokens=sum(count_words(t.text) for t in turns),
        output_tokens=count_words(emitted) + reasoning_tokens,
        reasoning_tokens=reasoning_tokens,
    )


# ---------------------------------------------------------------------------
# Reading requests into turns
# ---------------------------------------------------------------------------


def content_text(content: Any) -> str:
    """Text of a message `content`: a string, or a list of parts (images and files shown as
    `[image URL DETAIL]` / `[file NAME]`, the same for a Chat part and its Responses form)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return " ".join(text for text in map(part_text, content) if text)


def part_text(part: dict) -> str:
    kind = part.get("type")
    if kind in TEXT_PART_TYPES:
        return part.get("text", "")
    if kind == "image_url":
        image = part.get("image_url")
        url, detail = (image.get("url"), image.get("detail", "auto")) if isinstance(image, dict) else (image, "auto")
        return f"[image {url} {detail}]"
    if kind == "input_image":
        return f"[image {part.get('image_url') or part.get('file_id')} {part.get('detail', 'auto')}]"
    if kind in ("file", "input_file"):
        fields = part.get("file", {}) if kind == "file" else part
        return f"[file {fields.get('filename') or fields.get('file_id')}]"
    if kind == "input_audio":
        return f"[audio {part.get('input_audio', {}).get('format')}]"
    return ""


# Content parts each API takes, with the keys each part may have.
CHAT_PARTS = {
    OPENAI: {
        "text": {"type", "text"},
        "image_url": {"type", "image_url"},
        "input_audio": {"type", "input_audio"},
        "file": {"type", "file"},
    },
    DASHSCOPE: None,  # DashScope's Chat takes its own part types and keys (video, min_pixels, ...)
}
RESPONSES_PARTS = {
    OPENAI: {
        "input_text": {"type", "text"},
        "input_image": {"type", "image_url", "file_id", "detail"},
        "input_file": {"type", "file_id", "file_data", "filename", "file_url"},
    },
    DASHSCOPE: {
        "input_text": {"type", "text", "cache_control"},
        "text": {"type", "text", "cache_control"},
        "image_url": {"type", "image_url"},
    },
}


def check_parts(content: Any, where: str, allowed: dict | None) -> None:
    """Refuse a content part type (or a key in a part) the API does not take, as it does."""
    if allowed is None or not isinstance(content, list):
        return
    for index, part in enumerate(content):
        kind = part.get("type") if isinstance(part, dict) else None
        if kind not in allowed:
            supported = ", ".join(repr(k) for k in allowed)
            raise bad_request(f"Invalid value: {kind!r} at '{where}[{index}].type'. Supported values are: {supported}.")
        unknown = sorted(set(part) - allowed[kind])
        if unknown:
            raise bad_request(f"Unknown parameter: '{where}[{index}].{unknown[0]}'.")
        if kind == "input_image" and not isinstance(part.get("image_url", ""), str):
            raise bad_request(f"Invalid type for '{where}[{index}].image_url': expected a string.")


def message_turn(role: str, content: Any) -> Turn:
    if role in ("system", "developer"):
        return Turn("system", content_text(content))
    if role in ("user", "assistant"):
        return Turn(role, content_text(content))
    raise bad_request(f"Unsupported message role: {role!r}")


def chat_turns(messages: list[dict], flavor: str = DASHSCOPE) -> list[Turn]:
    turns = []
    for index, message in enumerate(messages):
        role = message.get("role")
        check_parts(message.get("content"), f"messages[{index}].content", CHAT_PARTS[flavor])
        if role == "tool":
            turns.append(
                Turn(
                    "tool",
                    content_text(message.get("content")),
                    message.get("tool_call_id"),
                )
            )
            continue
        turns.append(message_turn(role, message.get("content")))
        # Remember the calls so a later tool message can be matched to one.
        turns += [Turn("tool_call", call_id=call["id"]) for call in message.get("tool_calls") or []]
    return turns


def response_input_turns(items: str | list[dict], flavor: str | None = None) -> list[Turn]:
    """Turns of a Responses `input` (its content parts checked as `flavor`'s API does); also
    reads stored `output` lists (no `flavor`)."""
    if isinstance(items, str):
        return [Turn("user", items)]
    turns = []
    for index, item in enumerate(items):
        kind = item.get("type", "message")
        if kind == "message":
            if item.get("role") == "tool":
                raise bad_request("Role 'tool' is not supported in input; use a 'function_call_output' item.")
            if flavor is not None and item.get("role") != "assistant":
                check_parts(item.get("content"), f"input[{index}].content", RESPONSES_PARTS[flavor])
            turns.append(message_turn(item.get("role"), item.get("content")))
        elif kind == "function_call":
            turns.append(Turn("tool_call", call_id=item.get("call_id")))
        elif kind == "function_call_output":
            turns.append(Turn("tool", content_text(item.get("output")), item.get("call_id")))
        elif kind not in SILENT_ITEM_TYPES:
            raise bad_request(f"Unsupported input item type: {kind!r}")
    return turns


def check_tool_outputs(turns: list[Turn]) -> None:
    """Like the real APIs, refuse a tool result whose call is not in the context."""
    called = set()
    for turn in turns:
        if turn.role == "tool_call":
            called.add(turn.call_id)
        elif turn.role == "tool" and turn.call_id not in called:
            raise bad_request(f"No tool call found for function call output with call_id {turn.call_id}.")


def require(body: dict, key: str) -> None:
    if body.get(key) is None:
        raise bad_request(f"Missing required parameter: '{key}'.")


def validate_responses_body(body: dict) -> None:
    """Reject what DashScope's Responses endpoint rejects (Chat-style leftovers)."""
    require(body, "model")
    require(body, "input")
    if "messages" in body:
        raise bad_request("Unsupported parameter: 'messages'. The Responses API takes 'input'.")
    if "max_tokens" in body:
        raise bad_request("Unsupported parameter: 'max_tokens'. The Responses API takes 'max_output_tokens'.")
    for tool in body.get("tools") or []:
        if "function" in tool:
            raise bad_request("Invalid tool: use the flat shape {'type': 'function', 'name': ..., 'parameters': ...}.")
    limit = body.get("max_output_tokens")
    if limit is not None and limit < MIN_MAX_OUTPUT_TOKENS:
        raise bad_request(f"'max_output_tokens' must be at least {MIN_MAX_OUTPUT_TOKENS}, got {limit}.")


def chat_tool_names(body: dict) -> list[str]:
    tools = body.get("tools") or []
    return [t["function"]["name"] for t in tools if t.get("type") == "function"]


def responses_tool_names(body: dict) -> list[str]:
    tools = body.get("tools") or []
    return [t["name"] for t in tools if t.get("type") == "function"]


def chat_thinking(body: dict) -> bool:
    """DashScope's `enable_thinking`, or OpenAI's `reasoning_effort` other than "none"."""
    return bool(body.get("enable_thinking")) or body.get("reasoning_effort") not in (None, "none")


def chat_search(body: dict) -> bool:
    """DashScope's `enable_search`, or OpenAI's `web_search_options` (search models always search)."""
    return bool(body.get("enable_search")) or "web_search_options" in body


def responses_search(body: dict) -> bool:
    tools = body.get("tools") or []
    return any(t.get("type", "").startswith("web_search") for t in tools)


def responses_thinking(body: dict) -> bool:
    if "enable_thinking" in body:
        return bool(body["enable_thinking"])
    reasoning = body.get("reasoning")
    return isinstance(reasoning, dict) and reasoning.get("effort") != "none"


# ---------------------------------------------------------------------------
# Chat Completions payloads
# ---------------------------------------------------------------------------


def chat_finish_reason(reply: Reply) -> str:
    if reply.tool_call:
        return "tool_calls"
    return "length" if reply.truncated else "stop"


def chat_usage(reply: Reply) -> dict:
    return {
        "prompt_tokens": reply.input_tokens,
        "completion_tokens": reply.output_tokens,
        "total_tokens": reply.input_tokens + reply.output_tokens,
        "prompt_tokens_details": {"cached_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": reply.reasoning_tokens},
    }


def chat_tool_calls(reply: Reply, call_id: str | None) -> list[dict]:
    if not reply.tool_call:
        return []
    name, arguments = reply.tool_call
    return [
        {
            "id": call_id,
            "type": "function",
            "function": {"name": name, "arguments": arguments},
        }
    ]


def chat_completion(completion_id: str, model: str, reply: Reply, call_id: str | None) -> dict:
    message: dict[str, Any] = {"role": "assistant", "content": reply.text}
    if reply.reasoning:
        message["reasoning_content"] = reply.reasoning
    if reply.tool_call:
        message["tool_calls"] = chat_tool_calls(reply, call_id)
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": CREATED,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": chat_finish_reason(reply),
                "logprobs": None,
            }
        ],
        "usage": chat_usage(reply),
    }


def chat_chunks(
    completion_id: str,
    model: str,
    reply: Reply,
    call_id: str | None,
    include_usage: bool,
) -> list[dict]:
    def chunk(delta: dict, finish_reason: str | None = None) -> dict:
        choice = {
            "index": 0,
            "delta": delta,
            "finish_reason": finish_reason,
            "logprobs": None,
        }
        return {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": CREATED,
            "model": model,
            "choices": [choice],
        }

    chunks = [chunk({"role": "assistant", "content": ""})]
    # DashScope streams the thinking before the answer.
    chunks += [chunk({"reasoning_content": piece}) for piece in word_pieces(reply.reasoning or "")]
    chunks += [chunk({"content": piece}) for piece in word_pieces(reply.text or "")]
    tool_calls = [{"index": i, **call} for i, call in enumerate(chat_tool_calls(reply, call_id))]
    if tool_calls:
        chunks.append(chunk({"tool_calls": tool_calls}))
    chunks.append(chunk({}, chat_finish_reason(reply)))
    if include_usage:
        usage_chunk = chunk({})
        usage_chunk.update(choices=[], usage=chat_usage(reply))
        chunks.append(usage_chunk)
    return chunks


# ---------------------------------------------------------------------------
# Responses payloads
# ---------------------------------------------------------------------------


def responses_usage(reply: Reply) -> dict:
    usage = {
        "input_tokens": reply.input_tokens,
        "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "output_tokens": reply.output_tokens,
        "output_tokens_details": {"reasoning_tokens": reply.reasoning_tokens},
        "total_tokens": reply.input_tokens + reply.output_tokens,
    }
    if reply.search_query is not None:
        usage["x_tools"] = {"web_search": {"count": 1}}
    return usage


def responses_output(reply: Reply, new_id: Callable[[str], str]) -> list[dict]:
    items = []
    if reply.reasoning:
        summary = [{"type": "summary_text", "text": reply.reasoning}]
        items.append({"type": "reasoning", "id": new_id("rs_"), "summary": summary})
    if reply.search_query is not None:
        action = {"type": "search", "query": reply.search_query}
        items.append(
            {
                "type": "web_search_call",
                "id": new_id("ws_"),
                "status": "completed",
                "action": action,
            }
        )
    if reply.tool_call:
        name, arguments = reply.tool_call
        number = new_id("call_").removeprefix("call_")
        items.append(
            {
                "type": "function_call",
                "id": f"fc_{number}",
                "call_id": f"call_{number}",
                "name": name,
                "arguments": arguments,
                "status": "completed",
            }
        )
    else:
        part = {
            "type": "output_text",
            "text": reply.text,
            "annotations": [],
            "logprobs": [],
        }
        status = "incomplete" if reply.truncated else "completed"
        items.append(
            {
                "type": "message",
                "id": new_id("msg_"),
                "role": "assistant",
                "status": status,
                "content": [part],
            }
        )
    return items


def response_object(response_id: str, body: dict, output: list[dict], reply: Reply) -> dict:
    return {
        "id": response_id,
        "object": "response",
        "created_at": CREATED,
        "model": body["model"],
        "status": "incomplete" if reply.truncated else "completed",
        "error": None,
        "incomplete_details": ({"reason": "max_output_tokens"} if reply.truncated else None),
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "metadata": body.get("metadata") or {},
        "output": output,
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "previous_response_id": body.get("previous_response_id"),
        "reasoning": body.get("reasoning"),
        "store": body.get("store", True),
        "temperature": body.get("temperature"),
        "text": body.get("text") or {"format": {"type": "text"}},
        "tool_choice": body.get("tool_choice", "auto"),
        "tools": body.get("tools") or [],
        "top_p": body.get("top_p"),
        "truncation": "disabled",
        "usage": responses_usage(reply),
    }


Emit = Callable[..., None]


def reasoning_events(emit: Emit, index: int, item: dict) -> None:
    where = {"item_id": item["id"], "output_index": index, "summary_index": 0}
    summary = item["summary"][0]
    emit("response.output_item.added", output_index=index, item={**item, "summary": []})
    emit("response.reasoning_summary_part.added", **where, part={**summary, "text": ""})
    for piece in word_pieces(summary["text"]):
        emit("response.reasoning_summary_text.delta", **where, delta=piece)
    emit("response.reasoning_summary_text.done", **where, text=summary["text"])
    emit("response.reasoning_summary_part.done", **where, part=summary)
    emit("response.output_item.done", output_index=index, item=item)


def web_search_events(emit: Emit, index: int, item: dict) -> None:
    where = {"item_id": item["id"], "output_index": index}
    emit(
        "response.output_item.added",
        output_index=index,
        item={**item, "status": "in_progress"},
    )
    for stage in ("in_progress", "searching", "completed"):
        emit(f"response.web_search_call.{stage}", **where)
    emit("response.output_item.done", output_index=index, item=item)


def function_call_events(emit: Emit, index: int, item: dict) -> None:
    where = {"item_id": item["id"], "output_index": index}
    emit(
        "response.output_item.added",
        output_index=index,
        item={**item, "arguments": "", "status": "in_progress"},
    )
    emit("response.function_call_arguments.delta", **where, delta=item["arguments"])
    emit("response.function_call_arguments.done", **where, arguments=item["arguments"])
    emit("response.output_item.done", output_index=index, item=item)


def message_events(emit: Emit, index: int, item: dict) -> None:
    where = {"item_id": item["id"], "output_index": index, "content_index": 0}
    part = item["content"][0]
    emit(
        "response.output_item.added",
        output_index=index,
        item={**item, "status": "in_progress", "content": []},
    )
    emit("response.content_part.added", **where, part={**part, "text": ""})
    for piece in word_pieces(part["text"]):
        emit("response.output_text.delta", **where, delta=piece, logprobs=[])
    emit("response.output_text.done", **where, text=part["text"], logprobs=[])
    emit("response.content_part.done", **where, part=part)
    emit("response.output_item.done", output_index=index, item=item)


ITEM_EVENTS: dict[str, Callable[[Emit, int, dict], None]] = {
    "reasoning": reasoning_events,
    "web_search_call": web_search_events,
    "function_call": function_call_events,
    "message": message_events,
}


def response_events(final: dict) -> list[dict]:
    """The typed SSE events that stream `final`, numbered by `sequence_number`."""
    events: list[dict] = []

    def emit(event_type: str, **fields: Any) -> None:
        events.append({"type": event_type, "sequence_number": len(events), **fields})

    start = {
        **final,
        "status": "in_progress",
        "output": [],
        "usage": None,
        "incomplete_details": None,
    }
    emit("response.created", response=start)
    emit("response.in_progress", response=start)
    for index, item in enumerate(final["output"]):
        ITEM_EVENTS[item["type"]](emit, index, item)
    finished = final["status"] == "completed"
    emit("response.completed" if finished else "response.incomplete", response=final)
    return events


# ---------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------


@dataclass
class SSEStream:
    events: list[dict]
    named: bool  # Responses events carry an `event:` line; chat ends with [DONE]


@dataclass
class StoredResponse:
    response: dict
    turns: list[Turn]  # what a later `previous_response_id` continues from


class FakeDashScope:
    """The fake server; ``with FakeDashScope() as server: ... server.base_url``."""

    def __init__(self, port: int = 0) -> None:
        self._port = port
        self._lock = threading.Lock()
        self._ids: Counter[str] = Counter()
        self._stored: dict[str, StoredResponse] = {}
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.requests: list[RecordedRequest] = []

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("FakeDashScope is not started")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeDashScope:
        # Loopback only: the fake must never be reachable from elsewhere.
        self._httpd = ThreadingHTTPServer(("127.0.0.1", self._port), _Handler)
        self._httpd.fake = self  # type: ignore[attr-defined]
        # A short poll interval keeps stop() quick.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-dashscope",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()
        self._httpd = self._thread = None

    def __enter__(self):  # -> Self (typing.Self needs Python 3.11)
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def handle(self, request: RecordedRequest) -> dict | SSEStream:
        """Answer one request; raises ApiError for HTTP errors."""
        # One request at a time, so ids are handed out in arrival order.
        with self._lock:
            self.requests.append(request)
            path = urlsplit(request.path).path
            for prefix, flavor in ((PREFIX, DASHSCOPE), (OPENAI_PREFIX, OPENAI)):
                if request.method == "GET" and path.startswith(f"{prefix}/responses/"):
                    return self._retrieve(path.rsplit("/", 1)[1])
                endpoint = {
                    f"{prefix}/chat/completions": self._chat,
                    f"{prefix}/responses": self._responses,
                }.get(path)
                if request.method == "POST" and endpoint:
                    if not isinstance(request.body, dict):
                        raise bad_request("The request body must be a JSON object.")
                    return endpoint(request.body, flavor)
            raise ApiError(404, f"Not found: {request.method} {path}", code="not_found")

    def _new_id(self, prefix: str) -> str:
        self._ids[prefix] += 1
        return f"{prefix}{self._ids[prefix]}"

    def _chat(self, body: dict, flavor: str = DASHSCOPE) -> dict | SSEStream:
        require(body, "model")
        require(body, "messages")
        turns = chat_turns(body["messages"], flavor)
        check_tool_outputs(turns)
        reply = run_model(
            body["model"],
            turns,
            tool_names=chat_tool_names(body),
            thinking=chat_thinking(body),
            search=chat_search(body),
            limit=body.get("max_completion_tokens") or body.get("max_tokens"),
        )
        completion_id = self._new_id("chatcmpl-")
        call_id = self._new_id("call_") if reply.tool_call else None
        if not body.get("stream"):
            return chat_completion(completion_id, body["model"], reply, call_id)
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        chunks = chat_chunks(completion_id, body["model"], reply, call_id, include_usage)
        return SSEStream(chunks, named=False)

    def _responses(self, body: dict, flavor: str = DASHSCOPE) -> dict | SSEStream:
        validate_responses_body(body)
        history = self._history(body.get("previous_response_id"))
        new_turns = response_input_turns(body["input"], flavor)
        # `instructions` are not inherited through previous_response_id.
        instructions = [Turn("system", body["instructions"])] if body.get("instructions") else []
        turns = instructions + history + new_turns
        check_tool_outputs(turns)
        reply = run_model(
            body["model"],
            turns,
            tool_names=responses_tool_names(body),
            thinking=responses_thinking(body),
            search=responses_search(body),
            limit=body.get("max_output_tokens"),
        )
        response_id = self._new_id("resp_")
        output = responses_output(reply, self._new_id)
        response = response_object(response_id, body, output, reply)
        if body.get("store", True):
            self._stored[response_id] = StoredResponse(response, history + new_turns + response_input_turns(output))
        if body.get("stream"):
            return SSEStream(response_events(response), named=True)
        return response

    def _history(self, previous_response_id: str | None) -> list[Turn]:
        if previous_response_id is None:
            return []
        stored = self._stored.get(previous_response_id)
        if stored is None:
            raise bad_request(f"Previous response with id '{previous_response_id}' not found.")
        return stored.turns

    def _retrieve(self, response_id: str) -> dict:
        stored = self._stored.get(response_id)
        if stored is None:
            raise ApiError(404, f"Response with id '{response_id}' not found.", code="not_found")
        return stored.response


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.0: every response closes its connection, which ends SSE bodies.
    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def _serve(self, method: str) -> None:
        headers = {name.lower(): value for name, value in self.headers.items()}
        request = RecordedRequest(method, self.path, self._read_body(), headers)
        try:
            result = self.server.fake.handle(request)  # type: ignore[attr-defined]
        except ApiError as error:
            self._send_json(error.status, error.body)
            return
        # A bug in the fake should surface as an API error, not a dropped connection.
        except Exception as error:  # noqa: BLE001
            self._send_json(500, internal_error(error))
            return
        if isinstance(result, SSEStream):
            self._send_sse(result)
        else:
            self._send_json(200, result)

    def _read_body(self) -> Any:
        """The parsed JSON body; the raw text if it is not JSON (rejected later)."""
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        try:
            return json.loads(raw) if raw else None
        except json.JSONDecodeError:
            return raw

    def _send_json(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send_sse(self, stream: SSEStream) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        for event in stream.events:
            name = f"event: {event['type']}\n" if stream.named else ""
            self.wfile.write(f"{name}data: {json.dumps(event)}\n\n".encode())
            self.wfile.flush()
        if not stream.named:
            self.wfile.write(b"data: [DONE]\n\n")


if __name__ == "__main__":
    with FakeDashScope(port=int(sys.argv[1]) if len(sys.argv) > 1 else 0) as server:
        print(server.base_url, flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


# ---------------------------------------------------------------------------
# Structured outputs (added for the structured-output rules)
# ---------------------------------------------------------------------------
# When a request asks for a JSON schema (Chat `response_format`, Responses `text.format`), the
# model answers with a JSON object that fits the schema instead of its usual sentence, as
# OpenAI does. (DashScope's Responses endpoint is known to ignore `text.format`; the rules keep
# such calls aimed at DashScope on Chat Completions.) Installed by wrapping the two endpoint
# handlers, so it is active when the module is imported (the tests), not in script mode.

from contextvars import ContextVar

_requested_schema: ContextVar[dict | None] = ContextVar("requested_schema", default=None)


def requested_schema(body: dict) -> dict | None:
    chat_format = body.get("response_format") or {}
    if chat_format.get("type") == "json_schema":
        return (chat_format.get("json_schema") or {}).get("schema")
    text_format = (body.get("text") or {}).get("format") or {}
    if text_format.get("type") == "json_schema":
        return text_format.get("schema")
    return None


def sample_json(schema: dict, defs: dict, text: str) -> Any:
    """A value that fits `schema`, made from `text` (strings) and its word count (numbers)."""
    if "$ref" in schema:
        return sample_json(defs[schema["$ref"].rsplit("/", 1)[1]], defs, text)
    if "anyOf" in schema:
        options = [s for s in schema["anyOf"] if s.get("type") != "null"] or schema["anyOf"]
        return sample_json(options[0], defs, text)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type", "object")
    if kind == "object":
        properties = schema.get("properties", {})
        return {name: sample_json(sub, defs, text) for name, sub in properties.items()}
    if kind == "array":
        return [sample_json(schema.get("items", {}), defs, text)]
    return {"string": text, "integer": count_words(text), "number": count_words(text) / 2, "boolean": True}.get(kind)


_compose_sentence = compose_text


def _compose_text_or_json(model: str, turns: list[Turn], search_query: str | None) -> str:
    schema = _requested_schema.get()
    if schema is None:
        return _compose_sentence(model, turns, search_query)
    users = [t.text for t in turns if t.role == "user"]
    return json.dumps(sample_json(schema, schema.get("$defs", {}), users[-1] if users else ""))


# run_model looks compose_text up when it runs.
compose_text = _compose_text_or_json


def _answering_with_schema(handler: Callable[..., dict | SSEStream]):
    def handle(self: FakeDashScope, body: dict, flavor: str = DASHSCOPE) -> dict | SSEStream:
        token = _requested_schema.set(requested_schema(body))
        try:
            return handler(self, body, flavor)
        finally:
            _requested_schema.reset(token)

    return handle


FakeDashScope._chat = _answering_with_schema(FakeDashScope._chat)
FakeDashScope._responses = _answering_with_schema(FakeDashScope._responses)
