"""Edge cases of the chain proof (RSP021) for lists kept on an object, `self.<attr>`.

The fixtures under fixtures/history-chain/ show the main shapes and run them against the fake
server; these cases pin down each use that must stop a chain, and the ones that must not.
"""

from __future__ import annotations

import textwrap

import pytest

from migrator.engine import migrate_source

HEADER = """\
from openai import OpenAI


"""

BOT = """\
class Bot:
    def __init__(self):
        self.client = OpenAI()
        self.messages = [{"role": "system", "content": "Be brief."}]

    def ask(self, question: str):
        self.messages.append({"role": "user", "content": question})
        completion = self.client.chat.completions.create(model="gpt-4o", messages=self.messages)
        self.messages.append(completion.choices[0].message)
        return completion.choices[0].message.content
"""


def migrate(source: str):
    return migrate_source(HEADER + textwrap.dedent(source))


def chain_notes(result) -> list[str]:
    return [f.message for f in result.findings if f.code == "RSP021"]


def messages(result) -> list[str]:
    return [f"{f.code} {f.message}" for f in result.findings]


def assert_not_chained(result, reason: str) -> None:
    """No chain was made, and a finding gives `reason`."""
    assert "previous_response_id" not in result.new_source
    assert any(reason in message for message in messages(result)), messages(result)


def test_a_bot_class_chains_on_the_instance():
    result = migrate(BOT)
    assert "self.previous_response_id = None" in result.new_source
    assert "previous_response_id=self.previous_response_id" in result.new_source
    assert "self.previous_response_id = completion.id" in result.new_source
    assert "self.messages.append(completion" not in result.new_source
    assert [n for n in chain_notes(result) if "now chains" in n]


def test_two_classes_with_the_same_attribute_each_chain():
    result = migrate(BOT + "\n\n" + BOT.replace("class Bot", "class OtherBot"))
    assert result.new_source.count("self.previous_response_id = completion.id") == 2


def test_a_free_attribute_name_is_chosen():
    result = migrate(BOT + "\n\nclass Other:\n    previous_response_id = 1\n\nprint(Other().previous_response_id)\n")
    assert "self.previous_response_id_2 = completion.id" in result.new_source


@pytest.mark.parametrize(
    "extra, reason",
    [
        ("\nbot = Bot()\nprint(bot.messages)\n", "`self.messages` is also reached as `print(bot.messages)`"),
        (
            "\nclass Loud(Bot):\n    def last(self):\n        return self.messages[-1]\n",
            "`self.messages` is also reached as `self.messages[-1]`",
        ),
        (  # a subclass of a generic base, `Bot[int]`, is a subclass all the same
            "\nclass Loud(Bot[int]):\n    def last(self):\n        return self.messages.pop()\n",
            "`self.messages` is also reached as `self.messages.pop()`",
        ),
        # Not even migrated: what getattr reaches is not seen, so the messages are not either.
        (
            '\nprint(getattr(Bot(), "messages"))\n',
            'RSP001 `self.messages` is also reached in `print(getattr(Bot(), "messages"))`',
        ),
    ],
)
def test_reaching_the_list_from_outside_its_class_stops_the_chain(extra, reason):
    result = migrate(BOT + extra)
    assert_not_chained(result, reason)


@pytest.mark.parametrize(
    "change, reason",
    [
        (
            ("        return completion", "        print(len(self.messages))\n        return completion"),
            "`self.messages` is also used in `len(self.messages)`",
        ),
        (
            (
                "        self.messages.append(completion",
                (
                    '        self.messages.append({"role": "user", "content": "and?"})\n'
                    "        self.messages.append(completion"
                ),
            ),
            "`self.messages` is used between the call and the append of its reply",
        ),
        (
            (
                "    def ask(self, question: str):",
                (
                    "    def quick(self):\n"
                    '        completion = self.client.chat.completions.create(model="gpt-4o", messages=self.messages)\n'
                    "        print(completion.choices[0].message.content)\n\n"
                    "    def ask(self, question: str):"
                ),
            ),
            (
                "RSP021 the conversation in `self.messages` keeps resending the whole history (no previous_response_id "
                "chain): this call's reply is not appended right after it"
            ),
        ),
        (
            (
                "    def ask(self, question: str):",
                (
                    '    def more(self):\n        self.messages += [{"role": "user", "content": "x"}]\n\n'
                    "    def ask(self, question: str):"
                ),
            ),
            'RSP001 `self.messages` is also reached in `self.messages += [{"role": "user", "content": "x"}]`',
        ),
        (("class Bot:\n", 'class Bot:\n    __slots__ = ("client", "messages")\n\n'), "the class has `__slots__`"),
        (
            ("        self.messages = [", "        self.messages = list(\n            ["),
            "RSP001 `self.messages` is bound in a way the tool cannot follow",
        ),
    ],
)
def test_other_uses_of_the_list_stop_the_chain(change, reason):
    old, new = change
    assert old in BOT
    source = BOT.replace(old, new)
    if "list(\n" in source:
        source = source.replace('"Be brief."}]', '"Be brief."}]\n        )')
    result = migrate(source)
    assert_not_chained(result, reason)


