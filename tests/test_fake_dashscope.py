"""Tests of the fake DashScope server, driven through the real openai SDK.

The SDK builds its objects leniently (a missing field just stays unset), so
`strict` re-validates every payload with pydantic to prove the server sends
the exact shapes the SDK types declare.
"""

import json

import openai
import pytest
from openai import OpenAI
from openai.types.chat import ChatCompletion, ChatCompletionChunk
from openai.types.responses import (
    Response,
    ResponseCompletedEvent,
    ResponseCreatedEvent,
    ResponseFunctionToolCall,
    ResponseFunctionWebSearch,
    ResponseIncompleteEvent,
    ResponseOutputMessage,
    ResponseReasoningItem,
    ResponseStreamEvent,
    ResponseTextDeltaEvent,
)
from pydantic import TypeAdapter

MODEL = "qwen-plus"
CHAT_WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather of a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}
# The Responses API takes the same tool flattened.
RESPONSES_WEATHER_TOOL = {"type": "function", **CHAT_WEATHER_TOOL["function"]}
LONG_QUESTION = " ".join(f"word{i}" for i in range(20))
STREAM_EVENTS = TypeAdapter(ResponseStreamEvent)


@pytest.fixture(scope="module")
def client(fake_dashscope):
    return OpenAI(
        api_key="test",
        base_url=fake_dashscope.base_url + "/compatible-mode/v1",
        max_retries=0,
    )


def strict(model_class, obj):
    """Re-validate an SDK object against its declared type; returns it."""
    model_class.model_validate(obj.to_dict())
    return obj


def chat(client, messages, **kwargs) -> ChatCompletion:
    return strict(
        ChatCompletion,
        client.chat.completions.create(model=MODEL, messages=messages, **kwargs),
    )


def respond(client, input, **kwargs) -> Response:
    return strict(Response, client.responses.create(model=MODEL, input=input, **kwargs))


def chat_stream(client, messages, **kwargs) -> list[ChatCompletionChunk]:
    stream = client.chat.completions.create(model=MODEL, messages=messages, stream=True, **kwargs)
    return [strict(ChatCompletionChunk, chunk) for chunk in stream]


def response_stream(client, input, **kwargs) -> list:
    events = list(client.responses.create(model=MODEL, input=input, stream=True, **kwargs))
    for event in events:
        STREAM_EVENTS.validate_python(event.to_dict())
    assert [e.sequence_number for e in events] == list(range(len(events)))
    return events


def streamed_chat_text(chunks, field="content") -> str:
    return "".join(getattr(c.choices[0].delta, field, None) or "" for c in chunks if c.choices)


def streamed_response_text(events) -> str:
    return "".join(e.delta for e in events if isinstance(e, ResponseTextDeltaEvent))


# --- Chat Completions ---------------------------------------------------------


def test_chat_completion(client, fake_dashscope):
    completion = chat(
        client,
        [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Hello there"},
        ],
    )

    assert isinstance(completion, ChatCompletion)
    assert completion.id.startswith("chatcmpl-")
    assert completion.created == 1700000000
    choice = completion.choices[0]
    assert choice.finish_reason == "stop"
    assert choice.message.content == "[qwen-plus] turn 1: 'Hello there'; context: Hello there (system: Be brief.)"
    assert getattr(choice.message, "reasoning_content", None) is None
    assert completion.usage.prompt_tokens == 4
    assert completion.usage.completion_tokens == 11
    assert completion.usage.total_tokens == 15
    assert completion.usage.prompt_tokens_details.cached_tokens == 0
    assert completion.usage.completion_tokens_details.reasoning_tokens == 0

    request = fake_dashscope.requests[-1]
    assert request.path == "/compatible-mode/v1/chat/completions"
    assert request.body["messages"][1] == {"role": "user", "content": "Hello there"}
    assert request.headers["authorization"] == "Bearer test"


