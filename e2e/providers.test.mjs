// Sign-in with an OpenID Connect provider: a real one (oidc-provider, see oidc-idp.mjs) on
// loopback, driven in headless Chromium from the publisher's page (http://localhost:PORT)
// through the paywall server's callback (http://127.0.0.1:PORT). Signed in and unlocked in
// every tab; a refused consent, a wrong or spent `state`, a replayed code, an unverified email
// matching a reader (409, nothing written) and a provider that is down each end with a clear
// message and change nothing. axe-core finds nothing on the new dialog states.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { axe, dialog, launchBrowser, openContext, openDemo, startServer, waitUnlocked } from "./harness.mjs";
import { startIdp } from "./oidc-idp.mjs";

let server;
let browser;
let idp;

/** A port nobody listens on yet. */
function freePort() {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

before(async () => {
  const port = await freePort();
  const file = join(mkdtempSync(join(tmpdir(), "paywall-oidc-")), "providers.json");
  const secret = "a secret: with & odd + characters/";
  writeFileSync(file, JSON.stringify([
    { id: "test-idp", name: "Test IdP", issuer: `http://127.0.0.1:${port}`, client_id: "paywall", client_secret: secret },
  ]));
  server = await startServer({
    PAYWALL_OIDC_PROVIDERS_FILE: file,
    PAYWALL_TRUSTED_PROXIES: "127.0.0.1",
    PAYWALL_DEMO_PUBLIC: "true",
  });
  idp = await startIdp({
    port,
    clients: [{ client_id: "paywall", client_secret: secret, redirect_uris: [`${server.url}/v1/providers/test-idp/callback`] }],
  });
  idp.users.set("subscriber", { sub: "sub-1", email: "subscriber@example.com", email_verified: true, name: "Sub" });
  idp.users.set("stranger", { sub: "sub-2", email: "reader@example.com", email_verified: false, name: "Not verified" });
  idp.users.set("newcomer", { sub: "sub-3", email: "newcomer@example.com", email_verified: true, name: "New" });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.stop();
  await idp?.close();
});

/** The readers the server has, by email. */
async function readers() {
  const page = await (await server.admin("GET", "/v1/admin/readers?limit=500")).json();
  return page.readers.map((reader) => reader.email).sort();
}

/** Continue with Test IdP, sign in there as `login`, and answer the consent. */
async function signInAtProvider(page, login, decision = "Allow") {
  await page.getByRole("button", { name: "Sign in →" }).click();
  await dialog(page).getByRole("button", { name: "Continue with Test IdP" }).click();
  await page.getByLabel("Login").fill(login);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: decision }).click();
  await page.waitForURL((url) => url.origin === new URL(server.page).origin);
}

/** The callback address the provider sends `page` back to, once it has. */
function callbackOf(page) {
  return new Promise((resolve) => {
    page.on("request", (request) => {
      if (request.url().includes("/v1/providers/test-idp/callback")) resolve(request.url());
    });
  });
}

/** Starts a sign-in as the widget does; what the server answers (`url`, `binding`). */
async function startSignIn(returnTo = server.page) {
  const response = await fetch(`${server.url}/v1/providers/test-idp/sign-ins`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ return_to: returnTo }),
  });
  assert.equal(response.status, 201);
  return response.json();
}

/** Takes a finished sign-in's token as the widget does, with a binding. */
function takeSignIn(token, binding) {
  return fetch(`${server.url}/v1/sessions/provider`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token, binding }),
  });
}

