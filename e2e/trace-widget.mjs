// Where our widget's main-thread time goes on the demo page, from a Chromium trace: each load
// (fresh context, empty cache) is traced from navigation until the prompt is in the widget's
// shadow DOM, and the main thread's busy time is split by kind (HTML parse, compiling and
// running the loader and glue, compiling and instantiating the WebAssembly, the widget's
// first render, style and layout, paint, GC). Also the network waterfall of the widget's
// requests relative to DOMContentLoaded, and, from as many more loads with V8's sampling
// profiler on, whether the first render's time is spent in wasm, in the glue or in the DOM.
// Prints medians as markdown. A tool for looking, not used by the tests.
//
//   node e2e/trace-widget.mjs [loads]     (PAYWALL_SERVER_BIN, PAYWALL_SITE as for the tests)
import { launchBrowser, PROMPT, startServer } from "./harness.mjs";

const loads = Number(process.argv[2] ?? 5);
if (!Number.isInteger(loads) || loads < 1) throw new Error(`loads must be a whole number ≥ 1, not ${process.argv[2]}`);

const CATEGORIES = [
  "devtools.timeline",
  "disabled-by-default-devtools.timeline",
  "v8",
  "v8.execute",
  "v8.wasm",
  "disabled-by-default-v8.wasm.detailed",
  "disabled-by-default-v8.compile",
  "disabled-by-default-v8.gc",
  "blink.user_timing",
  "loading",
];
/** V8's sampler, for the loads that split the render between wasm, glue and DOM. */
const PROFILER = ["disabled-by-default-v8.cpu_profiler", "disabled-by-default-v8.cpu_profiler.hires"];

/**
 * Marks `prompt-shown` (a user-timing mark, so it is in the trace) when the prompt's text is
 * in a widget's shadow root, watched by MutationObservers on the document and on every
 * shadow root as it is attached: no polling, which would add work of its own.
 */
function markPrompt(prompt) {
  if (window !== window.top) return;
  let resolveShown;
  window.__promptShown = new Promise((resolve) => (resolveShown = resolve));
  const check = () => {
    const shown = [...document.querySelectorAll(".paywall-widget")].some((host) =>
      host.shadowRoot?.textContent.includes(prompt),
    );
    if (shown) {
      performance.mark("prompt-shown");
      observer.disconnect();
      resolveShown();
    }
  };
  const observer = new MutationObserver(check);
  const watch = (node) => observer.observe(node, { childList: true, subtree: true, characterData: true });
  watch(document);
  const attachShadow = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) {
    const root = attachShadow.call(this, init);
    watch(root);
    return root;
  };
}

/** One traced load of the demo page in a fresh context that may fetch from loopback only. */
async function traceLoad(browser, url, categories) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    // Chromium blocks the rest itself: a Playwright route would add a round trip to this
    // process to every request, and the widget's requests form a chain.
    await cdp.send("Network.setBlockedURLs", {
      urlPatterns: [
        { urlPattern: "http://127.0.0.1:*/*", block: false },
        { urlPattern: "http://localhost:*/*", block: false },
        { urlPattern: "*://*:*/*", block: true },
      ],
    });
    await page.addInitScript(markPrompt, PROMPT);
    await browser.startTracing(page, { categories });
    await page.goto(url);
    // Awaited through CDP: Playwright's waitForFunction would poll in the page, adding work.
    const shown = cdp.send("Runtime.evaluate", { expression: "window.__promptShown", awaitPromise: true });
    const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error("no prompt within 20 s")), 20_000).unref());
    await Promise.race([shown, timeout]);
    const trace = JSON.parse(await browser.stopTracing());
    return trace.traceEvents ?? trace;
  } finally {
    await context.close();
  }
}

/** The widget's files and requests, by what they are. */
function requestKind(url) {
  const path = new URL(url).pathname;
  if (path === "/") return "page (HTML)";
  if (path === "/paywall.js") return "loader `/paywall.js`";
  if (/^\/paywall\.[0-9a-f]+\.js$/.test(path)) return "glue `/paywall.<hash>.js`";
  if (/^\/paywall_bg\.[0-9a-f]+\.wasm$/.test(path)) return "wasm `/paywall_bg.<hash>.wasm`";
  if (path.startsWith("/v1/articles/")) return "article summary `/v1/articles/…`";
  if (path.startsWith("/v1/offers")) return "offers `/v1/offers`";
  return path;
}

