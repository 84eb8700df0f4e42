// Benchmark: what a paywall costs the article page it is added to. The same demo article is
// loaded bare, with our widget, with Ghost Portal and with the Unlock Protocol paywall, each
// load in a fresh browser context (empty cache), and the medians are printed as a markdown
// table: bytes on the wire, main-thread task time and JS heap over the bare page, the time
// to the prompt, and layout shift. Only stdout is the table; progress goes to stderr.
//
//   PAYWALL_BENCH_PEERS=.tools/bench/node_modules node e2e/bench-pages.mjs [loads]
//
// The peers come from npm (see PEERS below) and are served by a small server in this script,
// precompressed (brotli 11, gzip 9) and cached in memory, as the paywall server serves our
// widget. Their backends are stubs on that server: nothing leaves 127.0.0.1.
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { brotliCompressSync, constants as zlib, gzipSync } from "node:zlib";
import { launchBrowser, PROMPT, startServer } from "./harness.mjs";
import { articlePage } from "./publisher-site.mjs";

const loads = Number(process.argv[2] ?? 5);
if (!Number.isInteger(loads) || loads < 1) throw new Error(`loads must be a whole number ≥ 1, not ${process.argv[2]}`);
const peers = process.env.PAYWALL_BENCH_PEERS;
if (!peers) {
  console.error("PAYWALL_BENCH_PEERS must name the node_modules holding @tryghost/portal and @unlock-protocol/paywall");
  process.exit(2);
}
const site = process.env.PAYWALL_SITE ?? join(dirname(fileURLToPath(import.meta.url)), "..");
const articleHtml = readFileSync(join(site, "index.html"), "utf8");
const ourScript = /\s*<script type="module" src="\/paywall\.js"[^>]*><\/script>/;
if (!ourScript.test(articleHtml)) throw new Error("index.html no longer loads /paywall.js as this script expects");

/** The bare article: index.html without the paywall's script tag. */
const bareHtml = articleHtml.replace(ourScript, "");

/** `html` with `tags` added at the end of <head> and of <body>. */
const withTags = (html, { head = "", body = "" }) =>
  html.replace("</head>", `${head}\n</head>`).replace("</body>", `${body}\n</body>`);

// Ghost injects Portal into <head> ({{ghost_head}}) with these attributes; data-ghost is the
// site (members API), data-api and data-key its Content API. Both point at the stubs below.
const ghostHtml = (origin) =>
  withTags(bareHtml, {
    head: `  <script defer src="/peers/portal.min.js" data-i18n="true" data-ghost="${origin}/" data-key="bench0000000000000000000000" data-api="${origin}/ghost/api/content/" data-locale="en" crossorigin="anonymous"></script>`,
  });

// Unlock's documented embed: the page sets window.unlockProtocolConfig and inserts the CDN
// script (unlock.latest.min.js) asynchronously. Our copy of that script is built below from
// the npm package. The lock is made up; an anonymous reader's check needs no request.
const unlockHtml = withTags(bareHtml, {
  body: `  <script>
    window.unlockProtocolConfig = {
      network: 1,
      locks: { "0x0000000000000000000000000000000000000b07": { network: 1, name: "Premium" } },
      pessimistic: true,
    };
    (function (d, s) {
      var js = d.createElement(s), sc = d.getElementsByTagName(s)[0];
      js.src = "/peers/unlock.latest.min.js";
      sc.parentNode.insertBefore(js, sc);
    })(document, "script");
  </script>`,
});

// The CDN build of Unlock (paywall-app/lib/cdn.js) is the package's library with Postmate
// bundled in and a few lines that read the config. The npm package has the library as UMD
// expecting a global Postmate, so the same script is the two UMD files plus those lines,
// written for this version's API (new Paywall(networks), then setPaywallConfig). Every
// network's RPC URL points at a loopback 404.
const unlockCdnInit = `
;(function () {
  var unlock = window["@unlock-protocol/paywall"];
  var config = window.unlockProtocolConfig;
  if (!config) return console.error("Missing window.unlockProtocolConfig");
  config.network = parseInt(config.network || 1, 10);
  var networks = {};
  Object.keys(unlock.networkConfigs).forEach(function (id) {
    networks[id] = Object.assign({}, unlock.networkConfigs[id], { provider: location.origin + "/unlock-rpc/" + id });
  });
  var paywall = new unlock.Paywall(networks);
  paywall.setPaywallConfig(config);
  unlock.setupUnlockProtocolVariable({
    loadCheckoutModal: paywall.loadCheckoutModal,
    getUserAccountAddress: paywall.getUserAccountAddress,
    getState: paywall.getState,
  });
})();
`;

