"""More families: credentials in operational text, card payments, public-sector and school records."""
from __future__ import annotations

from .compose import Doc
from .families import family
from .values import Values


@family("tech.ci_log")
def ci_log(d: Doc, v: Values) -> None:
    d.f("Run #{run} ({branch}) started {ts:DATE_TIME}\n$ npm ci\nadded {k} packages in {s}s\n", run=v.rng.randint(100, 99999),
        branch=v.pick(("main", "release/" + v.version(), "feature/cache")), ts=v.timestamp, k=v.rng.randint(100, 2000), s=v.rng.randint(3, 90))
    d.f(v.pick(("$ curl -H \"Authorization: Bearer {k:API_KEY}\" {u:URL}\n", "export DEPLOY_TOKEN={k:API_KEY}\n",
                "$ docker login -u {un:USERNAME} -p {pw:PASSWORD} registry.{dom}\n", "Using key {k:API_KEY} for uploads\n")),
        k=v.api_key, dom=v.pick(v.p["domain"]), un=v.username, pw=v.password, u=lambda: f"https://api.{v.pick(v.p['domain'])}/v2/deploy")
    d.f("{ok} tests passed, {bad} failed ({dur})\nArtifacts: build-{b}.tar.gz ({mb} MB)\n", ok=v.rng.randint(10, 3000), bad=v.rng.randint(0, 5),
        dur=v.duration(), b=v.rng.randint(1000, 9999), mb=v.rng.randint(1, 900))


@family("tech.credentials_email")
def credentials_email(d: Doc, v: Values) -> None:
    fn, ln = v.name_parts()
    d.f("Welcome aboard, {n:PERSON}!\n\nYour accounts are ready:\n", n=fn)
    d.f("  Login: {u:USERNAME}\n  Temporary password: {pw:PASSWORD}\n", u=lambda: v.username(fn, ln), pw=v.password)
    if v.chance(0.5):
        d.f("  VPN: {host} (your laptop {dev:DEVICE_ID} is pre-enrolled)\n", host=f"vpn.{v.pick(v.p['domain'])}", dev=v.serial)
    if v.chance(0.5):
        d.f("  Wi-Fi: {ssid} / {wpw:PASSWORD}\n", ssid=v.pick(("Guest", "CorpNet", "Office-5G")), wpw=v.password)
    d.f("\nPlease change the password within {h} hours. Your first day is {dt:DATE_TIME}, desk {desk}.\n\nIT Service Desk\n",
        h=v.pick((24, 48, 72)), dt=v.partial_date, desk=f"{v.rng.randint(1, 9)}.{v.rng.randint(10, 99)}")


@family("chat.it_helpdesk_chat")
def it_helpdesk_chat(d: Doc, v: Values) -> None:
    d.lower = v.chance(0.4)
    user, agent = v.first(), v.first()
    d.f("{a:PERSON}: IT helpdesk, go ahead\n{u:PERSON}: locked out again, my user is {un:USERNAME}\n", a=agent, u=user, un=v.username)
    d.f("{a:PERSON}: reset it, temp password {pw:PASSWORD} - change it at next login\n", a=agent, pw=v.password)
    d.f(v.pick(("{u:PERSON}: thx. also my old one was {old:PASSWORD} if that matters lol\n", "{u:PERSON}: works, thanks!\n",
                "{u:PERSON}: and the mfa app is on my new phone now (imei {im:DEVICE_ID})\n")), u=user, old=v.password, im=v.imei)


@family("tech.k8s_secret")
def k8s_secret(d: Doc, v: Values) -> None:
    d.f("apiVersion: v1\nkind: Secret\nmetadata:\n  name: {nm}\n  namespace: {ns}\ntype: Opaque\nstringData:\n", nm=v.pick(("payments-api", "db-creds", "mailer")),
        ns=v.pick(("prod", "staging", "default")))
    for k in v.rng.sample(("token", "password", "user", "url", "replicas"), v.rng.randint(2, 4)):
        if k == "token":
            d.f("  api_token: \"{x:API_KEY}\"\n", x=v.api_key)
        elif k == "password":
            d.f("  db_password: \"{x:PASSWORD}\"\n", x=v.password)
        elif k == "user":
            d.f("  db_user: {x:USERNAME}\n", x=v.username)
        elif k == "url":
            d.f("  webhook: {x:URL}\n", x=v.url)
        else:
            d.f("  replicas: \"{x}\"\n", x=v.rng.randint(1, 12))


