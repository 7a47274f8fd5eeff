"""Business document families: e-mails with signatures, invoices, HR, banking, travel, contracts."""
from __future__ import annotations

from .compose import Doc
from .families import family
from .values import Values

TOPICS = ("the Q3 budget", "next week's offsite", "the vendor contract", "the onboarding checklist", "your recent order",
          "the audit findings", "the migration plan", "the draft proposal", "the shipment delay", "the renewal")


def _signature(d: Doc, v: Values, fn: str, ln: str, company: str | None = None) -> None:
    company = company or v.company()
    d.f(v.pick(("\n\n{close},\n{n:PERSON}\n", "\n\n{close}\n{n:PERSON}\n", "\n\n-- \n{n:PERSON}\n", "\n\n{close},\n{f:PERSON}\n")),
        close=v.pick(("Best regards", "Kind regards", "Thanks", "Cheers", "Best", "Regards", "Many thanks")), n=f"{fn} {ln}", f=fn)
    if v.chance(0.75):
        d.f("{job}, {co:ORGANIZATION}\n", job=v.pick(v.p["job"]), co=company)
        lines = v.rng.sample(("phone", "mobile", "email", "addr", "fax", "web"), v.rng.randint(1, 4))
        for k in lines:
            if k == "phone":
                d.f(v.pick(("T: {x:PHONE_NUMBER}\n", "Tel. {x:PHONE_NUMBER}\n", "Phone: {x:PHONE_NUMBER}\n", "Direct: {x:PHONE_NUMBER}\n")), x=v.phone)
            elif k == "mobile":
                d.f(v.pick(("M: {x:PHONE_NUMBER}\n", "Mobile {x:PHONE_NUMBER}\n", "Cell: {x:PHONE_NUMBER}\n")), x=v.phone)
            elif k == "fax":
                d.f(v.pick(("F: {x:FAX_NUMBER}\n", "Fax {x:FAX_NUMBER}\n")), x=v.phone)
            elif k == "email":
                d.f("{x:EMAIL_ADDRESS}\n", x=lambda: v.email(fn, ln))
            elif k == "addr":
                d.f("{x:STREET_ADDRESS}\n", x=v.address_lines if v.chance(0.5) else v.address_one_line)
            else:
                d.f("{x:URL}\n", x=lambda: v.url(personal=False))


@family("business.email_signature", weight=2.0)
def email_signature(d: Doc, v: Values) -> None:
    fn, ln = v.name_parts()
    to = v.first()
    d.f(v.pick(("Hi {to:PERSON},\n\n", "Dear {to:PERSON},\n\n", "Hello {to:PERSON},\n\n", "{to:PERSON} -\n\n", "Hi all,\n\n")), to=to)
    d.f(v.pick(("Following up on {topic}: could you send the signed copy by {dt:DATE_TIME}? The total is {p} for {q}.",
                "Quick note about {topic}. I've attached version {ver}; please review before {dt:DATE_TIME}.",
                "Thanks for the call {dt:DATE_TIME}. As discussed, {topic} is approved; PO number is {po}.",
                "I'm out of the office until {dt:DATE_TIME}. For {topic} please contact {alt:PERSON} at {em:EMAIL_ADDRESS}.",
                "Can we move our meeting on {topic} to {dt:DATE_TIME}? Room {room} is free.")),
        topic=v.pick(TOPICS), dt=v.partial_date, p=v.price(), q=v.quantity(), ver=v.version(), po=v.order_id(),
        alt=v.full_name, em=v.email, room=v.rng.randint(100, 999))
    _signature(d, v, fn, ln)


@family("business.email_thread")
def email_thread(d: Doc, v: Values) -> None:
    a_fn, a_ln = v.name_parts()
    b_fn, b_ln = v.name_parts()
    d.f(v.pick(("Re: {topic}\n\n", "FW: {topic}\n\n", "")), topic=v.pick(TOPICS))
    d.f("{b:PERSON}, sounds good. I'll update the sheet.\n\n", b=b_fn)
    d.f(v.pick(("On {dt:DATE_TIME}, {a:PERSON} <{em:EMAIL_ADDRESS}> wrote:\n", "-----Original Message-----\nFrom: {a:PERSON} <{em:EMAIL_ADDRESS}>\nSent: {dt:DATE_TIME}\nTo: {b2:PERSON}\nSubject: {topic}\n\n",
                "From: {em:EMAIL_ADDRESS}\nDate: {dt:DATE_TIME}\n\n")),
        dt=lambda: f"{v.date((2021, 2025), 'long')} {v.time()}", a=f"{a_fn} {a_ln}", em=lambda: v.email(a_fn, a_ln), b2=f"{b_fn} {b_ln}", topic=v.pick(TOPICS))
    d.f("> Hi {b:PERSON}, the numbers for {topic} are in: {pct} up, {p} total. Call me on {ph:PHONE_NUMBER} if anything looks off.\n",
        b=b_fn, topic=v.pick(TOPICS), pct=v.percent(), p=v.price(), ph=v.phone)


