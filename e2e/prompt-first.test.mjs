// The prompt before the WebAssembly: the loader shows the server's drawing of the prompt at
// once, the widget loads when the reader reaches for it and takes the drawing's place with the
// same HTML, nothing moving, a click made meanwhile replayed; readers who need the widget at
// once get it at once (and everyone else does when the prompt is slow to come); and a widget
// that cannot load leaves a prompt that still works.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  launchBrowser, openContext, openDemo, promptOn, signInWithPassword, startServer,
  waitUnlocked,
} from "./harness.mjs";

let server;
let browser;

/** An article no offer opens (its tier is above every offer's), and one for registered readers. */
const UNSOLD = { id: "gold-only", title: "For Gold readers", tier: "gold" };
const REGISTERED = { id: "registered-only", title: "For registered readers", tier: "registered" };

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  const { tiers } = await (await server.admin("GET", "/v1/admin/tiers")).json();
  await server.admin("PUT", "/v1/admin/tiers", { tiers: [...tiers, { name: "gold", label: "Gold" }] });
  for (const article of [UNSOLD, REGISTERED]) {
    await server.admin("PUT", `/v1/admin/articles/${article.id}`, {
      title: article.title,
      tier: article.tier,
      sections: [{ title: "The rest", html: "<p>Only for some.</p>" }],
    });
  }
});

after(async () => {
  await browser?.close();
  server?.stop();
});

/** The widget's own files: its glue and its WebAssembly. */
const isWidgetFile = (url) => /\/paywall_bg\.[0-9a-f]+\.wasm$|\/paywall\.[0-9a-f]+\.js$/.test(new URL(url).pathname);

/**
 * The demo article with the loader waiting for the reader (`data-paywall-load="intent"`), in
 * `lang`, for `article`; every request for the widget's files is recorded in `page.widgetFiles`.
 */
async function openWaiting(session, { lang = "en", article, load = "intent" } = {}) {
  const page = await openDemo(server, session, {
    wait: false,
    edit: (html) => {
      let edited = html.replace('<html lang="en"', `<html lang="${lang}"`);
      if (load) edited = edited.replace("data-paywall-api=", `data-paywall-load="${load}" data-paywall-api=`);
      if (article) edited = edited.replace(/data-paywall="[^"]*"/, `data-paywall="${article}"`);
      return edited;
    },
    before: (page) => {
      page.widgetFiles = [];
      page.on("request", (request) => isWidgetFile(request.url()) && page.widgetFiles.push(request.url()));
    },
  });
  return page;
}

/** The widget's WebAssembly takes a while to come, so that a click lands before it is ready. */
function slowWidget(session) {
  return session.context.route(/\/paywall_bg\.[0-9a-f]+\.wasm$/, async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 700));
    await route.continue();
  });
}

/** Sums the page's layout shifts from now on (in `window.shifted`). */
function watchShifts(page) {
  return page.evaluate(() => {
    window.shifted = 0;
    window.shifts = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        window.shifted += entry.value;
        const where = (node) => (node ? `${node.nodeName}.${node.className ?? ""}${node.getRootNode() instanceof ShadowRoot ? " (in a shadow root)" : ""}` : "gone");
        const rect = (r) => `${r.x},${r.y} ${r.width}×${r.height}`;
        window.shifts.push(entry.sources.map((s) => `${where(s.node)}: ${rect(s.previousRect)} → ${rect(s.currentRect)}`).join("; "));
      }
    }).observe({ type: "layout-shift", buffered: false });
  });
}

/** The drawn prompt's HTML and where its heading stands on the page. */
function drawing(page) {
  return page.evaluate(() => {
    const root = document.querySelector(".paywall-facade").shadowRoot.querySelector(".root");
    const box = root.querySelector("h2").getBoundingClientRect();
    return { html: root.innerHTML, top: box.top + scrollY, left: box.left + scrollX };
  });
}

/** Whether the widget's shadow root holds the same nodes as `html` (text nodes merged). */
function sameAsWidget(page, html) {
  return page.evaluate((html) => {
    const widget = document.querySelector(".paywall-widget").shadowRoot.querySelector(".root").cloneNode(true);
    const drawn = document.createElement("div");
    drawn.innerHTML = html;
    widget.normalize();
    drawn.normalize();
    const [mine, theirs] = [[...widget.childNodes], [...drawn.childNodes]];
    const box = widget.ownerDocument.querySelector(".paywall-widget").shadowRoot.querySelector("h2")?.getBoundingClientRect();
    return {
      same: mine.length === theirs.length && mine.every((node, index) => node.isEqualNode(theirs[index])),
      widget: widget.innerHTML,
      top: box && box.top + scrollY,
      left: box && box.left + scrollX,
    };
  }, html);
}