const peerFile = (path) => readFileSync(join(peers, path), "utf8");
const version = (name) => JSON.parse(peerFile(`${name}/package.json`)).version;
const PEERS = {
  ghost: { package: "@tryghost/portal", version: version("@tryghost/portal") },
  unlock: { package: "@unlock-protocol/paywall", version: version("@unlock-protocol/paywall") },
};

// Ghost's answers for an anonymous visitor to a site with free signup and the floating Portal
// button on: the few settings Portal reads, one free tier, no newsletters. Without settings
// Portal draws nothing (its button is off unless the site says otherwise). The member
// endpoint answers 204, as Ghost does for a visitor who is not signed in.
const ghostStubs = (origin) => ({
  "/ghost/api/content/settings/": {
    settings: {
      title: "The Platform",
      description: "A weekly letter on how people and goods move",
      url: `${origin}/`,
      locale: "en",
      accent_color: "#1f6feb",
      members_enabled: true,
      members_invite_only: false,
      members_signup_access: "all",
      paid_members_enabled: false,
      allow_self_signup: true,
      portal_button: true,
      portal_name: true,
      portal_plans: ["free"],
      portal_button_style: "icon-and-text",
      portal_button_icon: null,
      portal_button_signup_text: "Subscribe",
      portal_signup_terms_html: null,
      portal_signup_checkbox_required: false,
      recommendations_enabled: false,
      comments_enabled: "off",
    },
  },
  "/ghost/api/content/tiers/": {
    tiers: [{ id: "free", name: "Free", slug: "free", type: "free", active: true, visibility: "public", description: null, benefits: [] }],
  },
  "/ghost/api/content/newsletters/": { newsletters: [] },
});
const GHOST_MEMBER = "/members/api/member/";

/** `bytes` in the encodings a browser may ask for, made once. */
function encoded(bytes, type, cache) {
  const raw = Buffer.from(bytes);
  return {
    type,
    cache,
    raw,
    br: brotliCompressSync(raw, {
      params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: raw.length },
    }),
    gzip: gzipSync(raw, { level: 9 }),
  };
}