/**
 * The kinds of main-thread time, in the order printed. An event's own time (its duration less
 * its children's) goes to the first kind that names it, else to its nearest ancestor's kind.
 * `phase` says whether the wasm was instantiated yet.
 */
const KINDS = [
  ["HTML parse (a bare page has it too)", (e) => e.name === "ParseHTML"],
  ["page setup: commit, parser, JS context (a bare page has it too)", (e) => /^(DocumentLoader::|HTMLDocumentParser::|LocalWindowProxy::|V8\.DeserializeContext$|ContextCreatedNotification$|InstallConditionalFeatures$|CommitLoad$)/.test(e.name)],
  ["GC", (e) => /GC|Scavenge|Sweep|Mark-?Compact/i.test(e.name)],
  // The page's only scripts are the loader, the glue and this script's observer; a function
  // compiled on its first call often has no URL on the stack (a promise callback), so one row.
  ["JS parse & compile: loader + glue (modules, and functions compiled on first call)", (e) => isCompile(e)],
  ["wasm compile: streaming (main-thread part)", (e) => /^(wasm\.(StartStreamingCompilation|OnBytesReceived|FinishStreaming|WasmStreaming\.Unpack|InitializeStreaming|GetStreamingCompilationOwnership|AsyncCompileJob|FinishAsyncCompile|OnCompilationSucceeded|NewNativeModule|BaselineFinished|SetUrl|ProcessModuleHeader|Debug\.OnAfterCompile)|v8\.wasm\.(compileConsume|compileConsumeDone|streamFromResponseCallback))$/.test(e.name)],
  ["wasm compile: Liftoff, lazily on first call", (e) => /^wasm\.(CompileLazy|CompileBaseline)$/.test(e.name)],
  ["wasm compile: TurboFan tier-up", (e) => /^wasm\.(.*TopTier.*|TriggerTierUp|ExecuteCompilationUnits)$/.test(e.name)],
  ["wasm instantiate (incl. start function)", (e) => /^wasm\.(SyncInstantiate|AsyncInstantiate|InstanceBuilder\.Build|ExecuteStartFunction)$/.test(e.name)],
  ["code logging for the tracer (not in untraced loads)", (e) => /^(wasm\.LogCode|V8\.LogCode|wasm\.LogWasmCodes)$/.test(e.name)],
  ["JS run: loader + glue module evaluation, up to init()", (e, phase) => isRun(e) && phase === "before wasm"],
  ["widget's first render: JS→wasm calls (wasm, glue, the DOM calls they make)", (e, phase) => isRun(e) && phase === "after wasm"],
  ["style & layout: before the wasm is instantiated (the page's own)", (e, phase) => isStyleOrLayout(e) && phase === "before wasm"],
  ["style & layout: after (the widget's DOM)", (e) => isStyleOrLayout(e)],
  ["paint & composite: before the wasm is instantiated", (e, phase) => isPaint(e) && phase === "before wasm"],
  ["paint & composite: after", (e) => isPaint(e)],
];
const OTHER = "other (task overhead, IPC, event dispatch)";

function isStyleOrLayout(e) {
  return /^(UpdateLayoutTree|RecalculateStyles|Layout|ParseAuthorStyleSheet)$/.test(e.name);
}
function isPaint(e) {
  return /^(Paint|PrePaint|Layerize|Commit|UpdateLayer|CompositeLayers|PaintImage|Decode Image)$/.test(e.name);
}
function isCompile(e) {
  return /^(V8\.(Compile.*|Parse.*|PreParse|StreamingFinalization\..*|OffThreadFinalization\..*|CollectSourcePositions|FinalizeBaselineConcurrentCompilation)|v8\.(compileModule|produceModuleCache|compile))$/.test(e.name);
}
function isRun(e) {
  return /^(v8\.evaluateModule|v8\.callFunction|v8\.run|FunctionCall|EvaluateScript|RunMicrotasks|TimerFire|FireAnimationFrame|V8\.Execute|v8\.newInstance)$/.test(e.name);
}

