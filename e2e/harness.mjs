// What the end-to-end tests share: the real paywall server on a free port with a fresh data
// directory, headless Chromium that may talk only to 127.0.0.1, and the demo's locked text.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Starts the server binary on 127.0.0.1:0 (with `env` added to its environment) and resolves
 * once it says which port it bound.
 */
export async function startServer(env = {}) {
  const binary = process.env.PAYWALL_SERVER_BIN ?? join(root, "target/debug/paywall-server");
  const data = mkdtempSync(join(tmpdir(), "paywall-e2e-"));
  const child = spawn(binary, [], {
    env: {
      ...process.env,
      PAYWALL_ADDR: "127.0.0.1:0",
      PAYWALL_DATA: data,
      PAYWALL_SITE: process.env.PAYWALL_SITE ?? root,
      PAYWALL_DEMO: "true",
      RUST_LOG: "warn",
      ...env,
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
  });
  return {
    url,
    stop() {
      child.kill("SIGTERM");
      rmSync(data, { recursive: true, force: true });
    },
  };
}

/** Headless Chromium, with the flags it needs to run as root on these machines. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
}

let nextClient = 1;

/**
 * A fresh browser context (its own storage: another device) that refuses every request not
 * to 127.0.0.1 and records every response body and every page error. Each context comes to
 * the server as a client of its own, as through a proxy (`X-Forwarded-For`), so the server's
 * per-address limits count each test's device apart; a server that does not trust
 * 127.0.0.1 as a proxy ignores the header.
 */
export async function openContext(browser) {
  const context = await browser.newContext({
    viewport: { width: 1000, height: 900 },
    extraHTTPHeaders: { "x-forwarded-for": `198.51.100.${nextClient++}` },
  });
  await context.route("**/*", (route) => {
    const { hostname } = new URL(route.request().url());
    return hostname === "127.0.0.1" ? route.continue() : route.abort();
  });
  const responses = [];
  const errors = [];
  context.on("response", (response) => {
    responses.push(response.body().then((body) => ({ url: response.url(), body: body.toString("utf8") }), () => null));
  });
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
    /** Every response body so far. */
    async bodies() {
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

/** The demo article as the server stores it. */
export const demoArticle = JSON.parse(readFileSync(join(root, "server/demo/article.json"), "utf8"));

/** One distinctive sentence from each locked section: the longest run of text between tags. */
export const lockedPhrases = demoArticle.sections
  .filter((section) => section.locked)
  .map((section) => section.html.split(/[<>]/).filter((_, i) => i % 2 === 0).sort((a, b) => b.length - a.length)[0].slice(0, 60));

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
      .setExpirationTime(expires)
      .sign(key);
  return { file, sign };
}
