// The meter, in headless Chromium against the real server: an anonymous reader reads the free
// articles, meets the registration wall, signs up with an emailed code and reads more, then
// meets the prompt; a browser that clears its storage is counted by its address once the
// address has started its share of meters.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { assertNoLockedText, dialog, launchBrowser, openContext, openDemo, startServer, wholeDom } from "./harness.mjs";
import { codeAndLink, startSmtpSink } from "./smtp-sink.mjs";

let server;
let browser;
let smtp;

const STORIES = [1, 2, 3, 4, 5].map((n) => ({
  id: `story-${n}`,
  sentence: `Only a reader the meter lets in reads this sentence of story ${n}.`,
}));

before(async () => {
  smtp = await startSmtpSink();
  server = await startServer({
    PAYWALL_SMTP_URL: smtp.url,
    PAYWALL_TRUSTED_PROXIES: "127.0.0.1",
    PAYWALL_DEMO_PUBLIC: "true",
  });
  browser = await launchBrowser();
  for (const story of STORIES) {
    await server.admin("PUT", `/v1/admin/articles/${story.id}`, {
      title: `Story ${story.id}`,
      tier: "premium",
      sections: [{ title: "The rest", html: `<p>${story.sentence}</p>` }],
    });
  }
  await server.admin("PUT", "/v1/admin/meter", { anonymous: 2, registered: 2, period_days: 30, per_address: 1 });
});

after(async () => {
  await browser?.close();
  server?.stop();
  await smtp?.close();
});

/** The demo page showing `story` instead of the demo article; waits for the widget to settle. */
async function openStory(session, story) {
  const page = await openDemo(server, session, {
    edit: (html) => html.replace('data-paywall="night-trains-second-act"', `data-paywall="${story.id}"`),
    wait: false,
  });
  await page.locator(".paywall-unlocked section, .paywall-widget .prompt").first().waitFor();
  return page;
}

/** Asserts the meter opened `story` on `page` with this line, then closes the tab: a tab left
 * open would follow a sign-in in another and be counted again, for the reader. */
async function assertReads(page, story, line) {
  await page.getByText(story.sentence).waitFor();
  assert.equal(await page.locator(".paywall-widget [part=meter]").textContent(), `${line} · Subscribe`);
  assert.equal(await page.locator(".paywall-widget .prompt").count(), 0, "no prompt over the story");
  await page.close();
}

async function assertLocked(page, story) {
  await page.locator(".paywall-widget .prompt").waitFor();
  assert.ok(!(await wholeDom(page)).includes(story.sentence), `${story.id} is locked`);
}

describe("the meter", () => {
  it("lets a reader read two stories, asks them to register, gives two more, then shows the offers", async () => {
    const session = await openContext(browser, { address: "203.0.113.7" });
    await assertReads(await openStory(session, STORIES[0]), STORIES[0], "1 free story left");
    // The same story again is not counted twice.
    await assertReads(await openStory(session, STORIES[0]), STORIES[0], "1 free story left");
    await assertReads(await openStory(session, STORIES[1]), STORIES[1], "This is your last free story");

    const page = await openStory(session, STORIES[2]);
    await assertLocked(page, STORIES[2]);
    assert.ok(await page.getByText("You've read your free stories for now.").isVisible());
    await page.getByRole("button", { name: "Register for 2 more free stories" }).click();
    const email = "metered-reader@example.com";
    const sent = smtp.count(email);
    await dialog(page).getByLabel("Email").fill(email);
    await dialog(page).getByRole("button", { name: "Email me a code" }).click();
    const { code } = codeAndLink(await smtp.next(email, sent));
    await dialog(page).getByLabel("6-digit code").fill(code);
    await dialog(page).getByRole("button", { name: "Sign in", exact: true }).click();
    await assertReads(page, STORIES[2], "1 free story left");

    await assertReads(await openStory(session, STORIES[3]), STORIES[3], "This is your last free story");
    const last = await openStory(session, STORIES[4]);
    await assertLocked(last, STORIES[4]);
    assert.ok(await last.getByText("You've read your free stories for now.").isVisible());
    assert.ok(await last.getByRole("button", { name: /Monthly/ }).isVisible(), "the offers");
    assert.equal(await last.getByRole("button", { name: /Register for/ }).count(), 0);
    assertNoLockedText(await wholeDom(last), "a metered page");
    assert.deepEqual(session.errors, []);
    await session.context.close();
  });

  it("a browser that clears its storage starts over only while its address has meters to give", async () => {
    const address = "203.0.113.99";
    // The first browser from the address gets its own meter, the address's one.
    const first = await openContext(browser, { address });
    await assertReads(await openStory(first, STORIES[0]), STORIES[0], "1 free story left");
    await first.context.close();
    // Cleared: a fresh context with nothing stored. The address has started its one, so this
    // browser shares the address's meter: two stories, then the wall.
    const cleared = await openContext(browser, { address });
    await assertReads(await openStory(cleared, STORIES[1]), STORIES[1], "1 free story left");
    await assertReads(await openStory(cleared, STORIES[2]), STORIES[2], "This is your last free story");
    await assertLocked(await openStory(cleared, STORIES[3]), STORIES[3]);
    await cleared.context.close();
    // Cleared again: still the address's spent meter.
    const again = await openContext(browser, { address });
    const page = await openStory(again, STORIES[4]);
    await assertLocked(page, STORIES[4]);
    assert.ok(await page.getByRole("button", { name: "Register for 2 more free stories" }).isVisible());
    await again.context.close();
  });
});
