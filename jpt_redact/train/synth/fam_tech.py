"""Technical families: server and application logs, JSON lines, CSV rows, configs, tickets, alerts."""
from __future__ import annotations

import json

from .compose import Doc
from .families import family
from .values import Values

PATHS = ("/api/v1/orders", "/login", "/static/app.js", "/account/settings", "/search?q=shoes", "/health", "/api/v2/users/me",
         "/cart", "/checkout", "/favicon.ico", "/graphql")
AGENTS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64)", "curl/8.4.0", "python-requests/2.31", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1)")


@family("tech.access_log", weight=1.5)
def access_log(d: Doc, v: Values) -> None:
    for _ in range(v.rng.randint(2, 6)):
        user = v.username() if v.chance(0.3) else None
        d.f("{ip:IP_ADDRESS} - ", ip=v.ip)
        if user:
            d.e("USERNAME", user)
        else:
            d.t("-")
        d.f(' [{ts:DATE_TIME}] "{m} {p} HTTP/1.1" {s} {b} "{ua}"\n', ts=v.timestamp, m=v.pick(("GET", "POST", "PUT", "DELETE")),
            p=v.pick(PATHS), s=v.http_status(), b=v.rng.randint(0, 50000), ua=v.pick(AGENTS))


@family("tech.auth_log")
def auth_log(d: Doc, v: Values) -> None:
    for _ in range(v.rng.randint(2, 6)):
        d.f("{ts:DATE_TIME} {lvl} [{svc}] ", ts=v.timestamp, lvl=v.pick(("INFO", "WARN", "ERROR", "DEBUG")), svc=v.pick(("auth", "sshd[2211]", "api-gw", "sso")))
        k = v.rng.random()
        if k < 0.25:
            d.f("Failed password for {u:USERNAME} from {ip:IP_ADDRESS} port {port} ssh2\n", u=v.username, ip=v.ip, port=v.rng.randint(1024, 65535))
        elif k < 0.5:
            d.f("login ok user={em:EMAIL_ADDRESS} ip={ip:IP_ADDRESS} session={sid}\n", em=v.email, ip=v.ip, sid=v.alnum(16, "0123456789abcdef"))
        elif k < 0.65:
            d.f("password reset requested for {u:USERNAME}; token sent to {em:EMAIL_ADDRESS}\n", u=v.username, em=v.email)
        elif k < 0.75:
            d.f("device {dev:DEVICE_ID} enrolled for {u:USERNAME}\n", dev=v.device_id, u=v.username)
        else:
            d.f("request_id={rid} latency={ms}ms status={st} version={ver}\n", rid=v.alnum(12, "0123456789abcdef"), ms=v.rng.randint(2, 900),
                st=v.http_status(), ver=v.version())


@family("tech.json_lines", weight=1.5)
def json_lines(d: Doc, v: Values) -> None:
    for _ in range(v.rng.randint(1, 4)):
        fn, ln = v.name_parts()
        fields = [("id", v.digits(6), None), ("name", f"{fn} {ln}", "PERSON"), ("email", v.email(fn, ln), "EMAIL_ADDRESS")]
        extra = [("phone", v.phone(), "PHONE_NUMBER"), ("dob", v.date((1940, 2008), "iso"), "DATE_OF_BIRTH"), ("ip", v.ip(), "IP_ADDRESS"),
                 ("city", v.city(), "LOCATION"), ("plan", v.pick(("free", "pro", "team")), None), ("created_at", v.timestamp(), "DATE_TIME"),
                 ("amount", v.price(), None), ("ssn", v.ssn(), "US_SSN"), ("card", v.credit_card(), "CREDIT_CARD"),
                 ("username", v.username(fn, ln), "USERNAME"), ("qty", str(v.rng.randint(1, 20)), None), ("app_version", v.version(), None)]
        fields += v.rng.sample(extra, v.rng.randint(1, 5))
        d.t("{")
        for i, (k, val, lab) in enumerate(fields):
            d.t(("" if i == 0 else ", ") + json.dumps(k) + ': "')
            esc = json.dumps(val)[1:-1]
            if lab:
                d.e(lab, esc)
            else:
                d.t(esc)
            d.t('"')
        d.t("}\n")


