// The demo page against the real paywall server, in headless Chromium: what an anonymous
// reader, a subscriber and a reader without a subscription each see.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  LOCKED_TITLES, PROMPT, assertNoLockedText, launchBrowser, lockedPhrases, openContext, openDemo,
  promptOn, screenshots, startServer, typePassword, unlockedTitles, wholeDom,
} from "./harness.mjs";

let server;
let browser;

before(async () => {
  mkdirSync(screenshots, { recursive: true });
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.stop();
});

describe("an anonymous reader", () => {
  it("sees the free section and the prompt, and no locked text reaches the browser", async () => {
    const session = await openContext(browser, { recordBodies: true });
    const page = await openDemo(server, session);
    await promptOn(page).waitFor();

    assert.ok(await page.locator("article h2", { hasText: "The story" }).isVisible());
    assert.ok(await page.getByText("At a quarter to ten on a Tuesday evening").isVisible());
    await page.getByText("Including Our Take, Tailwinds & headwinds, Connections and What should you do.").waitFor();
    assert.ok(await page.getByRole("button", { name: /Monthly/ }).isVisible());
    assert.ok(await page.getByRole("button", { name: /Yearly/ }).isVisible());
    assert.ok(await page.getByText("Already subscribed?").isVisible());

    assertNoLockedText(await wholeDom(page), "the DOM");
    const bodies = await session.bodies();
    assert.ok(bodies.some((b) => b.url.includes("/v1/articles/")), "the widget asked the API");
    for (const { url, body } of bodies) assertNoLockedText(body, url);
    assert.deepEqual(session.errors, []);
    await page.screenshot({ path: join(screenshots, "locked.png"), fullPage: true });
    await session.context.close();
  });
});

describe("a reader who types the wrong password", () => {
  it("gets an error in the dialog, keeps the email, and stays locked", async () => {
    const session = await openContext(browser);
    const page = await openDemo(server, session);
    const dialog = await typePassword(page, "subscriber@example.com", "not-the-password");
    await dialog.getByRole("alert").filter({ hasText: "don't match" }).waitFor();
    assert.equal(await dialog.getByLabel("Email").inputValue(), "subscriber@example.com");
    assert.equal(await page.locator(".paywall-unlocked section").count(), 0);
    assertNoLockedText(await wholeDom(page), "the DOM");
    assert.deepEqual(session.errors, []);
    await session.context.close();
  });
});

describe("a subscriber", () => {
  let session;
  let page;

  before(async () => {
    session = await openContext(browser);
    page = await openDemo(server, session);
  });
  after(() => session.context.close());

  it("signs in and sees the four locked sections, in order, in place of the prompt", async () => {
    await typePassword(page, "subscriber@example.com", "paywall-demo");
    await page.locator(".paywall-unlocked section").nth(3).waitFor();
    assert.deepEqual(await unlockedTitles(page), LOCKED_TITLES);
    const dom = await wholeDom(page);
    for (const phrase of lockedPhrases) assert.ok(dom.includes(phrase), `"${phrase}" is shown`);
    assert.equal(await page.getByText(PROMPT).count(), 0);
    assert.equal(await page.getByRole("dialog").count(), 0);
    // The sections follow the free section inside the publisher's article.
    const order = await page.evaluate(() => [...document.querySelector("article").children].map((e) => e.tagName + "." + e.className));
    assert.deepEqual(order.slice(-2), ["DIV.paywall-widget", "DIV.paywall-unlocked"]);
    assert.deepEqual(order.slice(0, 1), ["H2."]);
    await page.screenshot({ path: join(screenshots, "unlocked.png"), fullPage: true });
  });

  it("reloads and is still signed in, with no prompt shown on the way", async () => {
    await page.reload();
    await page.locator(".paywall-unlocked section").nth(3).waitFor();
    assert.deepEqual(await unlockedTitles(page), LOCKED_TITLES);
    const events = await page.evaluate(() => window.paywallEvents);
    assert.ok(events.includes("unlocked"), String(events));
    assert.ok(!events.includes("locked"), `the prompt was shown: ${events}`);
  });

  it("signs out: the prompt returns and the server refuses the old refresh token", async () => {
    const refreshToken = await page.evaluate(() => {
      const key = Object.keys(localStorage).find((k) => k.startsWith("paywall:refresh:"));
      return localStorage.getItem(key);
    });
    assert.ok(refreshToken, "a refresh token was stored");
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await promptOn(page).waitFor();
    assert.equal(await page.locator(".paywall-unlocked section").count(), 0);
    assertNoLockedText(await wholeDom(page), "the DOM after sign-out");
    assert.equal(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("paywall:")).length), 0);

    const refused = await fetch(`${server.url}/v1/sessions/refresh`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ refresh_token: refreshToken }),
    });
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get("content-type"), "application/problem+json");

    await page.reload();
    await promptOn(page).waitFor();
    assert.deepEqual(session.errors, []);
  });
});

describe("a reader without a subscription", () => {
  it("is told the account has no active subscription, offered Subscribe, and sees no locked text", async () => {
    const session = await openContext(browser, { recordBodies: true });
    const page = await openDemo(server, session);
    await typePassword(page, "reader@example.com", "paywall-demo");
    await page.getByText("This account has no active subscription.").waitFor();
    assert.ok(await page.getByText("reader@example.com").isVisible());
    assert.ok(await page.getByRole("button", { name: /Monthly/ }).isVisible());
    assert.ok(await page.getByRole("button", { name: /Yearly/ }).isVisible());
    assert.equal(await page.locator(".paywall-unlocked section").count(), 0);
    assertNoLockedText(await wholeDom(page), "the DOM");
    const bodies = await session.bodies();
    assert.ok(bodies.some((b) => b.url.endsWith("/locked")), "the widget asked for the locked sections");
    for (const { url, body } of bodies) assertNoLockedText(body, url);
    await session.context.close();
  });
});
