"""Shared pieces of the hardening campaign (issue 14): what "every shipped regex" and "every
recognizer" mean, hostile input families, a ratio-based timer, and hypothesis strategies for
planted values. Imported by tests/test_linear_time.py and tests/test_fuzz_*.py.
"""
from __future__ import annotations

import gc
import re
import time
from functools import lru_cache
from typing import Callable

from hypothesis import strategies as st

# -- what is shipped -------------------------------------------------------------------------


@lru_cache(maxsize=None)
def shipped_recognizers() -> tuple[tuple[str, object], ...]:
    """(name, instance) of every registered recognizer (built-ins through their entry points)."""
    from jpt_redact import registry
    from jpt_redact.recognizer import registered_recognizer

    out = []
    for name in registry.recognizers.names():
        rec = registered_recognizer(name)
        rec.find("warm up: 415-555-2671, a@b.co, exp 12/29")  # RegexRecognizer compiles its rules on first use
        out.append((name, rec))
    return tuple(out)


@lru_cache(maxsize=None)
def builtin_policies() -> tuple:
    from jpt_redact.policy import BUILTIN_POLICIES, load_policy

    return tuple(load_policy(name) for name in BUILTIN_POLICIES)


@lru_cache(maxsize=None)
def shipped_patterns() -> tuple:
    """Every SafePattern a shipped recognizer, built-in policy (inline patterns, deny-lists,
    model_requires) or the resolver runs on document text, deduplicated by source."""
    from jpt_redact import safe_regex
    from jpt_redact.recognizer import build_recognizers
    from jpt_redact.resolver import _requires

    shipped_recognizers()
    keep = []
    for policy in builtin_policies():
        keep.append(build_recognizers(policy))  # holds the policy's patterns alive while we list them
        for label, entity in policy.entities.items():
            if entity.model_requires:
                _requires(label, entity.model_requires)
    seen: dict[tuple[str, int], object] = {}
    for p in safe_regex.registered():
        seen.setdefault((p.pattern, p.flags), p)
    return tuple(sorted(seen.values(), key=lambda p: (p.name, p.pattern)))


# -- hostile inputs ----------------------------------------------------------------------------
# A pump is repeated; a prefix (a keyword the pattern itself contains, or a known trigger) goes
# before it once (layout A) or before every repetition (layout B).
PUMPS = (" ", "a", "1", "-", ".", ":", "@", "=", "_", "a1", "1 ", "1-", "1.", "a.", "a-", "a_", "\n", "(", ")", ";", "'")
TRIGGERS = ("", "-----BEGIN RSA PRIVATE KEY-----", "postgres://a:", "Server=x;", "http://a.b/", "www.",
            "+1 ", "api_key=", "password is", "Bearer ", "B4111111111111111^", "a@")
_GROUP_SYNTAX = re.compile(r"\(\?P?[<=][A-Za-z_]\w*>?|\(\?P=\w+\)")
_WORD = re.compile(r"(?<![\\\[])\b[A-Za-z]{2,}\b")


def pattern_words(source: str, limit: int = 4) -> list[str]:
    """Literal words of a pattern (keywords such as 'VIN', 'password'), group names removed."""
    return sorted(set(_WORD.findall(_GROUP_SYNTAX.sub(" ", source))))[:limit]


Family = tuple[str, Callable[[int], str]]


def families(prefixes) -> list[Family]:
    out: list[Family] = []
    for pre in dict.fromkeys(prefixes):
        for pump in PUMPS:
            out.append((f"{pre!r}+{pump!r}*k", lambda k, pre=pre, pump=pump: pre + pump * k))
            if pre:
                out.append((f"({pre!r}+{pump!r})*k", lambda k, pre=pre, pump=pump: (pre + pump) * k))
    return out


