"""Clinical document families: notes, summaries, letters, reports (PHI-heavy, many non-PII numbers)."""
from __future__ import annotations

from .compose import Doc
from .families import family
from .values import Values

CONDITIONS = ("community-acquired pneumonia", "type 2 diabetes", "atrial fibrillation", "COPD exacerbation", "cellulitis of the left leg",
              "acute kidney injury", "NSTEMI", "urinary tract infection", "asthma", "hypertension", "migraine", "DVT", "gout flare",
              "syncope", "diverticulitis", "CHF exacerbation", "hip fracture", "sepsis", "pancreatitis", "anemia")
MEDS = ("metformin", "lisinopril", "atorvastatin", "apixaban", "amoxicillin", "prednisone", "furosemide", "insulin glargine",
        "omeprazole", "ceftriaxone", "metoprolol", "paracetamol", "ibuprofen", "salbutamol", "levothyroxine", "sertraline")
FREQ = ("once daily", "BID", "twice a day", "TID", "q8h", "at night", "PRN", "every 6 hours", "with meals")
TITLES = ("Dr.", "Dr", "Nurse", "Mr.", "Mrs.", "Ms.", "Prof.")


def _med(v: Values) -> str:
    return f"{v.pick(MEDS)} {v.dosage()} {v.pick(FREQ)}"


def _clinician(d: Doc, v: Values, prefix: bool = True) -> None:
    if prefix:
        d.t(v.pick(("Dr. ", "Dr ", "", "Nurse ", "NP ")))
    d.e("PERSON", v.pick((lambda: f"{v.first()} {v.last()}", v.last, lambda: f"{v.first()[0]}. {v.last()}"))())


@family("clinical.progress_note")
def progress_note(d: Doc, v: Values) -> None:
    name = v.full_name()
    d.f(v.pick(("PROGRESS NOTE\nPatient: {n:PERSON}   MRN: {m:MEDICAL_RECORD_NUMBER}\nDate of service: {dt:DATE}\n",
                "Progress note for {n:PERSON} (MRN {m:MEDICAL_RECORD_NUMBER}), seen {dt:DATE}.\n",
                "Pt: {n:PERSON} | MRN#{m:MEDICAL_RECORD_NUMBER} | Visit {dt:DATE}\n")),
        n=name, m=v.mrn, dt=lambda: v.date((2019, 2025)))
    d.f(v.pick(("S: {a:AGE} {sex} presents with {c}. Symptoms for {dur}.\n", "Subjective: {sex}, age {a:AGE}, reports worsening {c} over {dur}.\n",
                "{a:AGE} {sex} with hx of {c}, here for follow-up.\n")),
        a=lambda: v.age(), sex=v.pick(("male", "female", "M", "F", "man", "woman")), c=v.pick(CONDITIONS), dur=v.duration())
    d.f("O: {v1}, {v2}, {v3}. {room}.\n", v1=v.vitals(), v2=v.vitals(), v3=v.vitals(), room=v.room())
    d.f(v.pick(("A/P: {c}. Continue {m1}; start {m2}. Recheck in {dur}.\n", "Plan: {m1}, {m2}. Follow up {dur}.\n")),
        c=v.pick(CONDITIONS), m1=_med(v), m2=_med(v), dur=v.duration())
    if v.chance(0.6):
        d.t(v.pick(("Signed: ", "Electronically signed by ", "-- ")))
        _clinician(d, v)
        if v.chance(0.5):
            d.f(" on {t:DATE_TIME}", t=lambda: f"{v.date((2020, 2025), 'num')} {v.time()}")
        d.nl()


