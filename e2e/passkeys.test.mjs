// Passkeys, in headless Chromium with a virtual authenticator (the DevTools protocol's
// WebAuthn domain), on the publisher's page (http://localhost:PORT, the relying party
// "localhost") against the paywall server on another origin: offered after an emailed code,
// added, used from the email field's autofill and from the button, listed and removed (a
// removed one refused), a cloned authenticator's replayed counter refused, a page on another
// site refused; axe-core finds nothing on each new state, in English and French.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { axe, dialog, launchBrowser, openContext, openDemo, startServer, waitUnlocked } from "./harness.mjs";
import { codeAndLink, startSmtpSink } from "./smtp-sink.mjs";

let server;
let browser;
let smtp;

before(async () => {
  smtp = await startSmtpSink();
  server = await startServer({
    PAYWALL_SMTP_URL: smtp.url,
    PAYWALL_PASSKEY_RP_ID: "localhost",
    PAYWALL_TRUSTED_PROXIES: "127.0.0.1",
    PAYWALL_DEMO_PUBLIC: "true",
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.stop();
  await smtp?.close();
});

/**
 * A new device: a tab with a platform authenticator that keeps passkeys and verifies the user
 * (the DevTools protocol gives each tab its own), on the demo article (in `lang`).
 */
async function device({ autofill = true, lang } = {}) {
  const session = await openContext(browser);
  if (!autofill) {
    // A browser that cannot offer passkeys in autofill: only the button signs in.
    await session.context.addInitScript(() => {
      PublicKeyCredential.isConditionalMediationAvailable = async () => false;
    });
  }
  const edit = lang && ((html) => html.replace('<html lang="en">', `<html lang="${lang}">`));
  const page = await openDemo(server, session, { edit, wait: false });
  const cdp = await session.context.newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true,
      isUserVerified: true, automaticPresenceSimulation: true,
    },
  });
  await page.reload();
  await page.locator(".paywall-widget .prompt, .paywall-widget .failed").first().waitFor();
  return { session, page, cdp, authenticatorId };
}

/** Signs the demo subscriber in with an emailed code. */
async function signInWithCode(page, email = "subscriber@example.com") {
  const seen = smtp.count(email);
  await page.getByRole("button", { name: "Sign in →" }).click();
  await dialog(page).getByLabel("Email").fill(email);
  await dialog(page).getByRole("button", { name: "Email me a code" }).click();
  const { code } = codeAndLink(await smtp.next(email, seen));
  await dialog(page).getByLabel("6-digit code").fill(code);
  await dialog(page).getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByRole("button", { name: "Sign out", exact: true }).waitFor();
}

async function signOut(page) {
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await page.getByRole("button", { name: "Sign in →" }).waitFor();
}

