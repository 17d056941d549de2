"""RSP025 content-parts: Chat content parts take their Responses form, or the call stays.

What it does

Every part of every message a migrated call sends is converted or reported, wherever the list
is built: inline, in a name grown with `.append` / `.extend` / `+=`, in a comprehension, or in
a helper function of the file (`migrator/analysis/content.py` finds them, and refuses content
it cannot see whole).

OpenAI (its Responses API takes only `input_text`, `input_image` and `input_file` parts):
- `{"type": "text", "text": T}` → `{"type": "input_text", "text": T}`;
- `{"type": "image_url", "image_url": {"url": U, "detail": D}}` →
  `{"type": "input_image", "image_url": U, "detail": D}`: the URL comes out of its dict, and
  `"detail": "auto"` (Chat's default) is written when there was none (the SDK's type requires it);
- `{"type": "file", "file": {"file_id": F}}` → `{"type": "input_file", "file_id": F}` (also
  `file_data`, `filename`).

DashScope: text parts become `input_text` (both are accepted).

Why

A message's content may be a list of parts. The two APIs name them differently, and some have
no Responses form at all. DashScope's Responses reference documents image input only as the
Chat-style `image_url` part, and `input_image` there is unverified; audio, video and file input
(`input_file`, for one OCR model only) are not listed.

OpenAI: https://developers.openai.com/api/docs/guides/images-vision
DashScope: https://help.aliyun.com/zh/model-studio/qwen-api-via-openai-responses

Example

    - {"type": "image_url", "image_url": {"url": url}},
    + {"type": "input_image", "image_url": url, "detail": "auto"},

Fix safety

Part of migrating the call (RSP001 decides). Reported, and the call stays on Chat Completions:
`input_audio` (no Responses form); on DashScope, image, audio, video and file parts; any other
key in a part (`min_pixels`, `max_pixels`, `fps`, `cache_control` on OpenAI, ...), which is
never dropped; an assistant message with parts (on Responses its text would be `output_text`
parts; write it as one string). Calls that send the same parts are migrated together or not at
all, and parts that also go anywhere else keep the call.

Known problems

Parts made by a public module-level function are not converted (other modules may call it; an
assumption that --unsafe-fixes accepts); a private (`_name`) or nested helper's are.

Options

- `--unsafe-fixes`: also convert the parts a public module-level function makes.
- `--ignore RSP025` keeps every call that sends content parts on Chat Completions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Callable

import libcst as cst

from migrator.syntax import dict_entries, literal_string, string, with_elements
from migrator.analysis import CompletionCall
from migrator.analysis import Content
from migrator.analysis import PLAIN_ROLES, listed_messages
from migrator.rules.base import FileContext
from migrator.analysis import Provider
from migrator.rules.base import Rule

#: Keys of a Chat `file` part's inner dict, which an `input_file` part takes at its top level.
FILE_KEYS = frozenset({"file_data", "file_id", "filename"})
#: Keys a DashScope text part may keep: its explicit cache marker (the Responses reference
#: mentions array content for explicit caching).
DASHSCOPE_TEXT_KEYS = frozenset({"cache_control"})
_NO_AUDIO_OR_VIDEO = {
    "input_audio": "audio input has no Responses equivalent; keep this call on Chat Completions",
    "audio": "audio input has no Responses equivalent; keep this call on Chat Completions",
    "video": "video input has no Responses equivalent; keep this call on Chat Completions",
    "video_url": "video input has no Responses equivalent; keep this call on Chat Completions",
}
_RESPONSES_PARTS = frozenset({"input_text", "input_image", "input_file"})


@dataclass(frozen=True)
class Conversion:
    """How one part dict changes, and the finding that says so."""

    part: cst.Dict
    change: Callable[[cst.Dict], cst.Dict]
    message: str


class ContentParts(Rule):
    code = "RSP025"
    summary = "content parts take their Responses form (`text` → `input_text`, `image_url` → `input_image`)"
    triggers = ("completions",)  # acts only on the messages of a create call

    def __init__(self) -> None:
        self.conversions: dict[int, list[Conversion]] = {}

    def plan(self, ctx: FileContext) -> None:
        senders = _senders(ctx)
        for site in ctx.sites:
            if (
                site.client is not None
                and not site.client.target.migratable
                and site.client.target.provider is not Provider.UNKNOWN
            ):
                continue  # it stays on Chat Completions whatever its parts (RSP001 says why)
            for message in senders.messages.get(id(site), []):
                self._plan_message(ctx, site, message, senders)

    def _plan_message(self, ctx: FileContext, site: CompletionCall, message: cst.Dict, senders: _Senders) -> None:
        entries = dict_entries(message)
        content = entries.get("content") if entries else None
        role = literal_string(entries["role"].value) if entries and "role" in entries else None
        if content is None or role not in PLAIN_ROLES:
            return
        found = ctx.analysis.contents.read(message, content.value)
        if not found.has_parts:
            return
        if role == "assistant":
            site.block(
                self.code,
                content,
                "an assistant message's content parts would be `output_text` parts on Responses; "
                "write its text as one string",
            )
            return
        if not self._link(ctx, site, found, senders):
            return
        provider = site.client.target.provider if site.client is not None else Provider.UNKNOWN
        for part in found.parts:
            planned = plan_part(ctx, part, provider)
            if isinstance(planned, Conversion):
                self.conversions.setdefault(id(site), []).append(planned)
            elif planned is not None:
                message_text, unsafe = planned
                site.block(self.code, part, message_text, unsafe=unsafe)

    def _link(self, ctx: FileContext, site: CompletionCall, found: Content, senders: _Senders) -> bool:
        """Calls that send the same parts migrate together; parts sent elsewhere keep the call."""
        for holder in found.holders:
            others = senders.sites.get(id(holder), [])
            if not others:
                line = ctx.tree.position(holder)[0]
                site.block(
                    self.code,
                    holder,
                    f"the same content parts are sent by the message on line {line}, which no call migrator "
                    "rewrites sends; converting them would change that message too",
                )
                return False
            for other in others:
                site.migrate_with(other, "both calls send the same content parts, which change form on Responses")
        return True

    def apply(self, ctx: FileContext) -> None:
        done: set[int] = set()
        for site in ctx.migrated_sites:
            for conversion in self.conversions.get(id(site), []):
                if id(conversion.part) in done or ctx.is_removed(conversion.part):
                    continue
                done.add(id(conversion.part))
                ctx.tree.edit(conversion.part, conversion.change)
                ctx.report(conversion.part, self.code, conversion.message)


@dataclass
class _Senders:
    #: The message dicts each call sends, by the call's id.
    messages: dict[int, list[cst.Dict]]
    #: The calls that send each message dict, by the dict's id.
    sites: dict[int, list[CompletionCall]]


def _senders(ctx: FileContext) -> _Senders:
    messages: dict[int, list[cst.Dict]] = defaultdict(list)
    sites: dict[int, list[CompletionCall]] = defaultdict(list)
    for site in ctx.sites:
        arg = site.kwarg("messages")
        if arg is None:
            continue
        listed, _ = listed_messages(ctx.tree, arg.value, ctx.is_reply)
        for message in listed:
            if isinstance(message.node, cst.Dict) and all(m is not message.node for m in messages[id(site)]):
                messages[id(site)].append(message.node)
                sites[id(message.node)].append(site)
    return _Senders(messages, sites)


def plan_part(ctx: FileContext, part: cst.BaseExpression, provider: Provider) -> Conversion | tuple[str, bool] | None:
    """How a part converts for `provider`; (why not, unsafe) when it cannot; None when it is a
    Responses part already."""
    tree = ctx.tree
    # A part the tool cannot read is a Chat part (it is in a Chat call): it cannot be converted.
    if not isinstance(part, cst.Dict):
        return f"the content part `{tree.quote(part, 40)}` is not a literal dict, so it cannot be converted", False
    entries = dict_entries(part)
    kind = literal_string(entries["type"].value) if entries and "type" in entries else None
    if entries is None or kind is None:
        return "a content part whose `type` is not a literal string cannot be converted", False
    if kind in _RESPONSES_PARTS:
        return None
    if kind in _NO_AUDIO_OR_VIDEO:
        return _NO_AUDIO_OR_VIDEO[kind], False
    if kind == "text":
        return _text_part(part, entries, provider)
    if kind not in ("image_url", "file"):
        return f"content part type {kind!r} has no known Responses form", False
    if provider is Provider.DASHSCOPE:
        return _dashscope_refusal(kind, entries), False
    if provider is not Provider.OPENAI:
        return (
            f"`{kind}` parts take a different form on OpenAI and on DashScope, and the client's endpoint is unknown",
            False,
        )
    return _image_part(ctx, part, entries) if kind == "image_url" else _file_part(part, entries)


def _text_part(
    part: cst.Dict, entries: dict[str, cst.DictElement], provider: Provider
) -> Conversion | tuple[str, bool]:
    allowed = {"type", "text"} | (DASHSCOPE_TEXT_KEYS if provider is Provider.DASHSCOPE else set())
    extra = _extra_keys(entries, allowed)
    if extra:
        return f"the `text` part's {extra} has no Responses equivalent on this provider; it would be lost", False
    if "text" not in entries:
        return "a `text` part without `text` cannot be converted", False
    kind = entries["type"].value

    def change(node: cst.Dict) -> cst.Dict:
        return _with_type(node, "input_text", kind)

    kept = (
        " (`cache_control` kept: DashScope's Responses reference mentions explicit caching with parts)"
        if "cache_control" in entries
        else ""
    )
    return Conversion(part, change, f"content part `text` → `input_text`{kept}")


def _image_part(ctx: FileContext, part: cst.Dict, entries: dict[str, cst.DictElement]) -> Conversion | tuple[str, bool]:
    extra = _extra_keys(entries, {"type", "image_url"})
    if extra:
        return f"the image part's {extra} has no Responses equivalent; it would be lost", False
    image, inner = _inner(entries, "image_url")
    if image is not None and inner is None and ctx.analysis.contents.is_text(image.value):
        return _image_url_string(part, image, entries["type"].value)
    if inner is None or "url" not in inner:
        return (
            'the image part\'s `image_url` is not a literal `{"url": ...}` dict, so the URL cannot be moved out of it',
            False,
        )
    extra = _extra_keys(inner, {"url", "detail"})
    if extra:
        return f"{extra} in the image part has no Responses equivalent; it would be lost", False
    kind = entries["type"].value
    detail = "`detail` kept" if "detail" in inner else '`"detail": "auto"`, Chat\'s default, written out'
    # (`inner` is the literal `image` holds; a key of `dict_entries` is a string literal)
    assert image is not None and isinstance(image.key, cst.SimpleString)
    key = image.key

    def change(node: cst.Dict) -> cst.Dict:
        elements: list[cst.BaseDictElement] = []
        for element in node.elements:
            if element is image:
                elements.append(element.with_changes(value=inner["url"].value))
                elements.append(
                    inner.get("detail") or cst.DictElement(string("detail", like=key), string("auto", like=key))
                )
            else:
                elements.append(element)
        return _with_type(with_elements(node, elements), "input_image", kind)

    return Conversion(
        part, change, f"content part `image_url` → `input_image` (the URL moved out of its dict; {detail})"
    )


def _image_url_string(part: cst.Dict, image: cst.DictElement, kind: cst.BaseExpression) -> Conversion:
    """`{"type": "image_url", "image_url": "https://..."}` (the URL as a string, which some code
    sends): the URL stays where it is, the detail is Chat's default."""
    key = image.key
    assert isinstance(key, cst.SimpleString)  # (an entry of `dict_entries`: its key is a string literal)

    def change(node: cst.Dict) -> cst.Dict:
        elements: list[cst.BaseDictElement] = []
        for element in node.elements:
            elements.append(element)
            if element is image:
                elements.append(cst.DictElement(string("detail", like=key), string("auto", like=key)))
        return _with_type(with_elements(node, elements), "input_image", kind)

    message = 'content part `image_url` → `input_image` (`"detail": "auto"`, Chat\'s default, written out)'
    return Conversion(part, change, message)


