// What the end-to-end tests share: the real paywall server on a free port with a fresh data
// directory, the publisher's site on another origin (see publisher-site.mjs), headless
// Chromium that may talk only to loopback, and the demo's locked text.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { startSite } from "./publisher-site.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Starts the server binary on 127.0.0.1:0 (with `env` added to its environment) and the
 * publisher's site on localhost, whose origin the server allows (`PAYWALL_CORS_ORIGINS`, with
 * any that `env` names), and resolves once the server says which port it bound. `server.page`
 * is the demo article on the publisher's site; `server.url` the paywall server.
 */
export async function startServer(env = {}) {
  const binary = process.env.PAYWALL_SERVER_BIN ?? join(root, "target/debug/paywall-server");
  const data = mkdtempSync(join(tmpdir(), "paywall-e2e-"));
  const site = await startSite();
  const origins = [site.origin, env.PAYWALL_CORS_ORIGINS].filter(Boolean).join(",");
  const child = spawn(binary, [], {
    env: {
      ...process.env,
      PAYWALL_ADDR: "127.0.0.1:0",
      PAYWALL_DATA: data,
      PAYWALL_SITE: process.env.PAYWALL_SITE ?? root,
      PAYWALL_DEMO: "true",
      RUST_LOG: "warn",
      ...env,
      PAYWALL_CORS_ORIGINS: origins,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the server did not start within 30 s")), 30_000);
    let seen = "";
    child.stdout.on("data", (chunk) => {
      seen += chunk;
      const match = seen.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on("exit", (code) => reject(new Error(`the server exited early (${code})`)));
  }).catch((error) => {
    site.close();
    throw error;
  });
  site.paywall = url;
  let key;
  return {
    url,
    /** The publisher's site, and the demo article on it. */
    site,
    page: `${site.origin}/`,
    /** The data directory, for the commands a publisher runs beside the server. */
    data,
    binary,
    /**
     * An admin API request, with a key made for it the first time (as a publisher does, with
     * `paywall-server api-key create`); asserts it succeeded.
     */
    async admin(method, path, body) {
      key ??= execFileSync(binary, ["api-key", "create", "--name", "e2e"], {
        env: { ...process.env, PAYWALL_DATA: data, RUST_LOG: "warn" },
        encoding: "utf8",
      }).trim();
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      assert.ok(response.ok, `${method} ${path}: ${response.status} ${await response.clone().text()}`);
      return response;
    },
    stop() {
      child.kill("SIGTERM");
      site.close();
      rmSync(data, { recursive: true, force: true });
    },
  };
}

/** Whether a request may leave the browser: loopback only (the paywall server, the site). */
export const onLoopback = (url) => ["127.0.0.1", "localhost", "[::1]"].includes(new URL(url).hostname);

/**
 * Headless Chromium, with the flags it needs to run as root on these machines; with the
 * back/forward cache that Playwright turns off unless `backForwardCache`.
 *
 * Chromium's headless shell (Blink and V8 without the browser's own layer, and Playwright's
 * own choice for headless runs) loads a page with a third of the full browser's processor
 * time, which is most of what the tests spend. The full Chromium is launched when `full`: for
 * the benchmarks, which measure what readers' browsers do, and for the back/forward cache,
 * which the shell lacks. `CHROMIUM` names another browser for every launch.
 */
export function launchBrowser({ backForwardCache = false, full = backForwardCache } = {}) {
  const build = full ? "/usr/bin/chromium" : "/usr/bin/chromium-headless-shell";
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? build,
    ignoreDefaultArgs: backForwardCache ? ["--disable-back-forward-cache"] : [],
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
}

let nextClient = 1;

/**
 * A fresh browser context (its own storage: another device) that refuses every request not
 * to loopback and records every page error, and with `recordBodies` every response body (each
 * one fetched from the browser, the widget's WebAssembly included: only for the tests that
 * read them). Each context comes to the server as a client of its own, as through a proxy
 * (`X-Forwarded-For`), so the server's per-address limits count each test's device apart
 * (unless `address` names one); a server that does not trust 127.0.0.1 as a proxy ignores the
 * header.
 */
export async function openContext(
  browser,
  { address = `198.51.100.${nextClient++}`, viewport = { width: 1000, height: 900 }, recordBodies = false } = {},
) {
  const context = await browser.newContext({
    viewport,
    extraHTTPHeaders: { "x-forwarded-for": address },
  });
  await context.route("**/*", (route) => (onLoopback(route.request().url()) ? route.continue() : route.abort()));
  const responses = [];
  const errors = [];
  if (recordBodies) {
    context.on("response", (response) => {
      responses.push(response.body().then((body) => ({ url: response.url(), body: body.toString("utf8") }), () => null));
    });
  }
  context.on("page", (page) => page.on("pageerror", (error) => errors.push(error)));
  // Record the widget's events from the first script on.
  await context.addInitScript(() => {
    window.paywallEvents = [];
    for (const name of ["locked", "unlocked", "signed-in", "signed-out", "code-sent", "error"]) {
      document.addEventListener(`paywall:${name}`, () => window.paywallEvents.push(name));
    }
  });
  return {
    context,
    errors,
    /** Every response body so far (with `recordBodies`). */
    async bodies() {
      assert.ok(recordBodies, "open the context with recordBodies to read its response bodies");
      return (await Promise.all(responses)).filter(Boolean);
    },
  };
}

/** The light DOM and every open shadow root's HTML, as one string. */
export function wholeDom(page) {
  return page.evaluate(() => {
    const parts = [document.documentElement.outerHTML];
    for (const element of document.querySelectorAll("*")) {
      if (element.shadowRoot) parts.push(element.shadowRoot.innerHTML);
    }
    return parts.join("\n");
  });
}

/** What the prompt says to an anonymous reader. */
export const PROMPT = "This story is for Premium subscribers.";

/**
 * The prompt as the reader sees it: the widget's, or the one the loader drew while the widget
 * loaded; not the widget's copy while it is still being drawn, unseen, beside the loader's.
 */
export const promptOn = (page) => page.locator(".paywall-widget:not([hidden]), .paywall-facade").getByText(PROMPT);

let edited = 0;

/**
 * Opens the demo article, on the publisher's site, in a new tab of `session`. `edit` rewrites
 * the page's HTML first (another language, a theme, ...): the site serves that page at an
 * address of its own. Unless `wait` is false, resolves once the widget shows its prompt or a
 * failure. `before` is given the page before it starts loading.
 */
export async function openDemo(server, session, { edit, wait = true, before } = {}) {
  const page = await session.context.newPage();
  page.setDefaultTimeout(10_000);
  before?.(page);
  let url = server.page;
  if (edit) {
    server.demoHtml ??= await (await fetch(server.page)).text();
    url = server.site.serve(`/edited/${++edited}.html`, edit(server.demoHtml));
  }
  await page.goto(url);
  if (wait) await page.locator(".paywall-widget .prompt, .paywall-widget .failed").first().waitFor();
  return page;
}

/**
 * Waits until a widget that could not start has left the reader a way to subscribe: the plain
 * link in place of the widget, or (where the loader had drawn the server's prompt) that prompt
 * with a note that signing in is unavailable. Resolves with the Subscribe link's address.
 */
export async function waitForPlainLink(page) {
  const link = page.locator(".paywall-fallback a, .paywall-facade [part=unavailable] a").first();
  await link.waitFor();
  return link.getAttribute("href");
}

/** The widget's dialog. */
export function dialog(page) {
  return page.getByRole("dialog");
}

/** Opens the dialog and signs in with a password; resolves with the dialog (still open if refused). */
export async function typePassword(page, email = "subscriber@example.com", password = "paywall-demo") {
  await page.getByRole("button", { name: "Sign in →" }).click();
  await page.getByRole("button", { name: "Use a password instead" }).click();
  const passwordDialog = page.getByRole("dialog", { name: "Sign in with your password" });
  await passwordDialog.getByLabel("Email").fill(email);
  await passwordDialog.getByLabel("Password").fill(password);
  await passwordDialog.getByRole("button", { name: "Sign in", exact: true }).click();
  return passwordDialog;
}

/** Signs the demo subscriber in with the password and waits for the sections. */
export async function signInWithPassword(page) {
  await typePassword(page);
  await waitUnlocked(page);
}

/** Waits for all four locked sections, and checks the prompt is gone. */
export async function waitUnlocked(page) {
  await page.locator(".paywall-unlocked section").nth(LOCKED_TITLES.length - 1).waitFor();
  assert.equal(await page.getByText(PROMPT).count(), 0, "the prompt is gone once the story is unlocked");
}

/** The headings of the unlocked sections, in order. */
export function unlockedTitles(page) {
  return page.locator("article .paywall-unlocked section h2").allTextContents();
}

/** The demo article as the server imports it: after the divider, one locked section per <h2>. */
const demoFile = readFileSync(join(root, "server/demo/article.html"), "utf8");
export const demoArticle = {
  id: /^id: (.+)$/m.exec(demoFile)[1],
  sections: demoFile.split("<!-- paywall -->")[1].split("<h2>").slice(1).map((part) => {
    const [title, html] = part.split("</h2>");
    return { title: title.replaceAll("&amp;", "&"), html: html.trim(), locked: true };
  }),
};

/** One distinctive sentence from each locked section: the longest run of text between tags. */
export const lockedPhrases = demoArticle.sections
  .filter((section) => section.locked)
  .map((section) => section.html.split(/[<>]/).filter((_, i) => i % 2 === 0).sort((a, b) => b.length - a.length)[0].slice(0, 60));

/** The headings of the locked sections, in reading order. */
export const LOCKED_TITLES = demoArticle.sections.filter((section) => section.locked).map((section) => section.title);

/** Asserts that no locked sentence is in `text`, found in `where`. */
export function assertNoLockedText(text, where = "the page") {
  assert.equal(lockedPhrases.length, LOCKED_TITLES.length, "a phrase to look for in each locked section");
  for (const phrase of lockedPhrases) assert.ok(!text.includes(phrase), `locked text "${phrase}" found in ${where}`);
}

export const screenshots = join(root, "e2e/screenshots");

/**
 * A publisher's signing key for tests: the public half written to a file for
 * `PAYWALL_PUBLISHER_KEY_FILE`, and a function that signs a reader's token with the private half.
 */
export async function publisherKey(issuer) {
  const { SignJWT, exportSPKI, generateKeyPair } = await import("jose");
  const { privateKey, publicKey } = await generateKeyPair("ES256");
  const file = join(mkdtempSync(join(tmpdir(), "paywall-publisher-")), "publisher.pem");
  writeFileSync(file, await exportSPKI(publicKey));
  /** A token as the publisher's own sign-in would issue it; every part can be spoiled. */
  const sign = ({ iss = issuer, aud = "paywall", expires = "5m", key = privateKey, claims = {} } = {}) =>
    new SignJWT({ email: "member@news.example", tier: "premium", ...claims })
      .setProtectedHeader({ alg: "ES256" })
      .setSubject(`member-${claims.email ?? "member@news.example"}`)
      .setIssuer(iss)
      .setAudience(aud)
      .setIssuedAt()
      .setJti(randomUUID())
      .setExpirationTime(expires)
      .sign(key);
  return { file, sign };
}

/**
 * The README's code block marked `<!-- snippet: NAME -->`, with `https://PAYWALL-HOST` replaced
 * by `paywall`: the tests use what publishers copy.
 */
export function snippet(name, paywall = "https://PAYWALL-HOST") {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const marker = `<!-- snippet: ${name} -->\n`;
  const at = readme.indexOf(marker);
  assert.ok(at >= 0, `the README has a snippet named ${name}`);
  const block = readme.slice(at + marker.length).match(/^```\w*\n([\s\S]*?)\n```/);
  assert.ok(block, `the snippet ${name} is a code block`);
  return block[1].replaceAll("https://PAYWALL-HOST", paywall);
}

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/**
 * Asserts axe-core finds nothing on the page (its open shadow roots included). `settle`: how
 * long to wait first, for a dialog that rises into view (0.18 s) to reach its colours.
 */
export async function axe(page, what, { settle = 0 } = {}) {
  if (settle) await page.waitForTimeout(settle);
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(AXE);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  const summary = result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
  assert.deepEqual(summary, [], `axe-core violations on ${what}`);
}
