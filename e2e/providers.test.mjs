// Sign-in with an OpenID Connect provider: a real one (oidc-provider, see oidc-idp.mjs) on
// loopback, driven in headless Chromium from the publisher's page (http://localhost:PORT)
// through the paywall server's callback (http://127.0.0.1:PORT). Signed in and unlocked in
// every tab; a refused consent, a wrong or spent `state`, a replayed code, an unverified email
// matching a reader (409, nothing written) and a provider that is down each end with a clear
// message and change nothing. axe-core finds nothing on the new dialog states.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { dialog, launchBrowser, openContext, openDemo, startServer, waitUnlocked } from "./harness.mjs";
import { startIdp } from "./oidc-idp.mjs";

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

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

async function axe(page, what) {
  await page.waitForTimeout(300);
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(AXE);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  const summary = result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
  assert.deepEqual(summary, [], `axe-core violations on ${what}`);
}

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

describe("OpenID Connect providers", () => {
  let callback;

  it("sign the reader in, back on the article, unlocked in every tab", async () => {
    const session = await openContext(browser);
    const other = await openDemo(server, session);
    const page = await openDemo(server, session);
    await page.getByRole("button", { name: "Sign in →" }).click();
    await dialog(page).getByRole("button", { name: "Continue with Test IdP" }).waitFor();
    await axe(page, "the email step with a provider");
    await dialog(page).getByRole("button", { name: "Close" }).click();
    page.on("request", (request) => {
      if (request.url().includes("/v1/providers/test-idp/callback")) callback = request.url();
    });
    await signInAtProvider(page, "subscriber");
    await waitUnlocked(page);
    assert.ok(!page.url().includes("#paywall-provider="), "the token is taken out of the address");
    await waitUnlocked(other);
    assert.ok(callback?.includes("code="), "the provider came back through the callback");
    await session.context.close();
  });

  it("refuse a spent state and a replayed code, writing nothing", async () => {
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
    const started = await fetch(`${server.url}/v1/providers/test-idp/sign-ins`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ return_to: server.page }),
    }).then((response) => response.json());
    const replay = new URL(callback);
    replay.searchParams.set("state", new URL(started.url).searchParams.get("state"));
    answer = await fetch(replay, { redirect: "manual" });
    assert.equal(answer.status, 303);
    const token = new URL(answer.headers.get("location")).hash.replace("#paywall-provider=", "");
    const refused = await fetch(`${server.url}/v1/sessions/provider`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token }),
    });
    assert.equal(refused.status, 401);
    assert.equal((await refused.json()).reason, "provider_refused");
    assert.deepEqual(await readers(), before);
  });

  it("say so when the reader refuses consent", async () => {
    const session = await openContext(browser);
    const page = await openDemo(server, session);
    await signInAtProvider(page, "newcomer", "Deny");
    await dialog(page).getByRole("alert").getByText("The sign-in was not completed.").waitFor();
    await axe(page, "a refused provider sign-in");
    assert.equal(await page.getByRole("button", { name: "Sign out", exact: true }).count(), 0);
    await session.context.close();
  });

  it("join no account by an email the provider did not verify (409, nothing written)", async () => {
    const before = await readers();
    assert.ok(before.includes("reader@example.com"), "the demo reader exists");
    const session = await openContext(browser);
    const page = await openDemo(server, session);
    await signInAtProvider(page, "stranger");
    await dialog(page).getByRole("alert").getByText("the service did not confirm the address").waitFor();
    assert.equal(await page.getByRole("button", { name: "Sign out", exact: true }).count(), 0);
    assert.deepEqual(await readers(), before);
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
      await axe(page, "a provider that is down, in German");
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
