"""Schemathesis hooks for `cargo xtask test`: what the API description cannot say, so that
every operation is reached and not only refused.

- Each operation gets the credential its `security` names: the admin key for `admin_key`, a
  demo reader's access token for `reader_token` (the subscriber, or for checkout the reader
  without a subscription). The operations that end a session (signing out, changing the
  password) get a fresh reader of their own for each case, so that nothing else loses its
  session; a 401 anywhere else signs in again (schemathesis's own `retry_on`).
- Path parameters are real ids most of the time: a reader, an offer, a webhook endpoint and
  its delivery, a gift link and a checkout, made through the API at the start.
- The sign-in operations get a real password, code, link, refresh token or publisher token in
  some cases, so that the part behind the check runs too; an identity provider's sign-in is
  done through a real provider on loopback (e2e/oidc-idp.mjs, started by xtask).
- Every request comes from its own address (`X-Forwarded-For`, believed from 127.0.0.1 with
  `PAYWALL_TRUSTED_PROXIES`): the limits per client address would answer most of them 429.
- What the admin fuzzing changes that the readers' operations rest on (the tiers, the gift
  policy, the demo article) is put back after each change; the run's own API key is never the
  one a case revokes, and staff and keys a case removes are made for it.

Read from the environment, set by xtask: PAYWALL_ST_SERVER (`http://ADDR`), PAYWALL_ST_ADMIN_KEY,
and PAYWALL_ST_PUBLISHER_KEY (the file of the private half of the publisher key the server trusts);
PAYWALL_ST_LOG, when set, names a file to which every answer's status is appended (to see
what an operation got).
"""

from __future__ import annotations

import base64
import html
import itertools
import json
import os
import random
import re
import subprocess
import tempfile
import threading
import time

from urllib.parse import parse_qs, urljoin, urlparse

import requests

import schemathesis
from schemathesis.core.parameters import ParameterLocation

SERVER = os.environ["PAYWALL_ST_SERVER"]
ADMIN_KEY = os.environ["PAYWALL_ST_ADMIN_KEY"]
PUBLISHER_KEY = os.environ["PAYWALL_ST_PUBLISHER_KEY"]

# The demo's readers (server/src/boot/demo.rs).
SUBSCRIBER = "subscriber@example.com"
READER = "reader@example.com"
DEMO_PASSWORD = "paywall-demo"
DEMO_ARTICLE = "night-trains-second-act"
PUBLISHER_ISSUER = "https://publisher.example"
PUBLISHER_AUDIENCE = "paywall"

# The offer the fixtures make, and the one admin changes put back.
OFFER = {
    "tier": "subscriber", "name": "Fuzzed", "amount": 500, "currency": "eur",
    "interval": "month", "provider_price": "price_demo_fuzzed", "active": True,
}

# Share of cases whose path parameters become real ids, and of sign-in cases given real
# credentials: most, so that the handlers' logic runs, but not all, so that the generated
# values are still sent.
REAL_IDS = 0.8
REAL_CREDENTIALS = 0.5
# Operations whose generated bodies are almost never valid (checkout: an offer id and a page on
# an allowed site, both chance finds rarely), given a real one more often, so that most of
# their cases reach the logic behind validation, as schemathesis checks.
REAL_BODY_SHARE = {("POST", "/v1/checkout"): 0.8}

# Seeded, like schemathesis (`--seed`), so that a run can be repeated.
rng = random.Random(1)
lock = threading.RLock()
emails = itertools.count(1)


def client_address() -> str:
    """A new client address, from a private range nobody routes."""
    return f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


def api(method: str, path: str, token: str | None = None, body=None, expect=(200, 201, 202, 204), **headers):
    """One request of the hooks' own; fails loudly on an unexpected status."""
    headers = {"X-Forwarded-For": client_address(), **headers}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    response = requests.request(
        method, SERVER + path, json=body, headers=headers, timeout=30, allow_redirects=False
    )
    if expect and response.status_code not in expect:
        raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:300]}")
    return response


def admin(method: str, path: str, body=None, **kwargs):
    return api(method, path, ADMIN_KEY, body, **kwargs)


def fresh_email() -> str:
    return f"fuzz-{os.getpid()}-{next(emails)}@example.com"


def emailed(email: str) -> tuple[str, str]:
    """Asks for a sign-in email to `email` and reads it in the dev outbox: its code and link token."""
    api("POST", "/v1/sign-in-codes", body={"email": email})
    # The outbox refuses anything that came through a proxy: no X-Forwarded-For here.
    page = requests.get(SERVER + "/dev/outbox", timeout=30).text
    for article in page.split("<article>")[1:]:
        if f"To {html.escape(email)}<" in article:
            code = re.search(r"<h2>[^<]*?(\d{6})</h2>", article).group(1)
            link = re.search(r"#token=([A-Za-z0-9_-]+)", article).group(1)
            return code, link
    raise RuntimeError(f"no sign-in email to {email} in the dev outbox")


