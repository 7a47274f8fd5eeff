"""Every regular expression that reads document text: the `regex` module under a time limit.

Built-in recognizers, a policy's inline `patterns`, `model_requires` and deny-lists all compile
here. Python's `re` has no time limit, so one super-linear pattern (a nested quantifier such as
`(\\w+\\s?)+`, or three adjacent `\\s*`) turns a hostile 31-character input into minutes of CPU;
`regex` takes a timeout per call. A timeout raises `RegexTimeout`, a `DetectionError`: the
document fails closed (never returned as clean), and the message names the pattern, not the text.

The limit grows with the text scanned, so a long document that a linear pattern reads at normal
speed never times out: `timeout_for(n) = BASE_TIMEOUT_S + n * PER_CHAR_TIMEOUT_S` (2 s + 2 s per
million characters; linear patterns run at 5-50 million characters a second).

`regex` unrolls counted repeats when it compiles, so `(a{999}){999}` is a million program
nodes (hundreds of MB) and `\\d{99999999}` exhausts memory before any text is read: every
pattern's unrolled size is bounded first (`expanded_size`, limit `MAX_EXPANDED_SIZE` beyond the
pattern's own length, so a long deny-list alternation is never refused for its length).

`nested_quantifiers(pattern)` is the lint `jpt-redact policy validate` runs on policy regexes:
an unbounded repeat around a variable-length repeat with nothing fixed beside it (`(\\w+\\s?)+`,
`(a+)*`) is the classic exponential pattern.
"""
from __future__ import annotations

import re as _re
import threading
import weakref
from typing import Any, Iterator

import regex as _regex

from .errors import DetectionError, PolicyError

try:  # the stdlib's regex parser, for the lint only (the syntax of `regex` VERSION0 is a superset)
    import re._parser as _sre_parse  # Python 3.11+
    from re._constants import MAXREPEAT
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse as _sre_parse  # type: ignore[no-redef]
    from sre_constants import MAXREPEAT  # type: ignore[no-redef]

IGNORECASE = _regex.IGNORECASE
MULTILINE = _regex.MULTILINE
DOTALL = _regex.DOTALL
VERBOSE = _regex.VERBOSE

BASE_TIMEOUT_S = 2.0
MAX_EXPANDED_SIZE = 100_000  # `a{99999}` compiles to ~30 MB; ten times that is refused
PER_CHAR_TIMEOUT_S = 2e-6

_registry: "weakref.WeakSet[SafePattern]" = weakref.WeakSet()
_registry_lock = threading.Lock()


class RegexTimeout(DetectionError):
    """A regular expression ran past its time limit on a document (the document is not redacted)."""


class RegexTooLarge(PolicyError, ValueError):
    """A pattern whose counted repeats unroll past MAX_EXPANDED_SIZE (refused before compiling)."""


escape = _regex.escape

_COUNTED = _regex.compile(r"\{(\d*)(?:(,)(\d*))?\}")


def _skip_class(pattern: str, i: int) -> int:
    """The index after the character class that opens at `pattern[i]` ('[')."""
    j, n = i + 1, len(pattern)
    if j < n and pattern[j] == "^":
        j += 1
    if j < n and pattern[j] == "]":
        j += 1
    while j < n:
        c = pattern[j]
        if c == "\\":
            j += 2
            continue
        if c == "[":  # a POSIX class ([:alpha:]) or a `regex` V1 nested set
            j = _skip_class(pattern, j)
            continue
        if c == "]":
            return j + 1
        j += 1
    return n


def expanded_size(pattern: str) -> int:
    """An upper bound on the nodes `regex` compiles `pattern` into: atoms count 1, a group the
    sum of its parts, a counted repeat `{m,n}` multiplies what it repeats by its largest count
    (`*`, `+`, `?` and open `{m,}` are loops, not unrolled past m). Linear in the pattern."""
    stack = [[0, 0]]  # per open group: [size so far, size of the last atom]
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        frame = stack[-1]
        if c == "(":
            if pattern.startswith("(?#", i):
                end = pattern.find(")", i)
                i = n if end < 0 else end + 1
                continue
            stack.append([0, 0])
            i += 1
            continue
        if c == ")" and len(stack) > 1:
            size = stack.pop()[0]
            stack[-1][0] += size
            stack[-1][1] = size
            i += 1
            continue
        if c in "*+?|":
            if c == "|":
                frame[1] = 0
            i += 1
            continue
        if c == "{":
            counted = _COUNTED.match(pattern, i)
            if counted and (counted.group(1) or counted.group(3)):
                low = int(counted.group(1) or 0)
                high = low if not counted.group(2) else int(counted.group(3) or 0) or low
                count = max(low, high, 1)
                frame[0] += frame[1] * (count - 1)
                frame[1] *= count
                i = counted.end()
                continue
        if c == "\\":
            j = i + 2
            if j < n and pattern[i + 1] in "pPNxuUg" and pattern[j] in "{<":
                end = pattern.find("}" if pattern[j] == "{" else ">", j)
                j = n if end < 0 else end + 1
        elif c == "[":
            j = _skip_class(pattern, i)
        else:
            j = i + 1
        frame[0] += 1
        frame[1] = 1
        i = j
    while len(stack) > 1:  # unbalanced: the compiler will refuse it; count what was read
        stack[-2][0] += stack.pop()[0]
    return stack[0][0]