def _file_part(part: cst.Dict, entries: dict[str, cst.DictElement]) -> Conversion | tuple[str, bool]:
    extra = _extra_keys(entries, {"type", "file"})
    if extra:
        return f"the file part's {extra} has no Responses equivalent; it would be lost", False
    holder, inner = _inner(entries, "file")
    if not inner:
        return "the file part's `file` is not a literal dict, so its fields cannot be moved out of it", False
    extra = _extra_keys(inner, set(FILE_KEYS))
    if extra:
        return f"{extra} in the file part has no Responses equivalent; it would be lost", False
    kind = entries["type"].value
    assert holder is not None and isinstance(holder.value, cst.Dict)  # (`inner` is the literal it holds)
    fields = holder.value.elements

    def change(node: cst.Dict) -> cst.Dict:
        elements: list[cst.BaseDictElement] = []
        for element in node.elements:
            elements.extend(fields if element is holder else [element])
        return _with_type(with_elements(node, elements), "input_file", kind)

    return Conversion(part, change, "content part `file` → `input_file` (its fields moved out of `file`)")


def _dashscope_refusal(kind: str, entries: dict[str, cst.DictElement]) -> str:
    if kind == "file":
        return (
            "file input on DashScope's Responses API is documented only for the qwen3.5-ocr model; "
            "keep this call on Chat Completions"
        )
    _, inner = _inner(entries, "image_url")
    vendor = ", ".join(
        filter(None, [_extra_keys(entries, {"type", "image_url"}), _extra_keys(inner or {}, {"url", "detail"})])
    )
    kept = f" (with {vendor})" if vendor else ""
    return (
        f"image parts{kept} on DashScope's Responses API are unverified: its reference shows only the Chat-style "
        "`image_url` part, and `input_image` is untested there; keep this call on Chat Completions"
    )


def _inner(
    entries: dict[str, cst.DictElement], key: str
) -> tuple[cst.DictElement | None, dict[str, cst.DictElement] | None]:
    """The `key` entry of a part and the entries of the literal dict it holds (None if not one):
    the `{"url": ...}` of an image part, the `{"file_id": ...}` of a file part."""
    element = entries.get(key)
    inner = dict_entries(element.value) if element is not None and isinstance(element.value, cst.Dict) else None
    return element, inner


def _extra_keys(entries: dict[str, cst.DictElement], allowed: AbstractSet[str]) -> str:
    """The keys beyond `allowed`, as words for a finding ("" when none)."""
    extra = sorted(set(entries) - allowed)
    return ", ".join(f"`{key}`" for key in extra)


def _with_type(node: cst.Dict, new_type: str, like: cst.BaseExpression) -> cst.Dict:
    """`node` with its `"type"` value replaced by `new_type`, in the quotes of the old one."""
    quote_like = like if isinstance(like, cst.SimpleString) else None
    elements = []
    for element in node.elements:
        if isinstance(element, cst.DictElement) and literal_string(element.key) == "type":
            element = element.with_changes(value=string(new_type, like=quote_like))
        elements.append(element)
    return node.with_changes(elements=elements)