@family("business.invoice")
def invoice(d: Doc, v: Values) -> None:
    d.f("INVOICE {inv}\n{co:ORGANIZATION}\n{coaddr:STREET_ADDRESS}\nVAT: {vat}\n\nBill to:\n{n:PERSON}\n{addr:STREET_ADDRESS}\n\nDate: {dt:DATE_TIME}   Due: {due:DATE_TIME}\n\n",
        inv=v.order_id(), co=v.company, coaddr=v.address_lines, vat=f"{v.alnum(2, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')}{v.digits(9)}", n=v.full_name,
        addr=v.address_lines, dt=lambda: v.date((2022, 2025)), due=lambda: v.date((2022, 2025)))
    for _ in range(v.rng.randint(1, 5)):
        d.f("{q}  {item}  {p}\n", q=v.quantity(), item=v.pick(("Consulting hours", "Widget A-200", "Annual licence", "Shipping", "Support plan",
                                                                 "Cable 2m", "Desk lamp", "Toner cartridge")), p=v.price())
    d.f("Total: {p}\n", p=v.price())
    d.f(v.pick(("Pay to IBAN {ib:IBAN_CODE} (BIC {bic}), reference {inv}.\n", "Paid by card ending {last4}.\n",
                "Account no. {ac:ACCOUNT_NUMBER}, sort code {sc}.\n", "Card: {cc:CREDIT_CARD} exp {exp:CARD_EXPIRY}\n")),
        ib=v.iban, bic=f"{v.alnum(4, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')}{v.alnum(4)}", inv=v.order_id(), last4=v.digits(4), ac=v.account, sc=v.sort_code(),
        cc=v.credit_card, exp=v.card_expiry())


@family("business.order_confirmation")
def order_confirmation(d: Doc, v: Values) -> None:
    fn = v.first()
    d.f(v.pick(("Thanks for your order, {n:PERSON}!\n", "Hi {n:PERSON}, your order is confirmed.\n", "Order confirmed\n")), n=fn)
    d.f("Order {o} placed {dt:DATE_TIME}\n", o=v.order_id(), dt=lambda: v.date((2023, 2025)))
    for _ in range(v.rng.randint(1, 4)):
        d.f("- {item} x{q} {p}\n", item=v.pick(("Running shoes", "USB-C hub", "Coffee beans 1kg", "Yoga mat", "Phone case", "Novel (paperback)")), q=v.rng.randint(1, 4), p=v.price())
    d.f(v.pick(("Shipping to: {a:STREET_ADDRESS}\n", "Deliver to\n{a:STREET_ADDRESS}\n")), a=v.address_lines)
    d.f("Estimated delivery: {dt:DATE_TIME}. Track at {u:URL}\n", dt=v.partial_date, u=v.url)


@family("business.hr_record")
def hr_record(d: Doc, v: Values) -> None:
    fn, ln = v.name_parts()
    d.f("EMPLOYEE RECORD\nName: {n:PERSON}\nEmployee ID: {eid}\nDepartment: {dep}\nStart date: {sd:DATE}\nDate of birth: {dob:DATE_OF_BIRTH}\n",
        n=f"{fn} {ln}", eid=f"E{v.digits(5)}", dep=v.pick(("Finance", "Engineering", "Sales", "Operations", "HR")),
        sd=lambda: v.date((2010, 2025)), dob=lambda: v.date((1955, 2004)))
    d.f(v.pick(("SSN: {id:US_SSN}\n", "National ID: {nid:NATIONAL_ID}\n", "Tax ID: {nid:NATIONAL_ID}\n")), id=v.ssn, nid=v.national_id)
    d.f("Home address: {a:STREET_ADDRESS}\nPersonal email: {em:EMAIL_ADDRESS}\nMobile: {ph:PHONE_NUMBER}\nSalary band: {band}  ({p}/yr)\n",
        a=v.address_one_line, em=lambda: v.email(fn, ln), ph=v.phone, band=f"L{v.rng.randint(1, 9)}", p=v.price())
    if v.chance(0.5):
        d.f("Bank: {ib:IBAN_CODE}\n", ib=v.iban)
    d.f("Manager: {m:PERSON}\n", m=v.full_name)