def test_chat_content_parts_read_like_a_string(client):
    parts = chat(client, [{"role": "user", "content": [{"type": "text", "text": "Hello there"}]}])
    plain = chat(client, [{"role": "user", "content": "Hello there"}])
    assert parts.choices[0].message.content == plain.choices[0].message.content


def test_chat_stream_matches_non_stream(client):
    messages = [{"role": "user", "content": "Tell me a story"}]
    chunks = chat_stream(client, messages, stream_options={"include_usage": True})

    assert all(isinstance(c, ChatCompletionChunk) for c in chunks)
    assert len([c for c in chunks if c.choices and c.choices[0].delta.content]) > 1
    assert streamed_chat_text(chunks) == chat(client, messages).choices[0].message.content
    assert chunks[-2].choices[0].finish_reason == "stop"
    assert chunks[-1].choices == []
    assert chunks[-1].usage.prompt_tokens == 4


def test_chat_stream_without_usage_option_has_no_usage(client):
    chunks = chat_stream(client, [{"role": "user", "content": "Hi"}])
    assert all(c.usage is None for c in chunks)
    assert chunks[-1].choices[0].finish_reason == "stop"


# --- Responses ----------------------------------------------------------------


def test_response(client, fake_dashscope):
    response = respond(client, "Hello there", instructions="Be brief.")

    assert isinstance(response, Response)
    assert response.id.startswith("resp_")
    assert response.status == "completed"
    assert response.output_text == "[qwen-plus] turn 1: 'Hello there'; context: Hello there (system: Be brief.)"
    assert [type(item) for item in response.output] == [ResponseOutputMessage]
    assert response.usage.input_tokens == 4
    assert response.usage.output_tokens == 11
    assert response.usage.total_tokens == 15
    assert response.usage.input_tokens_details.cached_tokens == 0
    assert response.usage.output_tokens_details.reasoning_tokens == 0
    assert fake_dashscope.requests[-1].body == {
        "model": MODEL,
        "input": "Hello there",
        "instructions": "Be brief.",
    }


def test_response_stream_matches_output_text(client):
    events = response_stream(client, "Tell me a story")
    completed = events[-1]

    assert isinstance(events[0], ResponseCreatedEvent)
    assert isinstance(completed, ResponseCompletedEvent)
    assert [e.type for e in events if not isinstance(e, ResponseTextDeltaEvent)] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert len([e for e in events if isinstance(e, ResponseTextDeltaEvent)]) > 1
    assert streamed_response_text(events) == completed.response.output_text
    assert completed.response.output_text == respond(client, "Tell me a story").output_text
    assert completed.response.usage.input_tokens == 4


def test_response_stream_helper_accumulates(client):
    with client.responses.stream(model=MODEL, input="Hello there", reasoning={"effort": "low"}) as stream:
        deltas = [e.delta for e in stream if e.type == "response.output_text.delta"]
        final = stream.get_final_response()
    assert "".join(deltas) == final.output_text == respond(client, "Hello there").output_text


def test_retrieve_stored_response(client):
    response = respond(client, "Remember me")
    assert strict(Response, client.responses.retrieve(response.id)).output_text == response.output_text


def test_response_input_items_and_parts(client):
    items = [
        {"role": "developer", "content": "Be brief."},
        {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": "Hello there"}],
        },
    ]
    assert respond(client, items).output_text == respond(client, "Hello there", instructions="Be brief.").output_text


# --- Conversation state -------------------------------------------------------


def test_history_by_hand_and_previous_response_id_agree(client):
    first, second = "Hi, I am Ann", "What is my name?"

    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": first},
    ]
    messages.append(
        {
            "role": "assistant",
            "content": chat(client, messages).choices[0].message.content,
        }
    )
    messages.append({"role": "user", "content": second})
    by_chat = chat(client, messages)

    items = [{"role": "user", "content": first}]
    items += respond(client, items, instructions="Be brief.").output
    items.append({"role": "user", "content": second})
    by_items = respond(client, items, instructions="Be brief.")

    previous = respond(client, first, instructions="Be brief.")
    by_chain = respond(client, second, instructions="Be brief.", previous_response_id=previous.id)

    expected = "[qwen-plus] turn 2: 'What is my name?'; context: Hi, I am Ann | What is my name? (system: Be brief.)"
    assert by_chat.choices[0].message.content == by_items.output_text == by_chain.output_text == expected
    assert by_chat.usage.prompt_tokens == by_items.usage.input_tokens == by_chain.usage.input_tokens
    assert by_chat.usage.completion_tokens == by_items.usage.output_tokens == by_chain.usage.output_tokens