/** Draws, reaches for it, and checks the widget took over with the same HTML, nothing moving. */
async function takeOver(page) {
  await page.locator(".paywall-facade .prompt").waitFor();
  await watchShifts(page);
  const drawn = await drawing(page);
  assert.deepEqual(page.widgetFiles, [], "no WebAssembly before the reader reaches for the prompt");
  await page.locator(".paywall-facade").hover();
  await page.locator(".paywall-facade").waitFor({ state: "detached" });
  await page.locator(".paywall-widget .prompt").waitFor();
  const widget = await sameAsWidget(page, drawn.html);
  assert.ok(widget.same, `the server drew what the widget draws:\nserver: ${drawn.html}\nwidget: ${widget.widget}`);
  assert.deepEqual([widget.top, widget.left], [drawn.top, drawn.left], "the prompt did not move");
  assert.equal(await page.evaluate(() => window.shifted), 0, `no layout shift: ${await page.evaluate(() => window.shifts.join(" | "))}`);
  return drawn;
}

describe("an anonymous reader on a locked article", () => {
  it("sees the server's prompt with no WebAssembly, until they reach for it", async () => {
    const session = await openContext(browser);
    const page = await openWaiting(session);
    await promptOn(page).waitFor();
    assert.ok(await page.getByRole("button", { name: /Monthly.*€8\.00 \/ month/ }).isVisible());
    assert.ok(await page.getByRole("button", { name: "Sign in →" }).isVisible());
    await page.waitForTimeout(1000);
    assert.deepEqual(page.widgetFiles, [], "data-paywall-load=intent: nothing until the reader reaches for it");
    await takeOver(page);
    assert.equal(page.widgetFiles.length, 2, "the glue and the WebAssembly, once each");
    assert.deepEqual(session.errors, []);
    await session.context.close();
  });

  it("gets the widget when the browser is idle after the page's load", async () => {
    const session = await openContext(browser);
    await session.context.addInitScript(() => {
      new MutationObserver((_, observer) => {
        if (!document.querySelector(".paywall-facade")) return;
        window.drawnPrompt = true;
        observer.disconnect();
      }).observe(document, { childList: true, subtree: true });
    });
    // The widget's files come slower than the prompt, as over any real network.
    await slowWidget(session);
    const page = await openWaiting(session, { load: null });
    // The drawn prompt may be gone before a poll sees it: the page's own record says it was there.
    await page.locator(".paywall-widget .prompt").waitFor();
    assert.equal(await page.locator(".paywall-facade").count(), 0);
    assert.ok(await page.evaluate(() => window.drawnPrompt), "the server's prompt was drawn first");
    assert.equal(page.widgetFiles.length, 2);
    await session.context.close();
  });

  for (const lang of ["en", "fr", "de", "es"]) {
    it(`is drawn by the server exactly as the widget draws it, in ${lang}: offers, none, registered`, async () => {
      const session = await openContext(browser);
      for (const article of [undefined, UNSOLD.id, REGISTERED.id]) {
        const page = await openWaiting(session, { lang, article });
        const drawn = await takeOver(page);
        if (!article) assert.match(drawn.html, /part="offer"/, "the demo article's offers");
        if (article === UNSOLD.id) assert.match(drawn.html, /part="subscribe"/, "Subscribe, without offers");
        if (article === REGISTERED.id) assert.doesNotMatch(drawn.html, /part="offer"|part="subscribe"/);
        await page.close();
      }
      assert.deepEqual(session.errors, []);
      await session.context.close();
    });
  }

  it("clicks Sign in once, before the widget is ready: the dialog opens with the email field focused", async () => {
    const session = await openContext(browser);
    await slowWidget(session);
    const page = await openWaiting(session);
    await page.locator(".paywall-facade .prompt").waitFor();
    await page.locator(".paywall-facade").getByRole("button", { name: "Sign in →" }).click();
    assert.equal(await page.locator(".paywall-facade").count(), 1, "the click came before the widget was ready");
    const email = page.getByRole("dialog").getByLabel("Email");
    await email.waitFor();
    assert.ok(await email.evaluate((field) => field.getRootNode().activeElement === field), "the email field has focus");
    assert.equal(await page.locator(".paywall-facade").count(), 0);
    await session.context.close();
  });

  it("chooses an offer before the widget is ready: checkout opens on that offer", async () => {
    const session = await openContext(browser);
    await slowWidget(session);
    const page = await openWaiting(session);
    await page.locator(".paywall-facade").getByRole("button", { name: /Yearly/ }).click();
    await page.getByRole("dialog").getByText(/Yearly/).first().waitFor();
    await session.context.close();
  });

  it("keeps keyboard focus where it was when the widget takes over", async () => {
    const session = await openContext(browser);
    const page = await openWaiting(session);
    await page.locator(".paywall-facade .prompt").waitFor();
    await page.locator(".paywall-facade").getByRole("button", { name: "Sign in →" }).focus();
    await page.locator(".paywall-facade").waitFor({ state: "detached" });
    const focused = await page.evaluate(() => {
      const host = document.activeElement;
      return host?.classList.contains("paywall-widget") && host.shadowRoot.activeElement?.getAttribute("part");
    });
    assert.equal(focused, "sign-in");
    await session.context.close();
  });
});