@family("business.phone_payment")
def phone_payment(d: Doc, v: Values) -> None:
    d.f("AGENT: I can take that payment of {p} now. Name on the card?\nCUSTOMER: {n:CARDHOLDER_NAME}.\nAGENT: And the long number?\n",
        p=v.price(), n=lambda: v.full_name().upper() if v.chance(0.3) else v.full_name())
    d.f("CUSTOMER: {cc:CREDIT_CARD}.\nAGENT: Expiry?\nCUSTOMER: {ex:CARD_EXPIRY}.\nAGENT: And the three digits on the back?\nCUSTOMER: {cvv:CVV}.\n",
        cc=v.credit_card, ex=v.card_expiry, cvv=lambda: v.digits(3))
    d.f("AGENT: Thank you, that's gone through, reference {ref}.\n", ref=v.order_id())


@family("business.checkout_form")
def checkout_form(d: Doc, v: Values) -> None:
    fn, ln = v.name_parts()
    d.f("Checkout - order {o}\nCardholder: {n:CARDHOLDER_NAME}\nCard number: {cc:CREDIT_CARD}\nExp: {ex:CARD_EXPIRY}   CVC: {cvv:CVV}\nBilling address: {a:STREET_ADDRESS}\n"
        "Email for receipt: {em:EMAIL_ADDRESS}\nSubtotal {p1}  Shipping {p2}  Total {p3}\n", o=v.order_id(), n=f"{fn} {ln}", cc=v.credit_card,
        ex=v.card_expiry, cvv=lambda: v.digits(v.pick((3, 3, 4))), a=v.address_one_line, em=lambda: v.email(fn, ln), p1=v.price(), p2=v.price(), p3=v.price())


@family("business.card_dispute")
def card_dispute(d: Doc, v: Values) -> None:
    d.f(v.pick(("Dispute form\nCardholder name: {n:CARDHOLDER_NAME}\nCard: {cc:CREDIT_CARD} (valid thru {ex:CARD_EXPIRY})\nTransaction date: {dt:DATE_TIME}\nMerchant: {m:ORGANIZATION}\nAmount: {p}\nReason: {r}\n",
                "I'm writing to dispute a charge of {p} from {m:ORGANIZATION} on {dt:DATE_TIME}. My card number is {cc:CREDIT_CARD}, expiring {ex:CARD_EXPIRY}. {r} Regards, {n:CARDHOLDER_NAME}\n")),
        n=v.full_name, cc=v.credit_card, ex=v.card_expiry, dt=v.partial_date, m=v.company, p=v.price(),
        r=v.pick(("Goods never arrived.", "Charged twice.", "Subscription was cancelled.", "I did not authorise this.")))


@family("business.visa_application")
def visa_application(d: Doc, v: Values) -> None:
    d.f("VISA APPLICATION - SECTION A\nSurname: {ln:PERSON}\nGiven names: {fn:PERSON}\nDate of birth: {dob:DATE_OF_BIRTH}\nPlace of birth: {pob:LOCATION}\n"
        "Passport no.: {pp:PASSPORT_NUMBER}   Issued: {iss:DATE_TIME}   Expires: {exp:DATE_TIME}\nNational ID: {nid:NATIONAL_ID}\n"
        "Address in destination: {a:STREET_ADDRESS}\nPurpose: {pur}, {k} days\n", ln=lambda: v.last().upper(), fn=v.first, dob=lambda: v.date((1950, 2006)),
        pob=v.city, pp=v.passport, iss=lambda: v.date((2016, 2024)), exp=lambda: v.date((2026, 2034)), nid=v.national_id, a=v.address_one_line,
        pur=v.pick(("tourism", "business", "study", "family visit")), k=v.rng.randint(3, 90))


