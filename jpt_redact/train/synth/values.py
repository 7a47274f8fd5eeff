"""Fake values for the synthetic generator: PII of every label, and numbers that are NOT PII.

Faker is slow per call, so each locale's names, streets, cities, phones, companies... are drawn
once into pools (Faker seeded with a fixed seed, so pools are the same on every run) and then
sampled with the generator's own `random.Random`. Identifier formats with checksums (card
numbers, IMEI, NHS numbers, VINs) are built here so they pass the validators real systems use.
"""
from __future__ import annotations

import random
import string
from functools import lru_cache

LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "en_IN")
# en_US-heavy, like most English text the product will see.
LOCALE_WEIGHTS = {"en_US": 5, "en_GB": 2, "en_IN": 1.5, "de_DE": 1, "fr_FR": 1, "es_ES": 1, "it_IT": 1, "nl_NL": 1}

# First names that are also ordinary English words: the model must read context, not the word.
WORD_NAMES = ("Will", "Hope", "Rose", "Mark", "Bill", "April", "June", "May", "Grace", "Faith", "Joy",
              "Dawn", "Frank", "Jack", "Pat", "Rob", "Sue", "Ray", "Drew", "Chase", "Hunter", "Amber",
              "Iris", "Summer", "Sky", "Gene", "Art", "Sunny", "Ivy", "Holly", "Robin", "Victor", "Penny",
              "Cliff", "Dusty", "Faye", "Forrest", "Earl", "Melody", "Destiny", "Page", "Crystal")
WORD_SURNAMES = ("Baker", "Cook", "Price", "Long", "Short", "Young", "Black", "White", "Bush", "Rice",
                 "Hill", "Mills", "Page", "Stone", "Wood", "Field", "Bird", "Fox", "Little", "Moon",
                 "Day", "Church", "King", "Bishop", "Banks", "Cash", "Best", "Sharp", "Small", "Gay")

_POOL_SIZE = 400


def _order_set_built_lists(f) -> None:
    """Faker's it_IT address provider builds `cities` as list(set(...)) (`getcities`), so its
    order, and so every seeded draw from it, changed with the process's hash seed: sort it."""
    for provider in f.providers:
        cities = getattr(provider, "cities", None)
        if provider.__module__.endswith("address.it_IT") and isinstance(cities, list):
            provider.cities = sorted(cities)


@lru_cache(maxsize=None)
def pools(locale: str) -> dict[str, tuple[str, ...]]:
    """Faker-drawn value pools for one locale (cached; deterministic)."""
    from faker import Faker

    f = Faker(locale)
    _order_set_built_lists(f)
    f.seed_instance(12345)
    n = _POOL_SIZE

    def draw(fn, k=n):
        out = []
        for _ in range(k):
            try:
                out.append(fn())
            except AttributeError:
                return ()
        return tuple(dict.fromkeys(out))

    def state():
        for m in ("state", "administrative_unit", "region", "department_name"):
            if hasattr(f, m):
                return getattr(f, m)()
        raise AttributeError(m)

    return {
        "first": draw(f.first_name),
        "last": draw(f.last_name),
        "street": draw(lambda: f.street_address().replace("\n", ", ")),
        "building": draw(f.building_number, 50),
        "city": draw(f.city),
        "postcode": draw(f.postcode),
        "state": draw(state, 100),
        "address": draw(f.address, 200),
        "phone": draw(f.phone_number),
        "company": draw(f.company, 200),
        "country": draw(f.country, 150),
        "free_domain": draw(f.free_email_domain, 30),
        "domain": draw(f.domain_name, 200),
        "iban": draw(f.iban, 200),
        "plate": draw(f.license_plate, 200),
        "job": draw(f.job, 150),
        "word": draw(f.word, 300),
    }