@family("business.leave_request")
def leave_request(d: Doc, v: Values) -> None:
    d.f(v.pick(("Leave request from {n:PERSON} ({eid}): {kind} leave from {a:DATE} to {b:DATE}, {days} working days. Approved by {m:PERSON}.",
                "Hi {m:PERSON}, I'd like to take {kind} leave {a:DATE} - {b:DATE} ({days} days). Cover: {c:PERSON}. Thanks, {n:PERSON}",
                "{n:PERSON} will be on {kind} leave starting {a:DATE}; expected back {b:DATE}.")),
        n=v.full_name, eid=f"E{v.digits(5)}", kind=v.pick(("annual", "sick", "parental", "unpaid", "compassionate")),
        a=v.partial_date, b=v.partial_date, days=v.rng.randint(1, 20), m=v.first, c=v.full_name)


@family("business.bank_details_change")
def bank_details_change(d: Doc, v: Values) -> None:
    d.f("PAYROLL - CHANGE OF BANK DETAILS\nEmployee: {n:PERSON}\nEffective: {dt:DATE_TIME}\nOld account: {old:ACCOUNT_NUMBER}\nNew IBAN: {ib:IBAN_CODE}\n"
        "Routing: {rt}\nSigned {s:PERSON}, {when:DATE_TIME}\n", n=v.full_name, dt=v.partial_date, old=v.account, ib=v.iban, rt=v.routing(),
        s=v.full_name, when=lambda: v.date((2022, 2025)))


@family("business.job_application")
def job_application(d: Doc, v: Values) -> None:
    fn, ln = v.name_parts()
    d.f("{n:PERSON}\n{city:LOCATION}, {country:LOCATION} | {ph:PHONE_NUMBER} | {em:EMAIL_ADDRESS} | {li:URL}\n\n",
        n=f"{fn} {ln}", city=v.city, country=v.country, ph=v.phone, em=lambda: v.email(fn, ln),
        li=lambda: f"linkedin.com/in/{fn.lower()}-{ln.lower()}-{v.digits(3)}")
    d.f("EXPERIENCE\n{job}, {co:ORGANIZATION} ({y1}-{y2})\n- Grew revenue {pct}; managed {k} people\n{job2}, {co2:ORGANIZATION} ({y0}-{y1})\n",
        job=v.pick(v.p["job"]), co=v.company, y1=v.rng.randint(2015, 2020), y2=v.pick(("present", "2024")), pct=v.percent(), k=v.rng.randint(2, 40),
        job2=v.pick(v.p["job"]), co2=v.company, y0=v.rng.randint(2008, 2014))
    d.f("EDUCATION\nBSc, {uni:ORGANIZATION}\n", uni=lambda: f"University of {v.city()}")


@family("business.meeting_minutes")
def meeting_minutes(d: Doc, v: Values) -> None:
    people = [v.full_name() for _ in range(v.rng.randint(2, 4))]
    d.f("Minutes - {topic} - {dt:DATE_TIME}\nAttendees: ", topic=v.pick(TOPICS), dt=lambda: v.date((2023, 2025), "long"))
    for i, p in enumerate(people):
        d.e("PERSON", p)
        d.t(", " if i < len(people) - 1 else "\n")
    d.f("1. Budget: {p} approved, {pct} contingency.\n2. ", p=v.price(), pct=v.percent())
    d.e("PERSON", people[0].split()[0])
    d.f(" to follow up with the vendor by {dt:DATE_TIME}.\n3. Release {ver} slips {dur}.\n", dt=v.partial_date, ver=v.version(), dur=v.duration())


@family("business.contract_parties")
def contract_parties(d: Doc, v: Values) -> None:
    d.f("THIS AGREEMENT is made on {dt:DATE_TIME} BETWEEN {co:ORGANIZATION}, a company registered under number {reg}, whose registered office is at "
        "{a:STREET_ADDRESS} (the \"Company\"), AND {n:PERSON} of {a2:STREET_ADDRESS} (the \"Consultant\").\n"
        "1. Fees. The Company shall pay {p} per day, invoiced monthly within {k} days.\n",
        dt=lambda: v.date((2020, 2025), "long"), co=v.company, reg=v.digits(8), a=v.address_one_line, n=v.full_name,
        a2=v.address_one_line, p=v.price(), k=v.pick((14, 30, 45, 60)))


@family("business.bank_statement")
def bank_statement(d: Doc, v: Values) -> None:
    d.f("Statement for {n:PERSON}\nAccount {ac:ACCOUNT_NUMBER}  IBAN {ib:IBAN_CODE}\nPeriod {a:DATE_TIME} - {b:DATE_TIME}\n\n",
        n=v.full_name, ac=v.account, ib=v.iban, a=lambda: v.date((2023, 2025), "iso"), b=lambda: v.date((2023, 2025), "iso"))
    for _ in range(v.rng.randint(3, 7)):
        kind = v.rng.random()
        d.f("{dt:DATE_TIME}  ", dt=lambda: v.date((2023, 2025), "dot"))
        if kind < 0.3:
            d.f("TRANSFER TO {who:PERSON}  -{p}\n", who=v.full_name, p=v.price())
        elif kind < 0.5:
            d.f("CARD {cc:CREDIT_CARD} {shop:ORGANIZATION}  -{p}\n", cc=v.credit_card, shop=v.pick(("TESCO", "AMAZON MKTP", "SHELL", "UBER", "LIDL")), p=v.price())
        else:
            d.f("{what}  {sign}{p}\n", what=v.pick(("SALARY", "DIRECT DEBIT GAS", "ATM WITHDRAWAL", "INTEREST", "STANDING ORDER RENT")),
                sign=v.pick("+-"), p=v.price())


