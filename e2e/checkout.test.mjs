// Subscribing without leaving the story, in headless Chromium against the real server and its
// demo payment provider (no Stripe keys in demo mode): an offer in the prompt, the email, the
// checkout page, back on the article signed in and unlocked without a reload of our own; then
// Manage subscription, cancelling at period end (still reading), and ending it (the prompt back);
// a signed-in reader subscribing; and the return before the provider's webhook has arrived.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  PROMPT, assertNoLockedText, dialog, launchBrowser, lockedPhrases, openContext, openDemo,
  promptOn, startServer, typePassword, wholeDom,
} from "./harness.mjs";

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.stop();
});

describe("a new reader subscribing", () => {
  it("chooses an offer, gives an email, pays, and is back on the article reading it", async () => {
    const session = await openContext(browser);
    const page = await openDemo(server, session);
    assert.match(await page.getByRole("button", { name: /Monthly/ }).textContent(), /€8\.00 \/ month/);
    assert.match(await page.getByRole("button", { name: /Yearly/ }).textContent(), /14 days free/);
    await page.getByRole("button", { name: /Monthly/ }).click();
    const subscribe = dialog(page);
    await subscribe.getByLabel("Email").fill("new-subscriber@example.com");
    await subscribe.getByRole("button", { name: "Continue to payment" }).click();

    await page.waitForURL(/\/demo\/checkout\/cs_demo_/);
    assert.ok(await page.getByText("No card, no money").isVisible(), "the demo says what it is");
    assertNoLockedText(await page.content(), "the checkout page");
    const paid = Date.now();
    await page.getByRole("button", { name: "Pay (demo)" }).click();

    await page.waitForURL(server.page);
    await page.locator(".paywall-unlocked section").nth(lockedPhrases.length - 1).waitFor();
    const back = Date.now() - paid;
    console.log(`# pay → locked sections on screen: ${back} ms`);
    assert.equal(await page.getByText(PROMPT).count(), 0);
    assert.ok(await page.getByText("new-subscriber@example.com").isVisible(), "signed in");
    assert.equal(new URL(page.url()).hash, "", "the checkout's id is off the address");

    // Manage subscription: cancel at period end, and still read; then end it, and the prompt is back.
    await page.getByRole("button", { name: "Manage subscription" }).click();
    await page.waitForURL(/\/demo\/billing\//);
    assert.ok(await page.getByText(/Renews on/).isVisible());
    await page.getByRole("button", { name: "Cancel at the end of the period" }).click();
    await page.getByText(/you keep reading until/).waitFor();
    await page.getByRole("link", { name: "Back to the article" }).click();
    await page.locator(".paywall-unlocked section").nth(lockedPhrases.length - 1).waitFor();

    await page.getByRole("button", { name: "Manage subscription" }).click();
    await page.waitForURL(/\/demo\/billing\//);
    await page.getByRole("button", { name: "End it now" }).click();
    await page.getByText("Ended.").waitFor();
    await page.getByRole("link", { name: "Back to the article" }).click();
    await page.getByText("This account has no active subscription.").waitFor();
    assertNoLockedText(await wholeDom(page), "the DOM after it ended");
    assert.deepEqual(session.errors, []);
    await session.context.close();
  });

  it("cancelling at checkout brings the reader back to the prompt as it was", async () => {
    const session = await openContext(browser);
    const page = await openDemo(server, session);
    await page.getByRole("button", { name: /Yearly/ }).click();
    await dialog(page).getByLabel("Email").fill("changed-mind@example.com");
    await dialog(page).getByRole("button", { name: "Continue to payment" }).click();
    await page.waitForURL(/\/demo\/checkout\//);
    await page.getByRole("link", { name: "Cancel and go back to the article" }).click();
    await promptOn(page).waitFor();
    assert.ok(await page.getByRole("button", { name: /Monthly/ }).isVisible());
    assertNoLockedText(await wholeDom(page), "the DOM");
    await session.context.close();
  });

  it("a reader whose email has an account is asked to sign in first, and a subscriber is not sent to pay twice", async () => {
    const session = await openContext(browser);
    const page = await openDemo(server, session);
    await page.getByRole("button", { name: /Monthly/ }).click();
    await dialog(page).getByLabel("Email").fill("subscriber@example.com");
    await dialog(page).getByRole("button", { name: "Continue to payment" }).click();
    await dialog(page).getByText("This email already has an account. Sign in first, then subscribe.").waitFor();
    assert.match(page.url(), new RegExp(`^${server.page}`), "still on the article");
    await session.context.close();
  });
});

/** Pays on the demo checkout page; back on the article with the locked sections on screen, the
 * milliseconds that took. */
async function payAndReturn(server, page) {
  await page.waitForURL(/\/demo\/checkout\/cs_demo_/);
  const paid = Date.now();
  await page.getByRole("button", { name: "Pay (demo)" }).click();
  await page.waitForURL(server.page);
  await page.locator(".paywall-unlocked section").nth(lockedPhrases.length - 1).waitFor();
  return Date.now() - paid;
}

describe("a signed-in reader without a subscription", () => {
  it("chooses an offer, goes straight to payment (no email asked), and reads on return", async () => {
    const session = await openContext(browser);
    const page = await openDemo(server, session);
    await typePassword(page, "reader@example.com", "paywall-demo");
    await page.getByText("This account has no active subscription.").waitFor();
    await page.getByRole("button", { name: /Yearly/ }).click();
    const subscribe = dialog(page);
    assert.equal(await subscribe.getByLabel("Email").count(), 0, "the account's email is used");
    await subscribe.getByRole("button", { name: "Continue to payment" }).click();
    await page.waitForURL(/\/demo\/checkout\/cs_demo_/);
    assert.ok(await page.getByText("For reader@example.com").isVisible(), "checkout for the account");
    const back = await payAndReturn(server, page);
    console.log(`# signed in, pay → locked sections on screen: ${back} ms`);
    assert.ok(await page.getByText("reader@example.com").isVisible(), "still the same account");
    assert.equal(await page.getByText(PROMPT).count(), 0);
    assert.deepEqual(session.errors, []);
    await session.context.close();
  });
});

describe("back on the article before the provider's webhook", () => {
  let late;
  const DELAY_MS = 4_000;
  before(async () => {
    late = await startServer({ PAYWALL_DEMO_EVENT_DELAY_MS: String(DELAY_MS) });
  });
  after(() => late?.stop());

  it("is signed in and reading without waiting for it, and its late arrival changes nothing", async () => {
    const session = await openContext(browser);
    const page = await openDemo(late, session);
    await page.getByRole("button", { name: /Monthly/ }).click();
    await dialog(page).getByLabel("Email").fill("early-return@example.com");
    await dialog(page).getByRole("button", { name: "Continue to payment" }).click();
    const back = await payAndReturn(late, page);
    console.log(`# pay → locked sections on screen, the webhook not yet arrived: ${back} ms`);
    assert.ok(back < DELAY_MS, `unlocked in ${back} ms, before the webhook's ${DELAY_MS} ms`);
    assert.ok(await page.getByText("early-return@example.com").isVisible(), "signed in");

    // The webhook arrives; the reader reads on, in this tab and after a reload.
    await page.waitForTimeout(DELAY_MS + 500 - back);
    await page.reload();
    await page.locator(".paywall-unlocked section").nth(lockedPhrases.length - 1).waitFor();
    assert.equal(await page.getByText(PROMPT).count(), 0);
    assert.deepEqual(session.errors, []);
    await session.context.close();
  });
});
