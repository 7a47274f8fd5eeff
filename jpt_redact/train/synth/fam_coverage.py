"""Coverage families: ages in every phrasing, bare years, stand-alone postcodes, non-US and
multi-line addresses, names and places in non-Latin scripts inside English text, and hard
negatives (percentages, doses, measurements, versions) that must never be read as dates or ages.

Conventions kept from the other families: a whole address block (lines, postcode and town
included) is one STREET_ADDRESS span; a postcode alone is STREET_ADDRESS (part of an address
below city level); age cue words ("aged", "age:") stay outside the AGE span, unit words
("-year-old", "y/o") inside; a bare year is DATE_TIME (DATE and DATE_OF_BIRTH exclude bare years).
"""
from __future__ import annotations

from functools import lru_cache

from .compose import Doc
from .families import family
from .values import Values, pools

# -- value makers --------------------------------------------------------------------------

_DECADE_WORDS = ("twenties", "thirties", "forties", "fifties", "sixties", "seventies", "eighties")


def age_phrase(v: Values, lo: int = 1, hi: int = 104) -> str:
    """An age value with its unit words; boundary ages (85-95) are drawn often on purpose."""
    near = hi >= 90 and lo <= 89 and v.chance(0.25)
    a = v.rng.randint(max(lo, 85), min(hi, 95)) if near else v.rng.randint(lo, hi)
    return v.pick((str(a), f"{a}-year-old", f"{a} y/o", f"{a}yo", f"{a} yo", f"{a} years old", f"{a} yrs",
                   f"{a} years", f"{a}y", f"{a} year old"))


def age_decade(v: Values) -> str:
    """'forties', 'mid-50s', 'late 90s': word forms only below 90 so refine() reads digits for 90+."""
    if v.chance(0.4):
        return v.pick(_DECADE_WORDS) if v.chance(0.7) else f"{v.pick(('early', 'mid', 'late'))} {v.pick(_DECADE_WORDS)}"
    dec = v.rng.randint(2, 10) * 10
    return v.pick((f"{dec}s", f"mid-{dec}s", f"early {dec}s", f"late {dec}s"))


def infant_age(v: Values) -> str:
    r = v.rng
    return v.pick((f"{r.randint(1, 23)} months", f"{r.randint(1, 23)}-month-old", f"{r.randint(1, 12)} weeks old",
                   f"{r.randint(2, 30)} days old", f"{r.randint(1, 11)} mo"))


def year(v: Values, lo: int = 1925, hi: int = 2012) -> str:
    return str(v.rng.randint(lo, hi))


def negatives(v: Values, clinical: bool = True) -> str:
    """Numbers that look like dates or ages but are neither (never spans)."""
    r = v.rng
    if not clinical:
        return v.pick((f"version {r.randint(1, 4)}.{r.randint(1, 12)}", f"v{r.randint(1, 3)}.{r.randint(1, 12)}.{r.randint(0, 9)}",
                       f"{r.randint(5, 95)}% probability", f"{r.randint(1, 9)}.{r.randint(1, 9)} cm", f"{r.randint(1, 50)} kg",
                       f"{r.randint(10, 99)}% battery", f"{r.randint(1, 12)}/{r.randint(13, 40)} done"))
    return v.pick((f"{r.choice((50, 70, 80, 90, 95))}% stenosis", f"EF {r.randint(25, 65)}%", f"{v.dosage()}", f"{r.randint(1, 9)}.{r.randint(1, 9)} cm",
                   f"BP {r.randint(95, 170)}/{r.randint(55, 100)}",
                   f"{r.randint(2, 40)}.{r.randint(1, 9)} mm", f"{r.randint(5, 95)}% probability", f"{r.randint(1, 12)}.{r.randint(1, 30)} mg/dL",
                   f"{r.randint(1, 3)}x{r.randint(1, 9)} cm", f"Hb {r.randint(9, 16)}.{r.randint(0, 9)}", f"pain {r.randint(1, 10)}/10",
                   f"{r.randint(1, 4)}/{r.randint(5, 9)} strength"))