/** The wasm's instantiation: the outermost of its events on the main thread. */
function instantiation(events) {
  const candidates = events.filter((e) => e.name === "wasm.AsyncInstantiate" || e.name === "wasm.SyncInstantiate");
  if (!candidates.length) throw new Error("the trace shows no wasm instantiation");
  return candidates.sort((a, b) => b.dur - a.dur)[0];
}

/** The numbers of one load: main-thread time by kind, the waterfall, background work. */
function analyse(events) {
  const threadName = new Map();
  for (const e of events) if (e.ph === "M" && e.name === "thread_name") threadName.set(`${e.pid}:${e.tid}`, e.args.name);
  const documentRequest = events.find(
    (e) => e.name === "ResourceSendRequest" && e.args.data.resourceType === "Document",
  );
  const pid = documentRequest.pid;
  const inRenderer = events.filter((e) => e.pid === pid);
  const mainTid = documentRequest.tid;
  const main = inRenderer.filter((e) => e.tid === mainTid);
  const dcl = main.find((e) => e.name === "MarkDOMContent" && e.ts > documentRequest.ts && e.args.data.isMainFrame);
  const prompt = main.find((e) => e.name === "prompt-shown");
  const instantiated = instantiation(main);
  const navigationStart = events.filter((e) => e.name === "navigationStart" && e.ts <= documentRequest.ts).at(-1);
  const from = navigationStart?.ts ?? documentRequest.ts;
  const ms = (ts) => (ts - dcl.ts) / 1000;

  // Complete events of the main thread, nested by time: each event's own time (its duration
  // less its children's) goes to the kind of the innermost event, or ancestor, that has one.
  const complete = main
    .filter((e) => e.ph === "X" && e.dur !== undefined && e.ts >= from && e.ts < prompt.ts)
    .sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const byKind = new Map([...KINDS.map(([name]) => [name, 0]), [OTHER, 0]]);
  const nodes = [];
  const stack = [];
  let busy = 0;
  for (const e of complete) {
    while (stack.length && stack.at(-1).end <= e.ts) stack.pop();
    const parent = stack.at(-1);
    if (parent) parent.childTime += e.dur;
    else busy += e.dur;
    const phase = e.ts >= instantiated.ts ? "after wasm" : "before wasm";
    const own = KINDS.find(([, matches]) => matches(e, phase))?.[0];
    const node = { end: e.ts + e.dur, dur: e.dur, childTime: 0, kind: own ?? parent?.kind ?? OTHER };
    nodes.push(node);
    stack.push(node);
  }
  for (const node of nodes) {
    byKind.set(node.kind, byKind.get(node.kind) + Math.max(0, node.dur - node.childTime) / 1000);
  }

  // Work other threads of the renderer did for the widget meanwhile.
  const background = new Map();
  for (const e of inRenderer) {
    if (e.tid === mainTid || e.ph !== "X" || e.ts < from || e.ts > prompt.ts) continue;
    const kind = /^wasm\./.test(e.name)
      ? "wasm validate/compile"
      : /^(v8\.parseOnBackground|V8\.CompileCodeBackground|BackgroundCompileTask::Run)$/.test(e.name)
        ? "JS streaming parse/compile"
        : undefined;
    if (!kind) continue;
    const key = `${kind} (${threadName.get(`${e.pid}:${e.tid}`)})`;
    background.set(key, (background.get(key) ?? 0) + e.dur / 1000);
  }

  // The network stack's own times (requestTime, finishTime: seconds on the trace's clock),
  // not the events' timestamps: those say when the busy main thread got round to them.
  const waterfall = new Map();
  for (const e of inRenderer) {
    const data = e.args?.data;
    if (!data?.requestId) continue;
    if (e.name === "ResourceSendRequest") waterfall.set(data.requestId, { kind: requestKind(data.url), asked: ms(e.ts) });
    const entry = waterfall.get(data.requestId);
    if (!entry) continue;
    if (e.name === "ResourceReceiveResponse" && data.timing) {
      const start = data.timing.requestTime * 1e6;
      entry.sent = ms(start + data.timing.sendStart * 1000);
      entry.headers = ms(start + data.timing.receiveHeadersEnd * 1000);
      entry.newConnection = data.timing.connectStart >= 0 ? 1 : 0;
    }
    if (e.name === "ResourceFinish") {
      entry.finished = data.finishTime ? ms(data.finishTime * 1e6) : undefined;
      entry.seen = ms(e.ts);
    }
  }

  return {
    busy: busy / 1000,
    byKind,
    background,
    waterfall: [...waterfall.values()],
    marks: {
      "navigation start": navigationStart ? ms(navigationStart.ts) : undefined,
      "wasm instantiated": ms(instantiated.ts + instantiated.dur),
      "prompt in the shadow DOM": ms(prompt.ts),
    },
  };
}

