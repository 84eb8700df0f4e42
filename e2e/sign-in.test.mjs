// Signing in the ways readers expect, in headless Chromium against the real server: emailed
// codes and links through a real SMTP server on loopback, sign-up, abuse limits, signing out
// everywhere, the publisher's own tokens, and tabs that keep in step.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { generateKeyPair } from "jose";
import {
  PROMPT, assertNoLockedText, dialog, launchBrowser, openContext, openDemo, promptOn, publisherKey,
  signInWithPassword, startServer, waitUnlocked, wholeDom,
} from "./harness.mjs";
import { codeAndLink, startSmtpSink } from "./smtp-sink.mjs";

const ISSUER = "https://news.example";

let server;
let browser;
let smtp;
let publisher;

before(async () => {
  smtp = await startSmtpSink();
  publisher = await publisherKey(ISSUER);
  server = await startServer({
    PAYWALL_SMTP_URL: smtp.url,
    PAYWALL_PUBLISHER_KEY_FILE: publisher.file,
    PAYWALL_PUBLISHER_ISSUER: ISSUER,
    // Each browser context comes as its own client through "a proxy" on loopback; a demo
    // behind a proxy must be allowed explicitly.
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

/** Sign in →, the email, "Email me a code"; resolves with the email that arrived. */
async function askForCode(page, email) {
  const before = smtp.count(email);
  await page.getByRole("button", { name: "Sign in →" }).click();
  await dialog(page).getByLabel("Email").fill(email);
  await dialog(page).getByRole("button", { name: "Email me a code" }).click();
  await dialog(page).getByText(`We sent a 6-digit code to ${email}`).waitFor();
  return smtp.next(email, before);
}

async function enterCode(page, code) {
  await dialog(page).getByLabel("6-digit code").fill(code);
  await dialog(page).getByRole("button", { name: "Sign in", exact: true }).click();
}

async function alertText(page) {
  const alert = dialog(page).getByRole("alert");
  await alert.waitFor();
  return alert.textContent();
}

describe("email sign-in", () => {
  it("a subscriber signs in with the code from the email", async () => {
    const session = await openContext(browser);
    const page = await openDemo(server, session);
    const email = await askForCode(page, "subscriber@example.com");
    assert.match(email.subject, /^Your sign-in code for The Platform: \d{6}$/);
    const { code } = codeAndLink(email);
    await enterCode(page, code);
    await waitUnlocked(page);
    assert.deepEqual(session.errors, []);
    await session.context.close();
  });

  it("the emailed link does nothing when merely opened, and signs in once confirmed", async () => {
    const session = await openContext(browser);
    const page = await openDemo(server, session);
    const { link } = codeAndLink(await askForCode(page, "subscriber@example.com"));
    const token = new URL(link).hash.slice("#token=".length);
    assert.match(link, /\/sign-in\/confirm#token=/, "the token travels in the fragment");
    // A mail scanner opens the link, several times.
    for (let i = 0; i < 3; i++) {
      const scanned = await fetch(link);
      assert.equal(scanned.status, 200);
      assert.match(await scanned.text(), /<form method="post"/);
    }
    // The reader opens it in the browser: a confirmation page, then back to the article. No
    // request ever carries the token in its address, where logs and proxies would keep it.
    const reader = await session.context.newPage();
    const addresses = [];
    reader.on("request", (request) => {
      const { pathname, search } = new URL(request.url());
      addresses.push(pathname + search);
    });
    await reader.goto(link);
    await reader.getByRole("button", { name: "Sign in and continue reading" }).click();
    await reader.waitForURL(server.page);
    await waitUnlocked(reader);
    assert.ok(!reader.url().includes("paywall-link"), "the token is taken out of the address bar");
    assert.ok(addresses.length > 3 && addresses.every((address) => !address.includes(token)), String(addresses));
    // Spent: confirming it again says so.
    const again = await session.context.newPage();
    await again.goto(link);
    await again.getByRole("button", { name: "Sign in and continue reading" }).click();
    await again.getByText("This link no longer works").waitFor();
    await session.context.close();
  });

  it("a wrong code says how many tries are left, and the fifth voids the code", async () => {
    const session = await openContext(browser);
    const page = await openDemo(server, session);
    const { code } = codeAndLink(await askForCode(page, "reader@example.com"));
    const wrong = code === "000000" ? "111111" : "000000";
    for (const left of [4, 3, 2, 1]) {
      await enterCode(page, wrong);
      await dialog(page).getByRole("alert").filter({ hasText: `${left} ${left === 1 ? "try" : "tries"} left` }).waitFor();
      assert.equal(await dialog(page).getByLabel("6-digit code").inputValue(), wrong, "the typed code is kept");
    }
    await enterCode(page, wrong);
    await dialog(page).getByRole("alert").filter({ hasText: "Too many wrong tries" }).waitFor();
    await enterCode(page, code);
    await dialog(page).getByRole("alert").filter({ hasText: "Too many wrong tries" }).waitFor();
    assertNoLockedText(await wholeDom(page));
    await session.context.close();
  });

  it("a code works once", async () => {
    const session = await openContext(browser);
    const page = await openDemo(server, session);
    const { code } = codeAndLink(await askForCode(page, "subscriber@example.com"));
    await enterCode(page, code);
    await waitUnlocked(page);
    const reused = await fetch(`${server.url}/v1/sessions/code`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "subscriber@example.com", code }),
    });
    assert.equal(reused.status, 401);
    assert.equal((await reused.json()).reason, "code_expired");
    await session.context.close();
  });

  it("a new reader signs up with a code and is told the account has no subscription", async () => {
    const session = await openContext(browser);
    const page = await openDemo(server, session);
    const { code } = codeAndLink(await askForCode(page, "first.timer@example.com"));
    await enterCode(page, code);
    await page.getByText("This account has no active subscription.").waitFor();
    assert.ok(await page.getByText("first.timer@example.com").isVisible());
    assertNoLockedText(await wholeDom(page));
    await session.context.close();
  });

  it("asking for codes too often is refused with how long to wait", async () => {
    const session = await openContext(browser);
    const page = await openDemo(server, session);
    const email = "eager@example.com";
    await askForCode(page, email);
    for (let i = 0; i < 2; i++) {
      await dialog(page).getByRole("button", { name: "Send a new code" }).click();
      await smtp.next(email, i + 1);
    }
    await dialog(page).getByRole("button", { name: "Send a new code" }).click();
    assert.match(await alertText(page), /Too many tries\. Try again in \d+ (seconds|minutes)\./);
    await session.context.close();
  });

  it("an invalid email is refused with a clear message and the email kept", async () => {
    const session = await openContext(browser);
    const page = await openDemo(server, session);
    await page.getByRole("button", { name: "Sign in →" }).click();
    await dialog(page).getByLabel("Email").fill("name@localhost");
    await dialog(page).getByRole("button", { name: "Email me a code" }).click();
    assert.match(await alertText(page), /Enter an email address like name@example\.com\./);
    assert.equal(await dialog(page).getByLabel("Email").inputValue(), "name@localhost");
    await session.context.close();
  });
});

describe("sessions", () => {
  it("signing out everywhere ends the reader's session on another device", async () => {
    const phone = await openContext(browser);
    const laptop = await openContext(browser);
    const phonePage = await openDemo(server, phone);
    const laptopPage = await openDemo(server, laptop);
    await signInWithPassword(phonePage);
    await signInWithPassword(laptopPage);

    await phonePage.getByRole("button", { name: "Sign out on all devices" }).click();
    await promptOn(phonePage).waitFor();
    await laptopPage.reload();
    await promptOn(laptopPage).waitFor();
    assertNoLockedText(await wholeDom(laptopPage));
    await phone.context.close();
    await laptop.context.close();
  });

  it("two tabs keep in step: signing in or out in one changes the other without a reload", async () => {
    const session = await openContext(browser);
    const first = await openDemo(server, session);
    const second = await openDemo(server, session);
    await signInWithPassword(first);
    await waitUnlocked(second);
    assert.deepEqual(await second.evaluate(() => window.paywallEvents.filter((e) => e === "signed-in")), ["signed-in"]);

    await second.getByRole("button", { name: "Sign out", exact: true }).click();
    await promptOn(first).waitFor();
    assert.equal(await first.locator(".paywall-unlocked section").count(), 0);
    assert.deepEqual(session.errors, []);
    await session.context.close();
  });
});

describe("many tabs", () => {
  it("six tabs follow one sign-in, each spending the refresh token the one before stored, and none is signed out", async () => {
    // The tabs refresh one at a time (a Web Lock): without it, a tab's request could reach
    // the server after the token it carries was replaced twice, which the server takes for a
    // stolen copy, ending the session for every tab.
    const session = await openContext(browser);
    // Refreshes reach the server late and out of order, as on a slow network.
    const delays = [700, 0, 350, 0, 500, 100, 0, 250];
    let refreshes = 0;
    await session.context.route("**/v1/sessions/refresh", async (route) => {
      await new Promise((resolve) => setTimeout(resolve, delays[refreshes++ % delays.length]));
      await route.continue();
    });
    const tabs = [];
    for (let n = 0; n < 6; n += 1) tabs.push(await openDemo(server, session));
    await signInWithPassword(tabs[0]);
    for (const tab of tabs) await waitUnlocked(tab);
    // Had a tab given up on a token another had just spent, it would have signed every tab out.
    await tabs[0].waitForTimeout(1500);
    for (const tab of tabs) {
      assert.deepEqual(await tab.evaluate(() => window.paywallEvents.filter((e) => e === "signed-out")), []);
      assert.equal(await tab.getByText(PROMPT).count(), 0);
    }
    assert.deepEqual(session.errors, []);
    await session.context.close();
  });
});

describe("the publisher's own accounts", () => {
  it("a token the publisher signed unlocks the article through window.Paywall.setToken", async () => {
    const session = await openContext(browser);
    const page = await openDemo(server, session);
    const token = await publisher.sign();
    await page.evaluate((token) => window.Paywall.setToken(token), token);
    await waitUnlocked(page);
    assert.ok(await page.getByText("member@news.example").isVisible());
    await session.context.close();
  });

  it("tokens with the wrong issuer, audience, key or expiry, or alg none, are refused and unlock nothing", async () => {
    const session = await openContext(browser);
    const page = await openDemo(server, session);
    const stranger = await generateKeyPair("ES256");
    const encode = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const now = Math.floor(Date.now() / 1000);
    const bad = {
      "wrong issuer": await publisher.sign({ iss: "https://evil.example", claims: { email: "x1@news.example" } }),
      "wrong audience": await publisher.sign({ aud: "elsewhere", claims: { email: "x2@news.example" } }),
      "another key": await publisher.sign({ key: stranger.privateKey, claims: { email: "x3@news.example" } }),
      expired: await publisher.sign({ expires: now - 600, claims: { email: "x4@news.example" } }),
      "alg none": `${encode({ alg: "none", typ: "JWT" })}.${encode({ iss: ISSUER, aud: "paywall", email: "x5@news.example", tier: "premium", exp: now + 300 })}.`,
    };
    for (const [why, token] of Object.entries(bad)) {
      const refused = await page.evaluate((token) => window.Paywall.setToken(token).then(() => "accepted", (e) => String(e)), token);
      assert.notEqual(refused, "accepted", why);
      const direct = await fetch(`${server.url}/v1/sessions/publisher`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ token }),
      });
      assert.equal(direct.status, 401, why);
    }
    assert.ok(await promptOn(page).isVisible());
    assertNoLockedText(await wholeDom(page));
    await session.context.close();
  });
});