/** The pages, the peers' scripts and Ghost's stubs on 127.0.0.1, every answer precompressed. */
async function startPageServer() {
  const files = new Map();
  const server = createServer((request, response) => {
    const path = new URL(request.url, "http://x").pathname;
    const file = files.get(path);
    if (path === GHOST_MEMBER) return response.writeHead(204).end();
    if (!file) return response.writeHead(404, { "content-type": "text/plain" }).end("not found");
    const accepts = request.headers["accept-encoding"] ?? "";
    const [body, encoding] = /\bbr\b/.test(accepts) ? [file.br, "br"] : /\bgzip\b/.test(accepts) ? [file.gzip, "gzip"] : [file.raw];
    response.writeHead(200, {
      "content-type": file.type,
      "cache-control": file.cache,
      "content-length": body.length,
      vary: "accept-encoding",
      ...(encoding && { "content-encoding": encoding }),
    });
    response.end(body);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  const html = (text) => encoded(text, "text/html; charset=utf-8", "no-cache");
  const script = (text) => encoded(text, "text/javascript", "public, max-age=31536000, immutable");
  const json = (value) => encoded(JSON.stringify(value), "application/json", "no-cache");
  files.set("/bare.html", html(bareHtml));
  files.set("/ghost.html", html(ghostHtml(origin)));
  files.set("/unlock.html", html(unlockHtml));
  files.set("/peers/portal.min.js", script(peerFile("@tryghost/portal/umd/portal.min.js")));
  files.set(
    "/peers/unlock.latest.min.js",
    script(
      peerFile("postmate/build/postmate.min.js") +
        "\n" +
        peerFile("@unlock-protocol/paywall/dist/unlock.latest.umd.js") +
        unlockCdnInit,
    ),
  );
  for (const [path, body] of Object.entries(ghostStubs(origin))) files.set(path, json(body));
  return { origin, files, close: () => new Promise((resolve) => server.close(resolve)) };
}

/**
 * Installed in every page before its own scripts: sums layout shifts, and stamps
 * `performance.now()` the first time the page's prompt condition holds. The condition is
 * checked on every DOM mutation, in the document, in every shadow root (attachShadow is
 * wrapped to observe them) and in same-origin iframes (Portal draws in iframes, and each
 * iframe's load is caught on its way down). No requestAnimationFrame polling: asking for
 * every frame would make Chromium render frames the page would not, and count them.
 */
function instrumentPage({ kind, prompt }) {
  if (window !== window.top) return; // Playwright runs init scripts in every frame
  let resolveShown;
  const whenShown = new Promise((resolve) => (resolveShown = resolve));
  const bench = (window.__bench = { cls: 0, shown: undefined, whenShown });
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (!entry.hadRecentInput) bench.cls += entry.value;
  }).observe({ type: "layout-shift", buffered: true });

  const shown = {
    bare: () => false,
    // The prompt the loader drew from the server's answer, or the widget's own.
    ours: () =>
      [...document.querySelectorAll(".paywall-facade, .paywall-widget:not([hidden])")].some((host) =>
        host.shadowRoot?.textContent.includes(prompt)),
    // Portal's floating button: an iframe whose document holds the button.
    ghost: () =>
      [...document.querySelectorAll("#ghost-portal-root iframe")].some((frame) => {
        try {
          return !!frame.contentDocument?.querySelector(".gh-portal-triggerbtn-wrapper");
        } catch {
          return false;
        }
      }),
    // Unlock draws nothing on the page: its answer is the status event (stamped below).
    unlock: () => false,
  }[kind === "oursIntent" ? "ours" : kind];
  const stamp = () => {
    if (bench.shown !== undefined) return;
    bench.shown = performance.now();
    observer.disconnect();
    resolveShown();
  };
  const observed = new WeakSet();
  const check = () => {
    if (bench.shown !== undefined) return;
    for (const frame of document.querySelectorAll("iframe")) {
      try {
        if (frame.contentDocument && !observed.has(frame.contentDocument)) observe(frame.contentDocument);
      } catch {}
    }
    if (shown()) stamp();
  };
  const observer = new MutationObserver(check);
  const observe = (node) => {
    observed.add(node);
    observer.observe(node, { childList: true, subtree: true, characterData: true });
  };
  observe(document);
  const attachShadow = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) {
    const root = attachShadow.call(this, init);
    observe(root);
    return root;
  };
  document.addEventListener("load", check, true);
  addEventListener("unlockProtocol.status", (event) => {
    if (kind === "unlock" && event.detail?.state === "locked") stamp();
  });
}

/**
 * A fresh context (empty cache) and page that may fetch from loopback only. Not the harness's
 * openContext: its Playwright route sends every request through this process before it goes
 * out, a round trip per request, and after the HTML our page makes a chain of five dependent
 * requests where Portal makes three and Unlock one. Chromium blocks everything else itself
 * (Network.setBlockedURLs), and any blocked request is reported with the run.
 */
async function openLoopbackPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setBlockedURLs", {
    urlPatterns: [
      { urlPattern: "http://127.0.0.1:*/*", block: false },
      // Our article is on the publisher's site, as in a deployment.
      { urlPattern: "http://localhost:*/*", block: false },
      { urlPattern: "*://*:*/*", block: true },
    ],
  });
  return { context, page, cdp, errors };
}