def staff_link_token() -> str:
    """Invites a new member of the staff and reads their sign-in link's token in the dev outbox."""
    email = fresh_email()
    admin("POST", "/v1/admin/staff", {"email": email, "role": "viewer"})
    page = requests.get(SERVER + "/dev/outbox", timeout=30).text
    for article in page.split("<article>")[1:]:
        if f"To {html.escape(email)}<" in article:
            return re.search(r"#token=([A-Za-z0-9_-]+)", article).group(1)
    raise RuntimeError(f"no invitation to {email} in the dev outbox")


def code_sign_in(email: str) -> dict:
    """Signs `email` in with an emailed code (creating the reader): the session's tokens."""
    code, _ = emailed(email)
    return api("POST", "/v1/sessions/code", body={"email": email, "code": code}).json()


def password_sign_in(email: str) -> dict:
    return api("POST", "/v1/sessions", body={"email": email, "password": DEMO_PASSWORD}).json()


def publisher_token() -> str:
    """A token the publisher signed (EdDSA) for a new reader of theirs."""

    def part(value) -> str:
        raw = value if isinstance(value, bytes) else json.dumps(value).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    now = int(time.time())
    claims = {
        "iss": PUBLISHER_ISSUER,
        "aud": PUBLISHER_AUDIENCE,
        "sub": f"publisher-reader-{next(emails)}",
        "email": fresh_email(),
        "email_verified": True,
        "tier": "subscriber",
        "iat": now,
        "exp": now + 300,
        "jti": f"jti-{os.getpid()}-{next(emails)}",
    }
    signed = f"{part({'alg': 'EdDSA', 'typ': 'JWT'})}.{part(claims)}"
    with tempfile.NamedTemporaryFile() as message:
        message.write(signed.encode())
        message.flush()
        signature = subprocess.run(
            ["openssl", "pkeyutl", "-sign", "-rawin", "-inkey", PUBLISHER_KEY, "-in", message.name],
            check=True,
            capture_output=True,
        ).stdout
    return f"{signed}.{part(signature)}"


class Fixtures:
    """The real objects, made once through the API on first use."""

    def __init__(self) -> None:
        self.ready = False

    def make(self) -> None:
        with lock:
            if self.ready:
                return
            self.tiers = admin("GET", "/v1/admin/tiers").json()
            # Every case that withdraws a gift link makes one first: more than a month's allowance.
            self.gift_policy = {**admin("GET", "/v1/admin/gift-policy").json(), "monthly_allowance": 1000}
            admin("PUT", "/v1/admin/gift-policy", self.gift_policy)
            self.article = admin("GET", f"/v1/admin/articles/{DEMO_ARTICLE}").json()
            self.page = f"{SERVER}/index.html"
            self.offer = admin("POST", "/v1/admin/offers", OFFER).json()["id"]
            # A reader of the fixtures' own, for the admin operations that sign a reader out or
            # end a subscription: the demo readers keep their sessions.
            self.reader = admin("POST", "/v1/admin/readers", {"email": fresh_email()}).json()["id"]
            self.webhook = admin("POST", "/v1/admin/webhooks", {"url": "http://127.0.0.1:9/fuzzed"}).json()["id"]
            # The grant is an event: a delivery to the endpoint above (which nobody answers).
            self.subscription = admin(
                "POST", f"/v1/admin/readers/{self.reader}/subscriptions", {"tier": "subscriber", "days": 30}
            ).json()["id"]
            deliveries = admin("GET", f"/v1/admin/webhooks/{self.webhook}/deliveries").json()
            self.delivery = deliveries["deliveries"][0]["id"]
            # A reader who paid through the demo's checkout: a customer, for the billing portal.
            payer = code_sign_in(fresh_email())
            self.payer_token = payer["access_token"]
            self.checkout = self.start_checkout(self.payer_token)
            api("POST", f"/demo/checkout/{self.checkout['checkout_id']}/pay", expect=(200, 303))
            # The run's own key, which no fuzzed revocation may take.
            keys = admin("GET", "/v1/admin/api-keys").json()["keys"]
            self.own_key = next(key["id"] for key in keys if ADMIN_KEY.startswith(key["prefix"]))
            self.staff = self.staff_member()
            # A reader of the fixtures' own to start checkouts as: a subscription given to one
            # of the demo readers by a generated id would make every later checkout a 409.
            buyer = fresh_email()
            self.buyer_token = code_sign_in(buyer)["access_token"]
            self.buyer = admin("GET", f"/v1/admin/readers?email={buyer}").json()["readers"][0]["id"]
            self.ready = True

    def staff_member(self) -> int:
        """A member of the staff of the fixtures' own (a viewer), for the operations on one."""
        return admin("POST", "/v1/admin/staff", {"email": fresh_email(), "role": "viewer"}).json()["id"]

    def api_key(self) -> int:
        """A key of its own, for a case that revokes one."""
        return admin("POST", "/v1/admin/api-keys", {"name": "fuzzed"}).json()["listed"]["id"]

    def start_checkout(self, token: str) -> dict:
        return api("POST", "/v1/checkout", token, {"offer_id": self.offer, "return_to": self.page}).json()

    def gift(self) -> int:
        token = sessions.token(SUBSCRIBER)
        body = {"article_id": DEMO_ARTICLE, "page": self.page}
        return api("POST", "/v1/gifts", token, body).json()["id"]

    def restore(self, method: str, path: str) -> None:
        """Puts back what an admin change took from the readers' operations."""
        if path == "/v1/admin/tiers":
            admin("PUT", path, self.tiers)
        elif path == "/v1/admin/gift-policy":
            admin("PUT", path, self.gift_policy)
        elif path == "/v1/admin/offers/{id}":
            admin("PUT", f"/v1/admin/offers/{self.offer}", OFFER)
        elif path == "/v1/admin/articles/{id}":
            admin("PUT", f"/v1/admin/articles/{DEMO_ARTICLE}", self.article, expect=(200, 201))