/**
 * From a load traced with the sampler: the time between the wasm's instantiation and the
 * prompt by the innermost frame of each sample (a sample lasts until the next one), the time
 * with a wasm frame anywhere on the stack, and the most sampled glue and browser functions.
 */
function renderSamples(events) {
  const documentRequest = events.find((e) => e.name === "ResourceSendRequest" && e.args.data.resourceType === "Document");
  const inRenderer = events.filter((e) => e.pid === documentRequest.pid);
  const instantiated = instantiation(inRenderer);
  const prompt = inRenderer.find((e) => e.name === "prompt-shown");
  const nodes = new Map();
  const samples = [];
  for (const profile of inRenderer.filter((e) => e.name === "Profile")) {
    let time = profile.args.data.startTime;
    for (const chunk of inRenderer.filter((e) => e.name === "ProfileChunk" && e.id === profile.id)) {
      const data = chunk.args.data.cpuProfile ?? {};
      for (const node of data.nodes ?? []) nodes.set(node.id, node);
      const deltas = chunk.args.data.timeDeltas ?? [];
      (data.samples ?? []).forEach((id, i) => samples.push({ id, time: (time += deltas[i] ?? 0) }));
    }
  }
  const underWasm = (id) => {
    for (let node = nodes.get(id); node; node = nodes.get(node.parent)) if (node.callFrame.codeType === "wasm") return true;
    return false;
  };
  const add = (map, key, ms) => map.set(key, (map.get(key) ?? 0) + ms);
  const result = { counts: new Map(), nativeNames: new Map(), glueNames: new Map(), insideWasm: 0 };
  samples.forEach(({ id, time }, i) => {
    if (time < instantiated.ts || time > prompt.ts || i + 1 === samples.length) return;
    const ms = (Math.min(samples[i + 1].time, prompt.ts) - time) / 1000;
    const { codeType, url = "", functionName: name } = nodes.get(id)?.callFrame ?? {};
    if (name === "(idle)") return;
    const script = url ? requestKind(url) : "";
    let kind;
    if (codeType === "wasm") kind = "wasm (the widget's Rust)";
    else if (script.startsWith("glue")) {
      kind = "glue JS (wasm-bindgen)";
      add(result.glueNames, name || "(anonymous)", ms);
    } else if (script.startsWith("loader")) kind = "loader JS";
    else if (name === "js-to-wasm" || name === "wasm-to-js") kind = "JS↔wasm call wrappers";
    else if (name === "(garbage collector)") kind = "GC";
    else if (name === "(program)") kind = 'native, no JS frame ("(program)": compiling, Blink\'s own work)';
    else if (name === "check") kind = "this script's prompt observer";
    else {
      kind = "browser APIs called (DOM, fetch, Intl, …)";
      add(result.nativeNames, name, ms);
    }
    add(result.counts, kind, ms);
    if (underWasm(id)) result.insideWasm += ms;
  });
  return result;
}

/** Sums `renderSamples` over loads. */
function addSamples(sum, one) {
  const add = (into, from) => {
    for (const [key, n] of from) into.set(key, (into.get(key) ?? 0) + n);
  };
  add(sum.counts, one.counts);
  add(sum.nativeNames, one.nativeNames);
  add(sum.glueNames, one.glueNames);
  sum.insideWasm += one.insideWasm;
  return sum;
}