def test_a_local_turn_appended_between_call_and_reply_stops_the_chain():
    source = """\
    client = OpenAI()
    messages = [{"role": "user", "content": "Hi"}]
    completion = client.chat.completions.create(model="gpt-4o", messages=messages)
    messages.append({"role": "user", "content": "And?"})
    messages.append(completion.choices[0].message)
    completion = client.chat.completions.create(model="gpt-4o", messages=messages)
    print(completion.choices[0].message.content)
    """
    result = migrate(source)
    assert "previous_response_id" not in result.new_source
    assert any("used between the call and the append of its reply" in n for n in chain_notes(result))


STREAMED = """\
client = OpenAI()
messages = [{"role": "system", "content": "Be brief."}]
for question in ["Hi", "And?"]:
    messages.append({"role": "user", "content": question})
    stream = client.chat.completions.create(model="gpt-4o", messages=messages, stream=True)
    reply = ""
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            reply += chunk.choices[0].delta.content
    messages.append({"role": "assistant", "content": reply})
"""


def test_a_streamed_reply_chains_from_the_created_event():
    result = migrate(STREAMED)
    assert 'if event.type == "response.created":\n            previous_response_id = event.response.id' in (
        result.new_source
    )
    assert 'messages.append({"role": "assistant"' not in result.new_source


def _replace(old: str, new: str):
    return lambda source: source.replace(old, new)


ADD_LINE = "            reply += chunk.choices[0].delta.content\n"


@pytest.mark.parametrize(
    "change, reason",
    [
        (
            # `reply` only ever gets `+=`: not even shown to be text, so the call itself stays
            _replace('    reply = ""\n', ""),
            "the content `reply` gets `chunk.choices[0].delta.content`",
        ),
        (
            # set once before the conversation, not before each turn's loop
            lambda source: source.replace('    reply = ""\n', "").replace("for question", 'reply = ""\nfor question'),
            '`reply = ""` must come right before the loop over chunks, in the same block',
        ),
        (_replace(ADD_LINE, ADD_LINE * 2), "`reply` must be bound twice"),
        (
            _replace(ADD_LINE, "            if len(reply) < 10:\n    " + ADD_LINE),
            "`reply` does not add up every text delta of the stream",
        ),
        (_replace(ADD_LINE, ADD_LINE + "            raise SystemExit\n"), "the loop over chunks may stop early"),
    ],
)
def test_a_streamed_reply_the_tool_cannot_prove_whole_stops_the_chain(change, reason):
    source = change(STREAMED)
    assert source != STREAMED
    result = migrate(source)
    assert_not_chained(result, reason)


def test_a_module_level_list_sent_from_a_function_is_named_as_the_reason():
    source = """\
    client = OpenAI()
    history = [{"role": "system", "content": "Be brief."}]


    def ask(question: str):
        history.append({"role": "user", "content": question})
        completion = client.chat.completions.create(model="gpt-4o", messages=history)
        history.append(completion.choices[0].message)
        return completion.choices[0].message.content
    """
    result = migrate(source)
    assert "previous_response_id" not in result.new_source
    assert "input=history" in result.new_source
    assert any("`history` is made outside `ask()`, which sends it" in note for note in chain_notes(result))


def test_the_chain_note_speaks_of_dashscope_only_for_dashscope_clients():
    openai_note = chain_notes(migrate(BOT))
    assert len(openai_note) == 1 and "DashScope" not in openai_note[0] and "`store` must stay true" in openai_note[0]
    on_dashscope = BOT.replace(
        "OpenAI()", 'OpenAI(base_url="https://dashscope.aliyuncs.com/compatible-mode/v1")'
    ).replace("gpt-4o", "qwen-plus")
    (dashscope_note,) = chain_notes(migrate(on_dashscope))
    assert "DashScope keeps response ids 7 days" in dashscope_note and "--session-cache" in dashscope_note
