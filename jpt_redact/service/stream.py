"""On-the-fly redaction of streamed answers (server-sent events, OpenAI's streaming format).

A streamed answer arrives as many small fragments ("Ali", "ce Sm", "ith"), so a fragment can
never be judged alone. `HeldBackText` keeps the not-yet-released text of one stream (one
choice's content, or one tool call's arguments) and releases a prefix only when

* the held text reaches `window_chars`: everything but the last `holdback_chars`, or
* a sentence ends (". ", "!\\n", a newline) and at least `lookahead_chars` follow it;

and the end of the stream releases the rest. Each release redacts the *whole* held text (so
the model sees the context on both sides of the cut), then moves the cut back before any
finding or vault token that crosses it, and to a word boundary. So an entity is released only
once it is entirely in the held text, at least `holdback_chars` from its end, and then as its
replacement: an entity split across chunks never leaks, whatever the chunking.

`SSERedactor` applies this to an upstream SSE byte stream: the streamed text fields of each
event (`choices[i].delta.content`, `choices[i].text`, `delta.tool_calls[j].function.arguments`)
go through their HeldBackText; every other string of the event is redacted like a JSON answer
(memoised per stream, since `id` and `model` repeat in every event). Only `data:` fields are
passed on. If a redaction fails mid-stream, an error event is sent and the stream stops:
nothing unredacted is ever emitted.
"""
from __future__ import annotations

import codecs
import json
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from .config import StreamConfig
from .jsonwalk import collect, dumps, loads, rebuild
from .vault import Vault, render

RedactOne = Callable[[list[str]], Awaitable[list[Any]]]  # texts -> RedactionResults (raises on failure)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_SPACE = re.compile(r"\s")


class HeldBackText:
    def __init__(self, redact: RedactOne, config: StreamConfig, vault: Vault | None = None,
                 on_release: Callable[[float], None] | None = None) -> None:
        self.redact, self.config, self.vault = redact, config, vault
        self.on_release = on_release
        self.held = ""
        self._arrivals: list[tuple[int, float]] = []  # (end offset in held, arrival time)

    async def feed(self, fragment: str) -> str:
        if not fragment:
            return ""
        self.held += fragment
        self._arrivals.append((len(self.held), time.perf_counter()))
        target = self._target()
        return await self._release(target) if target > 0 else ""

    async def finish(self) -> str:
        return await self._release(len(self.held), final=True) if self.held else ""

    def _target(self) -> int:
        n, cfg = len(self.held), self.config
        if n >= cfg.window_chars:
            return n - cfg.holdback_chars
        best = 0
        for m in _SENTENCE_END.finditer(self.held):
            if n - m.end() >= cfg.lookahead_chars:
                best = m.end()
        return best

    async def _release(self, target: int, final: bool = False) -> str:
        text = self.held
        result = (await self.redact([text]))[0]
        cut = target if final else self._safe_cut(text, target, result.findings)
        if cut <= 0 and len(text) >= 4 * self.config.window_chars:
            # one word or entity as long as four windows: release it, redacted, in pieces
            cut = max((f.span.end for f in result.findings if f.span.start < target < f.span.end), default=target)
        if cut <= 0:
            return ""
        shown = render(text, [f for f in result.findings if f.span.end <= cut], cut, self.vault)
        self.held = text[cut:]
        now = time.perf_counter()
        done = [t for end, t in self._arrivals if end <= cut]
        self._arrivals = [(end - cut, t) for end, t in self._arrivals if end > cut]
        if self.on_release is not None:
            for t in done:
                self.on_release(now - t)
        return shown

    def _safe_cut(self, text: str, cut: int, findings: Any) -> int:
        spans = [(f.span.start, f.span.end) for f in findings]
        if self.vault is not None:
            spans += self.vault.occurrences(text)
        moved = True
        while moved and cut > 0:
            moved = False
            for start, end in spans:
                if start < cut < end:
                    cut, moved = start, True
            if not moved and cut < len(text) and not _SPACE.match(text[cut - 1]) and not _SPACE.match(text[cut]):
                # inside a word: back to the last whitespace (a word is never split by a release)
                ws = max(text.rfind(" ", 0, cut), text.rfind("\n", 0, cut), text.rfind("\t", 0, cut))
                if ws >= 0:
                    cut, moved = ws + 1, True
                else:
                    cut = 0
        return cut


# -- SSE ---------------------------------------------------------------------------------------
def _streamed_fields(doc: Any) -> list[tuple[tuple, tuple, str]]:
    """(stream key, path in doc, fragment) for each streamed text field of one event."""
    out = []
    choices = doc.get("choices") if isinstance(doc, dict) else None
    if not isinstance(choices, list):
        return out
    for ci, choice in enumerate(choices):
        if not isinstance(choice, dict):
            continue
        idx = str(choice.get("index", ci))
        if isinstance(choice.get("text"), str):
            out.append(((idx, "text"), ("choices", ci, "text"), choice["text"]))
        delta = choice.get("delta")
        if not isinstance(delta, dict):
            continue
        if isinstance(delta.get("content"), str):
            out.append(((idx, "content"), ("choices", ci, "delta", "content"), delta["content"]))
        calls = delta.get("tool_calls")
        for ti, call in enumerate(calls if isinstance(calls, list) else []):
            fn = call.get("function") if isinstance(call, dict) else None
            if isinstance(fn, dict) and isinstance(fn.get("arguments"), str):
                tidx = str(call.get("index", ti))
                out.append(((idx, "tool", tidx), ("choices", ci, "delta", "tool_calls", ti, "function", "arguments"),
                            fn["arguments"]))
    return out