const median = (values) => {
  const sorted = values.filter((value) => value !== undefined).sort((a, b) => a - b);
  if (!sorted.length) return undefined;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const fmt = (value) => (value === undefined ? "—" : value.toFixed(1));

const server = await startServer();
const browser = await launchBrowser({ full: true });
const results = [];
let samples;
try {
  // One load first, not counted: the browser's own first-use costs land there.
  await traceLoad(browser, server.page, CATEGORIES);
  for (let load = 1; load <= loads; load++) {
    const result = analyse(await traceLoad(browser, server.page, CATEGORIES));
    console.error(`load ${load}/${loads}: main thread busy ${result.busy.toFixed(1)} ms, prompt ${result.marks["prompt in the shadow DOM"].toFixed(1)} ms after DOMContentLoaded`);
    results.push(result);
  }
  // The sampler's own cost would skew the breakdown above, so it gets loads of its own.
  samples = { counts: new Map(), nativeNames: new Map(), glueNames: new Map(), insideWasm: 0 };
  for (let load = 1; load <= loads; load++) {
    addSamples(samples, renderSamples(await traceLoad(browser, server.page, [...CATEGORIES, ...PROFILER])));
  }
  console.log(`Trace of the demo page, ${loads} loads (fresh context, empty cache), medians. ${await browser.version()}, headless, loopback.`);
} finally {
  await browser.close();
  server.stop();
}

console.log("\nMain thread, navigation to prompt in the shadow DOM (each event's own time, by kind):\n");
console.log("| Kind | ms |\n|---|---:|");
for (const kind of [...KINDS.map(([name]) => name), OTHER]) {
  const value = median(results.map((r) => r.byKind.get(kind)));
  if (value >= 0.05) console.log(`| ${kind} | ${fmt(value)} |`);
}
console.log(`| **busy in all** | **${fmt(median(results.map((r) => r.busy)))}** |`);

console.log("\nOther threads of the renderer, same window:\n");
console.log("| Work | ms |\n|---|---:|");
const backgroundKinds = new Set(results.flatMap((r) => [...r.background.keys()]));
for (const kind of backgroundKinds) console.log(`| ${kind} | ${fmt(median(results.map((r) => r.background.get(kind) ?? 0)))} |`);

console.log("\nNetwork, ms relative to DOMContentLoaded (negative: before it). Asked: the renderer issues the request; sent, headers, finished: the network stack's times; seen: the main thread handles the finished response.\n");
console.log("| Request | asked | sent | headers | finished | seen | new connection |\n|---|---:|---:|---:|---:|---:|---:|");
const requestKinds = [...new Set(results.flatMap((r) => r.waterfall.map((w) => w.kind)))];
for (const kind of requestKinds) {
  const pick = (field) => median(results.map((r) => r.waterfall.find((w) => w.kind === kind)?.[field]));
  const fresh = results.filter((r) => r.waterfall.find((w) => w.kind === kind)?.newConnection).length;
  console.log(`| ${kind} | ${["asked", "sent", "headers", "finished", "seen"].map((f) => fmt(pick(f))).join(" | ")} | ${fresh} of ${results.length} |`);
}
for (const [mark] of Object.entries(results[0].marks)) {
  console.log(`| *${mark}* | ${fmt(median(results.map((r) => r.marks[mark])))} | | | | | |`);
}

console.log(`\nFirst render (wasm instantiated → prompt), ${loads} more loads with V8's sampler on, by each sample's innermost frame (ms per load, mean):\n`);
console.log("| Where | ms | share |\n|---|---:|---:|");
const perLoad = (ms) => (ms / loads).toFixed(1);
const total = [...samples.counts.values()].reduce((sum, ms) => sum + ms, 0);
for (const [kind, ms] of [...samples.counts].sort((a, b) => b[1] - a[1])) {
  console.log(`| ${kind} | ${perLoad(ms)} | ${((100 * ms) / total).toFixed(0)}% |`);
}
console.log(`| **in all** | **${perLoad(total)}** | |`);
const top = (byName, count) =>
  [...byName].sort((a, b) => b[1] - a[1]).slice(0, count).map(([name, ms]) => `${name} ${perLoad(ms)} ms`).join(", ");
console.log(`\nWith a wasm frame anywhere on the stack: ${perLoad(samples.insideWasm)} ms (${((100 * samples.insideWasm) / total).toFixed(0)}%).`);
console.log(`Glue functions most sampled: ${top(samples.glueNames, 6)}.`);
console.log(`Browser functions most sampled: ${top(samples.nativeNames, 6)}.`);