@family("tech.csv_rows")
def csv_rows(d: Doc, v: Values) -> None:
    cols = v.rng.sample((("name", "PERSON"), ("email", "EMAIL_ADDRESS"), ("phone", "PHONE_NUMBER"), ("city", "LOCATION"), ("zip", None),
                         ("dob", "DATE_OF_BIRTH"), ("order_total", None), ("iban", "IBAN_CODE"), ("customer_id", "ACCOUNT_NUMBER"), ("sku", None)), v.rng.randint(3, 6))
    sep = v.pick((",", ";", "\t", "|"))
    d.t(sep.join(c for c, _ in cols) + "\n")
    makers = {"name": v.full_name, "email": v.email, "phone": v.phone, "city": v.city, "zip": lambda: v.pick(v.p["postcode"]),
              "dob": lambda: v.date((1940, 2008)), "order_total": v.price, "iban": v.iban, "customer_id": v.account,
              "sku": lambda: f"SKU-{v.digits(5)}"}
    for _ in range(v.rng.randint(2, 6)):
        for i, (c, lab) in enumerate(cols):
            if i:
                d.t(sep)
            val = makers[c]().replace(sep, " ")
            if lab:
                d.e(lab, val)
            else:
                d.t(val)
        d.nl()


@family("tech.env_config")
def env_config(d: Doc, v: Values) -> None:
    d.f(v.pick(("# production settings\n", "# .env - do not commit\n", "[default]\n")))
    d.f("APP_ENV=production\nAPP_VERSION={ver}\nPORT={port}\nWORKERS={w}\n", ver=v.version(), port=v.pick((80, 443, 8000, 8080, 5432)), w=v.rng.randint(1, 16))
    items = v.rng.sample(("db", "key", "smtp", "admin", "host", "aws"), v.rng.randint(2, 4))
    for k in items:
        if k == "db":
            d.f("DATABASE_URL=postgres://{u:USERNAME}:{pw:PASSWORD}@{ip:IP_ADDRESS}:5432/app\n", u=v.username, pw=v.password, ip=lambda: v.ipv4(True))
        elif k == "key":
            d.f("{nm}={k:API_KEY}\n", nm=v.pick(("STRIPE_SECRET_KEY", "API_TOKEN", "GITHUB_TOKEN", "SLACK_BOT_TOKEN", "OPENAI_API_KEY")), k=v.api_key)
        elif k == "smtp":
            d.f("SMTP_USER={em:EMAIL_ADDRESS}\nSMTP_PASSWORD={pw:PASSWORD}\n", em=v.email, pw=v.password)
        elif k == "admin":
            d.f("ADMIN_EMAIL={em:EMAIL_ADDRESS}\n", em=v.email)
        elif k == "host":
            d.f("ALLOWED_HOSTS={ip:IP_ADDRESS},localhost\n", ip=v.ip)
        else:
            d.f("aws_access_key_id = {a:API_KEY}\naws_secret_access_key = {b:API_KEY}\n", a=lambda: f"AKIA{v.alnum(16)}",
                b=lambda: v.alnum(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+"))
    d.f("TIMEOUT_SECONDS={t}\n", t=v.rng.randint(5, 120))


@family("tech.stack_trace")
def stack_trace(d: Doc, v: Values) -> None:
    d.f("{ts:DATE_TIME} ERROR Unhandled exception in worker {w} (release {ver})\nTraceback (most recent call last):\n"
        '  File "/srv/app/handlers.py", line {l1}, in process\n    send_receipt(order)\n  File "/srv/app/mail.py", line {l2}, in send_receipt\n',
        ts=v.timestamp, w=v.rng.randint(1, 16), ver=v.version(), l1=v.rng.randint(10, 400), l2=v.rng.randint(10, 400))
    d.f(v.pick(("smtplib.SMTPRecipientsRefused: ('{em:EMAIL_ADDRESS}', 550, 'mailbox unavailable')\n",
                "ValueError: invalid phone number '{ph:PHONE_NUMBER}' for customer {cid:ACCOUNT_NUMBER}\n",
                "KeyError: 'postcode' (user_id={uid}, order={o})\n")),
        em=v.email, ph=v.phone, cid=v.account, uid=v.digits(7), o=v.order_id())


@family("tech.support_ticket", weight=1.5)
def support_ticket(d: Doc, v: Values) -> None:
    fn, ln = v.name_parts()
    d.f("Ticket {t} | Priority: {p} | Status: {s}\nRequester: {n:PERSON} <{em:EMAIL_ADDRESS}>\nCreated: {c:DATE_TIME}\n\n",
        t=v.ticket_id(), p=v.pick(("P1", "P2", "P3", "low", "high")), s=v.pick(("open", "pending", "solved")), n=f"{fn} {ln}",
        em=lambda: v.email(fn, ln), c=v.timestamp)
    d.f(v.pick(("I can't log in since the update to {ver}. My username is {u:USERNAME} and I've reset the password twice.",
                "Order {o} arrived damaged ({q}). Please refund to the card ending {l4}. You can call me on {ph:PHONE_NUMBER}.",
                "My laptop (serial {dev:DEVICE_ID}) won't connect to VPN from {ip:IP_ADDRESS}. Error 0x{hx}.",
                "Please update my billing address to {a:STREET_ADDRESS}. Account {ac:ACCOUNT_NUMBER}.",
                "Charged {p} twice on {dt:DATE_TIME}. Invoice {inv}.")),
        ver=v.version(), u=lambda: v.username(fn, ln), o=v.order_id(), q=v.quantity(), l4=v.digits(4), ph=v.phone, dev=v.serial,
        ip=v.ip, hx=v.alnum(8, "0123456789ABCDEF"), a=v.address_one_line, ac=v.account, p=v.price(), dt=v.partial_date, inv=v.order_id())
    d.f("\n\n-- Agent {ag:PERSON}: {reply}", ag=v.first, reply=v.pick(("Thanks, looking into it.", "Escalated to tier 2.", "Refund issued.", "Could you send a screenshot?")))


@family("tech.security_alert")
def security_alert(d: Doc, v: Values) -> None:
    d.f(v.pick(("Hi {n:PERSON},\n\nWe noticed a new sign-in to your account {em:EMAIL_ADDRESS}.\n\nWhen: {ts:DATE_TIME}\nDevice: {dv}\nIP address: {ip:IP_ADDRESS}\nLocation: {city:LOCATION}, {ctry:LOCATION}\n\nIf this wasn't you, reset your password at {u:URL}.\n",
                "Security notice: your verification code is {code}. It expires in {m} minutes. Never share it. Requested from {ip:IP_ADDRESS} ({city:LOCATION}).\n")),
        n=v.first, em=v.email, ts=v.timestamp, dv=v.pick(("Chrome on Windows", "Safari on iPhone", "Firefox on Linux")), ip=v.ip, city=v.city,
        ctry=v.country, u=v.url, code=v.digits(6), m=v.pick((5, 10, 15)))


@family("tech.git_pr_comment")
def git_pr_comment(d: Doc, v: Values) -> None:
    d.f("commit {sha}\nAuthor: {n:PERSON} <{em:EMAIL_ADDRESS}>\nDate:   {dt:DATE_TIME}\n\n    {msg}\n\n",
        sha=v.alnum(40, "0123456789abcdef"), n=v.full_name, em=v.email, dt=v.timestamp,
        msg=v.pick(("Fix retry loop in uploader", "Bump version to " + v.version(), "Add config for staging", "Remove debug logging")))
    if v.chance(0.6):
        d.f("+    client = Client(token=\"{k:API_KEY}\")\n", k=v.api_key)
    d.f("@{rv:USERNAME} {c}\n", rv=v.username, c=v.pick(("please don't commit secrets, rotate that key", "LGTM", "nit: rename var", "tests fail on 3.11")))


@family("tech.device_inventory")
def device_inventory(d: Doc, v: Values) -> None:
    d.t("asset_tag | model | serial | mac | assigned_to | since\n")
    for _ in range(v.rng.randint(2, 5)):
        d.f("AT-{tag} | {model} | {sn:DEVICE_ID} | {mac:DEVICE_ID} | {who:PERSON} | {dt:DATE_TIME}\n", tag=v.digits(5),
            model=v.pick(("MacBook Pro 14", "ThinkPad T14 Gen 3", "Dell Latitude 7440", "iPhone 15", "Pixel 8")), sn=v.serial, mac=v.mac,
            who=v.full_name, dt=lambda: v.date((2021, 2025), "iso"))


@family("tech.form_submission")
def form_submission(d: Doc, v: Values) -> None:
    fn, ln = v.name_parts()
    pairs = [("first_name", fn, "PERSON"), ("last_name", ln, "PERSON"), ("email", v.email(fn, ln), "EMAIL_ADDRESS"),
             ("phone", v.phone(), "PHONE_NUMBER"), ("street", v.street(), "STREET_ADDRESS"), ("city", v.city(), "LOCATION"),
             ("dob", v.date((1940, 2008)), "DATE_OF_BIRTH"), ("newsletter", v.pick(("yes", "no")), None), ("quantity", str(v.rng.randint(1, 9)), None),
             ("message", v.pick(("Please call after 6pm", "Need an invoice", "Is this in stock?")), None), ("referrer", v.url(False), "URL")]
    chosen = [p for p in pairs if v.chance(0.7)] or pairs[:3]
    sep = v.pick((": ", " = ", "\t"))
    d.f(v.pick(("New form submission ({form})\n", "Contact form - {form}\n", "")), form=v.pick(("contact", "quote request", "signup")))
    for k, val, lab in chosen:
        d.t(k + sep)
        if lab:
            d.e(lab, val)
        else:
            d.t(val)
        d.nl()
