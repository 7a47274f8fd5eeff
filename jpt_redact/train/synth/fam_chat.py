"""Conversational families: support chats, team chat, SMS, call transcripts, forum posts, CRM notes.

These carry the hard cases: lowercase names, names that are ordinary words, relative dates,
numbers read out in pieces, and plenty of non-PII numbers.
"""
from __future__ import annotations

from .compose import Doc
from .families import family
from .values import WORD_NAMES, Values


@family("chat.support_chat", weight=1.5)
def support_chat(d: Doc, v: Values) -> None:
    agent, cust = v.first(), v.full_name()
    d.lower = v.chance(0.15)
    ts = v.chance(0.5)

    def who(name_label: str, name: str) -> None:
        if ts:
            d.f("[{t:DATE_TIME}] ", t=v.time)
        d.e("PERSON", name) if name_label else d.t(name)
        d.t(": ")

    who("p", agent)
    d.f("Hi, thanks for contacting {co:ORGANIZATION} support. How can I help?\n", co=v.company)
    who("p", cust)
    d.f(v.pick(("hi, my order {o} never arrived. it was {p}.\n", "I need to change the email on my account to {em:EMAIL_ADDRESS}\n",
                "my card {cc:CREDIT_CARD} was charged twice\n", "can't reset my password, username {u:USERNAME}\n")),
        o=v.order_id(), p=v.price(), em=v.email, cc=v.credit_card, u=v.username)
    who("p", agent)
    d.f(v.pick(("Sorry about that! Can you confirm your date of birth and postcode?\n", "I can help. Can you verify the phone number on the account?\n")))
    who("p", cust)
    d.f(v.pick(("{dob:DATE_OF_BIRTH}, {pc:STREET_ADDRESS}\n", "it's {ph:PHONE_NUMBER}\n", "{dob:DATE_OF_BIRTH} and the number is {ph:PHONE_NUMBER}\n")),
        dob=lambda: v.date((1950, 2005)), pc=lambda: v.pick(v.p["postcode"]), ph=v.phone)
    who("p", agent)
    d.f("Thanks! Done - ticket {t}. Anything else?\n", t=v.ticket_id())


@family("chat.team_chat", weight=1.5)
def team_chat(d: Doc, v: Values) -> None:
    d.lower = v.chance(0.5)
    names = [v.first() for _ in range(3)]
    lines = (
        "@{a:PERSON} can you review the PR before standup?",
        "{a:PERSON} is out {dt:DATE_TIME}, ping {b:PERSON} instead",
        "deploy of {ver} done, {pct} error rate",
        "will do. hope the tests pass this time",
        "lunch at {t:DATE_TIME}? {a:PERSON} and {b:PERSON} are in",
        "the client ({b:PERSON}) wants a call {dt:DATE_TIME}, number is {ph:PHONE_NUMBER}",
        "mark the ticket as done pls ({tk})",
        "who's on call? {a:PERSON} I think",
        "{b:PERSON} said the bill came to {p}",
        "moved it to room {room}, {q} chairs",
        "may need to push the release to {dt:DATE_TIME}",
        "sent you the doc, also cc'd {em:EMAIL_ADDRESS}",
    )
    for _ in range(v.rng.randint(3, 6)):
        speaker = v.pick(names)
        if v.chance(0.5):
            d.f("[{t:DATE_TIME}] ", t=v.time)
        d.e("PERSON", speaker)
        d.t(": ")
        d.f(v.pick(lines), a=v.pick(names), b=v.first, dt=v.partial_date, ver=v.version(), pct=v.percent(), t=v.time,
            ph=v.phone, tk=v.ticket_id(), p=v.price(), room=v.rng.randint(100, 600), q=v.rng.randint(2, 30), em=v.email)
        d.nl()


@family("chat.sms_thread")
def sms_thread(d: Doc, v: Values) -> None:
    d.lower = v.chance(0.6)
    n = v.pick(WORD_NAMES) if v.chance(0.5) else v.first()
    d.f(v.pick(("hey it's {n:PERSON}, new number! save it: {ph:PHONE_NUMBER}\n", "{n:PERSON} here - running {m} min late\n",
                "hi {n:PERSON}, can u pick up {q} from the shop\n")), n=n, ph=v.phone, m=v.rng.randint(5, 40), q=v.quantity())
    d.f(v.pick(("ok see u {dt:DATE_TIME} at {t:DATE_TIME}\n", "will do x\n", "sure, {addr:STREET_ADDRESS} right?\n", "np. it's {p} btw\n",
                "remember mum's birthday is {dt:DATE_TIME}!\n")), dt=v.partial_date, t=v.time, addr=v.address_one_line, p=v.price())
    if v.chance(0.5):
        d.f(v.pick(("door code is {c}\n", "wifi pw is {pw:PASSWORD}\n", "my new email is {em:EMAIL_ADDRESS}\n")), c=v.digits(4), pw=v.password, em=v.email)