def check_size(pattern: str) -> None:
    """Raise RegexTooLarge if `pattern` would unroll past MAX_EXPANDED_SIZE nodes."""
    size = expanded_size(pattern)
    if size > MAX_EXPANDED_SIZE + len(pattern):
        raise RegexTooLarge(f"its counted repeats unroll to about {size:,} steps (limit "
                            f"{MAX_EXPANDED_SIZE:,}): write a shorter count or an open repeat such as '+'")


def timeout_for(n_chars: int) -> float:
    return BASE_TIMEOUT_S + max(0, n_chars) * PER_CHAR_TIMEOUT_S


def check_syntax(pattern: str, flags: int = 0) -> None:
    """Raise ValueError (with the regex module's reason) if `pattern` does not compile or would
    unroll past the size limit (RegexTooLarge, a ValueError)."""
    check_size(pattern)
    try:
        _regex.compile(pattern, flags | _regex.VERSION0)
    except _regex.error as exc:
        raise ValueError(str(exc)) from None
    except (TypeError, OverflowError, RecursionError) as exc:
        raise ValueError(type(exc).__name__) from None


class SafePattern:
    """A compiled pattern whose every scan of a text runs under `timeout_for(len(scanned))`."""

    __slots__ = ("pattern", "name", "flags", "_compiled", "__weakref__")

    def __init__(self, pattern: str, flags: int = 0, *, name: str) -> None:
        self.pattern = pattern
        self.name = name
        self.flags = flags
        check_size(pattern)
        self._compiled = _regex.compile(pattern, flags | _regex.VERSION0)
        with _registry_lock:
            _registry.add(self)

    @property
    def groupindex(self) -> dict[str, int]:
        return dict(self._compiled.groupindex)

    def _fail(self, n: int) -> RegexTimeout:
        return RegexTimeout(f"regular expression {self.name!r} ran past its time limit ({timeout_for(n):.1f} s "
                            f"on {n} characters): a super-linear pattern or hostile input; not redacted",
                            reason=f"recognizers: {self.name}: timeout")

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None) -> Iterator[Any]:
        end = len(text) if endpos is None else min(endpos, len(text))
        n = max(0, end - pos)
        try:
            yield from self._compiled.finditer(text, pos, end, timeout=timeout_for(n))
        except TimeoutError:
            raise self._fail(n) from None

    def _call(self, method: str, text: str, pos: int, endpos: int | None) -> Any:
        end = len(text) if endpos is None else min(endpos, len(text))
        n = max(0, end - pos)
        try:
            return getattr(self._compiled, method)(text, pos, end, timeout=timeout_for(n))
        except TimeoutError:
            raise self._fail(n) from None

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> Any:
        return self._call("search", text, pos, endpos)

    def match(self, text: str, pos: int = 0, endpos: int | None = None) -> Any:
        return self._call("match", text, pos, endpos)

    def fullmatch(self, text: str, pos: int = 0, endpos: int | None = None) -> Any:
        return self._call("fullmatch", text, pos, endpos)

    def findall(self, text: str) -> list:
        return [m.group() for m in self.finditer(text)]

    def sub(self, repl: str, text: str) -> str:
        try:
            return self._compiled.sub(repl, text, timeout=timeout_for(len(text)))
        except TimeoutError:
            raise self._fail(len(text)) from None

    def __repr__(self) -> str:
        return f"SafePattern({self.name!r})"


def compile(pattern: str, flags: int = 0, *, name: str) -> SafePattern:  # noqa: A001 (mirrors re.compile)
    """A SafePattern; `name` is what a timeout reports (the recognizer or policy field)."""
    return SafePattern(pattern, flags, name=name)


_converted: dict[tuple[str, int, str], SafePattern] = {}


