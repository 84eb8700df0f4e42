// Benchmark: how fast the widget answers once the prompt is drawn before it. Three timings,
// each the median of fresh browser contexts (empty cache), printed as a markdown table (only
// the table goes to stdout):
//
// - the first click on Sign in → the email field focused, with the widget loaded at idle
//   before the click, and with the click itself starting the load (data-paywall-load="intent"),
//   on loopback and with the network throttled to DevTools' "Fast 4G";
// - a subscriber with a stored session: DOMContentLoaded → the unlocked sections on screen.
//
//   PAYWALL_SERVER_BIN=target/release/paywall-server node e2e/bench-prompt-first.mjs [loads]
import { launchBrowser, startServer } from "./harness.mjs";
import { articlePage } from "./publisher-site.mjs";

const loads = Number(process.argv[2] ?? 7);
if (!Number.isInteger(loads) || loads < 1) throw new Error(`loads must be a whole number ≥ 1, not ${process.argv[2]}`);

/** Chrome DevTools' "Fast 4G" preset (bytes per second, and its latency in ms). */
const FAST_4G = { offline: false, latency: 165, downloadThroughput: (9e6 / 8) * 0.9, uploadThroughput: (1.5e6 / 8) * 0.9 };

const server = await startServer();
const browser = await launchBrowser({ full: true });
const intentPage = server.site.serve(
  "/intent.html",
  articlePage(server.url).replace("data-paywall-api=", 'data-paywall-load="intent" data-paywall-api='),
);

/** In the page: clicks Sign in in `hostSelector`'s prompt and resolves with the ms until the email field has focus. */
const clickSignIn = (hostSelector) => `new Promise((resolve) => {
  const deepest = (root) => (root.activeElement?.shadowRoot ? deepest(root.activeElement.shadowRoot) : root.activeElement);
  const started = performance.now();
  document.addEventListener("focusin", function focused() {
    if (deepest(document)?.type !== "email") return;
    document.removeEventListener("focusin", focused, true);
    resolve(performance.now() - started);
  }, true);
  document.querySelector(${JSON.stringify(hostSelector)}).shadowRoot.querySelector('[part="sign-in"]').click();
})`;

/** A fresh context and page on loopback, throttled if `network` says how. */
async function open(network) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  if (network) await cdp.send("Network.emulateNetworkConditions", network);
  return { context, page, cdp };
}

async function evaluate(cdp, expression) {
  const { result, exceptionDetails } = await cdp.send("Runtime.evaluate", { expression, awaitPromise: true, returnByValue: true });
  if (exceptionDetails) throw new Error(`${expression}: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
  return result.value;
}

/** First click → email focused, the widget loaded at idle first. */
async function afterIdle(network) {
  const { context, page, cdp } = await open(network);
  try {
    await page.goto(server.page);
    await page.locator(".paywall-facade").waitFor({ state: "detached" });
    await page.locator(".paywall-widget .prompt").waitFor();
    await page.waitForTimeout(300);
    return await evaluate(cdp, clickSignIn(".paywall-widget"));
  } finally {
    await context.close();
  }
}

/** First click → email focused, the click starting the widget's load. */
async function clickLoads(network) {
  const { context, page, cdp } = await open(network);
  try {
    await page.goto(intentPage);
    await page.locator(".paywall-facade .prompt").waitFor();
    await page.waitForTimeout(300);
    return await evaluate(cdp, clickSignIn(".paywall-facade"));
  } finally {
    await context.close();
  }
}

/** A subscriber's page-load: DOMContentLoaded end → the last unlocked section on screen. */
async function subscriber(context) {
  const page = await context.newPage();
  try {
    await page.goto(server.page);
    await page.locator(".paywall-unlocked section").nth(3).waitFor();
    return await page.evaluate(() => window.unlockedAt - performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd);
  } finally {
    await page.close();
  }
}

async function signedInContext() {
  const context = await browser.newContext();
  await context.addInitScript(() => {
    new MutationObserver((_, observer) => {
      if (document.querySelectorAll(".paywall-unlocked section").length >= 4) {
        window.unlockedAt = performance.now();
        observer.disconnect();
      }
    }).observe(document, { childList: true, subtree: true });
  });
  const page = await context.newPage();
  await page.goto(server.page);
  await page.getByRole("button", { name: "Sign in →" }).click();
  await page.getByRole("button", { name: "Use a password instead" }).click();
  const dialog = page.getByRole("dialog", { name: "Sign in with your password" });
  await dialog.getByLabel("Email").fill("subscriber@example.com");
  await dialog.getByLabel("Password").fill("paywall-demo");
  await dialog.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.locator(".paywall-unlocked section").nth(3).waitFor();
  await page.close();
  return context;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

async function runs(name, measure) {
  await measure(); // not counted: the browser's own first-use costs land here
  const times = [];
  for (let run = 1; run <= loads; run++) {
    times.push(await measure());
    console.error(`${name} ${run}/${loads}: ${times.at(-1).toFixed(1)} ms`);
  }
  return { median: median(times), min: Math.min(...times), max: Math.max(...times) };
}

try {
  const rows = [
    ["First click on Sign in → email field focused, widget loaded at idle (loopback)", await runs("idle", () => afterIdle())],
    ["… the click starting the widget's load (loopback)", await runs("click", () => clickLoads())],
    ["… widget loaded at idle, Fast 4G", await runs("idle 4G", () => afterIdle(FAST_4G))],
    ["… the click starting the widget's load, Fast 4G", await runs("click 4G", () => clickLoads(FAST_4G))],
  ];
  const context = await signedInContext();
  rows.push(["Subscriber with a stored session: DOMContentLoaded → unlocked sections on screen", await runs("subscriber", () => subscriber(context))]);
  await context.close();
  const ms = (value) => `${value.toFixed(1)} ms`;
  console.log(
    [
      `${loads} runs each after one not counted, fresh browser context each (the subscriber's: one context, signed in once, its cache warm as a returning reader's is), medians. "Fast 4G" is DevTools' preset: 9 Mbit/s down, 1.5 Mbit/s up, 165 ms latency.`,
      "",
      "| Timing | median | min | max |",
      "|---|---:|---:|---:|",
      ...rows.map(([label, { median, min, max }]) => `| ${label} | ${ms(median)} | ${ms(min)} | ${ms(max)} |`),
    ].join("\n"),
  );
} finally {
  await browser.close();
  server.stop();
}