@family("clinical.discharge_summary")
def discharge_summary(d: Doc, v: Values) -> None:
    d.f(v.pick(("DISCHARGE SUMMARY\n\nName: {n:PERSON}\nDOB: {dob:DATE_OF_BIRTH}\nMRN: {m:MEDICAL_RECORD_NUMBER}\nAdmitted: {a:DATE}   Discharged: {dc:DATE}\n",
                "Discharge Summary - {h:ORGANIZATION}\nPatient {n:PERSON}, born {dob:DATE_OF_BIRTH}, record no. {m:MEDICAL_RECORD_NUMBER}.\nAdmission date: {a:DATE}. Discharge date: {dc:DATE}.\n",
                "{h:ORGANIZATION}\nPATIENT: {n:PERSON} ({age:AGE})   ACCT: {acct:ACCOUNT_NUMBER}\nADM {a:DATE} / D/C {dc:DATE}\n")),
        n=v.full_name, dob=lambda: v.date((1925, 2010)), m=v.mrn, a=lambda: v.date((2021, 2025)), dc=v.partial_date,
        h=v.hospital, age=v.age, acct=v.account)
    d.f("\nDiagnosis: {c}\nHospital course: Admitted to {room} with {c2}. Treated with {m1} for {dur}. {vit} on discharge.\n",
        c=v.pick(CONDITIONS), room=v.room(), c2=v.pick(CONDITIONS), m1=_med(v), dur=v.duration(), vit=v.vitals())
    d.f("Discharge medications:\n- {m1}\n- {m2}\n", m1=_med(v), m2=_med(v))
    if v.chance(0.5):
        d.t("Follow-up with ")
        _clinician(d, v)
        d.f(v.pick((" on {fu:DATE_TIME}.\n", " in {dur}.\n", " at {h:ORGANIZATION}, tel {ph:PHONE_NUMBER}.\n")),
            fu=lambda: f"{v.partial_date()} at {v.time()}", dur=v.duration(), h=v.hospital, ph=v.phone)
    if v.chance(0.4):
        d.f("Emergency contact: {c:PERSON} ({rel}) {ph:PHONE_NUMBER}\n", c=v.full_name, rel=v.pick(("wife", "son", "daughter", "husband", "mother", "partner")), ph=v.phone)


@family("clinical.referral_letter")
def referral_letter(d: Doc, v: Values) -> None:
    d.f("{h:ORGANIZATION}\n{addr:STREET_ADDRESS}\n\n{dt:DATE_TIME}\n\nDear ", h=v.hospital, addr=v.address_lines, dt=lambda: v.date((2020, 2025), "long"))
    _clinician(d, v)
    d.f(v.pick((",\n\nRe: {n:PERSON}, DOB {dob:DATE_OF_BIRTH}, NHS/MRN {m:MEDICAL_RECORD_NUMBER}\n\nThank you for seeing this {age:AGE} {occ} who ",
                ",\n\nI would be grateful if you could review {n:PERSON} (born {dob:DATE_OF_BIRTH}; ID {m:MEDICAL_RECORD_NUMBER}), a {age:AGE} {occ} who ")),
        n=v.full_name, dob=lambda: v.date((1930, 2015)), m=v.mrn, age=v.age, occ=v.pick(("retired teacher", "builder", "student", "nurse", "accountant", "farmer")))
    d.f("has had {c} for {dur}. Current medication: {m1}. {vit}.\n\nKind regards,\n\n", c=v.pick(CONDITIONS), dur=v.duration(), m1=_med(v), vit=v.vitals())
    _clinician(d, v)
    d.f("\nTel: {ph:PHONE_NUMBER}" + v.pick(("  Fax: {fx:FAX_NUMBER}\n", "\n")), ph=v.phone, fx=v.phone)


@family("clinical.lab_report")
def lab_report(d: Doc, v: Values) -> None:
    d.f(v.pick(("LABORATORY REPORT\nPatient: {n:PERSON}  Sex: {s}  Age: {a:AGE}\nMRN: {m:MEDICAL_RECORD_NUMBER}  Collected: {t:DATE_TIME}\nOrdering: ",
                "Lab results for {n:PERSON} / {m:MEDICAL_RECORD_NUMBER} / collected {t:DATE_TIME} / ordered by ")),
        n=v.full_name, s=v.pick("MF"), a=v.age, m=v.mrn, t=lambda: f"{v.date((2022, 2025), 'iso')} {v.time()}")
    _clinician(d, v)
    d.f("\nSpecimen #{sp}\n", sp=v.digits(8))
    for _ in range(v.rng.randint(3, 7)):
        test, lo, hi, unit = v.pick((("Sodium", 130, 150, "mmol/L"), ("Potassium", 3, 6, "mmol/L"), ("Creatinine", 50, 180, "umol/L"),
                                     ("Hemoglobin", 9, 17, "g/dL"), ("WBC", 3, 18, "x10^9/L"), ("Glucose", 4, 15, "mmol/L"),
                                     ("CRP", 1, 150, "mg/L"), ("ALT", 10, 90, "U/L"), ("TSH", 1, 9, "mIU/L")))
        d.f("{t} {val} {u}  (ref {r})\n", t=test, val=v.rng.randint(lo, hi), u=unit, r=f"{lo}-{hi}")