def test_unknown_previous_response_id_is_rejected(client):
    with pytest.raises(openai.BadRequestError) as raised:
        respond(client, "Hi", previous_response_id="resp_does_not_exist")
    assert raised.value.body["code"] == "invalid_parameter"
    assert raised.value.body["type"] == "invalid_request_error"


def test_unstored_response_cannot_be_continued(client):
    response = respond(client, "Hi", store=False)
    with pytest.raises(openai.BadRequestError):
        respond(client, "Again", previous_response_id=response.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(response.id)


# --- Thinking -----------------------------------------------------------------


def test_chat_thinking(client):
    messages = [{"role": "user", "content": "Why is the sky blue?"}]
    completion = chat(client, messages, extra_body={"enable_thinking": True})
    message = completion.choices[0].message
    assert message.reasoning_content == "thinking about 'Why is the sky blue?'"
    assert message.content == chat(client, messages).choices[0].message.content
    assert completion.usage.completion_tokens_details.reasoning_tokens == 7

    chunks = chat_stream(client, messages, extra_body={"enable_thinking": True})
    deltas = [c.choices[0].delta for c in chunks[1:-1]]
    thinking = [bool(getattr(d, "reasoning_content", None)) for d in deltas]
    # All reasoning chunks come first, then the content chunks.
    assert thinking == sorted(thinking, reverse=True) and thinking[0]
    assert streamed_chat_text(chunks, "reasoning_content") == message.reasoning_content
    assert streamed_chat_text(chunks) == message.content


def test_response_thinking(client):
    response = respond(client, "Why is the sky blue?", reasoning={"effort": "medium"})
    reasoning, message = response.output
    assert isinstance(reasoning, ResponseReasoningItem)
    assert reasoning.summary[0].text == "thinking about 'Why is the sky blue?'"
    assert isinstance(message, ResponseOutputMessage)
    assert response.output_text == respond(client, "Why is the sky blue?").output_text
    assert response.usage.output_tokens_details.reasoning_tokens == 7
    assert respond(client, "Hi", reasoning={"effort": "none"}).output[0].type == "message"
    assert respond(client, "Hi", extra_body={"enable_thinking": True}).output[0].type == "reasoning"

    events = response_stream(client, "Why is the sky blue?", reasoning={"effort": "medium"})
    types = [e.type for e in events]
    assert types.index("response.reasoning_summary_text.delta") < types.index("response.output_text.delta")
    summary = "".join(e.delta for e in events if e.type == "response.reasoning_summary_text.delta")
    assert summary == reasoning.summary[0].text
    assert "response.reasoning_summary_text.done" in types


# --- Tool calls ---------------------------------------------------------------


def test_chat_tool_round_trip(client):
    messages = [{"role": "user", "content": "What is the weather in Paris?"}]
    completion = chat(client, messages, tools=[CHAT_WEATHER_TOOL])
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    (call,) = choice.message.tool_calls
    assert call.id.startswith("call_")
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Paris"}

    chunks = chat_stream(client, messages, tools=[CHAT_WEATHER_TOOL])
    (streamed_call,) = [c.choices[0].delta.tool_calls[0] for c in chunks if c.choices[0].delta.tool_calls]
    assert streamed_call.function.arguments == call.function.arguments
    assert chunks[-1].choices[0].finish_reason == "tool_calls"

    messages.append(choice.message.model_dump(exclude_none=True))
    messages.append({"role": "tool", "tool_call_id": call.id, "content": "sunny"})
    answer = chat(client, messages, tools=[CHAT_WEATHER_TOOL]).choices[0]
    assert answer.finish_reason == "stop"
    assert "tool said: sunny" in answer.message.content


def test_response_tool_round_trip(client):
    question = "What is the weather in Paris?"
    response = respond(client, question, tools=[RESPONSES_WEATHER_TOOL])
    (call,) = response.output
    assert isinstance(call, ResponseFunctionToolCall)
    assert call.id.startswith("fc_") and call.call_id.startswith("call_")
    assert call.name == "get_weather"
    assert json.loads(call.arguments) == {"city": "Paris"}
    assert response.output_text == ""

    events = response_stream(client, question, tools=[RESPONSES_WEATHER_TOOL])
    (arguments_done,) = [e for e in events if e.type == "response.function_call_arguments.done"]
    assert arguments_done.arguments == call.arguments

    tool_output = {
        "type": "function_call_output",
        "call_id": call.call_id,
        "output": "sunny",
    }
    chained = respond(
        client,
        [tool_output],
        previous_response_id=response.id,
        tools=[RESPONSES_WEATHER_TOOL],
    )
    by_hand = respond(
        client,
        [{"role": "user", "content": question}, call, tool_output],
        tools=[RESPONSES_WEATHER_TOOL],
    )
    by_chat = chat(
        client,
        [
            {"role": "user", "content": question},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": call.call_id,
                        "type": "function",
                        "function": {"name": call.name, "arguments": call.arguments},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": call.call_id, "content": "sunny"},
        ],
        tools=[CHAT_WEATHER_TOOL],
    )
    assert "tool said: sunny" in chained.output_text
    assert chained.output_text == by_hand.output_text == by_chat.choices[0].message.content
    assert chained.usage.input_tokens == by_hand.usage.input_tokens == by_chat.usage.prompt_tokens


def test_tool_output_without_its_call_is_rejected(client):
    with pytest.raises(openai.BadRequestError):
        respond(
            client,
            [
                {
                    "type": "function_call_output",
                    "call_id": "call_missing",
                    "output": "sunny",
                }
            ],
        )
    with pytest.raises(openai.BadRequestError):
        chat(
            client,
            [
                {"role": "user", "content": "Hi"},
                {"role": "tool", "tool_call_id": "call_missing", "content": "x"},
            ],
        )


def test_mentioning_a_tool_name_calls_it(client):
    other = {
        "type": "function",
        "name": "get_time",
        "parameters": {"type": "object", "properties": {}},
    }
    response = respond(client, "Please use get_time for Tokyo", tools=[RESPONSES_WEATHER_TOOL, other])
    assert response.output[0].name == "get_time"


# --- Truncation ---------------------------------------------------------------


@pytest.mark.parametrize("limit_key", ["max_tokens", "max_completion_tokens"])
def test_chat_truncation(client, limit_key):
    messages = [{"role": "user", "content": "Tell me a story"}]
    completion = chat(client, messages, **{limit_key: 3})
    assert completion.choices[0].finish_reason == "length"
    assert completion.choices[0].message.content == "[qwen-plus] turn 1:"
    assert completion.usage.completion_tokens == 3

    chunks = chat_stream(client, messages, **{limit_key: 3})
    assert streamed_chat_text(chunks) == "[qwen-plus] turn 1:"
    assert chunks[-1].choices[0].finish_reason == "length"


def test_response_truncation(client):
    response = respond(client, LONG_QUESTION, max_output_tokens=16)
    assert response.status == "incomplete"
    assert response.incomplete_details.reason == "max_output_tokens"
    assert len(response.output_text.split()) == 16
    assert response.usage.output_tokens == 16
    assert chat(client, [{"role": "user", "content": LONG_QUESTION}], max_tokens=16).choices[0].message.content == (
        response.output_text
    )

    events = response_stream(client, LONG_QUESTION, max_output_tokens=16)
    assert isinstance(events[-1], ResponseIncompleteEvent)
    assert streamed_response_text(events) == response.output_text == events[-1].response.output_text


def test_no_truncation_below_the_limit(client):
    response = respond(client, "Hi", max_output_tokens=100)
    assert response.status == "completed" and response.incomplete_details is None


# --- Web search ---------------------------------------------------------------


def test_web_search(client):
    question = "Who won the match?"
    completion = chat(
        client,
        [{"role": "user", "content": question}],
        extra_body={"enable_search": True},
    )
    response = respond(client, question, tools=[{"type": "web_search"}])

    assert completion.choices[0].message.content.endswith(" [searched: Who won the match?]")
    assert response.output_text == completion.choices[0].message.content
    search, _message = response.output
    assert isinstance(search, ResponseFunctionWebSearch)
    assert search.status == "completed"
    assert search.action.type == "search" and search.action.query == question
    assert response.usage.x_tools == {"web_search": {"count": 1}}

    events = response_stream(client, question, tools=[{"type": "web_search"}])
    assert "response.web_search_call.completed" in [e.type for e in events]
    assert events[-1].response.output[0].type == "web_search_call"


# --- Usage --------------------------------------------------------------------


def test_usage_matches_between_endpoints(client):
    completion = chat(
        client,
        [
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "Count my words please"},
        ],
        extra_body={"enable_thinking": True},
    )
    response = respond(
        client,
        "Count my words please",
        instructions="You are a helpful assistant.",
        reasoning={"effort": "low"},
    )
    assert completion.usage.prompt_tokens == response.usage.input_tokens == 9
    assert completion.usage.completion_tokens == response.usage.output_tokens
    assert completion.usage.total_tokens == response.usage.total_tokens
    assert (
        completion.usage.completion_tokens_details.reasoning_tokens
        == response.usage.output_tokens_details.reasoning_tokens
        == 6
    )