@family("business.school_record")
def school_record(d: Doc, v: Values) -> None:
    kid_fn, ln = v.first(), v.last()
    d.f("Pupil record - {sch:ORGANIZATION}\nName: {n:PERSON}   DOB: {dob:DATE_OF_BIRTH}   Year {yr}, class {cls}\nParent/guardian: {p:PERSON}\n"
        "Contact: {ph:PHONE_NUMBER}, {em:EMAIL_ADDRESS}\nAddress: {a:STREET_ADDRESS}\nMedical: {med}. Attendance {pct}.\n",
        sch=lambda: f"{v.city()} {v.pick(('Primary School', 'Academy', 'High School', 'Grammar School'))}", n=f"{kid_fn} {ln}",
        dob=lambda: v.date((2008, 2019)), yr=v.rng.randint(1, 13), cls=v.pick("ABCDEF"), p=lambda: f"{v.first()} {ln}", ph=v.phone, em=v.email,
        a=v.address_lines, med=v.pick(("asthma - inhaler in office", "none", "nut allergy", "glasses")), pct=v.percent())


@family("clinical.vaccination_record")
def vaccination_record(d: Doc, v: Values) -> None:
    d.f("Immunisation record for {n:PERSON} (DOB {dob:DATE_OF_BIRTH}, NHS/MRN {m:MEDICAL_RECORD_NUMBER})\n", n=v.full_name,
        dob=lambda: v.date((1935, 2020)), m=v.mrn)
    for _ in range(v.rng.randint(2, 5)):
        d.f("{dt:DATE}  {vac}  lot {lot}  {dose}  given by ", dt=lambda: v.date((2015, 2025)), vac=v.pick(("Influenza", "COVID-19 booster", "Tetanus/diphtheria",
            "Hepatitis B dose 2", "MMR", "Shingles")), lot=v.alnum(7), dose=v.pick(("0.5 mL IM", "0.3 mL", "1 dose")))
        if v.chance(0.3):
            d.t("Nurse ")
        d.e("PERSON", v.pick((v.last, lambda: f"{v.first()[0]}. {v.last()}", v.first))())
        d.nl()


@family("clinical.home_care_visit")
def home_care_visit(d: Doc, v: Values) -> None:
    d.lower = v.chance(0.2)
    d.f("Home visit {dt:DATE} {t:DATE_TIME} - {n:PERSON}, {a:AGE}, {addr:STREET_ADDRESS}\n", dt=v.partial_date, t=v.time, n=v.full_name,
        a=lambda: v.age(old=v.chance(0.5)), addr=v.address_one_line)
    d.f("Lives alone since husband {h:PERSON} passed in {yr}. Carer {c:PERSON} visits {freq}. Key safe code {code}.\n", h=v.first,
        yr=v.rng.randint(1995, 2023), c=v.first, freq=v.pick(("twice daily", "mornings", "3x/week")), code=v.digits(4))
    d.f("{vit}. Pressure area on sacrum {mm} mm. Dressing changed. GP {gp:PERSON} informed, tel {ph:PHONE_NUMBER}.\n", vit=v.vitals(),
        mm=v.rng.randint(5, 40), gp=lambda: f"Dr {v.last()}", ph=v.phone)


@family("business.delivery_note")
def delivery_note(d: Doc, v: Values) -> None:
    d.f("DELIVERY NOTE {dn}\nShip to: {n:PERSON}\n{a:STREET_ADDRESS}\nTel: {ph:PHONE_NUMBER}\nCarrier: {car:ORGANIZATION}, tracking {trk}\nDriver: {drv:PERSON}, van {van:VEHICLE_ID}\n"
        "Items: {q} parcels, {kg} kg. Leave with neighbour at no. {no} if out.\n", dn=v.order_id(), n=v.full_name, a=v.address_lines, ph=v.phone,
        car=v.pick(("DHL", "UPS", "DPD", "Royal Mail", "FedEx")), trk=v.alnum(12), drv=v.first, van=v.plate, q=v.rng.randint(1, 6),
        kg=v.rng.randint(1, 40), no=v.rng.randint(1, 200))