@family("clinical.radiology")
def radiology(d: Doc, v: Values) -> None:
    d.f("EXAM: {ex}\nPATIENT: {n:PERSON}   DOB: {dob:DATE_OF_BIRTH}   ACC#: {acc}\nDATE: {dt:DATE_TIME}\n",
        ex=v.pick(("CT CHEST W/O CONTRAST", "XR KNEE 3 VIEWS", "MRI BRAIN", "US ABDOMEN", "CXR PA/LAT")), n=v.full_name,
        dob=lambda: v.date((1930, 2015)), acc=v.digits(9), dt=lambda: v.timestamp())
    d.f("INDICATION: {c}.\nFINDINGS: {f}\nIMPRESSION: {imp}\n", c=v.pick(CONDITIONS),
        f=v.pick(("No acute abnormality. Heart size normal.", f"{v.rng.randint(3, 25)} mm nodule in the right upper lobe, unchanged.",
                  "Small effusion on the left. No pneumothorax.", "Mild degenerative change at L4-L5.")),
        imp=v.pick(("Stable.", "No acute findings.", "Follow-up imaging in 6 months recommended.")))
    d.t("Read by: ")
    _clinician(d, v, prefix=False)
    d.f(", {h:ORGANIZATION}\n", h=v.hospital)


@family("clinical.prescription")
def prescription(d: Doc, v: Values) -> None:
    d.f(v.pick(("Rx\nName: {n:PERSON}\nAddress: {a:STREET_ADDRESS}\nDOB: {dob:DATE_OF_BIRTH}\n\n{m}\nDisp: {q}  Refills: {r}\n\n",
                "Prescription for {n:PERSON}, {a:STREET_ADDRESS} (DOB {dob:DATE_OF_BIRTH}): {m}, dispense {q}, {r} refills.\n")),
        n=v.full_name, a=v.address_one_line, dob=lambda: v.date((1930, 2015)), m=_med(v), q=v.quantity(), r=v.rng.randint(0, 5))
    d.t("Prescriber: ")
    _clinician(d, v)
    d.f(v.pick(("  DEA {l:LICENSE_NUMBER}\n", "  Lic. {l:LICENSE_NUMBER}\n", "\n")), l=v.license)


@family("clinical.nursing_handoff")
def nursing_handoff(d: Doc, v: Values) -> None:
    d.f(v.pick(("Handoff {room}: ", "SBAR - {room} - ")), room=v.room())
    first = v.first()
    d.lower = v.chance(0.3)
    d.f(v.pick(("{n:PERSON}, {a:AGE}, post-op day 2. ", "pt {n:PERSON} ({a:AGE}) admitted {adm:DATE} for {c}. ",
                "{n:PERSON} is a {a:AGE} with {c}. ")), n=v.pick((first, f"{first} {v.last()}")), a=v.age, adm=v.partial_date, c=v.pick(CONDITIONS))
    d.f("{vit}, {vit2}. Gave {m} at {t:DATE_TIME}. ", vit=v.vitals(), vit2=v.vitals(), m=_med(v), t=v.time)
    d.f(v.pick(("Daughter {c:PERSON} called, wants update ({ph:PHONE_NUMBER}). ", "Wife {c:PERSON} at bedside. ", "Family aware. ")),
        c=v.first, ph=v.phone)
    d.f(v.pick(("Will need labs in AM.", "Hope to mobilise tomorrow.", "Mark I/O strictly.", "Bill to pharmacy for {q}.")), q=v.quantity())


@family("clinical.insurance_preauth")
def insurance_preauth(d: Doc, v: Values) -> None:
    d.f("PRIOR AUTHORIZATION REQUEST\nMember name: {n:PERSON}\nMember ID: {hp:HEALTH_PLAN_ID}\nGroup #: {g}\nDOB: {dob:DATE_OF_BIRTH}\n"
        "Insurer: {ins:ORGANIZATION}\nRequested service: {svc} (CPT {cpt})\nDiagnosis: {c} (ICD-10 {icd})\nProvider NPI: {npi}\n",
        n=v.full_name, hp=v.health_plan, g=v.digits(5), dob=lambda: v.date((1930, 2015)), ins=v.company,
        svc=v.pick(("MRI lumbar spine", "sleep study", "physical therapy x12", "knee arthroscopy")), cpt=v.digits(5),
        c=v.pick(CONDITIONS), icd=f"{v.pick('EIJKMN')}{v.rng.randint(10, 99)}.{v.rng.randint(0, 9)}", npi=v.digits(10))
    if v.chance(0.5):
        d.f("Subscriber SSN: {s:US_SSN}\n", s=v.ssn)
    d.f("Contact: {ph:PHONE_NUMBER} / fax {fx:FAX_NUMBER}\n", ph=v.phone, fx=v.phone)