fixtures = Fixtures()


class Sessions:
    """The demo readers' sessions, signed in once and again when one stops working."""

    def __init__(self) -> None:
        self.tokens: dict[str, str] = {}

    def token(self, email: str) -> str:
        with lock:
            if email not in self.tokens:
                self.tokens[email] = password_sign_in(email)["access_token"]
            return self.tokens[email]

    def forget(self, token: str) -> None:
        with lock:
            self.tokens = {email: kept for email, kept in self.tokens.items() if kept != token}


sessions = Sessions()

# Operations whose success ends the session they are sent with.
ENDS_SESSION = {("DELETE", "/v1/sessions"), ("PUT", "/v1/readers/me/password")}
# Operations for a reader without a subscription (the fixtures' buyer).
AS_READER = {("POST", "/v1/checkout")}
# The email of each fresh reader's token, for the password change's proof.
fresh_readers: dict[str, str] = {}


def security(operation) -> set[str]:
    return {name for requirement in operation.definition.raw.get("security", []) for name in requirement}


def key(case) -> tuple[str, str]:
    return case.method.upper(), case.operation.path


@schemathesis.auth(refresh_interval=None).apply_to(lambda ctx: "admin_key" in security(ctx.operation))
class AdminKey:
    def get(self, case, context):
        return ADMIN_KEY

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schemathesis.auth(refresh_interval=None).apply_to(lambda ctx: "reader_token" in security(ctx.operation))
class ReaderToken:
    def get(self, case, context):
        if key(case) in ENDS_SESSION:
            email = fresh_email()
            token = code_sign_in(email)["access_token"]
            fresh_readers[token] = email
            return token
        if key(case) in AS_READER:
            fixtures.make()
            return fixtures.buyer_token
        return sessions.token(SUBSCRIBER)

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


def provider_sign_in() -> dict:
    """A sign-in with the test provider (e2e/oidc-idp.mjs), started as the widget starts one."""
    return api("POST", "/v1/providers/test-idp/sign-ins", body={"return_to": fixtures.page}).json()


def provider_return() -> dict:
    """A provider's sign-in done as a reader does it (the login form, then Allow), back at the
    server's callback: the token it put in the page's address, and the starting tab's binding."""
    started = provider_sign_in()
    browser = requests.Session()
    response = browser.get(started["url"], allow_redirects=False, timeout=30)
    for _ in range(12):
        location = response.headers.get("location")
        if location is None:
            # A page of the provider's: the login form, or the consent.
            action = html.unescape(re.search(r'action="([^"]+)"', response.text).group(1))
            answer = {"login": "fuzzer"} if 'name="login"' in response.text else {"decision": "allow"}
            response = browser.post(urljoin(response.url, action), data=answer, allow_redirects=False, timeout=30)
            continue
        target = urljoin(response.url, location)
        if target.startswith(SERVER):
            back = api("GET", target.removeprefix(SERVER), expect=(303,))
            return {"token": back.headers["location"].split("#paywall-provider=")[1], "binding": started["binding"]}
        response = browser.get(target, allow_redirects=False, timeout=30)
    raise RuntimeError("the provider's sign-in did not come back to the server")


