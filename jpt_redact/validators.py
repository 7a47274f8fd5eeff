"""Checksum and format validators: one home for the inline patterns' `validator:` names and the
built-in recognizers (plugins/recognizers), so both accept exactly the same values.

    luhn            payment cards and other Luhn-checked numbers (digits only, separators ignored)
    iban            IBAN country length and mod-97 check digits (python-stdnum)
    phone           a valid, assignable number for one of PHONE_REGIONS (or any, with '+')
    stdnum:<module> any python-stdnum module's is_valid, e.g. stdnum:us.ssn

The third-party packages import on first use: a policy without validators never loads them.
"""
from __future__ import annotations

import importlib
import importlib.util
import re
from functools import lru_cache
from typing import Callable, Iterable

from .errors import PolicyError

NAMED = ("luhn", "iban", "phone")
STDNUM_PREFIX = "stdnum:"
# Regions whose national formats are tried for numbers written without '+<country code>'.
PHONE_REGIONS = ("US", "GB", "DE", "FR", "IN", "ES", "IT", "NL", "CA", "AU", "IE", "CH", "AT", "BE")

_MODULE = re.compile(r"[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*")
_NON_DIGIT = re.compile(r"\D")


def digits_of(value: str) -> str:
    return _NON_DIGIT.sub("", value)


def luhn_valid(value: str) -> bool:
    from stdnum import luhn

    digits = digits_of(value)
    return len(digits) >= 2 and luhn.is_valid(digits)


def iban_valid(value: str) -> bool:
    from stdnum import iban

    return iban.is_valid(value)


def phone_valid(value: str, regions: Iterable[str] = PHONE_REGIONS) -> bool:
    import phonenumbers

    tried: Iterable[str | None] = (None,) if value.strip().startswith("+") else regions
    for region in tried:
        try:
            if phonenumbers.is_valid_number(phonenumbers.parse(value, region)):
                return True
        except phonenumbers.NumberParseException:
            continue
    return False


def check_name(name: str) -> str:
    """`name` if it names a validator; ValueError saying what is accepted otherwise (policy
    validation turns it into a line-numbered PolicyError). Imports nothing but the spec."""
    if name in NAMED:
        return name
    module = name.removeprefix(STDNUM_PREFIX)
    if name.startswith(STDNUM_PREFIX) and _MODULE.fullmatch(module):
        try:
            found = importlib.util.find_spec(f"stdnum.{module}") is not None
        except ImportError:
            found = False
        if found:
            return name
        raise ValueError(f"python-stdnum has no module {module!r}")
    raise ValueError("validator must be 'luhn', 'iban', 'phone' or 'stdnum:<module>' (e.g. 'stdnum:us.ssn')")


@lru_cache(maxsize=None)
def stdnum_validator(module: str) -> Callable[[str], bool]:
    """python-stdnum's `stdnum.<module>.is_valid` (PolicyError if there is none)."""
    try:
        mod = importlib.import_module(f"stdnum.{module}")
    except ImportError:
        raise PolicyError(f"validator '{STDNUM_PREFIX}{module}': python-stdnum has no module {module!r}") from None
    is_valid = getattr(mod, "is_valid", None)
    if is_valid is None:
        raise PolicyError(f"validator '{STDNUM_PREFIX}{module}': module has no is_valid()")
    return is_valid


def get_validator(name: str | None) -> Callable[[str], bool] | None:
    """The function value -> bool for a PatternSpec.validator name (None for no validator)."""
    if name is None:
        return None
    if name == "luhn":
        return luhn_valid
    if name == "iban":
        return iban_valid
    if name == "phone":
        return phone_valid
    if name.startswith(STDNUM_PREFIX):
        return stdnum_validator(name.removeprefix(STDNUM_PREFIX))
    raise PolicyError(f"unknown validator {name!r} (use luhn, iban, phone or stdnum:<module>)")
