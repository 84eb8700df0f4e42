// The publisher's dashboard at /admin, in headless Chromium against the real server: the whole
// day of a publisher (added on the command line, signed in by the printed link, an article
// imported, an offer made, a reader comped who then unlocks the article on the publisher's own
// site, the funnel counting it, the readers exported), every page by keyboard alone and
// without an axe-core violation, at 360 px and 1280 px.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { codeAndLink, startSmtpSink } from "./smtp-sink.mjs";
import {
  axe, demoArticle, dialog, launchBrowser, openContext, openDemo, screenshots, startServer, waitUnlocked,
} from "./harness.mjs";


/** The pages in the dashboard's navigation, with the heading each opens on. */
const PAGES = [
  ["Overview", "Overview"],
  ["Articles", "Articles"],
  ["Readers", "Readers"],
  ["Offers and tiers", "Offers and tiers"],
  ["Meter and gift links", "Meter and gift links"],
  ["Webhooks", "Webhooks"],
  ["Audit log", "Audit log"],
  ["API keys", "API keys"],
  ["Staff", "Staff"],
];

let server;
let browser;
let smtp;

/** `paywall-server ARGS` beside the running server, as a publisher runs it; its output. */
function command(...args) {
  return execFileSync(server.binary, args, {
    env: { ...process.env, PAYWALL_DATA: server.data, PAYWALL_PUBLIC_URL: server.url, RUST_LOG: "warn" },
    encoding: "utf8",
  }).trim();
}

/** A fresh sign-in link for the owner (added first if this test runs alone). */
function ownerLink() {
  try {
    command("staff", "add", "owner@news.example", "--role", "owner");
  } catch {
    // On the staff already: the publisher's test added them.
  }
  return command("staff", "link", "owner@news.example");
}

/** A staff member's browser, signed in by the link `staff add` (or `staff link`) printed. */
async function signedIn(link, viewport) {
  const session = await openContext(browser, { viewport });
  const page = await session.context.newPage();
  page.setDefaultTimeout(10_000);
  // The policy's refusals, recorded by the page itself.
  await page.addInitScript(() => {
    window.policyViolations = [];
    document.addEventListener("securitypolicyviolation", (event) => {
      window.policyViolations.push(`${event.violatedDirective}: ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}:${event.columnNumber} ${event.sample}`);
    });
  });
  await page.goto(link);
  await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
  assert.ok(!page.url().includes("token="), "the link's token is taken out of the address");
  return { session, page };
}

/** Goes to a page from the navigation and waits for its heading. */
async function open(page, link, heading = link) {
  await page.getByRole("navigation").getByRole("link", { name: link, exact: true }).click();
  await page.getByRole("heading", { level: 1, name: heading }).waitFor();
}

before(async () => {
  mkdirSync(screenshots, { recursive: true });
  smtp = await startSmtpSink();
  // Staff links and readers' codes go by real SMTP to a sink on loopback.
  server = await startServer({ PAYWALL_SMTP_URL: smtp.url });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.stop();
  await smtp?.close();
});