describe("OpenID Connect providers", () => {
  it("sign the reader in, back on the article, unlocked in every tab", async () => {
    const session = await openContext(browser);
    const other = await openDemo(server, session);
    const page = await openDemo(server, session);
    await page.getByRole("button", { name: "Sign in →" }).click();
    await dialog(page).getByRole("button", { name: "Continue with Test IdP" }).waitFor();
    await axe(page, "the email step with a provider", { settle: 300 });
    await dialog(page).getByRole("button", { name: "Close" }).click();
    const callback = callbackOf(page);
    await signInAtProvider(page, "subscriber");
    await waitUnlocked(page);
    assert.ok(!page.url().includes("#paywall-provider="), "the token is taken out of the address");
    await waitUnlocked(other);
    assert.ok((await callback).includes("code="), "the provider came back through the callback");
    await session.context.close();
  });

  it("refuse a spent state and a replayed code, writing nothing", async () => {
    const session = await openContext(browser);
    const page = await openDemo(server, session);
    const captured = callbackOf(page);
    await signInAtProvider(page, "subscriber");
    const callback = await captured;
    await session.context.close();
    const before = await readers();
    // The callback again, as it was: its sign-in is spent.
    let answer = await fetch(callback, { redirect: "manual" });
    assert.equal(answer.status, 400);
    assert.match(await answer.text(), /This sign-in has expired/);
    // A state nobody made.
    const forged = new URL(callback);
    forged.searchParams.set("state", "made-up");
    answer = await fetch(forged, { redirect: "manual" });
    assert.equal(answer.status, 400);
    // The old code with a new sign-in's state: the provider refuses it, and so does the server.
    const started = await startSignIn();
    const replay = new URL(callback);
    replay.searchParams.set("state", new URL(started.url).searchParams.get("state"));
    answer = await fetch(replay, { redirect: "manual" });
    assert.equal(answer.status, 303);
    assert.equal(answer.headers.get("referrer-policy"), "no-referrer");
    const token = new URL(answer.headers.get("location")).hash.replace("#paywall-provider=", "");
    const refused = await takeSignIn(token, started.binding);
    assert.equal(refused.status, 401);
    const problem = await refused.json();
    assert.equal(problem.reason, "provider_refused");
    assert.match(problem.detail, /Test IdP did not accept this sign-in/);
    assert.deepEqual(await readers(), before);
  });

  it("sign nobody into an account someone else's sign-in ended in (login CSRF)", async () => {
    // The attacker finishes a sign-in of their own, and sends the article's address with its
    // token to a reader, whose tab never started it.
    const attacker = await openContext(browser);
    const theirs = await attacker.context.newPage();
    // A page of the site without the widget, so that the token stays in its address.
    const quiet = server.site.serve("/quiet.html", "<!doctype html><title>Quiet</title><p>Nothing here.</p>");
    const started = await startSignIn(quiet);
    await theirs.goto(started.url);
    await theirs.getByLabel("Login").fill("newcomer");
    await theirs.getByRole("button", { name: "Sign in" }).click();
    await theirs.getByRole("button", { name: "Allow" }).click();
    await theirs.waitForURL((url) => url.pathname === "/quiet.html");
    const token = new URL(theirs.url()).hash;
    assert.match(token, /^#paywall-provider=/);
    const link = `${server.page}${token}`;
    await attacker.context.close();

    const victim = await openContext(browser);
    const page = await victim.context.newPage();
    await page.goto(link);
    await dialog(page).getByRole("alert").getByText("The sign-in was not completed.").waitFor();
    assert.equal(await page.getByRole("button", { name: "Sign out", exact: true }).count(), 0);
    await victim.context.close();
  });

  it("say so when the reader refuses consent", async () => {
    const session = await openContext(browser);
    const page = await openDemo(server, session);
    await signInAtProvider(page, "newcomer", "Deny");
    await dialog(page).getByRole("alert").getByText("The sign-in was not completed.").waitFor();
    await axe(page, "a refused provider sign-in", { settle: 300 });
    assert.equal(await page.getByRole("button", { name: "Sign out", exact: true }).count(), 0);
    await session.context.close();
  });

  it("join no account by an email the provider did not verify (409, nothing written)", async () => {
    const before = await readers();
    assert.ok(before.includes("reader@example.com"), "the demo reader exists");
    const session = await openContext(browser);
    const page = await openDemo(server, session);
    await signInAtProvider(page, "stranger");
    await dialog(page).getByRole("alert").getByText("The service did not confirm your email address").waitFor();
    assert.equal(await page.getByRole("button", { name: "Sign out", exact: true }).count(), 0);
    assert.deepEqual(await readers(), before);
    await session.context.close();
  });

  it("are offered in Spanish", async () => {
    const session = await openContext(browser);
    const page = await openDemo(server, session, {
      edit: (html) => html.replace('<html lang="en">', '<html lang="es">'),
    });
    await page.getByRole("button", { name: "Iniciar sesión →" }).click();
    await dialog(page).getByRole("button", { name: "Continuar con Test IdP" }).waitFor();
    await axe(page, "the email step with a provider, in Spanish", { settle: 300 });
    await session.context.close();
  });

  it("say so when the provider is down, and work again once it is back", async () => {
    const session = await openContext(browser);
    const page = await openDemo(server, session, {
      edit: (html) => html.replace('<html lang="en">', '<html lang="de">'),
    });
    await idp.stop();
    try {
      await page.getByRole("button", { name: "Anmelden →" }).click();
      await dialog(page).getByRole("button", { name: "Weiter mit Test IdP" }).click();
      await dialog(page).getByRole("alert").getByText("Dieser Anmeldedienst antwortet nicht.").waitFor();
      await axe(page, "a provider that is down, in German", { settle: 300 });
    } finally {
      await idp.start();
    }
    await dialog(page).getByRole("button", { name: "Weiter mit Test IdP" }).click();
    await page.getByLabel("Login").fill("newcomer");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("button", { name: "Allow" }).click();
    await page.waitForURL((url) => url.origin === new URL(server.page).origin);
    await page.getByRole("button", { name: "Abmelden", exact: true }).waitFor();
    assert.ok((await readers()).includes("newcomer@example.com"));
    await session.context.close();
  });
});