def real_path_parameters(case) -> dict | None:
    """Real values for the operation's path parameters, or None where it has none to take."""
    method, path = key(case)
    if path in ("/v1/admin/readers/{id}", "/v1/admin/readers/{id}/sign-out", "/v1/admin/readers/{id}/subscriptions"):
        return {"id": fixtures.reader}
    if path == "/v1/admin/subscriptions/{id}/end":
        return {"id": fixtures.subscription}
    if path == "/v1/admin/offers/{id}":
        return {"id": fixtures.offer}
    if path.startswith("/v1/admin/webhooks/{id}"):
        if method == "DELETE":
            # Each deletion takes an endpoint of its own: the others keep theirs.
            return {"id": admin("POST", "/v1/admin/webhooks", {"url": "http://127.0.0.1:9/gone"}).json()["id"]}
        return {"id": fixtures.webhook, "delivery_id": fixtures.delivery}
    if path.startswith("/v1/admin/articles/{id}") or path.startswith("/v1/articles/{id}"):
        if method == "DELETE":
            # The demo article stays: a copy of it is deleted instead.
            copy = f"fuzzed-{next(emails)}"
            admin("PUT", f"/v1/admin/articles/{copy}", {**fixtures.article, "id": copy}, expect=(200, 201))
            return {"id": copy}
        return {"id": DEMO_ARTICLE}
    if path == "/v1/gifts/{id}":
        return {"id": fixtures.gift()}
    if path == "/v1/admin/api-keys/{id}":
        return {"id": fixtures.api_key()}
    if path.startswith("/v1/admin/staff/{id}"):
        # Each removal takes a member of its own: the fixtures' member stays.
        return {"id": fixtures.staff_member() if method == "DELETE" else fixtures.staff}
    if path == "/v1/checkout/{id}":
        return {"id": fixtures.checkout["checkout_id"]}
    if path.startswith("/v1/providers/{id}"):
        return {"id": "test-idp"}
    return None


def real_body(case):
    """A body the operation accepts, for the sign-in operations and those a generated body
    cannot satisfy; None where the generated one is as good."""
    method, path = key(case)
    if path == "/v1/sessions" and method == "POST":
        return {"email": rng.choice([SUBSCRIBER, READER]), "password": DEMO_PASSWORD}
    if path == "/v1/sessions/code":
        email = fresh_email()
        return {"email": email, "code": emailed(email)[0]}
    if path == "/v1/sessions/link":
        return {"token": emailed(fresh_email())[1]}
    if path == "/v1/sessions/refresh":
        return {"refresh_token": code_sign_in(fresh_email())["refresh_token"]}
    if path == "/v1/sessions/publisher":
        return {"token": publisher_token()}
    if path == "/v1/sign-in-codes":
        return {"email": fresh_email()}
    if path == "/v1/readers/me/password":
        email = fresh_readers.get((case.headers or {}).get("Authorization", "").removeprefix("Bearer "))
        if email is None:
            return None
        return {"password": "a fuzzed password", "code": emailed(email)[0]}
    if path == "/v1/gifts" and method == "POST":
        return {"article_id": DEMO_ARTICLE, "page": fixtures.page}
    if path == "/v1/checkout" and method == "POST":
        return {"offer_id": fixtures.offer, "return_to": fixtures.page}
    if path == "/v1/billing-portal":
        return {"return_to": fixtures.page}
    if path == "/v1/admin/readers" and method == "POST":
        return {"email": fresh_email()}
    if path == "/v1/admin/readers/{id}/subscriptions":
        return {"tier": "subscriber", "days": rng.randint(1, 3660)}
    if path in ("/v1/admin/offers", "/v1/admin/offers/{id}") and method in ("POST", "PUT"):
        return OFFER
    if path in ("/v1/admin/webhooks", "/v1/admin/webhooks/{id}") and method in ("POST", "PUT"):
        return {"url": "http://127.0.0.1:9/fuzzed"}
    if path == "/v1/admin/articles/{id}" and method == "PUT":
        return fixtures.article
    if path == "/v1/admin/tiers" and method == "PUT":
        return fixtures.tiers
    if path == "/v1/admin/gift-policy" and method == "PUT":
        return fixtures.gift_policy
    if path == "/v1/admin/sign-in":
        return {"email": fresh_email()}
    if path == "/v1/admin/session" and method == "POST":
        return {"token": staff_link_token()}
    if path == "/v1/admin/staff" and method == "POST":
        return {"email": fresh_email(), "role": rng.choice(["viewer", "editor", "owner"])}
    if path == "/v1/admin/api-keys" and method == "POST":
        return {"name": "fuzzed", "days": rng.randint(1, 3650)}
    if path == "/v1/admin/article-files":
        copy = f"fuzzed-file-{next(emails)}"
        return {"filename": f"{copy}.md", "text": f"# A fuzzed title\n\n<!-- paywall -->\n\n## Locked\n\nText of {copy}.\n"}
    if path == "/v1/admin/readers/import":
        return f"email,name\n{fresh_email()},Fuzzed reader\n"
    if path == "/v1/providers/{id}/sign-ins":
        return {"return_to": fixtures.page}
    if path == "/v1/sessions/provider":
        return provider_return()
    if path == "/v1/events":
        return {"article_id": DEMO_ARTICLE, "events": rng.sample(["prompt_shown", "sign_in_opened", "signed_in"], 2)}
    return None