# --- Rejections ---------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param(
            {"extra_body": {"messages": [{"role": "user", "content": "Hi"}]}},
            id="messages",
        ),
        pytest.param({"tools": [CHAT_WEATHER_TOOL]}, id="nested-chat-tool"),
        pytest.param({"extra_body": {"max_tokens": 50}}, id="max_tokens"),
        pytest.param({"max_output_tokens": 15}, id="max_output_tokens-below-16"),
        pytest.param(
            {"input": [{"role": "tool", "tool_call_id": "call_1", "content": "sunny"}]},
            id="role-tool",
        ),
        pytest.param({"model": openai.omit}, id="missing-model"),
    ],
)
def test_responses_rejections(client, kwargs):
    with pytest.raises(openai.BadRequestError) as raised:
        client.responses.create(**{"model": MODEL, "input": "Hi", **kwargs})
    assert raised.value.status_code == 400
    assert raised.value.body["type"] == "invalid_request_error"


def test_chat_without_model_is_rejected(client):
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model=openai.omit, messages=[{"role": "user", "content": "Hi"}])


def test_legacy_path_is_not_found(fake_dashscope):
    legacy = OpenAI(
        api_key="test",
        base_url=fake_dashscope.base_url + "/api/v2/apps/protocols/compatible-mode/v1",
        max_retries=0,
    )
    with pytest.raises(openai.NotFoundError):
        legacy.responses.create(model=MODEL, input="Hi")
    with pytest.raises(openai.NotFoundError):
        legacy.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "Hi"}])