def family_size(make: Callable[[int], str], chars: int) -> int:
    """The k for which make(k) is about `chars` long."""
    unit = max(1, len(make(2)) - len(make(1)))
    return max(1, chars // unit)


def best_seconds(fn: Callable[[], object], reps: int = 5) -> float:
    """The least CPU time of `reps` runs (this thread's CPU clock: time spent waiting for a
    core on a loaded machine does not count), with the garbage collector off (its pauses grow
    with the number of live objects and would read as super-linear time)."""
    best = float("inf")
    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(reps):
            t0 = time.thread_time()
            fn()
            best = min(best, time.thread_time() - t0)
    finally:
        if enabled:
            gc.enable()
    return best


MIN_BASE_SECONDS = 0.0005  # the base input is doubled until it takes this much CPU time


def growth(run: Callable[[int], object], k: int, reps: int = 5) -> list[float]:
    """Time ratios t(2k)/t(k), t(4k)/t(k), t(8k)/t(k) (linear: about 2, 4, 8), each the best
    of `reps` runs after an untimed one. The base size k is first doubled until a run takes
    MIN_BASE_SECONDS, so the clock's resolution and fixed costs do not dominate the ratios."""
    def timed(size: int, n: int) -> float:
        run(size)  # untimed first run: caches, lazily built inputs
        return best_seconds(lambda: run(size), n)

    for _ in range(6):
        if timed(k, 1) >= MIN_BASE_SECONDS:
            break
        k *= 2
    base = timed(k, reps)
    return [timed(m * k, reps) / max(base, 1e-9) for m in (2, 4, 8)]


# Linear time grows 8x over the x8 input; quadratic 64x. Measurement noise on a loaded machine
# stays well below 2.5x, so 20 separates them with room on both sides.
MAX_RATIO_X8 = 20.0


# -- planted values -----------------------------------------------------------------------------
def luhn_complete(body: str) -> str:
    from stdnum import luhn

    return body + luhn.calc_check_digit(body)


_LOCAL = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789"), min_size=1, max_size=12)
_DOMAIN = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz"), min_size=2, max_size=10)
EMAILS = st.builds(lambda a, b, tld: f"{a}@{b}.{tld}", _LOCAL, _DOMAIN, st.sampled_from(["com", "org", "net", "io"]))
CARDS = st.builds(lambda d: luhn_complete("4" + d), st.text(st.sampled_from("0123456789"), min_size=14, max_size=14)) \
    .filter(lambda c: len(set(c)) > 1)
SSNS = st.builds(lambda a, g, s: f"{a:03d}-{g:02d}-{s:04d}",
                 st.integers(1, 899).filter(lambda a: a != 666), st.integers(1, 99), st.integers(1, 9999)) \
    .filter(lambda v: v not in ("078-05-1120", "219-09-9999", "123-45-6789"))
PHONES = st.builds(lambda a, b, c: f"{a}-{b}-{c:04d}", st.sampled_from(["415", "212", "617", "303"]),
                   st.sampled_from(["555", "867", "234"]), st.integers(1000, 9999))


def _iban(bank: str, account: str) -> str:
    from stdnum import iban

    body = f"DE00{bank}{account}"
    return f"DE{iban.calc_check_digits(body)}{bank}{account}"


IBANS = st.builds(_iban, st.text(st.sampled_from("0123456789"), min_size=8, max_size=8),
                  st.text(st.sampled_from("0123456789"), min_size=10, max_size=10))
IPS = st.builds(lambda a, b, c, d: f"{a}.{b}.{c}.{d}", st.integers(1, 223).filter(lambda a: a != 127),
                st.integers(0, 255), st.integers(0, 255), st.integers(1, 254))
MACS = st.lists(st.integers(0, 255), min_size=6, max_size=6).map(lambda b: ":".join(f"{x:02X}" for x in b)) \
    .filter(lambda m: len(set(m.replace(":", ""))) > 1)  # 00:00:.. and FF:FF:.. are placeholders, not devices
# (label in the fuzz policy, the value)
PLANTED = st.one_of(EMAILS.map(lambda v: ("EMAIL_ADDRESS", v)), CARDS.map(lambda v: ("CREDIT_CARD", v)),
                    SSNS.map(lambda v: ("US_SSN", v)), PHONES.map(lambda v: ("PHONE_NUMBER", v)),
                    IBANS.map(lambda v: ("IBAN_CODE", v)), IPS.map(lambda v: ("IP_ADDRESS", v)),
                    MACS.map(lambda v: ("MAC_ADDRESS", v)))
# Filler that cannot glue onto a planted value: words and punctuation, separated by spaces
FILLER = st.lists(st.one_of(st.text(st.sampled_from("abcdefghij klmnopqrstuvwxyzÄéß"), max_size=12),
                            st.sampled_from(["the", "and", "SSN", "card", "mail", ".", ",", "\n", "€", "42"])),
                  max_size=8).map(" ".join)
HOSTILE = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=200)

FUZZ_POLICY = """
name: fuzz
entities:
  EMAIL_ADDRESS:
    definition: "An email address of a person or an organisation."
    model: false
    recognizers: [email]
  CREDIT_CARD:
    definition: "A payment card number, 13-19 digits."
    model: false
    recognizers: [credit_card]
  US_SSN:
    definition: "A US social security number, 3-2-4 digits."
    model: false
    recognizers: [us_ssn]
  PHONE_NUMBER:
    definition: "A telephone number with area code."
    model: false
    recognizers: [phone]
  IBAN_CODE:
    definition: "An international bank account number."
    model: false
    recognizers: [iban]
  IP_ADDRESS:
    definition: "An IPv4 or IPv6 address."
    model: false
    recognizers: [ip_address]
  MAC_ADDRESS:
    definition: "A network hardware (MAC) address."
    model: false
    recognizers: [mac_address]
"""


# -- the campaign's size --------------------------------------------------------------------------
# Generated cases per property test in one CI run. The issue asks for >= 10,000 in all
# (tests/test_fuzz_budget.py checks the sum); JPT_FUZZ_SCALE=10 runs a deeper campaign locally.
BUDGET = {
    "resolver": 2500,          # test_fuzz_resolver.py
    "recognizer_spans": 2300,  # test_fuzz_recognizers.py, shared by the 23 recognizers
    "planted_values": 800,
    "planted_adjacent": 300,
    "operators": 1400,         # test_fuzz_operators.py, shared by the operators
    "operator_params": 400,
    "apply_spans": 500,
    "encrypt_round_trip": 300,
    "policy_yaml": 600,        # test_fuzz_policy.py
    "policy_mutations": 400,
    "user_regexes": 300,
    "cli_stdin": 250,          # test_fuzz_cli.py
    "cli_argv": 250,
}


def examples(name: str) -> int:
    import os

    return max(1, int(BUDGET[name] * float(os.environ.get("JPT_FUZZ_SCALE", "1"))))