@family("chat.call_transcript")
def call_transcript(d: Doc, v: Values) -> None:
    cust_fn, cust_ln = v.name_parts()
    d.f("AGENT: Thank you for calling {co:ORGANIZATION}, this is {a:PERSON}. Who am I speaking with?\n", co=v.company, a=v.first)
    d.f("CALLER: Hi, it's {n:PERSON}.\nAGENT: Thanks. Can you give me your account number?\n", n=lambda: f"{cust_fn} {cust_ln}".lower() if v.chance(0.4) else f"{cust_fn} {cust_ln}")
    d.f(v.pick(("CALLER: Sure, it's {ac:ACCOUNT_NUMBER}.\n", "CALLER: Um, {ac:ACCOUNT_NUMBER}. Or my social is {ssn:US_SSN}.\n")), ac=v.account, ssn=v.ssn)
    d.f("AGENT: And the first line of your address?\nCALLER: {a:STREET_ADDRESS}.\nAGENT: Perfect. I see a payment of {p} on {dt:DATE_TIME}.\n",
        a=v.street, p=v.price(), dt=v.partial_date)
    d.f("CALLER: That's right, for {q}. I'm {age:AGE}, I don't do online banking.\n", q=v.quantity(), age=v.age)


@family("chat.forum_post")
def forum_post(d: Doc, v: Values) -> None:
    d.f("Posted by {u:USERNAME} on {dt:DATE_TIME}\n\n", u=v.username, dt=lambda: v.date((2018, 2025), "long"))
    d.f(v.pick(("My neighbour {n:PERSON} keeps parking in front of {a:STREET_ADDRESS}. Anyone know if the council can do anything? Plate is {pl:VEHICLE_ID}.",
                "Anyone else in {city:LOCATION} get a letter from {co:ORGANIZATION} about a {p} charge? They quoted account {ac:ACCOUNT_NUMBER}.",
                "Upgraded to {ver} and my router ({ip:IP_ADDRESS}) keeps dropping. Thread from {dt2:DATE_TIME} didn't help.",
                "Selling my bike, {p}, pick up in {city:LOCATION}. Text {ph:PHONE_NUMBER}, ask for {n:PERSON}.")),
        n=v.first, a=v.address_one_line, pl=v.plate, city=v.city, co=v.company, p=v.price(), ac=v.account, ver=v.version(), ip=lambda: v.ipv4(True),
        dt2=v.partial_date, ph=v.phone)
    d.f("\n\n{k} replies", k=v.rng.randint(0, 40))


@family("chat.crm_note")
def crm_note(d: Doc, v: Values) -> None:
    d.lower = v.chance(0.3)
    d.f(v.pick(("Call w/ {n:PERSON} ({co:ORGANIZATION}) {dt:DATE_TIME}: ", "Met {n:PERSON} from {co:ORGANIZATION} in {city:LOCATION}. ",
                "Note {dt:DATE_TIME} - {n:PERSON}: ")), n=v.full_name, co=v.company, dt=v.partial_date, city=v.city)
    d.f(v.pick(("interested in {q} seats at {p}. Decision by {dt:DATE_TIME}. ", "renewal at risk, wants {pct} discount. ",
                "asked for a demo of {ver}. ")), q=v.rng.randint(5, 500), p=v.price(), dt=v.partial_date, pct=v.percent(), ver=v.version())
    d.f(v.pick(("Direct line {ph:PHONE_NUMBER}.", "Assistant is {a:PERSON} ({em:EMAIL_ADDRESS}).", "Follow up next week.",
                "Her son {s:PERSON} just started at {uni:ORGANIZATION}, mention it.")),
        ph=v.phone, a=v.first, em=v.email, s=v.first, uni=lambda: f"University of {v.city()}")


@family("chat.social_post")
def social_post(d: Doc, v: Values) -> None:
    d.lower = v.chance(0.7)
    d.f(v.pick(("happy {a:AGE}th birthday to my amazing grandma {n:PERSON}!! born {dob:DATE_OF_BIRTH} and still sharper than all of us",
                "shoutout to {n:PERSON} for fixing my car today, call him {ph:PHONE_NUMBER} if you're in {city:LOCATION}",
                "lost cat near {a2:STREET_ADDRESS}, answers to Pepper. dm @{u:USERNAME}",
                "{n:PERSON} and i finally moved to {city:LOCATION}! housewarming {dt:DATE_TIME}",
                "congrats {n:PERSON} on the new job at {co:ORGANIZATION}")),
        a=lambda: str(v.rng.randint(90, 104)), n=lambda: v.pick(WORD_NAMES) if v.chance(0.4) else v.first(), dob=lambda: v.date((1920, 1934), "long"),
        ph=v.phone, city=v.city, a2=v.street, u=v.username, dt=v.partial_date, co=v.company)


@family("chat.voicemail")
def voicemail(d: Doc, v: Values) -> None:
    d.f("Voicemail from {ph:PHONE_NUMBER} received {t:DATE_TIME} ({s}s):\n", ph=v.phone, t=v.timestamp, s=v.rng.randint(8, 90))
    d.lower = v.chance(0.5)
    d.f(v.pick(("\"Hi, this is {n:PERSON} calling about my appointment {dt:DATE_TIME}, I need to cancel. My date of birth is {dob:DATE_OF_BIRTH}. Thanks.\"",
                "\"Hey {r:PERSON}, it's {n:PERSON}. Call me back on {ph2:PHONE_NUMBER}, it's about the {p} invoice.\"",
                "\"Message for {r:PERSON}: the parcel for {a:STREET_ADDRESS} is at the depot, reference {o}.\"")),
        n=v.full_name, dt=v.partial_date, dob=lambda: v.date((1940, 2005), "long"), r=v.first, ph2=v.phone, p=v.price(), a=v.address_one_line, o=v.order_id())