/** One load of `url` in a fresh context: the numbers of one column, one run. */
async function measure(browser, url, kind) {
  const { context, page, cdp, errors } = await openLoopbackPage(browser);
  try {
    page.setDefaultTimeout(20_000);
    await page.addInitScript(instrumentPage, { kind, prompt: PROMPT });
    const requests = new Map();
    cdp.on("Network.requestWillBeSent", ({ requestId, request }) => requests.set(requestId, { url: request.url }));
    cdp.on("Network.responseReceived", ({ requestId, response }) => {
      const entry = requests.get(requestId);
      // The headers' bytes so far: all there is of a response whose body is never read
      // (Chromium reports Portal's 204 as canceled, with no loadingFinished).
      if (entry) Object.assign(entry, { status: response.status, bytes: response.encodedDataLength });
    });
    cdp.on("Network.loadingFinished", ({ requestId, encodedDataLength }) => {
      const entry = requests.get(requestId);
      if (entry) entry.bytes = encodedDataLength;
    });
    cdp.on("Network.loadingFailed", ({ requestId, errorText, canceled, blockedReason }) => {
      const entry = requests.get(requestId);
      if (entry) entry.failed = blockedReason ? `blocked: ${blockedReason}` : canceled ? "canceled" : errorText;
    });
    await cdp.send("Performance.enable");
    await page.goto(url, { waitUntil: "load" });
    // Through CDP, not Playwright's waitForFunction or evaluate: those poll in the page and
    // inject Playwright's own scripts, main-thread work the bare page would not get.
    if (kind !== "bare") await inPage(cdp, "window.__bench.whenShown");
    // Settled: nothing on the network for 500 ms, then one more second for idle-time work.
    await page.waitForLoadState("networkidle");
    await page.waitForTimeout(1000);
    const metric = async (name) => (await cdp.send("Performance.getMetrics")).metrics.find((m) => m.name === name)?.value;
    const taskSeconds = await metric("TaskDuration");
    const scriptSeconds = await metric("ScriptDuration");
    await cdp.send("HeapProfiler.collectGarbage");
    const heap = await metric("JSHeapUsedSize");
    const wasmMemory = await wasmMemoryBytes(cdp);
    const timing = await inPage(
      cdp,
      `({ shown: __bench.shown, cls: __bench.cls, dclEnd: performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd })`,
    );
    const files = [...requests.values()].filter((entry) => entry.bytes !== undefined);
    const refused = [...requests.values()].filter((entry) => entry.bytes === undefined).map((entry) => `${entry.url} (${entry.failed})`);
    const fromPaywall = files.filter((entry) => entry.url.startsWith(server.url));
    return {
      bytes: files.reduce((sum, entry) => sum + entry.bytes, 0),
      paywallBytes: fromPaywall.reduce((sum, entry) => sum + entry.bytes, 0),
      requests: files.length,
      files,
      taskMs: taskSeconds * 1000,
      scriptMs: scriptSeconds * 1000,
      heap,
      wasmMemory,
      dcl: timing.dclEnd,
      shownMs: timing.shown,
      shownAfterDclMs: timing.shown === undefined ? undefined : timing.shown - timing.dclEnd,
      cls: timing.cls,
      errors: [...errors, ...refused.map((what) => `request failed: ${what}`)],
    };
  } finally {
    await context.close();
  }
}

/** The value of `expression` in the page (awaited if a promise), within 20 s. */
async function inPage(cdp, expression) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${expression}`)), 20_000);
  });
  try {
    const { result, exceptionDetails } = await Promise.race([
      cdp.send("Runtime.evaluate", { expression, awaitPromise: true, returnByValue: true }),
      timeout,
    ]);
    if (exceptionDetails) throw new Error(`${expression}: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
    return result.value;
  } finally {
    clearTimeout(timer);
  }
}

/** The bytes of every WebAssembly.Memory in the page's main world: its linear memory. */
async function wasmMemoryBytes(cdp) {
  const { result: prototype } = await cdp.send("Runtime.evaluate", { expression: "WebAssembly.Memory.prototype" });
  const { objects } = await cdp.send("Runtime.queryObjects", { prototypeObjectId: prototype.objectId });
  const { result } = await cdp.send("Runtime.callFunctionOn", {
    objectId: objects.objectId,
    functionDeclaration: "function () { return this.reduce((sum, memory) => sum + memory.buffer.byteLength, 0); }",
    returnByValue: true,
  });
  return result.value;
}

