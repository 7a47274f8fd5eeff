"""Families with NO PII at all: numbers, dates of releases, product names, ordinary words that look
like names ("will", "hope", "rose", "may", "mark", "bill"). They teach the model when to stay quiet.

They hold no dates or clock times either (those are DATE_TIME by definition), only durations,
frequencies, versions, prices and counts, so every document here is correctly span-free.
"""
from __future__ import annotations

from .compose import Doc
from .families import family
from .values import Values


@family("nopii.release_notes", pii=False)
def release_notes(d: Doc, v: Values) -> None:
    d.f("Release {ver}\n\n", ver=v.version())
    for _ in range(v.rng.randint(2, 6)):
        d.f("- {x}\n", x=v.pick((f"Fixed crash when exporting more than {v.rng.randint(100, 10000)} rows",
                                   f"Upgraded dependency to {v.version()}", f"Reduced memory use by {v.percent()}",
                                   f"New setting max_retries (default {v.rng.randint(1, 10)})", "Dark mode for the settings page",
                                   f"Deprecated the v{v.rng.randint(1, 3)} endpoints", f"Timeout raised to {v.rng.randint(10, 120)} seconds")))


@family("nopii.recipe", pii=False)
def recipe(d: Doc, v: Values) -> None:
    d.f("{dish} (serves {k})\n\nIngredients:\n", dish=v.pick(("Lemon risotto", "Tomato soup", "Banana bread", "Chickpea curry", "Apple crumble")), k=v.rng.randint(2, 8))
    for _ in range(v.rng.randint(3, 7)):
        d.f("- {q} {i}\n", q=v.pick((f"{v.rng.randint(50, 500)} g", f"{v.rng.randint(1, 4)} tbsp", f"{v.rng.randint(1, 3)} cups", f"{v.rng.randint(1, 6)}", "a pinch of")),
            i=v.pick(("flour", "butter", "onions", "rice", "stock", "sugar", "eggs", "salt", "garlic cloves", "bay leaves")))
    d.f("\nBake at {t} for {m} minutes. Will keep for {k} days; rose water optional.\n", t=v.pick(("180°C", "350F", "gas mark 4")), m=v.rng.randint(15, 70), k=v.rng.randint(2, 5))


@family("nopii.incident_status", pii=False)
def incident_status(d: Doc, v: Values) -> None:
    d.f("[{st}] Elevated error rates on {svc}\nWe are seeing {pct} of requests fail with HTTP {code} in region {reg}. Mitigation rolled out in build {ver}. "
        "Next update in {m} minutes.\n", st=v.pick(("Investigating", "Identified", "Monitoring", "Resolved")), svc=v.pick(("API", "dashboard", "webhooks", "search")),
        pct=v.percent(), code=v.http_status(), reg=v.pick(("eu-west-1", "us-east-2", "ap-south-1")), ver=v.version(), m=v.pick((15, 30, 60)))


@family("nopii.runbook", pii=False)
def runbook(d: Doc, v: Values) -> None:
    d.f("Runbook: {task}\n1. Drain node (kubectl drain --grace-period={g}).\n2. Check disk > {pct} free.\n3. Restart with --workers {w} --port {port}.\n"
        "4. Verify version {ver} in /healthz.\nEscalate to the on-call rota if step 3 fails twice.\n", task=v.pick(("restart ingest", "rotate logs", "scale workers")),
        g=v.rng.randint(10, 300), pct=v.percent(), w=v.rng.randint(2, 32), port=v.pick((8080, 9000, 5000)), ver=v.version())


@family("nopii.inventory_report", pii=False)
def inventory_report(d: Doc, v: Values) -> None:
    d.t("sku,description,qty_on_hand,unit_price,reorder_level\n")
    for _ in range(v.rng.randint(3, 8)):
        d.f("SKU-{s},{desc},{q},{p},{r}\n", s=v.digits(5), desc=v.pick(("M6 bolts", "Cable tie 200mm", "A4 paper", "Nitrile gloves L", "AA batteries")),
            q=v.rng.randint(0, 5000), p=v.price().replace(",", ""), r=v.rng.randint(10, 500))


@family("nopii.clinical_guideline", pii=False)
def clinical_guideline(d: Doc, v: Values) -> None:
    d.f("Adults: {drug} {dose} {freq} for {dur}; reduce to {dose2} if eGFR < {egfr}. Children over {age} years: {dose3}/kg. Monitor {vit} and "
        "potassium after {k} days. Patients over 65 may need lower doses.\n", drug=v.pick(("amoxicillin", "ramipril", "prednisolone", "enoxaparin")),
        dose=v.dosage(), freq=v.pick(("twice daily", "every 8 hours", "once daily")), dur=v.duration(), dose2=v.dosage(), egfr=v.pick((30, 45, 60)),
        age=v.rng.randint(2, 12), dose3=v.pick(("10 mg", "15 mg", "0.5 mg")), vit=v.pick(("blood pressure", "heart rate")), k=v.rng.randint(3, 14))