@family("tech.mobile_crash_report")
def mobile_crash_report(d: Doc, v: Values) -> None:
    d.f("Crash report {rid}\nApp: {app} {ver}\nOS: {os}\nDevice: {model}, IMEI {im:DEVICE_ID}\nUser: {u:USERNAME} ({em:EMAIL_ADDRESS})\nIP: {ip:IP_ADDRESS}\n"
        "Time: {ts:DATE_TIME}\nException: NullPointerException at CartView.java:{ln}\nFree memory {mb} MB, battery {pct}\n",
        rid=v.alnum(10, "0123456789abcdef"), app=v.pick(("ShopNow", "FitTrack", "BankEasy")), ver=v.version(), os=v.pick(("Android 14", "iOS 17.4", "Android 12")),
        model=v.pick(("Pixel 7", "Galaxy S23", "iPhone 13")), im=v.imei, u=v.username, em=v.email, ip=v.ip, ts=v.timestamp, ln=v.rng.randint(10, 900),
        mb=v.rng.randint(20, 4000), pct=v.percent())


@family("business.insurance_quote")
def insurance_quote(d: Doc, v: Values) -> None:
    d.f(v.pick(("Hi {n:PERSON}, here's your quote for the {car} ({pl:VEHICLE_ID}): {p} per year, excess {p2}. Main driver age {a:AGE}, licence {dl:LICENSE_NUMBER}. Quote ref {ref}, valid {k} days.",
                "Quote {ref} for {n:PERSON}, {addr:STREET_ADDRESS}. Vehicle: {car}, VIN {vin:VEHICLE_ID}. Premium {p}. Named driver: {n2:PERSON}.")),
        n=v.full_name, car=v.pick(("2019 Ford Fiesta", "2021 VW Polo", "2017 BMW 320d", "2022 Kia Niro")), pl=v.plate, p=v.price(), p2=v.price(),
        a=v.age, dl=v.license, ref=v.alnum(8), k=v.pick((14, 30)), addr=v.address_one_line, vin=v.vin, n2=v.full_name)


