// A publisher's whole path, from the README alone, in headless Chromium against the real
// server: an API key from the command line, an article file imported, the script tag pasted on
// the publisher's own page, the prompt naming that article's locked sections; then a reader who
// signs up is given a subscription through the admin API and reads the article.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { assertNoLockedText, dialog, launchBrowser, openContext, startServer, wholeDom } from "./harness.mjs";
import { codeAndLink, startSmtpSink } from "./smtp-sink.mjs";

const ARTICLE_ID = "harbour-ferries-2027";
const ARTICLE = `---
id: ${ARTICLE_ID}
title: The harbour ferries' new timetable
tier: premium
---
# The harbour ferries' new timetable

From March the crossings run every twelve minutes at the morning peak.

<!-- paywall -->

## Who loses a sailing

The last boat from the east pier moves forty minutes earlier, which strands the late shift at the fish market.

## What the fares will do

Season tickets hold their price for a year; single fares rise by a fifth once the new boats arrive.
`;
const LOCKED_SENTENCE = "which strands the late shift at the fish market";
/** The publisher's article page on their own site, with the tag as the README gives it. */
const articleHtml = (paywall) => `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>The harbour ferries' new timetable</title></head>
<body>
  <article data-paywall="${ARTICLE_ID}">
    <h1>The harbour ferries' new timetable</h1>
    <p>From March the crossings run every twelve minutes at the morning peak.</p>
  </article>
  <script src="${paywall}/paywall.js" data-paywall-api="${paywall}" async></script>
</body>
</html>`;
const READER = "ferry-reader@example.com";

let server;
let browser;
let smtp;
let files;

before(async () => {
  smtp = await startSmtpSink();
  server = await startServer({ PAYWALL_SMTP_URL: smtp.url });
  browser = await launchBrowser();
  files = mkdtempSync(join(tmpdir(), "paywall-publisher-"));
});

after(async () => {
  await browser?.close();
  server?.stop();
  await smtp?.close();
  if (files) rmSync(files, { recursive: true, force: true });
});

/** `paywall-server ARGS` on the running server's data, as a publisher runs it; its output. */
function paywallServer(...args) {
  return execFileSync(server.binary, args, {
    env: { ...process.env, PAYWALL_DATA: server.data, RUST_LOG: "warn" },
    encoding: "utf8",
  });
}

/** An admin API request with the key; its status and JSON body. */
async function adminApi(key, method, path, body) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, body: await response.json() };
}

describe("a publisher", () => {
  it("imports an article, pastes the tag, and gives a reader a subscription that opens it", async () => {
    const key = paywallServer("api-key", "create", "--name", "newsroom").trim();
    assert.match(key, /^paywall_sk_[A-Za-z0-9_-]{43}$/);
    const file = join(files, "ferries.md");
    writeFileSync(file, ARTICLE);
    assert.match(paywallServer("import", file), /added article "harbour-ferries-2027" .* 2 locked sections/);

    const session = await openContext(browser);
    const page = await session.context.newPage();
    page.setDefaultTimeout(10_000);
    // The publisher's own page, on their site.
    await page.goto(server.site.serve("/news/ferries.html", articleHtml(server.url)));
    const prompt = page.locator(".paywall-widget .prompt");
    await prompt.waitFor();
    assert.match(await prompt.textContent(), /This story is for Premium subscribers\./);
    assert.match(await prompt.textContent(), /Including Who loses a sailing and What the fares will do\./);
    assertNoLockedText(await wholeDom(page));
    assert.ok(!(await wholeDom(page)).includes(LOCKED_SENTENCE));

    // A reader signs up with an emailed code: signed in, still no subscription.
    const before = smtp.count(READER);
    await page.getByRole("button", { name: "Sign in →" }).click();
    await dialog(page).getByLabel("Email").fill(READER);
    await dialog(page).getByRole("button", { name: "Email me a code" }).click();
    const { code } = codeAndLink(await smtp.next(READER, before));
    await dialog(page).getByLabel("6-digit code").fill(code);
    await dialog(page).getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByText("This account has no active subscription.").waitFor();
    assert.ok(!(await wholeDom(page)).includes(LOCKED_SENTENCE));

    // The publisher finds the reader and gives them a month of Premium.
    const found = await adminApi(key, "GET", `/v1/admin/readers?email=${encodeURIComponent(READER)}`);
    assert.equal(found.status, 200);
    const [reader] = found.body.readers;
    const granted = await adminApi(key, "POST", `/v1/admin/readers/${reader.id}/subscriptions`, { tier: "premium", days: 30 });
    assert.equal(granted.status, 201, JSON.stringify(granted.body));

    // Back on the article, the reader reads it.
    await page.reload();
    await page.locator(".paywall-unlocked section").nth(1).waitFor();
    const titles = await page.locator("article .paywall-unlocked section h2").allTextContents();
    assert.deepEqual(titles, ["Who loses a sailing", "What the fares will do"]);
    assert.ok((await page.locator("article").textContent()).includes(LOCKED_SENTENCE));

    // The log says who did it.
    const audit = await adminApi(key, "GET", "/v1/admin/audit");
    const actions = audit.body.entries.map((entry) => `${entry.action} by ${entry.actor.split(" (")[0]}`);
    assert.deepEqual(actions, ["subscription.grant by key:newsroom", "article.put by command line", "api_key.create by command line"]);
    assert.deepEqual(session.errors, []);
  });
});