def _set(doc: Any, path: tuple, value: Any) -> None:
    for part in path[:-1]:
        doc = doc[part]
    doc[path[-1]] = value


def _finished_choices(doc: Any) -> set[str]:
    choices = doc.get("choices") if isinstance(doc, dict) else None
    return {str(c.get("index", i)) for i, c in enumerate(choices or []) if isinstance(c, dict) and c.get("finish_reason")}


class SSERedactor:
    def __init__(self, redact: RedactOne, config: StreamConfig, vault: Vault | None = None,
                 on_release: Callable[[float], None] | None = None) -> None:
        self.redact, self.config, self.vault, self.on_release = redact, config, vault, on_release
        self.streams: dict[tuple, HeldBackText] = {}
        self._memo: dict[str, str] = {}
        self._template: Any = None

    async def run(self, chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
        pending = ""
        async for chunk in chunks:
            pending += decoder.decode(chunk).replace("\r\n", "\n").replace("\r", "\n")
            while "\n\n" in pending:
                raw, pending = pending.split("\n\n", 1)
                for out in await self._event(raw):
                    yield out
        pending += decoder.decode(b"", final=True)
        if pending.strip():
            for out in await self._event(pending):
                yield out
        for out in await self._flush_all():
            yield out

    async def _event(self, raw: str) -> list[bytes]:
        data = "\n".join(line[5:].removeprefix(" ") for line in raw.split("\n") if line.startswith("data:"))
        if not data:
            return []  # comments, event names, ids: not passed on
        if data.strip() == "[DONE]":
            return [*await self._flush_all(), b"data: [DONE]\n\n"]
        try:
            doc = loads(data)
        except ValueError:
            return [_data((await self._texts([data]))[0])]
        fields = _streamed_fields(doc)
        for _, path, _ in fields:
            _set(doc, path, "")
        texts = collect(doc, numbers=False)
        out = rebuild(doc, dict(zip(texts, await self._texts(texts))), numbers=False)
        for key, path, fragment in fields:
            _set(out, path, await self._stream(key).feed(fragment))
        finished = _finished_choices(doc)
        for key, path, _ in fields:
            if key[0] in finished:
                _set(out, path, _get(out, path) + await self._stream(key).finish())
        for key in [k for k in self.streams if k[0] in finished and k not in {f[0] for f in fields}]:
            rest = await self.streams.pop(key).finish()
            if rest:
                _attach(out, key, rest)
        for key in [k for k in self.streams if k[0] in finished]:
            self.streams.pop(key)
        self._template = out
        return [_data(dumps(out))]

    async def _flush_all(self) -> list[bytes]:
        events = []
        for key, stream in list(self.streams.items()):
            rest = await stream.finish()
            if rest:
                event = {"object": (self._template or {}).get("object", "chat.completion.chunk"), "choices": []}
                if isinstance(self._template, dict) and "id" in self._template:
                    event["id"] = self._template["id"]
                _attach(event, key, rest)
                events.append(_data(dumps(event)))
        self.streams.clear()
        return events

    def _stream(self, key: tuple) -> HeldBackText:
        if key not in self.streams:
            self.streams[key] = HeldBackText(self.redact, self.config, self.vault, self.on_release)
        return self.streams[key]

    async def _texts(self, texts: list[str]) -> list[str]:
        todo = [t for t in texts if t not in self._memo]
        if todo:
            results = await self.redact(todo)
            for t, r in zip(todo, results):
                self._memo[t] = render(t, r.findings, vault=self.vault) if self.vault is not None else r.text
        return [self._memo[t] for t in texts]


def _get(doc: Any, path: tuple) -> Any:
    for part in path:
        doc = doc[part]
    return doc


def _attach(event: dict, key: tuple, text: str) -> None:
    """Add the released text of stream `key` to the event's choice of that index (or a new one)."""
    idx = int(key[0]) if key[0].isdigit() else key[0]
    choices = event.setdefault("choices", [])
    choice = next((c for c in choices if isinstance(c, dict) and str(c.get("index")) == key[0]), None)
    if choice is None:
        choice = {"index": idx}
        choices.insert(0, choice)
    if key[1] == "text":
        choice["text"] = (choice.get("text") or "") + text
        return
    delta = choice.setdefault("delta", {})
    if key[1] == "content":
        delta["content"] = (delta.get("content") or "") + text
    else:
        tidx = int(key[2]) if key[2].isdigit() else key[2]
        delta.setdefault("tool_calls", []).append({"index": tidx, "function": {"arguments": text}})


def _data(payload: str) -> bytes:
    return f"data: {payload}\n\n".encode("utf-8")


def error_event(message: str) -> bytes:
    return _data(json.dumps({"error": {"message": message, "type": "redaction_failed"}}))


__all__ = ["HeldBackText", "SSERedactor", "error_event"]