@family("nopii.generic_logs", pii=False)
def generic_logs(d: Doc, v: Values) -> None:
    for _ in range(v.rng.randint(3, 7)):
        d.f("{lvl} worker-{w} job={job} processed={n} failed={f} duration_ms={ms} version={ver}\n", lvl=v.pick(("INFO", "DEBUG", "WARN")),
            w=v.rng.randint(1, 12), job=v.pick(("reindex", "thumbnail", "billing-sync", "cleanup")), n=v.rng.randint(0, 100000),
            f=v.rng.randint(0, 30), ms=v.rng.randint(1, 90000), ver=v.version())


@family("nopii.faq", pii=False)
def faq(d: Doc, v: Values) -> None:
    qa = (("How long does delivery take?", f"Usually {v.rng.randint(2, 7)} working days; express orders over {v.price()} ship free."),
          ("Can I return an item?", f"Yes, within {v.rng.randint(14, 60)} days. Refunds take {v.duration()}."),
          ("Will my subscription renew?", "Yes, it renews automatically; you can cancel any time in settings."),
          ("Do you ship abroad?", f"We ship to {v.rng.randint(20, 120)} countries."),
          ("What does the warranty cover?", f"Parts and labour for {v.rng.randint(1, 3)} years, excluding batteries."))
    for q, a in v.rng.sample(qa, v.rng.randint(2, 4)):
        d.f("Q: {q}\nA: {a}\n\n", q=q, a=a)


@family("nopii.word_names", pii=False)
def word_names(d: Doc, v: Values) -> None:
    """Ordinary uses of words that are also first names, plus month names."""
    sents = ("I hope the weather holds until the weekend.", "We will mark the boxes before shipping.", "The bill came to {p} for {q}.",
             "A rose by the window has started to bloom.", "Prices may drop by {pct} if demand falls.", "She hit the mark on her first try.",
             "Grace periods last {dur}.", "Sunny spells are expected with highs of {t}.", "The ivy covers the north wall.",
             "Art supplies are on aisle {k}.", "Pat the dough flat and mark it into {k} squares.", "Frank feedback is welcome at the retro.",
             "Summer sale: {pct} off all items.", "The bill was passed by {k} votes.", "We're running low on holly wreaths; reorder {q}.",
             "Hope springs eternal, as the saying goes.", "Joy and hope were the themes of the exhibition.", "Chase the invoice if it is unpaid after {dur}.")
    for _ in range(v.rng.randint(2, 5)):
        d.f(v.pick(sents) + " ", p=v.price(), q=v.quantity(), pct=v.percent(), dur=v.duration(), t=v.pick(("21°C", "68F")), k=v.rng.randint(2, 40), room=v.room())


@family("nopii.meeting_agenda", pii=False)
def meeting_agenda(d: Doc, v: Values) -> None:
    d.f("Agenda (all hands)\n1. Welcome ({m1} min)\n2. Quarterly numbers: revenue up {pct}, churn {pct2}\n3. Roadmap: version {ver}\n4. Q&A ({m2} min)\n"
        "Location: {room}, {k} seats. Slides will be shared afterwards.\n", m1=v.pick((5, 10, 15)), pct=v.percent(), pct2=v.percent(),
        ver=v.version(), room=v.room(), m2=v.pick((15, 20, 30)), k=v.rng.randint(20, 200))


@family("nopii.product_review", pii=False)
def product_review(d: Doc, v: Values) -> None:
    d.lower = v.chance(0.5)
    d.f(v.pick(("{stars}/5 - battery lasts about {h} hours, paid {p}. would buy again.", "Returned it after {dur}. The {model} overheats at {pct} load.",
                "Great value at {p}. Setup took {m} minutes, firmware {ver}.")), stars=v.rng.randint(1, 5), h=v.rng.randint(4, 30), p=v.price(),
        dur=v.duration(), model=v.pick(("X200", "Pro 2", "Air S", "Mini 4")), pct=v.percent(), m=v.rng.randint(2, 60), ver=v.version())


@family("nopii.route_info", pii=False)
def route_info(d: Doc, v: Values) -> None:
    d.f("Route {r} - service information\n", r=v.rng.randint(1, 99))
    for _ in range(v.rng.randint(3, 6)):
        d.f("{stop}: every {m} minutes, {k} stops to the terminus\n", stop=v.pick(("Central Station", "Market Square", "Hospital (main gate)",
            "Retail Park", "Old Bridge", "University Campus")), m=v.pick((5, 10, 12, 15, 20, 30)), k=v.rng.randint(2, 25))
    d.f("Fares from {p}. Platform {k}. Step-free access at {pct} of stops.\n", p=v.price(), k=v.rng.randint(1, 12), pct=v.percent())