describe("a widget that cannot load", () => {
  it("leaves the drawn prompt, its Subscribe link working, and says so instead of a dialog", async () => {
    const session = await openContext(browser);
    await session.context.route(/\/paywall_bg\.[0-9a-f]+\.wasm$/, (route) => route.fulfill({ status: 404, body: "" }));
    const page = await openWaiting(session, { article: UNSOLD.id });
    const facade = page.locator(".paywall-facade");
    await facade.getByRole("button", { name: "Sign in →" }).click();
    const note = facade.getByRole("alert");
    await note.waitFor();
    assert.match(await note.innerText(), /Signing in isn't available on this page right now/);
    assert.equal(await page.getByRole("dialog").count(), 0);
    assert.equal(await note.getByRole("link", { name: "Subscribe" }).getAttribute("href"), "/subscribe.html");
    assert.equal(await facade.getByRole("link", { name: "Subscribe" }).first().getAttribute("href"), "/subscribe.html");
    // Clicked again, Sign in still answers, with the same one note.
    await facade.getByRole("button", { name: "Sign in →" }).click();
    assert.equal(await facade.getByRole("alert").count(), 1);
    await session.context.close();
  });
});

describe("readers who need the widget at once", () => {
  it("a server slow to draw the prompt: the widget starts after 2 s and draws it itself", async () => {
    const session = await openContext(browser);
    await session.context.route(/\/prompt\?/, () => {}); // never answered
    const page = await openWaiting(session);
    const started = Date.now();
    await page.locator(".paywall-widget .prompt").waitFor();
    const waited = Date.now() - started;
    assert.ok(waited < 6000, `the widget's prompt after ${waited} ms`);
    assert.equal(page.widgetFiles.length, 2);
    await session.context.close();
  });

  it("a subscriber with a stored session: the widget loads before the page is parsed, no prompt drawn", async () => {
    const session = await openContext(browser);
    const page = await openDemo(server, session);
    await signInWithPassword(page);
    await waitUnlocked(page);
    const again = await openWaiting(session);
    await waitUnlocked(again);
    assert.equal(again.widgetFiles.length, 2);
    assert.equal(await again.locator(".paywall-facade").count(), 0, "no prompt drawn for a subscriber");
    await session.context.close();
  });

  it("a metered article: the server says so, and the widget loads without waiting for the reader", async () => {
    const metered = await startServer();
    try {
      await metered.admin("PUT", "/v1/admin/meter", { anonymous: 2, registered: 2, period_days: 30, per_address: 1 });
      const answer = await (await fetch(`${metered.url}/v1/articles/night-trains-second-act/prompt?locale=en`)).json();
      assert.equal(answer.opens_without_subscription, true);
      assert.equal(answer.html, "");
      const session = await openContext(browser);
      const page = await openDemo(metered, session, {
        wait: false,
        edit: (html) => html.replace("data-paywall-api=", 'data-paywall-load="intent" data-paywall-api='),
      });
      await waitUnlocked(page);
      assert.equal(await page.locator(".paywall-facade").count(), 0);
      await session.context.close();
    } finally {
      metered.stop();
    }
  });
});