const median = (values) => {
  const sorted = values.filter((value) => value !== undefined).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const server = await startServer();
const pages = await startPageServer();
const browser = await launchBrowser({ full: true });
const columns = [
  { key: "bare", title: "bare", url: `${pages.origin}/bare.html` },
  { key: "ours", title: "ours", url: server.page },
  // The same page with data-paywall-load="intent": the prompt drawn from the server, and no
  // widget until the reader reaches for it; what a reader who only looks at the prompt costs.
  {
    key: "oursIntent",
    title: "ours, prompt only",
    url: server.site.serve(
      "/intent.html",
      articlePage(server.url).replace("data-paywall-api=", 'data-paywall-load="intent" data-paywall-api='),
    ),
  },
  { key: "ghost", title: `Ghost Portal ${PEERS.ghost.version}`, url: `${pages.origin}/ghost.html` },
  { key: "unlock", title: `Unlock ${PEERS.unlock.version}`, url: `${pages.origin}/unlock.html` },
];
const runs = Object.fromEntries(columns.map((column) => [column.key, []]));
try {
  // One round first, not counted: the browser's own first-use costs land there.
  for (let round = 0; round <= loads; round++) {
    for (const column of columns) {
      const result = await measure(browser, column.url, column.key);
      console.error(
        `${round === 0 ? "warm-up" : `load ${round}/${loads}`} ${column.key}: ${result.requests} requests, ${result.bytes} B, ` +
          `tasks ${result.taskMs.toFixed(1)} ms, script ${result.scriptMs.toFixed(1)} ms, heap ${(result.heap / 1024).toFixed(0)} KiB, ` +
          `shown ${result.shownMs?.toFixed(1) ?? "—"} ms, DCL ${result.dcl.toFixed(1)} ms, CLS ${result.cls.toFixed(4)}` +
          (result.errors.length ? `, page errors: ${result.errors.join("; ")}` : ""),
      );
      if (round > 0) runs[column.key].push(result);
    }
  }
  const scores = await lighthouseScores();
  printTable(await browser.version(), scores);
} finally {
  await browser.close();
  await pages.close();
  server.stop();
}

/**
 * Lighthouse's performance score and total blocking time for each column's page, median of 3
 * runs, with its default (mobile) settings: a Moto G Power's screen, its CPU slowed 4×, and
 * its network simulated as slow 4G from the page's own loopback trace.
 */
async function lighthouseScores() {
  const runs = 3;
  const { default: lighthouse } = await import(pathToFileURL(join(peers, "lighthouse/core/index.js")).href);
  const { launch } = await import(pathToFileURL(join(peers, "chrome-launcher/dist/index.js")).href);
  const chrome = await launch({
    chromePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    chromeFlags: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-dev-shm-usage", "--no-first-run"],
  });
  const scores = {};
  try {
    for (const column of columns) {
      const each = [];
      for (let run = 0; run < runs; run++) {
        const { lhr } = await lighthouse(column.url, { port: chrome.port, onlyCategories: ["performance"], logLevel: "error" });
        each.push({ score: lhr.categories.performance.score * 100, tbt: lhr.audits["total-blocking-time"].numericValue, version: lhr.lighthouseVersion });
        console.error(`lighthouse ${column.key} ${run + 1}/${runs}: score ${each.at(-1).score}, TBT ${each.at(-1).tbt.toFixed(0)} ms`);
      }
      scores[column.key] = { score: median(each.map((r) => r.score)), tbt: median(each.map((r) => r.tbt)), version: each[0].version };
    }
  } finally {
    chrome.kill();
  }
  return scores;
}

function printTable(browserVersion, scores) {
  const med = (key, pick) => median(runs[key].map(pick));
  const bare = (pick) => med("bare", pick);
  const kb = (bytes) => `${(bytes / 1000).toFixed(1)} kB`;
  const mb = (bytes) => `${(bytes / 1e6).toFixed(2)} MB`;
  const ms = (value) => `${value.toFixed(1)} ms`;
  const signed = (format) => (value) => (value < 0 ? `−${format(-value)}` : `+${format(value)}`);
  /** One row: `pick` per run, optionally minus the bare page's median; the peers' ratios to ours. */
  const row = (label, pick, format, { added = false, ratio = true, bareCell } = {}) => {
    const value = (key) => {
      const m = med(key, pick);
      return m === undefined ? undefined : added ? m - bare(pick) : m;
    };
    const cell = (key) => {
      if (key === "bare" && bareCell !== undefined) return bareCell;
      const v = value(key);
      return v === undefined ? "—" : added ? signed(format)(v) : format(v);
    };
    const ratioCell = (key) => {
      const [peer, ours] = [value(key), value("ours")];
      if (!ratio || peer === undefined || ours === undefined || ours <= 0 || peer <= 0) return "—";
      return `${(peer / ours).toFixed(1)}×`;
    };
    return `| ${label} | ${columns.map((c) => cell(c.key)).join(" | ")} | ${ratioCell("ghost")} | ${ratioCell("unlock")} |`;
  };
  const lines = [
    `Page benchmark: the demo article bare and with each paywall, ${loads} loads each (fresh browser context, empty cache), medians. Chromium ${browserVersion}, headless, loopback.`,
    "",
    `| Metric | ${columns.map((c) => c.title).join(" | ")} | Ghost ÷ ours | Unlock ÷ ours |`,
    `|---|${columns.map(() => "---:").join("|")}|---:|---:|`,
    row("Bytes on the wire, whole page", (r) => r.bytes, kb, { ratio: false }),
    row("Bytes added over bare", (r) => r.bytes, kb, { added: true, bareCell: "—" }),
    row("Requests", (r) => r.requests, (n) => `${n}`, { ratio: false }),
    row("Bytes from the paywall server (loader, prompt, widget, API)", (r) => r.paywallBytes, kb, { ratio: false, bareCell: "—" }),
    row("Main-thread task time (TaskDuration)", (r) => r.taskMs, ms, { ratio: false }),
    row("Task time added over bare", (r) => r.taskMs, ms, { added: true, bareCell: "—" }),
    row("Script time added over bare (ScriptDuration)", (r) => r.scriptMs, ms, { added: true, bareCell: "—" }),
    row("JS heap used after GC", (r) => r.heap, mb, { ratio: false }),
    row("JS heap added over bare", (r) => r.heap, kb, { added: true, bareCell: "—" }),
    row("WebAssembly memory (not in the JS heap)", (r) => r.wasmMemory, kb, { ratio: false }),
    row("JS heap + wasm memory added over bare", (r) => r.heap + r.wasmMemory, kb, { added: true, bareCell: "—" }),
    row("DOMContentLoaded end (from navigation start)", (r) => r.dcl, ms, { ratio: false }),
    row("Prompt shown, from navigation start", (r) => r.shownMs, ms, { bareCell: "—" }),
    row("Prompt shown, from DOMContentLoaded end", (r) => r.shownAfterDclMs, ms, { bareCell: "—" }),
    row("Layout shift (CLS)", (r) => r.cls, (v) => v.toFixed(4), { ratio: false }),
    `| Lighthouse performance score (mobile, median of 3) | ${columns.map((c) => scores[c.key].score.toFixed(0)).join(" | ")} | — | — |`,
    `| Lighthouse total blocking time (mobile, median of 3) | ${columns.map((c) => ms(scores[c.key].tbt)).join(" | ")} | — | — |`,
    "",
    "- Pages: *bare* is `index.html` without its paywall script, served with the peers' pages by the benchmark's node server; " +
      "*ours* is the demo article on the publisher's site (`e2e/publisher-site.mjs`, on `localhost`: the same HTML with the loader tag), with our scripts and API on the paywall server's own origin (`127.0.0.1`), as in a deployment. " +
      "The loader shows the prompt the server drew at once and loads the widget when the browser is idle after `load` (or when the reader reaches for the prompt), so *ours* settles with the widget loaded and in place; " +
      "*ours, prompt only* is the same page with `data-paywall-load=\"intent\"`: the prompt and nothing more, what an anonymous reader who does not touch it costs.",
    "- Bytes: every response's `encodedDataLength` (headers and body as sent). All scripts and the wasm go out brotli 11; our server compresses its HTML on the fly.",
    "- Task and script time: CDP `Performance.getMetrics` once settled (prompt shown, then 0.5 s without requests, then 1 s); the heap after a forced GC. The wasm's linear memory is outside the JS heap, hence its own row.",
    `- Lighthouse ${scores.ours.version}: its default mobile settings (a Moto G Power's screen, CPU slowed 4×, slow 4G simulated from the loopback trace), in its own headless Chromium, each page 3 times; only the performance category. Lighthouse's score weighs its paint metrics and total blocking time; on loopback they mostly measure the CPU.`,
    "- DOMContentLoaded waits for module and `defer` scripts: our loader and its glue, Portal's 2.7 MB bundle. Times are `performance.now()`, stamped in the page by a MutationObserver.",
    `- Prompt shown: ours, the prompt's text in a shadow root (the loader's drawing of it, or the widget's). Ghost (${PEERS.ghost.package}): Portal's floating Subscribe button drawn in its iframe; Portal draws it only once its settings stub says so, and Ghost locks a post's text on its server, not in Portal. ` +
      `Unlock (${PEERS.unlock.package}): its \`unlockProtocol.status\` "locked" event, as Unlock draws nothing until a click opens its checkout (an iframe of its own app); the publisher shows its own call to action on that event. ` +
      "Unlock's script is the package's UMD build with Postmate and the few lines of Unlock's CDN entry (`paywall-app/lib/cdn.js`) in one file, as its CDN serves it.",
    "",
    "Our files (median bytes on the wire):",
    "",
    "| File | Bytes |",
    "|---|---:|",
    ...ourFiles().map(([path, bytes]) => `| \`${path}\` | ${kb(bytes)} |`),
  ];
  console.log(lines.join("\n"));
}

/** Each file of our page, by path, with its median bytes on the wire. */
function ourFiles() {
  const byPath = new Map();
  for (const run of runs.ours) {
    for (const file of run.files) {
      const path = new URL(file.url).pathname.replace(/\/v1\/articles\/[^/]*/, "/v1/articles/…");
      byPath.set(path, [...(byPath.get(path) ?? []), file.bytes]);
    }
  }
  return [...byPath].map(([path, sizes]) => [path, median(sizes)]);
}
