"""Paths into a Chat Completions result, and what each one is on a Response.

A path is the accesses made on a result, step by step: `("choices", 0, "message", "content")`
for `resp.choices[0].message.content` (`ResultUse.path`). Rules map the reads at the ends of
paths; this module holds what they share: the parts of a result a name may hold and still be
followed (`choice = resp.choices[0]`, then `choice.message.content`), and the token counts,
which keep their meaning under new names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

Path: TypeAlias = tuple[str | int, ...]

#: The path of the message object of a result (`resp.choices[0].message`).
MESSAGE_PATH: Path = ("choices", 0, "message")
#: The path of a result's text.
CONTENT_PATH: Path = (*MESSAGE_PATH, "content")


@dataclass(frozen=True)
class HeldPart:
    """A part of a result that a name may hold."""

    #: How findings name it.
    description: str
    #: The same part of a Response, which the name holds once the call is migrated: `()` for
    #: the response itself, where Responses has no such part (a Response has no choices; its
    #: reads are mapped from the response).
    on_response: Path


#: The parts a name may hold and still be followed: every read through the name is a use of
#: the result with the part's path in front, mapped like a read of the result itself.
HELD_PARTS: dict[Path, HeldPart] = {
    ("choices",): HeldPart("the `choices` list", ()),
    ("choices", 0): HeldPart("`.choices[0]` of the result", ()),
    # (RSP002 may make a name that is read only for its text hold the text instead)
    MESSAGE_PATH: HeldPart("the message object", ()),
    ("usage",): HeldPart("the usage object", ("usage",)),
    ("usage", "prompt_tokens_details"): HeldPart("`usage.prompt_tokens_details`", ("usage", "input_tokens_details")),
    ("usage", "completion_tokens_details"): HeldPart(
        "`usage.completion_tokens_details`", ("usage", "output_tokens_details")
    ),
}

#: Token counts: the Chat path and the Response path of the same number.
TOKEN_COUNTS: dict[Path, Path] = {
    ("usage", "prompt_tokens"): ("usage", "input_tokens"),
    ("usage", "completion_tokens"): ("usage", "output_tokens"),
    ("usage", "total_tokens"): ("usage", "total_tokens"),
    ("usage", "prompt_tokens_details", "cached_tokens"): ("usage", "input_tokens_details", "cached_tokens"),
    ("usage", "completion_tokens_details", "reasoning_tokens"): (
        "usage",
        "output_tokens_details",
        "reasoning_tokens",
    ),
}


def held_on_response(path: Path, held: int) -> Path:
    """What the base of a use holds once its call is migrated: the Response path of the part its
    name holds (`()`, the response itself, for a base that holds the result)."""
    return HELD_PARTS[path[:held]].on_response if held else ()


def relative_to(target: Path, base: Path) -> Path | None:
    """The steps from `base` to `target` (both Response paths), or None when `target` is not
    under `base`."""
    return target[len(base) :] if target[: len(base)] == base else None