def luhn_complete(digits: str) -> str:
    """Append the Luhn check digit."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return digits + str((10 - total % 10) % 10)


def group(s: str, sizes: tuple[int, ...], sep: str = " ") -> str:
    out, i = [], 0
    for k in sizes:
        out.append(s[i:i + k])
        i += k
    if i < len(s):
        out.append(s[i:])
    return sep.join(p for p in out if p)


class Values:
    """PII and non-PII value makers bound to one rng and one locale."""

    def __init__(self, rng: random.Random, locale: str):
        self.rng = rng
        self.locale = locale
        self.p = pools(locale)

    # -- helpers ----------------------------------------------------------------------------
    def pick(self, seq):
        return seq[self.rng.randrange(len(seq))]

    def digits(self, k: int, first_nonzero: bool = False) -> str:
        r = self.rng
        s = "".join(r.choice(string.digits) for _ in range(k))
        if first_nonzero and s[0] == "0":
            s = str(r.randint(1, 9)) + s[1:]
        return s

    def alnum(self, k: int, alphabet: str = string.ascii_uppercase + string.digits) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(k))

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    # -- people -----------------------------------------------------------------------------
    def first(self) -> str:
        return self.pick(WORD_NAMES) if self.chance(0.1) else self.pick(self.p["first"])

    def last(self) -> str:
        return self.pick(WORD_SURNAMES) if self.chance(0.06) else self.pick(self.p["last"])

    def full_name(self) -> str:
        r = self.rng.random()
        if r < 0.7:
            return f"{self.first()} {self.last()}"
        if r < 0.8:
            return f"{self.first()[0]}. {self.last()}"
        if r < 0.9:
            return f"{self.first()} {self.rng.choice(string.ascii_uppercase)}. {self.last()}"
        return f"{self.last()}, {self.first()}"

    def name_parts(self) -> tuple[str, str]:
        return self.first(), self.last()

    # -- contact ----------------------------------------------------------------------------
    def email(self, first: str | None = None, last: str | None = None, domain: str | None = None) -> str:
        first = first or self.pick(self.p["first"])
        last = last or self.pick(self.p["last"])
        norm = lambda s: "".join(ch for ch in s.lower() if ch.isascii() and (ch.isalnum()))
        fi, la = norm(first) or "user", norm(last) or "x"
        local = self.pick((f"{fi}.{la}", f"{fi[0]}{la}", f"{fi}{la[0]}", f"{fi}_{la}", f"{fi}{self.digits(2)}",
                           f"{la}.{fi}", f"{fi}.{la}{self.digits(1)}", f"{fi[0]}.{la}", f"{fi}+{self.pick(('news', 'work', 'shop'))}"))
        if domain is None:
            domain = self.pick(self.p["free_domain"]) if self.chance(0.5) else self.pick(self.p["domain"])
        return f"{local}@{domain}"

    def phone(self) -> str:
        return self.pick(self.p["phone"]).split("x")[0].strip()

    def street(self) -> str:
        return self.pick(self.p["street"])

    def address_lines(self) -> str:
        """A multi-line postal address in the locale's layout."""
        return self.pick(self.p["address"])

    def address_one_line(self) -> str:
        return ", ".join(self.address_lines().split("\n"))

    def city(self) -> str:
        return self.pick(self.p["city"])

    def region(self) -> str:
        return self.pick(self.p["state"]) if self.p["state"] else self.city()

    def country(self) -> str:
        return self.pick(self.p["country"])

    def company(self) -> str:
        return self.pick(self.p["company"])

    def hospital(self) -> str:
        city = self.city()
        return self.pick((f"{city} General Hospital", f"St. {self.pick(('Mary', 'Luke', 'Jude', 'Anne', 'Thomas'))}'s Hospital",
                          f"{city} Medical Center", f"{self.last()} Family Clinic", f"{city} Community Health",
                          f"Riverside {self.pick(('Clinic', 'Hospital', 'Health'))}", f"{self.last()} Memorial Hospital"))

    def url(self, personal: bool = True) -> str:
        dom = self.pick(self.p["domain"])
        path = self.pick(("/u/", "/profile/", "/users/", "/account/", "/p/", "/reset?token=", "/invite/"))
        tail = self.alnum(self.rng.randint(5, 12), string.ascii_lowercase + string.digits)
        scheme = self.pick(("https://", "https://", "http://", "https://www.", "www."))
        return f"{scheme}{dom}{path}{tail}" if personal else f"{scheme}{dom}"

    # -- dates ------------------------------------------------------------------------------
    _MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December")

    def date(self, year_range=(1930, 2024), style: str | None = None) -> str:
        r = self.rng
        y, m, d = r.randint(*year_range), r.randint(1, 12), r.randint(1, 28)
        mon = self._MONTHS[m - 1]
        us = self.locale == "en_US"
        styles = {
            "num": f"{m:02d}/{d:02d}/{y}" if us else f"{d:02d}/{m:02d}/{y}",
            "num_short": f"{m}/{d}/{str(y)[2:]}" if us else f"{d}.{m}.{y}",
            "iso": f"{y}-{m:02d}-{d:02d}",
            "long": f"{mon} {d}, {y}" if us else f"{d} {mon} {y}",
            "abbr": f"{d} {mon[:3]} {y}" if not us else f"{mon[:3]} {d}, {y}",
            "dot": f"{d:02d}.{m:02d}.{y}",
        }
        return styles[style] if style else self.pick(tuple(styles.values()))

    def partial_date(self) -> str:
        """Dates without a year, and relative dates."""
        r = self.rng
        d, m = r.randint(1, 28), r.randint(1, 12)
        mon = self._MONTHS[m - 1]
        suffix = "th" if 11 <= d <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(d % 10, "th")
        return self.pick((f"{mon} {d}{suffix}", f"{m}/{d}", f"{d} {mon}", f"{mon[:3]} {d}", f"the {d}{suffix}",
                          f"last {self.weekday()}", f"next {self.weekday()}", "yesterday", "today", "tomorrow",
                          f"this {self.weekday()}", f"{self.weekday()}", f"{mon} {d}", "last week", f"{d}{suffix} {mon}",
                          "the day before yesterday", f"early {mon}", f"{self.pick(('two', 'three', '2', '3'))} days ago"))

    def weekday(self) -> str:
        return self.pick(("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"))

    def time(self) -> str:
        r = self.rng
        h, mi = r.randint(0, 23), r.randint(0, 59)
        return self.pick((f"{h:02d}:{mi:02d}", f"{(h % 12) or 12}:{mi:02d} {'am' if h < 12 else 'pm'}",
                          f"{(h % 12) or 12}{'am' if h < 12 else 'pm'}", f"{h:02d}:{mi:02d}:{r.randint(0, 59):02d}",
                          f"{h:02d}{mi:02d}h" if self.chance(0.2) else f"{h}:{mi:02d}"))

    def timestamp(self) -> str:
        r = self.rng
        y, m, d = r.randint(2019, 2025), r.randint(1, 12), r.randint(1, 28)
        h, mi, s = r.randint(0, 23), r.randint(0, 59), r.randint(0, 59)
        return self.pick((f"{y}-{m:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}Z", f"{y}-{m:02d}-{d:02d} {h:02d}:{mi:02d}:{s:02d}",
                          f"{d:02d}/{self._MONTHS[m - 1][:3]}/{y}:{h:02d}:{mi:02d}:{s:02d} +0000",
                          f"{y}-{m:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}.{r.randint(0, 999):03d}+00:00"))

    def age(self, old: bool = False) -> str:
        a = self.rng.randint(90, 104) if old or self.chance(0.15) else self.rng.randint(1, 89)
        return self.pick((str(a), f"{a}-year-old", f"{a} yo", f"{a} y/o", f"{a} years old", f"{a}yo", f"{a} years"))

    # -- identifiers ------------------------------------------------------------------------
    def ssn(self) -> str:
        r = self.rng
        area = r.choice([x for x in range(1, 900) if x != 666])
        s = f"{area:03d}-{r.randint(1, 99):02d}-{r.randint(1, 9999):04d}"
        return s if self.chance(0.85) else s.replace("-", self.pick(("", " ")))

    def national_id(self) -> str:
        L = self.locale
        if L == "en_GB":
            s = f"{self.alnum(2, 'ABCEGHJKLMNPRSTWXYZ')}{self.digits(6)}{self.pick('ABCD')}"
            return group(s, (2, 2, 2, 2, 1)) if self.chance(0.5) else s
        if L == "de_DE":
            return self.digits(11, first_nonzero=True)
        if L == "fr_FR":
            s = f"{self.pick('12')}{self.digits(2)}{self.rng.randint(1, 12):02d}{self.digits(8)}{self.digits(2)}"
            return group(s, (1, 2, 2, 2, 3, 3, 2)) if self.chance(0.5) else s
        if L == "es_ES":
            n = self.rng.randint(0, 99999999)
            return f"{n:08d}{'TRWAGMYFPDXBNJZSQVHLCKE'[n % 23]}"
        if L == "it_IT":
            return (self.alnum(6, string.ascii_uppercase) + self.digits(2) + self.pick("ABCDEHLMPRST")
                    + self.digits(2) + self.pick(string.ascii_uppercase) + self.digits(3) + self.pick(string.ascii_uppercase))
        if L == "nl_NL":
            from stdnum.nl import bsn
            while True:
                base = self.digits(8, first_nonzero=True)
                for c in "0123456789":
                    if bsn.is_valid(base + c):
                        return base + c
        if L == "en_IN":
            if self.chance(0.5):
                return group(self.digits(12, first_nonzero=True), (4, 4, 4))
            return self.alnum(5, string.ascii_uppercase) + self.digits(4) + self.pick(string.ascii_uppercase)
        return self.ssn()

    def passport(self) -> str:
        return self.pick((self.digits(9, True), self.pick(string.ascii_uppercase) + self.digits(8),
                          self.alnum(2, string.ascii_uppercase) + self.digits(7), self.alnum(9)))

    def credit_card(self) -> str:
        r = self.rng
        prefix, length = self.pick((("4", 16), ("51", 16), ("55", 16), ("2221", 16), ("34", 15), ("37", 15), ("6011", 16)))
        num = luhn_complete(prefix + self.digits(length - len(prefix) - 1))
        if length == 15:
            return group(num, (4, 6, 5), self.pick((" ", "-", ""))) if r.random() < 0.7 else num
        return group(num, (4, 4, 4, 4), self.pick((" ", "-", ""))) if r.random() < 0.8 else num

    def card_expiry(self) -> str:
        return f"{self.rng.randint(1, 12):02d}/{self.rng.randint(25, 31)}"

    def iban(self) -> str:
        s = self.pick(self.p["iban"])
        return group(s, (4,) * 8) if self.chance(0.6) else s

    def account(self) -> str:
        return self.pick((self.digits(self.rng.randint(8, 12)), f"{self.pick(('CU', 'AC', 'CUST', 'ACC'))}-{self.digits(6)}",
                          f"{self.digits(4)}-{self.digits(6)}", f"{self.digits(3)}-{self.digits(3)}-{self.digits(4)}",
                          f"PL-{self.digits(4)}-{self.digits(2)}"))

    def sort_code(self) -> str:
        return f"{self.digits(2)}-{self.digits(2)}-{self.digits(2)}"

    def routing(self) -> str:
        return self.digits(9)

    def mrn(self) -> str:
        if self.locale == "en_GB" and self.chance(0.5):
            from stdnum.gb import nhs
            while True:
                base = self.digits(9, first_nonzero=True)
                for c in "0123456789":
                    if nhs.is_valid(base + c):
                        return group(base + c, (3, 3, 4))
        return self.pick((self.digits(self.rng.randint(6, 10)), f"PT-{self.digits(4)}-{self.digits(2)}",
                          f"{self.alnum(2, string.ascii_uppercase)}{self.digits(7)}", f"MR{self.digits(6)}", f"{self.digits(3)}-{self.digits(2)}-{self.digits(3)}"))

    def health_plan(self) -> str:
        mbi = (str(self.rng.randint(1, 9)) + self.pick("ACDEFGHJKMNPQRTUVWXY") + self.alnum(1, "ACDEFGHJKMNPQRTUVWXY0123456789")
               + self.digits(1) + "-" + self.alnum(3, "ACDEFGHJKMNPQRTUVWXY0123456789") + "-" + self.alnum(4, "ACDEFGHJKMNPQRTUVWXY0123456789"))
        return self.pick((self.alnum(3, string.ascii_uppercase) + self.digits(9), mbi, f"W{self.digits(9)}",
                          f"{self.digits(3)}{self.alnum(2, string.ascii_uppercase)}{self.digits(5)}", f"MBR-{self.digits(8)}"))

    def license(self) -> str:
        return self.pick((f"{self.pick(string.ascii_uppercase)}{self.digits(3)}-{self.digits(4)}-{self.digits(4)}",
                          f"{self.pick(string.ascii_uppercase)}{self.digits(7)}", self.digits(9),
                          f"{self.alnum(5, string.ascii_uppercase)}{self.digits(6)}{self.alnum(5)}",
                          f"RN{self.digits(6)}", f"{self.alnum(2, string.ascii_uppercase)}{self.digits(7)}",
                          f"MD-{self.digits(5)}"))

    def vin(self) -> str:
        alphabet = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
        trans = {c: v for c, v in zip("ABCDEFGHJKLMNPRSTUVWXYZ", (1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9))}
        weights = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
        s = list(self.alnum(17, alphabet))
        total = sum((int(c) if c.isdigit() else trans[c]) * w for c, w in zip(s, weights))
        s[8] = "X" if total % 11 == 10 else str(total % 11)
        return "".join(s)

    def plate(self) -> str:
        return self.pick(self.p["plate"])

    def vehicle_id(self) -> str:
        return self.vin() if self.chance(0.45) else self.plate()

    def imei(self) -> str:
        return luhn_complete(self.pick(("35", "86", "01", "49")) + self.digits(12))

    def mac(self) -> str:
        sep = self.pick((":", "-"))
        return sep.join(self.alnum(2, "0123456789ABCDEF" if self.chance(0.5) else "0123456789abcdef") for _ in range(6))

    def serial(self) -> str:
        return self.pick((self.alnum(12), f"SN{self.digits(8)}", f"{self.alnum(4)}-{self.alnum(4)}-{self.alnum(4)}",
                          self.alnum(10, string.ascii_uppercase + string.digits)))

    def device_id(self) -> str:
        return self.pick((self.imei, self.mac, self.serial, self.serial))()

    def ipv4(self, private: bool | None = None) -> str:
        r = self.rng
        if private is None:
            private = self.chance(0.4)
        if private:
            return self.pick((f"10.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}",
                              f"192.168.{r.randint(0, 255)}.{r.randint(1, 254)}", f"172.{r.randint(16, 31)}.{r.randint(0, 255)}.{r.randint(1, 254)}"))
        return f"{r.randint(1, 223)}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"

    def ipv6(self) -> str:
        hx = lambda: f"{self.rng.randint(0, 0xFFFF):x}"
        if self.chance(0.5):
            return f"2001:db8:{hx()}:{hx()}::{hx()}"
        return ":".join(hx() for _ in range(8))

    def ip(self) -> str:
        return self.ipv6() if self.chance(0.2) else self.ipv4()

    def username(self, first: str | None = None, last: str | None = None) -> str:
        first = "".join(c for c in (first or self.pick(self.p["first"])).lower() if c.isascii() and c.isalnum()) or "user"
        last = "".join(c for c in (last or self.pick(self.p["last"])).lower() if c.isascii() and c.isalnum()) or "x"
        return self.pick((f"{first}{last[0]}", f"{first[0]}{last}", f"{first}_{last}", f"{first}{self.digits(2)}",
                          f"{first}.{last}", f"{last}{first[0]}{self.digits(1)}", f"{self.pick(self.p['word'])}_{first}",
                          f"{first}{last}{self.digits(3)}"))

    def password(self) -> str:
        w = self.pick(self.p["word"])
        return self.pick((f"{w.capitalize()}{self.digits(4)}!", f"{w}{self.pick(('#', '$', '@', '!'))}{self.digits(2)}",
                          self.alnum(12, string.ascii_letters + string.digits + "!@#$%&*"),
                          f"{self.pick(('summer', 'winter', 'spring', 'autumn'))}{self.rng.randint(2019, 2026)}{self.pick(('!', '', '?'))}",
                          f"{w.capitalize()}{self.pick(self.p['word']).capitalize()}{self.digits(2)}", self.digits(4)))

    def api_key(self) -> str:
        lo = string.ascii_lowercase + string.digits
        mix = string.ascii_letters + string.digits
        return self.pick((f"sk_live_{self.alnum(24, mix)}", f"sk_test_{self.alnum(24, mix)}", f"AKIA{self.alnum(16)}",
                          f"ghp_{self.alnum(36, mix)}", f"xoxb-{self.digits(12)}-{self.digits(13)}-{self.alnum(24, mix)}",
                          self.alnum(32, "0123456789abcdef"), f"AIza{self.alnum(35, mix + '-_')}",
                          f"eyJ{self.alnum(30, mix)}.eyJ{self.alnum(40, mix)}.{self.alnum(43, mix + '-_')}",
                          f"glpat-{self.alnum(20, mix)}", f"pk_{self.alnum(28, lo)}"))

    # -- numbers that are NOT PII -----------------------------------------------------------
    def order_id(self) -> str:
        return self.pick((f"ORD-{self.rng.randint(2019, 2025)}-{self.digits(5)}", f"#{self.digits(6)}", f"PO{self.digits(7)}",
                          f"INV-{self.digits(5)}", f"{self.alnum(3, string.ascii_uppercase)}-{self.digits(6)}", self.digits(8)))

    def ticket_id(self) -> str:
        return self.pick((f"#{self.digits(5)}", f"INC{self.digits(7)}", f"{self.pick(('OPS', 'SUP', 'HELP', 'IT'))}-{self.rng.randint(100, 9999)}",
                          f"CS-{self.digits(6)}", f"REQ{self.digits(6)}"))

    def price(self) -> str:
        amt = self.rng.choice((self.rng.randint(1, 99) + self.rng.randint(0, 99) / 100, self.rng.randint(100, 9999) + 0.5 * self.rng.randint(0, 1)))
        cur = {"en_US": "$", "en_GB": "£", "en_IN": "₹"}.get(self.locale, "€")
        if cur == "€" and self.chance(0.6):
            return f"{amt:,.2f} €".replace(",", "X").replace(".", ",").replace("X", ".")
        return f"{cur}{amt:,.2f}"

    def version(self) -> str:
        r = self.rng
        return self.pick((f"{r.randint(0, 12)}.{r.randint(0, 30)}.{r.randint(0, 99)}", f"v{r.randint(1, 5)}.{r.randint(0, 20)}",
                          f"{r.randint(1, 4)}.{r.randint(0, 9)}.{r.randint(0, 9)}.{r.randint(100, 9999)}", f"build {r.randint(1000, 99999)}"))

    def quantity(self) -> str:
        r = self.rng
        return self.pick((f"{r.randint(1, 24)}", f"{r.randint(1, 12)} x", f"{r.randint(2, 500)} units", f"{r.randint(1, 9)} boxes",
                          f"{r.randint(1, 50)} kg", f"{r.randint(1, 20)} pcs"))

    def room(self) -> str:
        r = self.rng
        return self.pick((f"Room {r.randint(100, 899)}", f"Bed {r.randint(1, 40)}{self.pick('AB')}", f"Ward {r.randint(1, 12)}",
                          f"Bay {r.randint(1, 8)}", f"Suite {r.randint(100, 999)}", f"Gate {self.pick('ABCD')}{r.randint(1, 40)}"))

    def dosage(self) -> str:
        r = self.rng
        return self.pick((f"{self.pick((5, 10, 20, 25, 40, 50, 100, 250, 500, 1000))} mg", f"{r.randint(1, 3)} tablets",
                          f"{self.pick((0.5, 1, 2, 5, 10))} mL", f"{self.pick((100, 200, 400, 800))} mg", f"{r.randint(2, 40)} units",
                          f"{self.pick((0.1, 0.25, 0.5, 1))} mcg/kg"))

    def vitals(self) -> str:
        r = self.rng
        return self.pick((f"BP {r.randint(95, 170)}/{r.randint(55, 100)}", f"HR {r.randint(48, 130)}", f"T {r.randint(360, 395) / 10}°C",
                          f"SpO2 {r.randint(88, 100)}%", f"RR {r.randint(10, 28)}", f"BP {r.randint(95, 170)}/{r.randint(55, 100)} mmHg",
                          f"temp {r.randint(970, 1030) / 10}F", f"weight {r.randint(45, 130)} kg"))

    def duration(self) -> str:
        r = self.rng
        return self.pick((f"{r.randint(2, 14)} days", f"{r.randint(1, 6)} weeks", f"{r.randint(2, 48)} hours", "three days", "a week",
                          f"{r.randint(5, 90)} minutes", "two months"))

    def percent(self) -> str:
        return f"{self.rng.randint(1, 99)}{self.pick(('', '.5', '.2'))}%"

    def http_status(self) -> str:
        return self.pick(("200", "201", "204", "301", "302", "400", "401", "403", "404", "429", "500", "502", "503"))