@family("clinical.portal_message")
def portal_message(d: Doc, v: Values) -> None:
    fn, ln = v.name_parts()
    d.lower = v.chance(0.25)
    d.f(v.pick(("Hi Dr {doc:PERSON}, this is {n:PERSON}. ", "Hello, my name is {n:PERSON} (DOB {dob:DATE_OF_BIRTH}). ", "Dr. {doc:PERSON} - ")),
        doc=v.last, n=f"{fn} {ln}", dob=lambda: v.date((1940, 2010)))
    d.f(v.pick(("I've had {c} since {when:DATE} and the {m} isn't helping. ", "My {rel} {r:PERSON} has been feeling worse since {when:DATE}. ",
                "Could you refill my {m}? I'm down to {q}. ")),
        c=v.pick(("a rash", "headaches", "a cough", "back pain", "dizzy spells")), when=v.partial_date, m=v.pick(MEDS),
        rel=v.pick(("son", "daughter", "mum", "husband")), r=v.first, q=v.quantity())
    d.f(v.pick(("You can reach me at {ph:PHONE_NUMBER}.", "Best number is {ph:PHONE_NUMBER} after 5.", "Email me at {em:EMAIL_ADDRESS} please.", "Thanks!")),
        ph=v.phone, em=lambda: v.email(fn, ln))


@family("clinical.er_triage")
def er_triage(d: Doc, v: Values) -> None:
    d.f("ED TRIAGE {t:DATE_TIME}\nArrival: {mode}\nName: {n:PERSON}  Age: {a:AGE}  MRN {m:MEDICAL_RECORD_NUMBER}\nCC: {cc}\n{v1} {v2} {v3}\nESI {esi}. Placed in {room}.\n",
        t=v.timestamp, mode=v.pick(("ambulance", "walk-in", "police", "private car")), n=v.full_name, a=lambda: v.age(old=v.chance(0.3)),
        m=v.mrn, cc=v.pick(("chest pain x 2h", "fall at home", "SOB", "abdominal pain", "laceration to hand")), v1=v.vitals(), v2=v.vitals(),
        v3=v.vitals(), esi=v.rng.randint(1, 5), room=v.room())
    if v.chance(0.5):
        d.f("Brought in by {who:PERSON} ({rel}), lives at {addr:STREET_ADDRESS}.\n", who=v.full_name, rel=v.pick(("neighbour", "daughter", "carer")), addr=v.address_one_line)


@family("clinical.appointment_sms")
def appointment_sms(d: Doc, v: Values) -> None:
    d.f(v.pick(("Reminder: {n:PERSON}, you have an appointment with Dr {doc:PERSON} on {dt:DATE_TIME} at {h:ORGANIZATION}. Reply C to confirm or call {ph:PHONE_NUMBER}.",
                "Hi {n:PERSON}! Your {svc} is booked for {dt:DATE_TIME}. {room}. To reschedule visit {u:URL}",
                "{h:ORGANIZATION}: appt {dt:DATE_TIME} w/ {doc:PERSON}. Bring insurance card (member {hp:HEALTH_PLAN_ID}).")),
        n=v.first, doc=v.last, dt=lambda: f"{v.partial_date()} {v.time()}", h=v.hospital, ph=v.phone, svc=v.pick(("flu shot", "dental check-up", "blood test", "physio session")),
        room=v.room(), u=v.url, hp=v.health_plan)


@family("clinical.med_reconciliation")
def med_reconciliation(d: Doc, v: Values) -> None:
    d.f("Medication reconciliation - {n:PERSON} ({a:AGE}), {dt:DATE}\nPharmacist: ", n=v.full_name, a=v.age, dt=v.partial_date)
    _clinician(d, v, prefix=False)
    d.nl()
    for _ in range(v.rng.randint(3, 6)):
        d.f("* {m} - {st}\n", m=_med(v), st=v.pick(("continue", "stop", "dose changed", "new", "hold until review")))
    d.f("Allergies: {al}. Weight {w} kg.\n", al=v.pick(("penicillin", "NKDA", "sulfa", "latex")), w=v.rng.randint(40, 130))


@family("clinical.clinical_trial_screening")
def trial_screening(d: Doc, v: Values) -> None:
    d.f("Study {study} - screening log\nSubject {sid} | initials {ini} | site {site}\n", study=f"{v.alnum(3, 'ABCDEFGHJKLMNPRSTUVWXYZ')}-{v.digits(3)}",
        sid=f"{v.digits(3)}-{v.digits(4)}", ini=v.alnum(2, 'ABCDEFGHJKLMNPRSTUVWXYZ'), site=v.digits(3))
    d.f("Consent obtained {dt:DATE} by ", dt=lambda: v.date((2021, 2025)))
    _clinician(d, v, prefix=False)
    d.f(". Age at consent: {a:AGE}. Eligible: {el}. Randomised to arm {arm}, dose {dose}.\n", a=v.age, el=v.pick(("yes", "no - exclusion 4", "pending labs")),
        arm=v.pick("AB"), dose=v.dosage())