def ensure_safe(pattern: Any, name: str) -> SafePattern:
    """`pattern` if it is a SafePattern; a `re.Pattern` (or a pattern string) recompiled here,
    once, so code written against `re` still runs under the time limit."""
    if isinstance(pattern, SafePattern):
        return pattern
    if isinstance(pattern, str):
        source, flags = pattern, 0
    else:
        # translated by name: re.ASCII and regex.ASCII are different bits
        source = pattern.pattern
        flags = 0
        for flag in ("IGNORECASE", "MULTILINE", "DOTALL", "VERBOSE", "ASCII"):
            if pattern.flags & getattr(_re, flag):
                flags |= getattr(_regex, flag)
    key = (source, flags, name)
    with _registry_lock:
        found = _converted.get(key)
    if found is None:
        found = SafePattern(source, flags, name=name)
        with _registry_lock:
            found = _converted.setdefault(key, found)
    return found


def registered() -> list[SafePattern]:
    """Every SafePattern alive in this process (the linear-time tests walk them all)."""
    with _registry_lock:
        return sorted(_registry, key=lambda p: (p.name, p.pattern))


# -- lint ---------------------------------------------------------------------------------------
_REPEATS = ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")


def _is_repeat(op: Any) -> bool:
    return str(op) in _REPEATS


def _has_variable_repeat(items: Any) -> bool:
    for op, av in items:
        if _is_repeat(op):
            lo, hi, body = av
            if lo != hi or _has_variable_repeat(body):
                return True
        elif str(op) == "SUBPATTERN":
            if _has_variable_repeat(av[-1]):
                return True
        elif str(op) == "BRANCH":
            if any(_has_variable_repeat(b) for b in av[1]):
                return True
    return False


def _has_fixed_element(items: Any) -> bool:
    """Whether a sequence has a mandatory, fixed-width element outside its repeats (a literal,
    a class): it separates the iterations of an enclosing repeat, which is then unambiguous."""
    for op, av in items:
        name = str(op)
        if name in ("LITERAL", "NOT_LITERAL", "IN", "ANY", "CATEGORY"):
            return True
        if name == "SUBPATTERN" and _has_fixed_element(av[-1]):
            return True
        if _is_repeat(op) and av[0] >= 1 and av[0] == av[1] and _has_fixed_element(av[2]):
            return True
    return False


def _literal(items: Any) -> str | None:
    """The string a sequence matches if it is literals only, else None."""
    out = []
    for op, av in items:
        if str(op) != "LITERAL":
            return None
        out.append(chr(av))
    return "".join(out)


def _words(items: Any) -> list[str] | None:
    """The literal alternatives of a sequence of literals and at most one alternation of
    literals (the stdlib parser factors 'a|aa' into 'a' + (''|'a')), else None."""
    words, seen_branch = [""], False
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            words = [w + chr(av) for w in words]
        elif name == "BRANCH" and not seen_branch:
            tails = [_literal(b) for b in av[1]]
            if any(t is None for t in tails):
                return None
            words = [w + t for w in words for t in tails]
            seen_branch = True
        elif name == "SUBPATTERN" and len(items) == 1:
            return _words(av[-1])
        else:
            return None
    return words if seen_branch else None


def _ambiguous_alternatives(items: Any) -> bool:
    """Whether one alternative is two others in a row ('a|aa'): repeated, they split a run in
    exponentially many ways."""
    words = set(_words(items) or ())
    return any(w[:i] in words and w[i:] in words for w in words for i in range(1, len(w)))


def _walk(items: Any, found: list[str]) -> None:
    for op, av in items:
        if _is_repeat(op):
            lo, hi, body = av
            unbounded = str(op) != "POSSESSIVE_REPEAT" and hi == MAXREPEAT
            if unbounded and _has_variable_repeat(body) and not _has_fixed_element(body):
                found.append("an unbounded repeat of a group that itself repeats, with nothing fixed to "
                             "separate the iterations (e.g. '(\\w+\\s?)+'): exponential time on a near miss")
            if unbounded and _ambiguous_alternatives(body):
                found.append("an unbounded repeat of alternatives where one is two others in a row "
                             "(e.g. '(a|aa)+'): exponential time on a near miss")
            _walk(body, found)
        elif str(op) == "SUBPATTERN":
            _walk(av[-1], found)
        elif str(op) == "BRANCH":
            for b in av[1]:
                _walk(b, found)
        elif str(op) in ("ASSERT", "ASSERT_NOT"):
            _walk(av[1], found)


def nested_quantifiers(pattern: str) -> list[str]:
    """Reasons `pattern` may take exponential time (empty: none found). Heuristic, for the
    `policy validate` lint: the run-time limit is what actually protects a document."""
    try:
        parsed = _sre_parse.parse(pattern)
    except Exception:  # not parseable by the stdlib (a `regex`-only construct): nothing to say
        return []
    found: list[str] = []
    _walk(list(parsed), found)
    return list(dict.fromkeys(found))