# Postcode systems: (key phrase choices, locale whose Faker pool has the format, or a maker).
def _jp_postcode(v: Values) -> str:
    return f"{v.digits(3)}-{v.digits(4)}"


_POSTCODE_SYSTEMS = (
    (("ZIP", "zip code", "ZIP code", "zip"), "en_US"),
    (("postcode", "post code", "Postcode"), "en_GB"),
    (("PLZ", "Postleitzahl"), "de_DE"),
    (("code postal", "CP"), "fr_FR"),
    (("código postal", "C.P."), "es_ES"),
    (("PIN code", "PIN", "pincode"), "en_IN"),
    (("CAP",), "it_IT"),
    (("postcode",), "nl_NL"),
    (("〒", "postal code"), None),
)


def postcode(v: Values) -> tuple[str, str]:
    """(key word, postcode) from one national system."""
    keys, loc = v.pick(_POSTCODE_SYSTEMS)
    if loc is None:
        return v.pick(keys), _jp_postcode(v)
    code = v.pick(pools(loc)["postcode"])
    if loc == "en_US" and v.chance(0.2):
        code = f"{code}-{v.digits(4)}"
    return v.pick(keys), code


@lru_cache(maxsize=None)
def _streets(locale: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(street names, building numbers, cities) for hand-built address layouts (deterministic)."""
    from faker import Faker

    f = Faker(locale)
    f.seed_instance(2024)
    return (tuple(dict.fromkeys(f.street_name() for _ in range(150))), tuple(str(f.building_number()) for _ in range(40)),
            tuple(dict.fromkeys(f.city() for _ in range(150))))


_JP_ROMAN = (("Shibuya", "Shibuya-ku", "Tokyo"), ("Umeda", "Kita-ku", "Osaka"), ("Sakae", "Naka-ku", "Nagoya"),
             ("Gion", "Higashiyama-ku", "Kyoto"), ("Tenjin", "Chuo-ku", "Fukuoka"), ("Minatomirai", "Nishi-ku", "Yokohama"))
_IN_BUILDINGS = ("Sai Residency", "Green Park Apartments", "Shanti Niwas", "Lotus Towers", "Krishna Kunj", "Prestige Heights")


def intl_address(v: Values, multiline: bool | None = None) -> str:
    """A full address in one national layout, one line or several (one STREET_ADDRESS span)."""
    r = v.rng
    multi = v.chance(0.5) if multiline is None else multiline
    kind = v.pick(("gb", "de", "fr", "es", "in", "jp", "jp_roman", "it", "nl", "faker"))
    if kind == "faker":
        a = v.pick(pools(v.pick(("en_GB", "de_DE", "fr_FR", "es_ES", "en_IN", "it_IT", "nl_NL")))["address"]).strip()
        return a if multi else ", ".join(p.strip() for p in a.split("\n"))
    if kind == "jp":
        a = v.pick(_ja_pool()["address"])
        return f"〒{_jp_postcode(v)}\n{a}" if multi else f"〒{_jp_postcode(v)} {a}"
    if kind == "jp_roman":
        area, ward, city = v.pick(_JP_ROMAN)
        lines = [f"{r.randint(1, 5)}-{r.randint(1, 30)}-{r.randint(1, 20)} {area}", f"{ward}, {city} {_jp_postcode(v)}"]
    else:
        loc = {"gb": "en_GB", "de": "de_DE", "fr": "fr_FR", "es": "es_ES", "in": "en_IN", "it": "it_IT", "nl": "nl_NL"}[kind]
        streets, nums, cities = _streets(loc)
        st, no, city, pc = v.pick(streets), v.pick(nums), v.pick(cities), v.pick(pools(loc)["postcode"])
        if kind == "gb":
            unit = v.pick((f"Flat {r.randint(1, 40)}, ", f"Apartment {r.randint(1, 12)}{v.pick('ABC')}, ", ""))
            lines = [f"{unit}{no} {st}", f"{city} {pc}"] if v.chance(0.6) else [f"{unit}{no} {st}", city, pc]
        elif kind == "de":
            lines = [f"{st} {no}", f"{pc} {city}"]
            if v.chance(0.3):
                lines.insert(0, f"c/o {v.pick(pools('de_DE')['last'])}")
        elif kind == "fr":
            lines = [v.pick((f"{no}, {st}", f"{no} {st}", f"Appt {r.randint(1, 60)}, {no} {st}")), f"{pc} {city}"]
        elif kind == "es":
            lines = [f"{st} {no}, {r.randint(1, 9)}º {v.pick('ABCD')}", f"{pc} {city}"]
        elif kind == "it":
            lines = [f"{st} {no}", f"{pc} {city}"]
        elif kind == "nl":
            lines = [f"{st} {no}", f"{pc[:4]} {pc[-2:]} {city}" if v.chance(0.5) else f"{pc} {city}"]
        else:
            lines = [f"{v.pick(('Flat', 'H.No.', 'Door No.'))} {r.randint(1, 40)}{v.pick(('', 'B', 'A'))}, {v.pick(_IN_BUILDINGS)}",
                     st, f"{city} {v.pick(('', '- '))}{pc}"]
    return "\n".join(lines) if multi else ", ".join(lines)


@lru_cache(maxsize=None)
def _ja_pool() -> dict[str, tuple[str, ...]]:
    from faker import Faker

    f = Faker("ja_JP")
    f.seed_instance(2024)
    return {"address": tuple(dict.fromkeys(f.address() for _ in range(100)))}


# Script -> (Faker locale, surname first without a space, places in that script).
SCRIPTS: dict[str, tuple[str, bool, tuple[str, ...]]] = {
    "cyrillic": ("ru_RU", False, ("Москва", "Санкт-Петербург", "Новосибирск", "Казань", "Екатеринбург", "Киев", "Минск", "Самара")),
    "greek": ("el_GR", False, ("Αθήνα", "Θεσσαλονίκη", "Πάτρα", "Ηράκλειο", "Λάρισα", "Κέρκυρα", "Βόλος", "Ρόδος")),
    "arabic": ("ar_AA", False, ("القاهرة", "الرياض", "دبي", "بيروت", "عمّان", "الدار البيضاء", "بغداد", "تونس")),
    "hebrew": ("he_IL", False, ("ירושלים", "תל אביב", "חיפה", "באר שבע", "אילת", "נתניה", "רמת גן")),
    "devanagari": ("hi_IN", False, ("मुंबई", "दिल्ली", "पुणे", "जयपुर", "लखनऊ", "वाराणसी", "भोपाल", "पटना")),
    "japanese": ("ja_JP", True, ("東京", "大阪", "京都", "横浜", "札幌", "福岡", "名古屋", "神戸")),
    "chinese": ("zh_CN", True, ("北京", "上海", "广州", "深圳", "成都", "杭州", "武汉", "西安", "南京")),
    "hangul": ("ko_KR", True, ("서울", "부산", "인천", "대구", "광주", "대전", "제주", "수원")),
}


@lru_cache(maxsize=None)
def _names(locale: str) -> dict[str, tuple[str, ...]]:
    from faker import Faker

    f = Faker(locale)
    f.seed_instance(2024)
    out = {}
    for sex in ("male", "female"):
        first = getattr(f, f"first_name_{sex}", f.first_name)
        last = getattr(f, f"last_name_{sex}", f.last_name)
        out[f"first_{sex}"] = tuple(dict.fromkeys(first() for _ in range(120)))
        out[f"last_{sex}"] = tuple(dict.fromkeys(last() for _ in range(120)))
    return out


def script_name(v: Values, script: str | None = None, parts: str = "full") -> str:
    """A person's name written in a non-Latin script (gender-consistent surname where the locale has them)."""
    loc, family_first, _ = SCRIPTS[script or v.pick(tuple(SCRIPTS))]
    n = _names(loc)
    sex = v.pick(("male", "female"))
    first, last = v.pick(n[f"first_{sex}"]), v.pick(n[f"last_{sex}"])
    if parts == "first":
        return first
    if family_first:
        return f"{last}{first}" if v.chance(0.7) else f"{last} {first}"
    return f"{first} {last}" if v.chance(0.85) else f"{last} {first[0]}."


def script_place(v: Values, script: str | None = None) -> str:
    return v.pick(SCRIPTS[script or v.pick(tuple(SCRIPTS))][2])


_HONORIFIC = ("Dr. ", "Dr ", "Mr. ", "Ms. ", "Mrs. ", "Prof. ", "", "", "")
_SEX = ("man", "woman", "male", "female", "M", "F", "gentleman", "lady", "boy", "girl")
_PRON = {"man": "his", "male": "his", "M": "his", "gentleman": "his", "boy": "his"}


def _pron(sex: str) -> str:
    return _PRON.get(sex, "her")


# -- ages and years --------------------------------------------------------------------------

@family("coverage.clinical_age_lines", weight=1.5)
def clinical_age_lines(d: Doc, v: Values) -> None:
    sex = v.pick(_SEX)
    d.f(v.pick(("HPI: {n:PERSON} is a {a:AGE} {sex} with chest pain ({neg1}), seen {dt:DATE}.\n",
                "Pt {n:PERSON}, aged {a:AGE}, {sex}. Presented {dt:DATE} with chest pain; {neg1}.\n",
                "{a:AGE} {sex} ({n:PERSON}) admitted {dt:DATE}. Known {neg1}.\n",
                "Name: {n:PERSON}\nAge: {a:AGE}\nSex: {sex}\nVisit: {dt:DATE}\nFindings: {neg1}\n")),
        n=v.full_name, a=lambda: age_phrase(v), sex=sex, neg1=lambda: negatives(v), dt=lambda: v.date((2019, 2025)))
    d.f("Vitals: {n1}, {n2}. Meds: {n3} daily. Lesion {n4}.\n", n1=negatives(v), n2=v.vitals(), n3=v.dosage(), n4=negatives(v))
    if v.chance(0.5):
        d.f(v.pick(("FHx: father died aged {fa:AGE} (MI); mother alive, {ma:AGE}.\n", "Social: lives with {pr} wife, {wa:AGE}; son {s:PERSON} ({sa:AGE}).\n",
                    "Lives alone since {yr:DATE_TIME}. Sister {s:PERSON} is in her {dec:AGE}.\n")),
            fa=lambda: str(v.rng.randint(40, 99)), ma=lambda: age_phrase(v, 50, 104), pr=_pron(sex), wa=lambda: age_phrase(v, 30, 99),
            s=v.full_name, sa=lambda: age_phrase(v, 1, 70), yr=lambda: year(v, 1990, 2023), dec=lambda: age_decade(v))
    if v.chance(0.3):
        d.f("Peds sibling: {sa:AGE} infant, born {yr:DATE_TIME}.\n", sa=lambda: infant_age(v), yr=lambda: year(v, 2022, 2025))


@family("coverage.intake_form_age_year")
def intake_form_age_year(d: Doc, v: Values) -> None:
    k, pc = postcode(v)
    d.f(v.pick(("NEW PATIENT INTAKE\nFull name: {n:PERSON}\nAge: {a:AGE}\nYear of birth: {yr:DATE_TIME}\n{k}: {pc:STREET_ADDRESS}\n",
                "Intake form | name {n:PERSON} | age: {a:AGE} | YOB {yr:DATE_TIME} | {k} {pc:STREET_ADDRESS}\n",
                "Patient questionnaire\n1. Name - {n:PERSON}\n2. How old are you? {a:AGE}\n3. DOB {yr:DATE_TIME}\n4. {k} - {pc:STREET_ADDRESS}\n")),
        n=v.full_name, a=lambda: age_phrase(v), yr=lambda: year(v), k=k, pc=pc)
    d.f("Height {h} cm, weight {w} kg, BMI {b}. Smoker: {sm}. Alcohol {u} units/week.\n", h=v.rng.randint(150, 195), w=v.rng.randint(45, 120),
        b=f"{v.rng.randint(18, 35)}.{v.rng.randint(0, 9)}", sm=v.pick(("no", "yes, 10/day", "ex-smoker")), u=v.rng.randint(0, 20))
    if v.chance(0.5):
        d.f("Children: {c1:AGE} and {c2:AGE}. Signed {dt:DATE}.\n", c1=lambda: age_phrase(v, 1, 17), c2=lambda: infant_age(v), dt=lambda: v.date((2022, 2025)))


@family("coverage.hr_record_years")
def hr_record_years(d: Doc, v: Values) -> None:
    d.f(v.pick(("EMPLOYEE RECORD\nName: {n:PERSON}\nBorn: {yr:DATE_TIME} in {city:LOCATION}\nEducation: {deg}, class of {cy:DATE_TIME}\nHome address:\n{addr:STREET_ADDRESS}\n",
                "HR note - {n:PERSON} (b. {yr:DATE_TIME}, {city:LOCATION}); graduated {cy:DATE_TIME} ({deg}). Address: {addr:STREET_ADDRESS}.\n",
                "Candidate {n:PERSON}, born in {yr:DATE_TIME}, {deg} (class of {cy:DATE_TIME}), currently based at {addr:STREET_ADDRESS}.\n")),
        n=v.full_name, yr=lambda: year(v, 1950, 2002), city=v.city, cy=lambda: year(v, 1975, 2024),
        deg=v.pick(("BSc Economics", "MBA", "BA History", "MSc Computer Science", "BEng")), addr=lambda: intl_address(v))
    d.f("Grade {g}, salary band {b}, {p}% bonus target, {dd} days leave. Start date {sd:DATE}.\n", g=v.rng.randint(3, 12),
        b=v.pick("ABCDE"), p=v.pick((5, 10, 15, 20)), dd=v.rng.randint(20, 30), sd=lambda: v.date((2015, 2025)))
    if v.chance(0.5):
        d.f("Emergency contact: {c:PERSON}, {rel}, aged {a:AGE}.\n", c=v.full_name, rel=v.pick(("spouse", "mother", "father", "partner")),
            a=lambda: age_phrase(v, 20, 99))


@family("coverage.chat_ages_years", weight=1.2)
def chat_ages_years(d: Doc, v: Values) -> None:
    a, b = v.first(), v.first()
    d.f("{a:PERSON}: ", a=a)
    d.f(v.pick(("my grandma just turned {x:AGE} lol\n", "i'm {x:AGE} and still can't cook\n", "she's in her {dec:AGE} but runs marathons\n",
                "we were both born in {yr:DATE_TIME}!\n", "my dad is {x:AGE} and refuses to use a phone\n")),
        x=lambda: age_phrase(v, 14, 104), dec=lambda: age_decade(v), yr=lambda: year(v, 1960, 2005))
    d.f("{b:PERSON}: ", b=b)
    d.f(v.pick(("no way, {p} chance I believe that\n", "haha same, class of {cy:DATE_TIME} represent\n", "my son is {x:AGE} now, time flies\n",
                "wait, you're from {loc:LOCATION}? i lived there till {yr:DATE_TIME}\n")),
        p=v.percent(), cy=lambda: year(v, 1980, 2024), x=lambda: age_phrase(v, 1, 40), loc=v.city, yr=lambda: year(v, 1990, 2023))
    if v.chance(0.5):
        d.f("{a:PERSON}: ok see you {dt:DATE} at {t:DATE_TIME}, bring the {v1} cable\n", a=a, dt=v.partial_date, t=v.time, v1=v.version())


@family("coverage.hard_negative_measures")
def hard_negative_measures(d: Doc, v: Values) -> None:
    """Measurement-dense text where only names, real dates and ages are spans."""
    d.f("Echo report for {n:PERSON} ({a:AGE}), {dt:DATE}.\n", n=v.full_name, a=lambda: age_phrase(v, 18, 104), dt=lambda: v.date((2020, 2025)))
    for _ in range(v.rng.randint(3, 6)):
        d.f("- {x}\n", x=negatives(v, clinical=v.chance(0.7)))
    d.f(v.pick(("Impression: {p}% stenosis of the LAD, EF {e}%. Plan: aspirin {m}.\n", "Software {ver}; calibration {c} cm; {p}% agreement.\n",
                "BP {s}/{di} on {m}; repeat in {dur}.\n")),
        p=v.pick((70, 80, 90, 95)), e=v.rng.randint(30, 65), m=v.dosage(), ver=f"version {v.rng.randint(1, 4)}.{v.rng.randint(1, 12)}",
        c=f"{v.rng.randint(1, 9)}.{v.rng.randint(0, 9)}", s=v.rng.randint(95, 170), di=v.rng.randint(55, 100), dur=v.duration())
    d.t("Reported by ")
    d.e("PERSON", f"{v.first()} {v.last()}")
    d.nl()


# -- postcodes and addresses -----------------------------------------------------------------

@family("coverage.crm_postcode_notes", weight=1.2)
def crm_postcode_notes(d: Doc, v: Values) -> None:
    for _ in range(v.rng.randint(2, 4)):
        k, pc = postcode(v)
        d.f(v.pick(("{dt:DATE} - called {n:PERSON}, confirmed {k} {pc:STREET_ADDRESS} for delivery.\n",
                    "{dt:DATE}: lead {n:PERSON} is in the {pc:STREET_ADDRESS} area, wants a quote ({p}).\n",
                    "{dt:DATE} | {n:PERSON} | {k}: {pc:STREET_ADDRESS} | status {st}\n",
                    "{dt:DATE} {n:PERSON} moved, new {k} is {pc:STREET_ADDRESS} (was {pc2:STREET_ADDRESS}).\n")),
            dt=lambda: v.date((2022, 2025), v.pick(("iso", "num", "abbr"))), n=v.full_name, k=k, pc=pc, pc2=lambda: postcode(v)[1],
            p=v.price(), st=v.pick(("open", "won", "lost", "follow-up")))


@family("coverage.shipping_label")
def shipping_label(d: Doc, v: Values) -> None:
    d.f(v.pick(("SHIP TO:\n{n:PERSON}\n{addr:STREET_ADDRESS}\n{c:LOCATION}\n\n", "DELIVER TO\n{n:PERSON}\n{addr:STREET_ADDRESS}\n\n")),
        n=v.full_name, addr=lambda: intl_address(v, multiline=True), c=lambda: v.pick(pools("en_US")["country"]))
    d.f("FROM: {co:ORGANIZATION}\nWeight: {w} kg  Dims: {x}x{y}x{z} cm  Parcel {i} of {j}\nTracking: {tr}\nTel: {ph:PHONE_NUMBER}\n",
        co=v.company, w=f"{v.rng.randint(0, 30)}.{v.rng.randint(0, 9)}", x=v.rng.randint(10, 80), y=v.rng.randint(10, 60), z=v.rng.randint(5, 40),
        i=1, j=v.rng.randint(1, 3), tr=f"1Z{v.alnum(16)}", ph=v.phone)


@family("coverage.email_intl_address")
def email_intl_address(d: Doc, v: Values) -> None:
    n = v.full_name()
    d.f("From: {em:EMAIL_ADDRESS}\nSubject: {subj}\n\nHi {f:PERSON},\n\n", em=v.email, subj=v.pick(("new address", "Umzug / moving", "change of address", "Re: invoice")),
        f=v.first)
    d.f(v.pick(("Please update my address to {addr:STREET_ADDRESS} from {dt:DATE}.\n", "We have moved! The new address is:\n\n{ml:STREET_ADDRESS}\n\n",
                "Could you send the contract to {addr:STREET_ADDRESS}? The old one ({old:STREET_ADDRESS}) is no longer valid.\n")),
        addr=lambda: intl_address(v, multiline=False), ml=lambda: intl_address(v, multiline=True), old=lambda: intl_address(v, multiline=False),
        dt=lambda: v.date((2023, 2026)))
    d.f("\nThanks,\n{n:PERSON}\n", n=n)


@family("coverage.letter_header_address")
def letter_header_address(d: Doc, v: Values) -> None:
    d.f("{n:PERSON}\n{addr:STREET_ADDRESS}\n\n{dt:DATE}\n\n{co:ORGANIZATION}\n{caddr:STREET_ADDRESS}\n\nDear Sir or Madam,\n\n",
        n=v.full_name, addr=lambda: intl_address(v, multiline=True), dt=lambda: v.date((2020, 2025), "long"), co=v.company,
        caddr=lambda: intl_address(v, multiline=True))
    d.f("I am writing about policy {pol}. The premium rose {p}% to {pr}. Please reply within {dur}.\n\nYours faithfully,\n{n:PERSON}\n",
        pol=f"{v.alnum(3)}-{v.digits(6)}", p=v.rng.randint(3, 40), pr=v.price(), dur=v.duration(), n=v.full_name)


@family("coverage.form_address_fields")
def form_address_fields(d: Doc, v: Values) -> None:
    """Address blocks split over labelled form fields: each field value is its own address part."""
    k, pc = postcode(v)
    streets, nums, cities = _streets(v.pick(("en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "en_IN")))
    d.f("Registration\nName: {n:PERSON}\nAddress line 1: {a1:STREET_ADDRESS}\nAddress line 2: {a2:STREET_ADDRESS}\nTown/City: {c:LOCATION}\n"
        "{k}: {pc:STREET_ADDRESS}\nCountry: {co:LOCATION}\nAge: {a:AGE}\n",
        n=v.full_name, a1=lambda: f"{v.pick(nums)} {v.pick(streets)}", a2=lambda: v.pick((f"Flat {v.rng.randint(1, 30)}", f"Apt {v.rng.randint(1, 30)}{v.pick('AB')}",
                                                                                          f"Floor {v.rng.randint(1, 9)}", "Rear building")),
        c=lambda: v.pick(cities), k=k.capitalize() if k[0].islower() else k, pc=pc, co=lambda: v.pick(pools("en_US")["country"]),
        a=lambda: age_phrase(v, 18, 99))


# -- non-Latin names and places --------------------------------------------------------------

@family("coverage.nonlatin_clinical", weight=1.5)
def nonlatin_clinical(d: Doc, v: Values) -> None:
    script = v.pick(tuple(SCRIPTS))
    d.f(v.pick(("Patient {n:PERSON}, {a:AGE}, arrived from {pl:LOCATION} on {dt:DATE}.\n", "Pt: {n:PERSON} ({romn:PERSON})  Age: {a:AGE}  Interpreter needed.\n",
                "Referred by Dr. {dr:PERSON} ({pl:LOCATION}). Patient {n:PERSON} is a {a:AGE} {sex}.\n")),
        n=lambda: script_name(v, script), romn=v.full_name, a=lambda: age_phrase(v), pl=lambda: script_place(v, script), dt=lambda: v.date((2020, 2025)),
        dr=lambda: script_name(v, script), sex=v.pick(_SEX))
    d.f("Assessment: {c}. Started {m}; {neg}.\n", c=v.pick(("hypertension", "type 2 diabetes", "asthma", "migraine")), m=v.dosage(), neg=negatives(v))
    d.t(v.pick(("NOK: ", "Contact: ", "Daughter ")))
    d.e("PERSON", script_name(v, script) if v.chance(0.6) else v.full_name())
    d.f(" {ph:PHONE_NUMBER}\n", ph=v.phone)


@family("coverage.nonlatin_chat", weight=1.5)
def nonlatin_chat(d: Doc, v: Values) -> None:
    s1, s2 = v.pick(tuple(SCRIPTS)), v.pick(tuple(SCRIPTS))
    a = v.first()
    d.f("{a:PERSON}: ", a=a)
    d.f(v.pick(("guess who I met in {pl:LOCATION}? {n:PERSON}!\n", "{n:PERSON} just landed from {pl:LOCATION}\n",
                "say hi to {f:PERSON}, she's visiting from {pl:LOCATION}\n", "met {f:PERSON} in {pl:LOCATION} last summer\n")),
        pl=lambda: script_place(v, s1), n=lambda: script_name(v, s1), f=lambda: script_name(v, s1, "first"))
    d.f(v.pick(("{b:PERSON}: omg tell {f:PERSON} I said hi\n", "{b:PERSON}: is {f:PERSON} still in {pl:LOCATION}?\n",
                "{b:PERSON}: lol I thought {n:PERSON} moved to {pl:LOCATION}\n")),
        b=v.first, f=lambda: script_name(v, s2, "first"), pl=lambda: script_place(v, s2), n=lambda: script_name(v, s2))


@family("coverage.nonlatin_crm")
def nonlatin_crm(d: Doc, v: Values) -> None:
    for _ in range(v.rng.randint(2, 4)):
        s = v.pick(tuple(SCRIPTS))
        d.f(v.pick(("{dt:DATE} Spoke with {n:PERSON} ({em:EMAIL_ADDRESS}) about renewal; office in {pl:LOCATION}.\n",
                    "{dt:DATE} Account owner: {n:PERSON}; billing city {pl:LOCATION}; discount {p}.\n",
                    "{dt:DATE} {n:PERSON} / {pl:LOCATION} / tel {ph:PHONE_NUMBER} / {q} seats\n")),
            dt=lambda: v.date((2022, 2025), "iso"), n=lambda: script_name(v, s), em=v.email, pl=lambda: script_place(v, s),
            p=v.percent(), ph=v.phone, q=v.rng.randint(5, 500))


@family("coverage.nonlatin_travel")
def nonlatin_travel(d: Doc, v: Values) -> None:
    s1, s2 = v.pick(tuple(SCRIPTS)), v.pick(tuple(SCRIPTS))
    d.f("Booking {ref}\nPassenger: {n:PERSON}\nRoute: {o:LOCATION} -> {t:LOCATION}\nDeparture: {dt:DATE_TIME}\nSeat {seat}, fare class {fc}\n",
        ref=v.alnum(6), n=lambda: script_name(v, s1) if v.chance(0.7) else v.full_name(), o=lambda: script_place(v, s1),
        t=lambda: script_place(v, s2) if v.chance(0.6) else v.city(), dt=lambda: f"{v.date((2024, 2026), 'iso')} {v.time()}",
        seat=f"{v.rng.randint(1, 45)}{v.pick('ABCDEF')}", fc=v.pick("YBJM"))
    if v.chance(0.6):
        d.f("Travelling with {c:PERSON} (child, {a:AGE}).\n", c=lambda: script_name(v, s1, "first"), a=lambda: age_phrase(v, 2, 15))


@family("coverage.nonlatin_email_signature")
def nonlatin_email_signature(d: Doc, v: Values) -> None:
    s = v.pick(tuple(SCRIPTS))
    d.f("Dear {f:PERSON},\n\nThank you for the call on {dt:DATE}. As agreed, we will ship {q} units (version {ver}) to our {pl:LOCATION} office.\n\n"
        "Best regards,\n{n:PERSON}\n{co:ORGANIZATION}\n{addr:STREET_ADDRESS}\n",
        f=v.first, dt=lambda: v.date((2023, 2025)), q=v.rng.randint(2, 200), ver=f"{v.rng.randint(1, 4)}.{v.rng.randint(0, 12)}", pl=lambda: script_place(v, s),
        n=lambda: script_name(v, s), co=v.company, addr=lambda: intl_address(v, multiline=True))


@family("coverage.very_old_ages")
def very_old_ages(d: Doc, v: Values) -> None:
    """Ages around the HIPAA boundary: 85-89 stay AGE, 90+ become AGE_OVER_89 (refine reads the number)."""
    d.f(v.pick(("Care home admission: {n:PERSON}, {a:AGE}, widow{sfx}, from {c:LOCATION}.\n", "Resident {n:PERSON} celebrates turning {a:AGE} on {dt:DATE}!\n",
                "{n:PERSON} ({a:AGE}) fell at home; daughter {dn:PERSON} is {da:AGE}.\n")),
        n=v.full_name, a=lambda: age_phrase(v, 85, 106), sfx=v.pick(("", "er")), c=v.city, dt=v.partial_date, dn=v.full_name,
        da=lambda: age_phrase(v, 50, 75))
    d.f("Mobility {m}/10, MMSE {s}/30, {p}% of meals eaten. Weight {w} kg.\n", m=v.rng.randint(1, 10), s=v.rng.randint(10, 30),
        p=v.pick((50, 75, 90, 100)), w=v.rng.randint(40, 90))