@family("clinical.history_and_physical")
def history_and_physical(d: Doc, v: Values) -> None:
    """A long admission note (1-2k characters)."""
    fn, ln = v.name_parts()
    d.f("HISTORY AND PHYSICAL\n{h:ORGANIZATION}\nPatient: {n:PERSON}    DOB: {dob:DATE_OF_BIRTH}    MRN: {m:MEDICAL_RECORD_NUMBER}\n"
        "Admission: {adm:DATE_TIME}    Attending: ", h=v.hospital, n=f"{ln}, {fn}", dob=lambda: v.date((1925, 2005)), m=v.mrn,
        adm=lambda: f"{v.date((2022, 2025))} {v.time()}")
    d.e("PERSON", f"{v.first()} {v.last()}")
    d.f("\n\nCHIEF COMPLAINT: {cc} x {dur}.\n\nHPI: {pr:PERSON} is a {a:AGE} {sex} with a history of {c1} and {c2} who presents with {cc}. "
        "Symptoms began {when:DATE_TIME} while {act}. {pr2:PERSON} took {m1} without relief. Denies fever. Last seen in clinic by ",
        cc=v.pick(("shortness of breath", "chest pain", "abdominal pain", "confusion", "leg swelling")), dur=v.duration(), pr=fn,
        a=lambda: v.age(old=v.chance(0.3)), sex=v.pick(("man", "woman", "male", "female")), c1=v.pick(("hypertension", "COPD", "CKD stage 3", "diabetes")),
        c2=v.pick(("atrial fibrillation", "obesity", "depression", "osteoarthritis")), when=v.partial_date,
        act=v.pick(("gardening", "at work", "walking the dog", "asleep")), pr2=fn, m1=v.dosage())
    d.e("PERSON", v.last())
    d.f(" on {last:DATE_TIME}.\n\nPMH: {c1}; {c2}; appendectomy ({yr}).\nMEDS: {m1}; {m2}; {m3}.\nALLERGIES: {al}.\n"
        "SOCIAL: Lives with {rel} {rn:PERSON} at {addr:STREET_ADDRESS}. Retired {job}. {smoke}. Drinks {u} units/week.\n"
        "FAMILY: Mother died at {ma:AGE} of stroke.\n\nEXAM: {v1}, {v2}, {v3}, {v4}. Alert, oriented x3. Crackles at bases. No edema.\n"
        "LABS: Na {na}, K {k}, Cr {cr}, Hb {hb}, WBC {wbc}.\nIMAGING: CXR - {cxr}.\n\nASSESSMENT/PLAN:\n1. {cc} - likely {dx}. Start {m4}. Repeat labs in AM.\n"
        "2. {c1} - continue home meds.\n3. Dispo: admit to {room}. Code status discussed with patient and {rel} ({ph:PHONE_NUMBER}); full code.\n",
        last=v.partial_date, c1=v.pick(("HTN", "COPD", "T2DM")), c2=v.pick(("AF", "CKD", "hypothyroidism")), yr=v.rng.randint(1960, 2015),
        m1=f"{v.pick(('metformin', 'amlodipine', 'warfarin'))} {v.dosage()}", m2=f"{v.pick(('atorvastatin', 'furosemide'))} {v.dosage()}",
        m3=f"{v.pick(('levothyroxine', 'omeprazole'))} {v.dosage()}", al=v.pick(("NKDA", "penicillin (rash)", "codeine")),
        rel=v.pick(("wife", "husband", "daughter", "son", "partner")), rn=v.first, addr=v.address_one_line, job=v.pick(("teacher", "electrician", "nurse", "bus driver")),
        smoke=v.pick(("Never smoker", "Ex-smoker, 20 pack-years", "Current smoker")), u=v.rng.randint(0, 30), ma=lambda: v.age(old=True),
        v1=v.vitals(), v2=v.vitals(), v3=v.vitals(), v4=v.vitals(), na=v.rng.randint(128, 146), k=v.rng.randint(30, 60) / 10, cr=v.rng.randint(50, 250),
        hb=v.rng.randint(80, 160), wbc=v.rng.randint(30, 250) / 10, cxr=v.pick(("bibasal consolidation", "no acute process", "small effusions")),
        cc=v.pick(("Dyspnea", "Chest pain", "Delirium")), dx=v.pick(("CHF exacerbation", "pneumonia", "UTI")), m4=f"{v.pick(('ceftriaxone', 'furosemide IV', 'aspirin'))} {v.dosage()}",
        room=v.room(), ph=v.phone)


@family("business.long_email_chain")
def long_email_chain(d: Doc, v: Values) -> None:
    """Three to five replies, newest first, each with quoted headers (1-2k characters)."""
    people = [v.name_parts() for _ in range(3)]
    topic = v.pick(("contract renewal", "site visit", "invoice query", "shipment", "new hire paperwork"))
    for i in range(v.rng.randint(3, 5)):
        fn, ln = people[i % 3]
        ofn = people[(i + 1) % 3][0]
        if i:
            d.f("\n\nOn {dt:DATE_TIME}, {n:PERSON} <{em:EMAIL_ADDRESS}> wrote:\n", dt=lambda: f"{v.date((2023, 2025), 'abbr')}, at {v.time()}",
                n=f"{fn} {ln}", em=lambda: v.email(fn, ln))
        d.f(v.pick(("Hi {o:PERSON},\n", "{o:PERSON} -\n", "Thanks {o:PERSON}.\n", "")), o=ofn)
        d.f(v.pick(("Re the {t}: we can do {p} if you sign by {dt:DATE_TIME}. I'll send v{ver} of the draft.",
                    "Attached the {t} documents. Quantity is {q}, delivery to {a:STREET_ADDRESS}.",
                    "Spoke to {x:PERSON}; she is fine with it. Her direct line is {ph:PHONE_NUMBER}.",
                    "Can you confirm the bank details? We have {ib:IBAN_CODE} on file.",
                    "Sorry for the delay, I was out until {dt:DATE_TIME}. The {t} is on track.")),
            t=topic, p=v.price(), dt=v.partial_date, ver=v.version(), q=v.quantity(), a=v.address_one_line, x=v.full_name, ph=v.phone, ib=v.iban)
        d.f("\n\n{close}\n{f:PERSON}", close=v.pick(("Best,", "Thanks,", "Regards,", "Cheers,")), f=fn)