describe("a publisher", () => {
  it("signs in from the command line's link, imports, sells, comps, sees the reader unlock on their site and the funnel count it, and exports", async () => {
    const link = command("staff", "add", "owner@news.example", "--role", "owner");
    assert.match(link, /^http:\/\/127\.0\.0\.1:\d+\/admin\/#token=/);
    const { session, page } = await signedIn(link, { width: 1280, height: 900 });

    // An article from a Markdown file: the importer's report is shown.
    await open(page, "Articles");
    await page.getByLabel("HTML or Markdown file").setInputFiles({
      name: "harbour-lights.md",
      mimeType: "text/markdown",
      buffer: Buffer.from("---\ntitle: Harbour lights after dark\ntier: premium\n---\nThe free part.\n\n<!-- paywall -->\n\n## What the ledger shows\n\nThe night ferries <script>alert(1)</script>paid for themselves.\n"),
    });
    await page.getByRole("status").filter({ hasText: "added article \"harbour-lights\"" }).waitFor();
    assert.match(await page.locator(".report").innerText(), /Taken out as unsafe\s+.*script/);
    await page.getByRole("link", { name: "Harbour lights after dark" }).waitFor();

    // An offer.
    await open(page, "Offers and tiers");
    await page.getByLabel("Name, as the prompt shows it").fill("Student");
    await page.getByLabel("Tier it opens").selectOption("premium");
    await page.getByLabel("Price", { exact: true }).fill("3.50");
    await page.getByLabel("Payment provider's price id").fill("price_demo_student");
    await page.getByRole("button", { name: "Add the offer" }).click();
    await page.getByRole("status").filter({ hasText: "Offer \"Student\" added" }).waitFor();
    await page.getByRole("row", { name: /Student premium 3\.50 EUR a month/ }).waitFor();

    // The reader reads the demo article on the publisher's site first: locked.
    const reader = await openContext(browser);
    const article = await openDemo(server, reader);

    // A new reader, and a complimentary subscription for them.
    await open(page, "Readers");
    await page.getByLabel("Email address").fill("ada@news.example");
    await page.getByLabel("Name (optional)").fill("Ada Quill");
    await page.getByRole("button", { name: "Add", exact: true }).click();
    await page.getByRole("heading", { level: 1, name: "ada@news.example" }).waitFor();
    await page.getByLabel("Tier").selectOption("premium");
    await page.getByLabel("Days").fill("30");
    await page.getByRole("button", { name: "Give", exact: true }).click();
    await page.getByRole("status").filter({ hasText: "complimentary premium subscription for 30 days" }).waitFor();
    await page.getByRole("row", { name: /premium active .* complimentary/ }).waitFor();

    // The reader signs in on the publisher's site (another origin) with an emailed code, and
    // the article opens. What the widget counted goes to the server in one beacon a moment later.
    const beacons = [];
    reader.context.on("request", (request) => {
      if (request.url().endsWith("/v1/events")) beacons.push(JSON.parse(request.postData()));
    });
    const sent = reader.context.waitForEvent("requestfinished", {
      predicate: (request) => request.url().endsWith("/v1/events") && request.postData().includes("signed_in"),
    });
    const before = smtp.count("ada@news.example");
    await article.getByRole("button", { name: "Sign in →" }).click();
    await dialog(article).getByLabel("Email").fill("ada@news.example");
    await dialog(article).getByRole("button", { name: "Email me a code" }).click();
    const { code } = codeAndLink(await smtp.next("ada@news.example", before));
    await dialog(article).getByLabel("6-digit code").fill(code);
    await dialog(article).getByRole("button", { name: "Sign in", exact: true }).click();
    await waitUnlocked(article);
    await sent;
    // In one beacon or two (the prompt's may have gone before the reader signed in), each
    // thing once, about this article alone.
    assert.deepEqual(beacons.map((beacon) => beacon.article_id), beacons.map(() => demoArticle.id));
    assert.deepEqual(beacons.flatMap((beacon) => beacon.events), ["prompt_shown", "sign_in_opened", "signed_in"]);
    await reader.context.close();

    // The funnel counts it: the prompt, the dialog, the sign-in.
    await open(page, "Overview");
    const row = page.getByRole("row", { name: new RegExp(`^${demoArticle.id}`) });
    for (let tries = 0; ; tries += 1) {
      const counts = (await row.count()) ? await row.locator("td").allInnerTexts() : [];
      // The first line of each cell is the count (a rate may follow it).
      const [prompts, dialogs, signIns] = counts.map((cell) => cell.split("\n")[0]);
      if (prompts === "1" && dialogs === "1" && signIns === "1") break;
      if (tries >= 20) {
        const funnel = await page.evaluate(() => fetch("/v1/admin/funnel", { headers: { "paywall-staff": "1" } }).then((r) => r.text()));
        assert.fail(`the funnel did not count the reader: ${counts}; the API says ${funnel}`);
      }
      await page.waitForTimeout(250);
      await open(page, "Articles");
      await open(page, "Overview");
    }

    // The readers, exported as a file.
    await open(page, "Readers");
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Export every reader as CSV" }).click(),
    ]);
    const csv = readFileSync(await download.path(), "utf8");
    assert.match(download.suggestedFilename(), /^readers-\d{4}-\d{2}-\d{2}\.csv$/);
    assert.match(csv, /^email,name,tier,status,current_period_end,customer_id\n/);
    assert.match(csv, /ada@news\.example,Ada Quill,premium,active,/);

    // Every write is in the audit log under the publisher's name.
    await open(page, "Audit log");
    for (const action of ["article.put", "offer.create", "subscription.grant"]) {
      await page.getByRole("row", { name: new RegExp(`staff:owner@news\\.example ${action.replace(".", "\\.")}`) }).first().waitFor();
    }
    assert.deepEqual(await page.evaluate(() => window.policyViolations), []);
    assert.deepEqual(session.errors, []);
    await session.context.close();
  });

  it("counts a prompt the loader drew even when the reader leaves before the widget starts", async () => {
    const counts = async () => {
      const funnel = await (await server.admin("GET", "/v1/admin/funnel")).json();
      return funnel.articles.find((article) => article.article_id === demoArticle.id) ?? { prompt_shown: 0, sign_in_opened: 0 };
    };
    const before = await counts();
    const reader = await openContext(browser);
    const page = await openDemo(server, reader, {
      // The widget starts only when the reader reaches for the prompt: this one never does.
      edit: (html) => html.replace("data-paywall-api=", 'data-paywall-load="intent" data-paywall-api='),
      wait: false,
    });
    await page.locator(".paywall-facade").getByText("This story is for Premium subscribers.").waitFor();
    assert.equal(await page.locator(".paywall-widget").count(), 0, "the widget did not start");
    // Leaving sends what was counted (a beacon outlives its page).
    await page.close({ runBeforeUnload: true });
    let after = await counts();
    for (let tries = 0; after.prompt_shown === before.prompt_shown && tries < 40; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = await counts();
    }
    assert.equal(after.prompt_shown, before.prompt_shown + 1);
    assert.equal(after.sign_in_opened, before.sign_in_opened);
    await reader.context.close();
  });

  it("finds every page by keyboard alone, and a viewer's page offers no writes the server would refuse", async () => {
    const { session, page } = await signedIn(ownerLink(), { width: 1280, height: 900 });
    // The skip link, then the navigation, by Tab and Enter only.
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement.textContent), "Skip to the page");
    for (const [link, heading] of PAGES.slice(1)) {
      await page.getByRole("navigation").getByRole("link", { name: link, exact: true }).focus();
      await page.keyboard.press("Enter");
      await page.getByRole("heading", { level: 1, name: heading }).waitFor();
      // The new page's heading has the focus: a screen reader says where the reader is.
      assert.equal(await page.evaluate(() => document.activeElement.tagName), "H1", `focus after opening ${link}`);
    }
    // A form, by keyboard: the meter.
    await open(page, "Meter and gift links");
    await page.getByLabel("Free articles for visitors nobody signed in").focus();
    await page.keyboard.press("Control+A");
    await page.keyboard.type("4");
    await page.keyboard.press("Enter");
    await page.getByRole("status").filter({ hasText: "The meter is saved." }).waitFor();
    await session.context.close();

    // A viewer sees the pages, and no control that writes.
    command("staff", "add", "viewer@news.example", "--role", "viewer");
    const viewer = await signedIn(command("staff", "link", "viewer@news.example"), { width: 1280, height: 900 });
    await open(viewer.page, "Articles");
    assert.equal(await viewer.page.getByLabel("HTML or Markdown file").count(), 0);
    await open(viewer.page, "Meter and gift links");
    assert.ok(await viewer.page.getByRole("button", { name: "Save the meter" }).isDisabled());
    await open(viewer.page, "API keys");
    await viewer.page.getByText("Only owners see and make API keys").waitFor();
    await viewer.session.context.close();
  });

  it("has no axe-core violation on any page, at 360 px and 1280 px", async () => {
    for (const width of [360, 1280]) {
      const { session, page } = await signedIn(ownerLink(), { width, height: 800 });
      for (const [link, heading] of PAGES) {
        if (width === 360 || link !== "Overview") await open(page, link, heading);
        await page.waitForFunction(() => !document.querySelector("p.loading"));
        await axe(page, `${heading} at ${width} px`);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.equal(overflow, 0, `${heading} at ${width} px is wider than the window`);
        const name = heading.toLowerCase().replace(/[^a-z]+/g, "-");
        await page.screenshot({ path: join(screenshots, `dashboard-${name}-${width}.png`), fullPage: true, caret: "initial" });
      }
      // An article and a reader, opened.
      await open(page, "Articles");
      await page.getByRole("link", { name: "The night train's second act" }).click();
      await page.getByRole("heading", { level: 2, name: "The prompt, as readers see it" }).waitFor();
      await axe(page, `an article at ${width} px`);
      await page.screenshot({ path: join(screenshots, `dashboard-article-${width}.png`), fullPage: true, caret: "initial" });
      assert.deepEqual(await page.evaluate(() => window.policyViolations), []);
      await session.context.close();
    }
    // The sign-in page, for someone with no session.
    const stranger = await openContext(browser, { viewport: { width: 360, height: 800 } });
    const page = await stranger.context.newPage();
    await page.goto(`${server.url}/admin/`);
    await page.getByRole("heading", { level: 1, name: "Sign in to the dashboard" }).waitFor();
    await axe(page, "the sign-in page");
    await page.getByLabel("Email address").fill("owner@news.example");
    await page.getByRole("button", { name: "Email me a sign-in link" }).click();
    await page.getByRole("status").filter({ hasText: "a sign-in link is on its way" }).waitFor();
    await page.screenshot({ path: join(screenshots, "dashboard-sign-in-360.png"), fullPage: true, caret: "initial" });
    await stranger.context.close();
  });
});