def chance(case, share: float) -> bool:
    """True with probability `share`, and always for an operation's first cases in each phase:
    schemathesis warns about a phase in which nothing was accepted."""
    phase = case.meta.phase.name if case.meta is not None else None
    with lock:
        seen[key(case), phase] = seen.get((key(case), phase), 0) + 1
        return seen[key(case), phase] <= FIRST_CASES or rng.random() < share


# Cases seen by operation and phase.
seen: dict = {}
FIRST_CASES = 3


def valid_at(case, location: ParameterLocation) -> bool:
    """Whether the case is meant to be valid at `location`: a negative case keeps its invalid
    part as generated."""
    return case.meta is None or not case.meta.is_negative_at(location)


@schemathesis.hook
def before_call(context, case, kwargs):
    fixtures.make()
    method, path = key(case)
    headers = dict(case.headers or {})
    headers.setdefault("X-Forwarded-For", client_address())
    if valid_at(case, ParameterLocation.HEADER):
        if path == "/v1/checkout/{id}" and rng.random() < REAL_IDS:
            headers["Paywall-Checkout-Token"] = fixtures.checkout["checkout_token"]
        if path == "/v1/billing-portal" and rng.random() < REAL_IDS:
            headers["Authorization"] = f"Bearer {fixtures.payer_token}"
    case.headers = headers
    if path == "/v1/offers" and valid_at(case, ParameterLocation.QUERY) and rng.random() < REAL_IDS:
        case.query = {**(case.query or {}), "article": DEMO_ARTICLE}
    if path == "/v1/providers/{id}/callback" and valid_at(case, ParameterLocation.QUERY) and rng.random() < REAL_IDS:
        # A sign-in's real state, with a code the provider never gave: back to the page, refused.
        state = parse_qs(urlparse(provider_sign_in()["url"]).query)["state"][0]
        case.query = {**(case.query or {}), "state": state, "code": "fuzzed", "error": None}
        case.query = {name: value for name, value in case.query.items() if value is not None}
    if case.path_parameters and valid_at(case, ParameterLocation.PATH) and rng.random() < REAL_IDS:
        real = real_path_parameters(case)
        if real is not None:
            case.path_parameters = {**case.path_parameters, **{k: v for k, v in real.items() if k in case.path_parameters}}
    if path.startswith("/v1/admin/readers/{id}") and (case.path_parameters or {}).get("id") == fixtures.buyer:
        case.path_parameters = {**case.path_parameters, "id": fixtures.reader}
    if path == "/v1/admin/api-keys/{id}" and (case.path_parameters or {}).get("id") == fixtures.own_key:
        # Revoking the run's own key would leave every later case refused.
        case.path_parameters = {**case.path_parameters, "id": fixtures.api_key()}
    if valid_at(case, ParameterLocation.BODY) and chance(case, REAL_BODY_SHARE.get(key(case), REAL_CREDENTIALS)):
        body = real_body(case)
        if body is not None:
            case.body = body


@schemathesis.hook
def after_call(context, case, response):
    method, path = key(case)
    if os.environ.get("PAYWALL_ST_LOG"):
        with open(os.environ["PAYWALL_ST_LOG"], "a") as log:
            log.write(f"{method} {path} {response.status_code} {response.text[:200]!r}\n")
    if response.status_code == 401 and "reader_token" in security(case.operation):
        # Something ended this session (a sign-out everywhere, say): sign in again next time.
        sessions.forget((case.headers or {}).get("Authorization", "").removeprefix("Bearer "))
    if path.startswith("/v1/admin/") and method in ("PUT", "DELETE") and 200 <= response.status_code < 300:
        fixtures.restore(method, path)