@family("business.tenancy_application")
def tenancy_application(d: Doc, v: Values) -> None:
    fn, ln = v.name_parts()
    d.f("Rental application - {prop}\nApplicant: {n:PERSON}, age {a:AGE}\nCurrent address: {addr:STREET_ADDRESS}\nEmployer: {co:ORGANIZATION}, income {p}/month\n"
        "Driving licence: {dl:LICENSE_NUMBER}\nMove-in: {dt:DATE_TIME}\nReference: {r:PERSON} ({rph:PHONE_NUMBER})\n",
        prop=f"Flat {v.rng.randint(1, 40)}, {v.street()}" if v.chance(0.0) else f"unit {v.rng.randint(1, 40)}", n=f"{fn} {ln}", a=v.age,
        addr=v.address_lines, co=v.company, p=v.price(), dl=v.license, dt=v.partial_date, r=v.full_name, rph=v.phone)


@family("business.travel_booking")
def travel_booking(d: Doc, v: Values) -> None:
    d.f("Booking ref {ref}\nPassenger: {n:PERSON}\nPassport: {pp:PASSPORT_NUMBER}  Nationality: {nat}\nDOB: {dob:DATE_OF_BIRTH}\n"
        "Flight {fl} {frm:LOCATION} -> {to:LOCATION} on {dt:DATE_TIME}, seat {seat}\nFare {p}\n",
        ref=v.alnum(6, "ABCDEFGHJKLMNPQRSTUVWXYZ"), n=lambda: f"{v.last().upper()}/{v.first().upper()}" if v.chance(0.4) else v.full_name(),
        pp=v.passport, nat=v.pick(("GBR", "USA", "DEU", "FRA", "ESP", "ITA", "NLD", "IND")), dob=lambda: v.date((1940, 2015)),
        fl=f"{v.alnum(2, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')}{v.rng.randint(10, 9999)}", frm=v.city, to=v.city,
        dt=lambda: f"{v.date((2024, 2026), 'abbr')} {v.time()}", seat=f"{v.rng.randint(1, 40)}{v.pick('ABCDEF')}", p=v.price())


@family("business.parking_fine")
def parking_fine(d: Doc, v: Values) -> None:
    d.f(v.pick(("PENALTY CHARGE NOTICE {pcn}\nVehicle registration: {vr:VEHICLE_ID}\nContravention: {what} at {loc:STREET_ADDRESS} on {dt:DATE_TIME}\nKeeper: {n:PERSON}\nAmount: {p} (reduced to {p2} if paid within 14 days)\n",
                "Vehicle {vr:VEHICLE_ID} ({make}) registered to {n:PERSON}, {loc:STREET_ADDRESS}, was recorded {what} on {dt:DATE_TIME}. Fine: {p}.\n")),
        pcn=f"{v.alnum(2, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')}{v.digits(8)}", vr=v.plate, what=v.pick(("parked in a bus lane", "exceeding 30 mph", "parked on double yellow lines")),
        loc=v.address_one_line, dt=lambda: f"{v.date((2023, 2025))} {v.time()}", n=v.full_name, p=v.price(), p2=v.price(),
        make=v.pick(("blue Ford Focus", "silver Toyota Corolla", "black VW Golf", "white Tesla Model 3")))


@family("business.car_insurance_claim")
def car_insurance_claim(d: Doc, v: Values) -> None:
    d.f("Claim {cl} - policy {pol:ACCOUNT_NUMBER}\nPolicyholder {n:PERSON}, licence {dl:LICENSE_NUMBER}\nVehicle VIN {vin:VEHICLE_ID}, plate {pl:VEHICLE_ID}\n"
        "Incident {dt:DATE_TIME} near {city:LOCATION}: {what}. Estimate {p}. Third party: {tp:PERSON}, {tph:PHONE_NUMBER}.\n",
        cl=f"CLM-{v.digits(7)}", pol=v.account, n=v.full_name, dl=v.license, vin=v.vin, pl=v.plate, dt=v.partial_date, city=v.city,
        what=v.pick(("rear-ended at lights", "hail damage", "scraped in car park", "windscreen crack")), p=v.price(), tp=v.full_name, tph=v.phone)
