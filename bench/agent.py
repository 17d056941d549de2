"""A research assistant on Chat Completions: the one file with calls to migrate that
bench/bench.py times `check` on, as a pre-commit hook sees it when such a file is committed.
Typical of an agent project's one module that talks to the model: a client, a plain question,
a streamed answer, JSON output, a tool loop, token accounting, and the code around them."""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from openai import OpenAI

log = logging.getLogger(__name__)

MODEL = "qwen-plus"
FAST_MODEL = "qwen-flash"
SYSTEM_PROMPT = "You are a careful research assistant. Cite the notes you were given."
NOTES_DIR = Path(os.getenv("NOTES_DIR", "notes"))

client = OpenAI(
    api_key=os.getenv("DASHSCOPE_API_KEY"),
    base_url="https://dashscope.aliyuncs.com/compatible-mode/v1",
)

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "search_notes",
            "description": "Search the user's notes for a phrase",
            "parameters": {
                "type": "object",
                "properties": {"phrase": {"type": "string"}},
                "required": ["phrase"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "read_note",
            "description": "Read one note by its file name",
            "parameters": {
                "type": "object",
                "properties": {"name": {"type": "string"}},
                "required": ["name"],
            },
        },
    },
]


@dataclass
class Usage:
    """Tokens spent, per model, for the monthly report."""

    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    by_model: dict[str, int] = field(default_factory=dict)

    def add(self, model: str, prompt: int, completion: int) -> None:
        self.calls += 1
        self.input_tokens += prompt
        self.output_tokens += completion
        self.by_model[model] = self.by_model.get(model, 0) + prompt + completion

    def report(self) -> str:
        lines = [f"{self.calls} calls, {self.input_tokens} in, {self.output_tokens} out"]
        for model, tokens in sorted(self.by_model.items()):
            lines.append(f"  {model}: {tokens}")
        return "\n".join(lines)


USAGE = Usage()


def search_notes(phrase: str) -> list[str]:
    found = []
    for path in sorted(NOTES_DIR.glob("*.md")):
        if phrase.lower() in path.read_text(encoding="utf-8").lower():
            found.append(path.name)
    return found


def read_note(name: str) -> str:
    path = NOTES_DIR / Path(name).name
    return path.read_text(encoding="utf-8") if path.is_file() else f"no note called {name}"


TOOL_FUNCTIONS = {"search_notes": search_notes, "read_note": read_note}


def ask(question: str) -> str:
    """One question, one answer."""
    completion = client.chat.completions.create(
        model=MODEL,
        messages=[
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": question},
        ],
        temperature=0.2,
        max_tokens=800,
    )
    USAGE.add(MODEL, completion.usage.prompt_tokens, completion.usage.completion_tokens)
    return completion.choices[0].message.content


def ask_streaming(question: str) -> str:
    """Prints the answer as it comes, and returns it whole."""
    stream = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": question}],
        stream=True,
    )
    pieces = []
    for chunk in stream:
        text = chunk.choices[0].delta.content
        if text:
            print(text, end="", flush=True)
            pieces.append(text)
    print()
    return "".join(pieces)


def keywords(text: str) -> list[str]:
    """The model's keywords for a text, as a JSON list."""
    completion = client.chat.completions.create(
        model=FAST_MODEL,
        messages=[{"role": "user", "content": f"Give five keywords for this text as JSON: {text}"}],
        response_format={"type": "json_object"},
        extra_body={"enable_thinking": False},
    )
    try:
        data = json.loads(completion.choices[0].message.content)
    except json.JSONDecodeError:
        log.warning("the model did not answer JSON")
        return []
    return [str(word) for word in data.get("keywords", [])][:5]


def research(question: str, max_turns: int = 5) -> str:
    """Lets the model search and read the notes until it can answer."""
    messages = [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": question},
    ]
    completion = client.chat.completions.create(model=MODEL, messages=messages, tools=TOOLS)
    turns = 0
    while completion.choices[0].message.tool_calls and turns < max_turns:
        messages.append(completion.choices[0].message)
        for tool_call in completion.choices[0].message.tool_calls:
            arguments = json.loads(tool_call.function.arguments)
            log.info("tool %s %s", tool_call.function.name, arguments)
            result = TOOL_FUNCTIONS[tool_call.function.name](**arguments)
            messages.append({"role": "tool", "tool_call_id": tool_call.id, "content": json.dumps(result)})
        completion = client.chat.completions.create(model=MODEL, messages=messages, tools=TOOLS)
        turns += 1
    return completion.choices[0].message.content


def timed(question: str) -> tuple[str, float]:
    start = time.perf_counter()
    answer = ask(question)
    return answer, time.perf_counter() - start


def main() -> None:
    answer, seconds = timed("What did I write about tidal energy?")
    print(f"{answer}\n({seconds:.1f} s)")
    print(research("Which of my notes disagree with each other?"))
    print(keywords(ask_streaming("Summarize my notes on wind power.")))
    print(USAGE.report())


if __name__ == "__main__":
    main()