async function credentials(cdp, authenticatorId) {
  return (await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials;
}

describe("passkeys", () => {
  let phone;

  it("are offered once after an emailed code, added, and listed", async () => {
    phone = await device();
    const { page } = phone;
    await signInWithCode(page);
    await waitUnlocked(page);
    const offer = page.locator("[part=passkey-offer]");
    await offer.getByText("Sign in faster next time with a passkey.").waitFor();
    await axe(page, "the passkey offer", { settle: 300 });
    await offer.getByRole("button", { name: "Add a passkey" }).click();
    const list = page.getByRole("dialog", { name: "Your passkeys" });
    await list.getByRole("listitem").first().waitFor();
    assert.equal(await list.getByRole("listitem").count(), 1);
    assert.match(await list.getByRole("listitem").first().textContent(), /Added /);
    await axe(page, "the reader's passkeys", { settle: 300 });
    assert.equal((await credentials(phone.cdp, phone.authenticatorId)).length, 1, "the authenticator keeps one passkey");
    await page.getByRole("status").getByText("Passkey added.").waitFor();
    // Answered, the offer is not made again in this browser. (The reader lets the autofill's
    // request wait, and signs in with a code again.)
    await list.getByRole("button", { name: "Close" }).click();
    await signOut(page);
    const presence = { authenticatorId: phone.authenticatorId };
    await phone.cdp.send("WebAuthn.setAutomaticPresenceSimulation", { ...presence, enabled: false });
    await signInWithCode(page);
    await phone.cdp.send("WebAuthn.setAutomaticPresenceSimulation", { ...presence, enabled: true });
    await page.getByRole("button", { name: "Passkeys" }).waitFor();
    assert.equal(await page.locator("[part=passkey-offer]").count(), 0, "the offer is made once");
    await signOut(page);
  });

  it("sign in from the email field's autofill, with nothing typed", async () => {
    const { page } = phone;
    await page.reload();
    // While the reader has not picked anything, the autofill's request waits.
    const presence = { authenticatorId: phone.authenticatorId };
    await phone.cdp.send("WebAuthn.setAutomaticPresenceSimulation", { ...presence, enabled: false });
    await page.getByRole("button", { name: "Sign in →" }).click();
    await dialog(page).locator('input[autocomplete="username webauthn"]').waitFor();
    await axe(page, "the email step with passkeys", { settle: 300 });
    await dialog(page).getByRole("button", { name: "Close" }).click();
    // The virtual authenticator answers the autofill's request as a reader picking the passkey
    // from the field's suggestions would: nothing is typed.
    await phone.cdp.send("WebAuthn.setAutomaticPresenceSimulation", { ...presence, enabled: true });
    await page.getByRole("button", { name: "Sign in →" }).click();
    await waitUnlocked(page);
    assert.ok(await page.getByText("subscriber@example.com").isVisible());
    await signOut(page);
  });

  it("sign in with the button, and a removed one is refused", async () => {
    // Another browser on the same device: no autofill, only the button.
    const laptop = await device({ autofill: false });
    const [passkey] = await credentials(phone.cdp, phone.authenticatorId);
    await laptop.cdp.send("WebAuthn.addCredential", { authenticatorId: laptop.authenticatorId, credential: passkey });
    // The phone's copy is not used again, so its counter stays behind the laptop's.
    const { page } = laptop;
    await page.getByRole("button", { name: "Sign in →" }).click();
    await dialog(page).getByRole("button", { name: "Sign in with a passkey" }).click();
    await waitUnlocked(page);
    // Removed from the account, the passkey signs nobody in.
    await page.getByRole("button", { name: "Passkeys" }).click();
    const list = page.getByRole("dialog", { name: "Your passkeys" });
    await list.getByRole("button", { name: /^Remove/ }).click();
    await list.getByText("You have no passkeys yet.").waitFor();
    await list.getByRole("button", { name: "Close" }).click();
    await signOut(page);
    await page.getByRole("button", { name: "Sign in →" }).click();
    await dialog(page).getByRole("button", { name: "Sign in with a passkey" }).click();
    await dialog(page).getByRole("alert").getByText("This passkey was not accepted").waitFor();
    await axe(page, "a refused passkey", { settle: 300 });
    await laptop.session.context.close();
  });

  it("refuse a cloned authenticator's replayed counter", async () => {
    const tablet = await device({ autofill: false });
    let { page } = tablet;
    await signInWithCode(page, "clone@example.com");
    await page.getByRole("button", { name: "Add a passkey" }).click();
    await page.getByRole("dialog", { name: "Your passkeys" }).getByRole("listitem").waitFor();
    const [original] = await credentials(tablet.cdp, tablet.authenticatorId);
    await page.getByRole("dialog").getByRole("button", { name: "Close" }).click();
    await signOut(page);
    // The real one signs in: the server now holds its counter.
    await page.getByRole("button", { name: "Sign in →" }).click();
    await dialog(page).getByRole("button", { name: "Sign in with a passkey" }).click();
    await page.getByRole("button", { name: "Sign out", exact: true }).waitFor();
    const [used] = await credentials(tablet.cdp, tablet.authenticatorId);
    assert.ok(used.signCount > original.signCount, `the counter moves on (${original.signCount} → ${used.signCount})`);
    await signOut(page);
    // A copy taken before that sign-in answers with a counter the server has seen.
    const clone = await device({ autofill: false });
    await clone.cdp.send("WebAuthn.addCredential", { authenticatorId: clone.authenticatorId, credential: original });
    ({ page } = clone);
    await page.getByRole("button", { name: "Sign in →" }).click();
    await dialog(page).getByRole("button", { name: "Sign in with a passkey" }).click();
    await dialog(page).getByRole("alert").getByText("This passkey was not accepted").waitFor();
    assert.equal(await page.getByRole("button", { name: "Sign out", exact: true }).count(), 0);
    await tablet.session.context.close();
    await clone.session.context.close();
  });

  it("are refused to a page on another site, which says which site they are for", async () => {
    const other = await device();
    // The paywall server's own page is on 127.0.0.1, not on the site "localhost".
    const { page } = other;
    await page.goto(`${server.url}/`);
    await page.getByRole("button", { name: "Sign in →" }).click();
    await dialog(page).getByLabel("Email").waitFor();
    assert.equal(await dialog(page).getByRole("button", { name: "Sign in with a passkey" }).count(), 0);
    assert.equal(await dialog(page).getByLabel("Email").getAttribute("autocomplete"), "email");
    const answer = await page.evaluate(async (api) => {
      const response = await fetch(`${api}/v1/passkeys/challenges`, { method: "POST" });
      return { status: response.status, body: await response.json() };
    }, server.url);
    assert.equal(answer.status, 403);
    assert.equal(answer.body.reason, "passkey_wrong_site");
    assert.match(answer.body.detail, /^Passkeys here are for localhost; this page is on http:\/\/127\.0\.0\.1:\d+\.$/);
    await other.session.context.close();
  });

  it("are offered in French", async () => {
    const session = await device({ lang: "fr" });
    const { page } = session;
    await page.getByRole("button", { name: "Se connecter →" }).click();
    await dialog(page).getByRole("button", { name: "Se connecter avec une clé d’accès" }).waitFor();
    await axe(page, "the email step in French", { settle: 300 });
    await session.session.context.close();
  });
});
