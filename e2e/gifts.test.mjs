// Gift links, in headless Chromium against the real server: a subscriber gifts the story; a
// second browser, with no account, opens the link and reads it, and only it; once the
// subscriber withdraws the link, that browser is told so and sees the prompt.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  assertNoLockedText, launchBrowser, openContext, openDemo, promptOn, signInWithPassword,
  startServer, waitUnlocked, wholeDom,
} from "./harness.mjs";

let server;
let browser;

const OTHER = { id: "other-story", sentence: "A sentence that only the other story's readers may see." };

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  await server.admin("PUT", `/v1/admin/articles/${OTHER.id}`, {
    title: "The other story",
    tier: "premium",
    sections: [{ title: "Inside", html: `<p>${OTHER.sentence}</p>` }],
  });
});

after(async () => {
  await browser?.close();
  server?.stop();
});

/**
 * The demo page at `url` in a new tab of `session`; with `article`, the same address (the
 * fragment a gift link carries included) on a page of the site that shows that article.
 */
async function openPage(session, url, article) {
  const page = await session.context.newPage();
  page.setDefaultTimeout(10_000);
  if (article) {
    const html = (await (await fetch(server.page)).text())
      .replace('data-paywall="night-trains-second-act"', `data-paywall="${article}"`);
    const { hash } = new URL(url);
    url = server.site.serve(`/stories/${article}.html`, html) + hash;
  }
  await page.goto(url);
  await page.locator(".paywall-unlocked section, .paywall-widget .prompt").first().waitFor();
  return page;
}

describe("gift links", () => {
  it("a subscriber gifts the story; another browser reads it, not another story, until it is withdrawn", async () => {
    const subscriber = await openContext(browser);
    const page = await openDemo(server, subscriber);
    await signInWithPassword(page);
    await page.getByRole("button", { name: "Gift this story" }).click();
    const link = await page.getByLabel("Anyone with this link can read this story:").inputValue();
    assert.match(link, new RegExp(`^${server.page}#paywall-gift=[A-Za-z0-9_-]{43}$`));
    await subscriber.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.site.origin });
    await page.getByRole("button", { name: "Copy link" }).click();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), link, "copied");

    const friend = await openContext(browser);
    const gifted = await openPage(friend, link);
    await waitUnlocked(gifted);
    assert.equal(await gifted.locator(".paywall-widget [part=meter]").textContent(), "A gift from a subscriber · Subscribe for more");
    assert.equal(new URL(gifted.url()).hash, "", "the token is off the address");
    // Reloaded, the browser still reads it: the gift is kept for the article.
    await gifted.reload();
    await waitUnlocked(gifted);

    // The same link on another story's page opens nothing there.
    const other = await openPage(friend, link, OTHER.id);
    await other.getByText("This gift link has expired or is no longer available.").waitFor();
    assert.ok(!(await wholeDom(other)).includes(OTHER.sentence));

    // The subscriber withdraws it (through the API, as an account page would).
    const session = await (await fetch(`${server.url}/v1/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "subscriber@example.com", password: "paywall-demo" }),
    })).json();
    const auth = { authorization: `Bearer ${session.access_token}` };
    const { gifts } = await (await fetch(`${server.url}/v1/gifts`, { headers: auth })).json();
    assert.equal(gifts[0].opened, 1, "one browser opened it");
    assert.equal((await fetch(`${server.url}/v1/gifts/${gifts[0].id}`, { method: "DELETE", headers: auth })).status, 204);

    const withdrawn = await openPage(friend, server.page);
    await withdrawn.getByText("This gift link has expired or is no longer available.").waitFor();
    await promptOn(withdrawn).waitFor();
    assertNoLockedText(await wholeDom(withdrawn), "the page after the gift was withdrawn");
    assert.deepEqual(friend.errors, []);
    await friend.context.close();
    await subscriber.context.close();
  });
});