# --- OpenAI-style thinking and search switches in Chat ---------------------------


def test_chat_reasoning_effort_and_web_search_options(client):
    question = [{"role": "user", "content": "Why is the sky blue?"}]
    thinking = chat(client, question, reasoning_effort="low")
    assert thinking.usage.completion_tokens_details.reasoning_tokens == 7
    assert chat(client, question, reasoning_effort="none").usage.completion_tokens_details.reasoning_tokens == 0
    searched = chat(client, question, web_search_options={})
    assert searched.choices[0].message.content.endswith(" [searched: Why is the sky blue?]")


# --- Structured outputs ------------------------------------------------------------


def test_json_schema_answers_fit_the_schema_on_both_endpoints(client):
    from pydantic import BaseModel

    class City(BaseModel):
        name: str
        population: int
        tags: list[str]

    question = [{"role": "user", "content": "Describe Paris briefly"}]
    chat_parsed = client.chat.completions.parse(model=MODEL, messages=question, response_format=City)
    response_parsed = client.responses.parse(model=MODEL, input=question, text_format=City)
    expected = City(name="Describe Paris briefly", population=3, tags=["Describe Paris briefly"])
    assert chat_parsed.choices[0].message.parsed == expected
    assert response_parsed.output_parsed == expected
    assert chat_parsed.usage.completion_tokens == response_parsed.usage.output_tokens
    # Without a schema the answer is the usual sentence.
    assert chat(client, question).choices[0].message.content.startswith("[qwen-plus] turn 1")


# --- Content parts, checked per API ----------------------------------------------

IMAGE = "https://example.com/cat.png"
CHAT_PARTS = [
    {"type": "text", "text": "What is this?"},
    {"type": "image_url", "image_url": {"url": IMAGE, "detail": "low"}},
    {"type": "file", "file": {"file_id": "file-1"}},
]
RESPONSES_PARTS = [
    {"type": "input_text", "text": "What is this?"},
    {"type": "input_image", "image_url": IMAGE, "detail": "low"},
    {"type": "input_file", "file_id": "file-1"},
]


@pytest.fixture(scope="module")
def openai_client(fake_dashscope):
    """A client of the fake's OpenAI path, where parts are checked as OpenAI's API does."""
    return OpenAI(api_key="test", base_url=fake_dashscope.base_url + "/openai/v1", max_retries=0)


def test_chat_parts_and_their_responses_form_read_the_same(openai_client):
    completion = chat(openai_client, [{"role": "user", "content": CHAT_PARTS}])
    response = respond(openai_client, [{"role": "user", "content": RESPONSES_PARTS}])
    assert completion.choices[0].message.content == response.output_text
    assert f"[image {IMAGE} low] [file file-1]" in response.output_text


def test_the_model_sees_a_lost_detail_or_url(openai_client):
    full = respond(openai_client, [{"role": "user", "content": RESPONSES_PARTS}]).output_text
    without_detail = [RESPONSES_PARTS[0], {**RESPONSES_PARTS[1], "detail": "auto"}]
    assert respond(openai_client, [{"role": "user", "content": without_detail}]).output_text != full


@pytest.mark.parametrize(
    "part",
    [
        pytest.param({"type": "text", "text": "Hi"}, id="chat-text"),
        pytest.param({"type": "image_url", "image_url": {"url": IMAGE}}, id="chat-image"),
        pytest.param({"type": "input_image", "image_url": {"url": IMAGE}}, id="url-not-flattened"),
        pytest.param({"type": "input_image", "image_url": IMAGE, "min_pixels": 1}, id="vendor-key"),
        pytest.param({"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}}, id="audio"),
    ],
)
def test_openai_responses_refuses_what_openai_refuses(openai_client, part):
    with pytest.raises(openai.BadRequestError):
        openai_client.responses.create(model="gpt-4.1-mini", input=[{"role": "user", "content": [part]}])


def test_openai_chat_refuses_responses_parts(openai_client):
    with pytest.raises(openai.BadRequestError):
        chat(openai_client, [{"role": "user", "content": RESPONSES_PARTS[:1]}])


def test_dashscope_responses_takes_documented_parts_only(client):
    documented = [{"type": "text", "text": "Hi"}, {"type": "image_url", "image_url": {"url": IMAGE}}]
    assert respond(client, [{"role": "user", "content": documented}]).output_text
    assert respond(client, [{"role": "user", "content": [{"type": "input_text", "text": "Hi"}]}]).output_text
    with pytest.raises(openai.BadRequestError):
        respond(client, [{"role": "user", "content": [{"type": "video", "video": ["a.jpg"]}]}])
