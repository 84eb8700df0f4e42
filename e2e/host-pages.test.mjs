// The widget on publishers' pages as they are in the wild, each page on the publisher's own
// site (another origin than the paywall server), one page per condition: strict
// Content-Security-Policies, Trusted Types, every way a script tag arrives, single-page apps,
// patched globals, blocked storage, small screens, right-to-left text, and the failures that
// must end in the plain Subscribe link. Every page that can work is read through to the end:
// the prompt, a sign-in, the locked sections in place.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import esbuild from "esbuild";
import {
  LOCKED_TITLES, assertNoLockedText, dialog, launchBrowser, lockedPhrases, openContext,
  promptOn, signInWithPassword, snippet, startServer, typePassword, unlockedTitles,
  waitForPlainLink, waitUnlocked, wholeDom,
} from "./harness.mjs";
import { startSite } from "./publisher-site.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
/** The demo's article element, as the publisher's server renders it. */
const ARTICLE = readFileSync(join(root, "index.html"), "utf8").match(/<article[\s\S]*?<\/article>/)[0];
const ARTICLE_ID = ARTICLE.match(/data-paywall="([^"]+)"/)[1];
const FREE = "At a quarter to ten on a Tuesday evening";
/** A second story, for client-side navigation. */
const OTHER = {
  id: "harbour-ferries",
  title: "The harbour ferries' new timetable",
  section: "Inside the timetable",
  sentence: "Only readers of the ferry story may see this sentence about the twelve-minute peak.",
};

let server;
let browser;

before(async () => {
  server = await startServer({ PAYWALL_TRUSTED_PROXIES: "127.0.0.1", PAYWALL_DEMO_PUBLIC: "true" });
  browser = await launchBrowser();
  // The frameworks a publisher's app runs on, served by their site.
  for (const [name, file] of [
    ["react", "react/umd/react.production.min.js"],
    ["react-dom", "react-dom/umd/react-dom.production.min.js"],
    ["vue", "vue/dist/vue.global.prod.js"],
  ]) {
    server.site.serve(`/vendor/${name}.js`, readFileSync(join(root, "e2e/node_modules", file)), {}, "text/javascript");
  }
  await server.admin("PUT", `/v1/admin/articles/${OTHER.id}`, {
    title: OTHER.title,
    tier: "premium",
    sections: [{ title: OTHER.section, html: `<p>${OTHER.sentence}</p>` }],
  });
});

after(async () => {
  await browser?.close();
  server?.stop();
});

/**
 * A publisher's article page: the demo article in <main> (or `main`), the loader's tag as
 * `tag` gives it (default: the README's), `head` in <head>; no inline style or script but
 * what is given.
 */
function hostPage({ tag = snippet("tag", server.url), head = "", main = ARTICLE, html = 'lang="en"', doctype = "<!doctype html>", end = "" } = {}) {
  return `${doctype}
<html ${html}>
<head>
<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>A publisher's story</title>
${head}
</head>
<body>
<main>${main}</main>
${tag}
${end}
</body>
</html>`;
}

let served = 0;

/**
 * Serves `html` (or what the function returns, on every request) with these headers at a new
 * address of the publisher's site (or `site`), and opens it in a fresh browser of its own.
 */
function visit(html, { headers = {}, site = server.site, ...options } = {}) {
  return open(site.serve(`/stories/${++served}.html`, html, headers), options);
}

/**
 * Opens `url` in a fresh browser of its own (after `init` in every page, and `prepare` on its
 * context), recording the console and what the page's policy refused.
 */
async function open(url, { init, viewport, prepare } = {}) {
  const session = await openContext(browser, viewport ? { viewport } : {});
  await prepare?.(session.context);
  const page = await session.context.newPage();
  page.setDefaultTimeout(10_000);
  const logged = [];
  page.on("console", (message) => logged.push(`${message.type()}: ${message.text()}`));
  await page.addInitScript(() => {
    window.refusals = [];
    document.addEventListener("securitypolicyviolation", (event) => {
      if (event.disposition === "enforce") window.refusals.push(`${event.effectiveDirective} ${event.blockedURI}`);
    });
  });
  if (init) await page.addInitScript(init);
  await page.goto(url);
  return { session, page, logged, url };
}

/** The widget's own styles apply: the prompt has its background. */
async function assertStyled(page) {
  const background = await page.evaluate(() => {
    const host = document.querySelector(".paywall-facade, .paywall-widget:not([hidden])");
    return getComputedStyle(host.shadowRoot.querySelector(".prompt")).backgroundColor;
  });
  assert.equal(background, "rgb(246, 247, 249)", "the widget's stylesheet applies");
}

/**
 * A subscriber's whole way in: one styled prompt, Sign in, the password, the four locked
 * sections in place after the free section; nothing refused, thrown or logged as an error.
 */
async function readsTheStory({ session, page, logged }, { then } = {}) {
  // The prompt the loader drew, styled; then the widget's own, in its place.
  await promptOn(page).waitFor();
  await assertStyled(page);
  await page.locator(".paywall-widget .prompt").waitFor();
  await assertStyled(page);
  assert.equal(await page.locator(".paywall-widget").count(), 1, "one widget for the one article");
  await signInWithPassword(page);
  assert.deepEqual(await unlockedTitles(page), LOCKED_TITLES);
  assert.ok(await page.getByText(FREE).isVisible(), "the free section is still there");
  assert.equal(await page.locator(".paywall-widget").count(), 1, "still one widget");
  assert.deepEqual(session.errors, [], "nothing thrown");
  assert.deepEqual(await page.evaluate(() => window.refusals), [], "nothing refused by the page's policy");
  assert.deepEqual(logged.filter((line) => line.startsWith("error")), [], "no error in the console");
  await then?.(page);
  await session.context.close();
}

/**
 * A proxy in front of the paywall server, as a CDN is: while `down`, it answers every request
 * but the origin check with a 503 page of its own, without CORS headers; else it passes them on.
 */
async function startProxy(target) {
  const proxy = http.createServer(async (request, response) => {
    if (proxy.down && !request.url.startsWith("/v1/origins/check")) {
      response.writeHead(503, { "content-type": "text/html" });
      response.end("<h1>Service unavailable</h1>");
      return;
    }
    const chunks = [];
    for await (const chunk of request) chunks.push(chunk);
    const headers = { ...request.headers };
    delete headers.host;
    delete headers["accept-encoding"];
    const answer = await fetch(target + request.url, {
      method: request.method,
      headers,
      body: chunks.length ? Buffer.concat(chunks) : undefined,
    });
    const passed = Object.fromEntries([...answer.headers].filter(([name]) => !["content-length", "content-encoding"].includes(name)));
    response.writeHead(answer.status, passed);
    response.end(Buffer.from(await answer.arrayBuffer()));
  });
  proxy.down = true;
  await new Promise((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  proxy.url = `http://127.0.0.1:${proxy.address().port}`;
  return proxy;
}

/** Polls `condition` until it holds (10 s at most). */
async function until(condition, what) {
  const start = Date.now();
  while (!(await condition())) {
    assert.ok(Date.now() - start < 10_000, `timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The free section and the plain Subscribe link (or the drawn prompt saying signing in is
 * unavailable), no widget, and one console message that matches `why` (what to fix).
 */
async function showsThePlainLink({ session, page, logged }, why) {
  assert.equal(await waitForPlainLink(page), "/subscribe.html");
  assert.equal(await page.locator(".paywall-widget").count(), 0, "no half-drawn widget");
  assert.ok(await page.getByRole("link", { name: "Subscribe" }).isVisible());
  assert.ok(await page.getByText(FREE).isVisible());
  // (A build that reports panics says so first; the shipped one traps without a word.)
  const said = () => logged.filter((line) => line.includes("paywall:") && !line.includes("panicked at"));
  await until(() => said().length > 0, "the console message");
  assert.equal(said().length, 1, `one message: ${said().join("\n")}`);
  assert.match(said()[0], why);
  assertNoLockedText(await wholeDom(page));
  assert.deepEqual(session.errors, [], "nothing thrown at the page");
  await session.context.close();
}

describe("the tag on the publisher's own site", () => {
  it("as the README gives it, from another origin than the paywall server", async () => {
    await readsTheStory(await visit(hostPage()));
  });

  it("on the paywall server's own origin, for a publisher who proxies it under their domain", async () => {
    // The demo page the server itself serves: the widget's files and API on the page's origin.
    await readsTheStory(await open(`${server.url}/`));
  });

  it("when the server does not allow the page's origin, the plain link and what to add", async () => {
    const stranger = await startSite({ paywall: server.url });
    try {
      // A report-only policy that would refuse the API is not what stopped it, and not named.
      const headers = { "content-security-policy-report-only": "connect-src 'none'" };
      await showsThePlainLink(
        await visit(hostPage(), { site: stranger, headers }),
        new RegExp(`add ${stranger.origin.replaceAll(".", "\\.")} to the server's PAYWALL_CORS_ORIGINS`),
      );
    } finally {
      stranger.close();
    }
  });

  it("a report-only policy that would refuse everything refuses nothing", async () => {
    const headers = { "content-security-policy-report-only": "default-src 'none'" };
    await readsTheStory(await visit(hostPage(), { headers }));
  });
});

describe("a paywall server that does not answer", () => {
  it("a 503 from a proxy in front of it (no CORS headers): Retry, not the plain link", async () => {
    const proxy = await startProxy(server.url);
    try {
      const tag = snippet("tag", server.url).replace(`data-paywall-api="${server.url}"`, `data-paywall-api="${proxy.url}"`);
      const { page, session, logged } = await visit(hostPage({ tag }));
      // The browser hides the 503 (it carries no CORS headers): to the widget, no answer.
      const failed = page.locator(".paywall-widget .failed");
      await failed.getByText("We couldn't reach the subscription service.").waitFor();
      assert.equal(await page.locator(".paywall-fallback").count(), 0, "the server allows this origin: not the plain link");
      assert.deepEqual(logged.filter((line) => line.includes("paywall:")), []);
      proxy.down = false;
      await failed.getByRole("button", { name: "Try again" }).click();
      await promptOn(page).waitFor();
      assert.deepEqual(session.errors, []);
      await session.context.close();
    } finally {
      proxy.close();
    }
  });

  it("the tag pointing at no server: the free section, Retry and Subscribe, and what to check", async () => {
    const nowhere = "http://127.0.0.1:9"; // the discard port: nothing listens
    const tag = snippet("tag", server.url).replace(`data-paywall-api="${server.url}"`, `data-paywall-api="${nowhere}"`);
    const { page, session, logged } = await visit(hostPage({ tag }));
    const failed = page.locator(".paywall-widget .failed");
    await failed.getByText("We couldn't reach the subscription service.").waitFor();
    assert.ok(await failed.getByRole("button", { name: "Try again" }).isVisible());
    assert.equal(await failed.getByRole("link", { name: "Subscribe" }).getAttribute("href"), "/subscribe.html");
    assert.ok(await page.getByText(FREE).isVisible());
    // (A build that reports panics says so first; the shipped one traps without a word.)
  const said = () => logged.filter((line) => line.includes("paywall:") && !line.includes("panicked at"));
    await until(() => said().length > 0, "the console message");
    assert.equal(said().length, 1, said().join("\n"));
    assert.match(said()[0], /^warning: paywall: no answer from the paywall server at http:\/\/127\.0\.0\.1:9; check the tag's data-paywall-api/);
    assert.deepEqual(session.errors, []);
    await session.context.close();
  });
});

describe("a strict Content-Security-Policy", () => {
  it("the README's policy: styled by a constructable stylesheet, nothing refused", async () => {
    const policy = snippet("csp", server.url).replace(/^Content-Security-Policy: /, "");
    await readsTheStory(await visit(hostPage(), { headers: { "content-security-policy": policy } }));
  });

  it("a nonce with 'strict-dynamic': the loader's imports inherit it", async () => {
    let nonce;
    const page = () => {
      nonce = randomBytes(16).toString("base64");
      return hostPage({ tag: snippet("tag-nonce", server.url).replaceAll("RANDOM", nonce) });
    };
    const policy = () => snippet("csp-nonce", server.url).replace(/^Content-Security-Policy: /, "").replaceAll("RANDOM", nonce);
    // The headers are written after the body, so they carry its fresh nonce.
    await readsTheStory(await visit(page, { headers: () => ({ "content-security-policy": policy() }) }));
  });

  it("without the paywall server in connect-src: the plain link, and the directive to change", async () => {
    const policy = `script-src ${server.url} 'wasm-unsafe-eval'; connect-src 'self'`;
    await showsThePlainLink(
      await visit(hostPage(), { headers: { "content-security-policy": policy } }),
      new RegExp(`refuses ${server.url.replaceAll(".", "\\.")}: add it to its connect-src`),
    );
  });

  it("without 'wasm-unsafe-eval': the plain link, and what to add", async () => {
    const policy = `script-src ${server.url}; connect-src ${server.url}`;
    await showsThePlainLink(
      await visit(hostPage(), { headers: { "content-security-policy": policy } }),
      /add 'wasm-unsafe-eval' to its script-src/,
    );
  });
});

describe("Trusted Types", () => {
  const strict = () => snippet("csp", server.url).replace(/^Content-Security-Policy: /, "");

  it("required, with any policy name allowed", async () => {
    const headers = { "content-security-policy": [strict(), "require-trusted-types-for 'script'"] };
    await readsTheStory(await visit(hostPage(), { headers }));
  });

  it("required, with the README's trusted-types paywall", async () => {
    const types = snippet("trusted-types").replace(/^Content-Security-Policy: /, "");
    await readsTheStory(await visit(hostPage(), { headers: { "content-security-policy": [strict(), types] } }));
  });

  it("required, and the paywall policy refused: the plain link at once, and what to add", async () => {
    const headers = { "content-security-policy": [strict(), "require-trusted-types-for 'script'; trusted-types the-sites-own"] };
    await showsThePlainLink(await visit(hostPage(), { headers }), /add paywall to its trusted-types directive/);
  });
});

describe("however the script arrives", () => {
  const tag = () => snippet("tag", server.url);

  it("a classic script at the end of <body>, neither async nor deferred", async () => {
    await readsTheStory(await visit(hostPage({ tag: tag().replace(" async>", ">") })));
  });

  it("a module", async () => {
    await readsTheStory(await visit(hostPage({ tag: tag().replace("<script ", '<script type="module" ') })));
  });

  it("an async module in <head>, before the article exists", async () => {
    const head = tag().replace("<script ", '<script type="module" ');
    await readsTheStory(await visit(hostPage({ head, tag: "" })));
  });

  it("a deferred classic script in <head>", async () => {
    await readsTheStory(await visit(hostPage({ head: tag().replace(" async>", " defer>"), tag: "" })));
  });

  it("a blocking classic script in <head>, before the article exists", async () => {
    await readsTheStory(await visit(hostPage({ head: tag().replace(" async>", ">"), tag: "" })));
  });

  it("inserted by a tag manager after the page loaded (the README's snippet)", async () => {
    const inserted = snippet("tag-manager", server.url).replace(/^<script>|<\/script>$/g, "");
    const end = `<script>addEventListener("load", () => setTimeout(() => { window.loadedBeforeUs = document.readyState; ${inserted} }, 300));</script>`;
    const visited = await visit(hostPage({ tag: "", end }));
    await promptOn(visited.page).waitFor();
    assert.equal(await visited.page.evaluate(() => window.loadedBeforeUs), "complete");
    await readsTheStory(visited);
  });

  it("twice, and under a second URL: one widget per article", async () => {
    const twice = `${tag()}\n${tag().replace("<script ", '<script type="module" ')}\n${tag().replace("/paywall.js", "/paywall.js?v=2")}`;
    const visited = await visit(hostPage({ tag: twice }));
    await promptOn(visited.page).waitFor();
    await visited.page.waitForLoadState("load");
    await readsTheStory(visited);
  });
});

describe("single-page apps", () => {
  const FREE_HTML = ARTICLE.replace(/^<article[^>]*>|<\/article>$/g, "");

  it("an article rendered on the client after the loader ran gets a widget", async () => {
    const end = `<script>setTimeout(() => { document.querySelector("main").innerHTML = ${JSON.stringify(ARTICLE)}; }, 500);</script>`;
    await readsTheStory(await visit(hostPage({ main: "", end })));
  });

  it("an article replaced by a re-render gets a fresh widget, and the old one is gone", async () => {
    const visited = await visit(hostPage());
    const { page } = visited;
    await promptOn(page).waitFor();
    await page.evaluate(([id, html]) => {
      // What a framework's next render does: a new element in the old one's place.
      window.oldArticle = document.querySelector("article");
      const fresh = document.createElement("article");
      fresh.dataset.paywall = id;
      fresh.innerHTML = html;
      window.oldArticle.replaceWith(fresh);
    }, [ARTICLE_ID, FREE_HTML]);
    await promptOn(page).waitFor();
    assert.equal(await page.evaluate(() => window.oldArticle.querySelectorAll(".paywall-widget, .paywall-unlocked").length), 0);
    assert.equal(await page.evaluate(() => window.oldArticle.hasAttribute("data-paywall-mounted")), false);
    // Children rewritten in place: the widget's elements are gone, and come back.
    await page.evaluate((html) => { document.querySelector("article").innerHTML = html; }, FREE_HTML);
    await promptOn(page).waitFor();
    // Pointed at another story, and back: a widget for each in turn.
    await page.evaluate((id) => { document.querySelector("article").dataset.paywall = id; }, OTHER.id);
    await page.getByText(`Including ${OTHER.section}.`).waitFor();
    assert.equal(await page.locator(".paywall-widget").count(), 1);
    await page.evaluate((id) => { document.querySelector("article").dataset.paywall = id; }, ARTICLE_ID);
    await promptOn(page).waitFor();
    // A copy of the page (a framework's snapshot cache) keeps the mark and the elements but no
    // widget: the copy is cleared and gets one of its own.
    await page.evaluate(() => {
      const article = document.querySelector("article");
      article.replaceWith(article.cloneNode(true));
    });
    await promptOn(page).waitFor();
    assert.equal(await page.locator(".paywall-widget").count(), 1);
    await readsTheStory(visited);
  });

  it("a client-side navigation (the README's router) to another story leaves none of the first's text", async () => {
    const router = `<script>${snippet("router")}</script>`;
    const first = hostPage({ end: router, main: `${ARTICLE}<p><a data-route href="/stories/ferries.html">Next story</a></p>` });
    server.site.serve("/stories/ferries.html", hostPage({ end: router, main: OTHER_ARTICLE }));
    await travels(await visit(first));
  });

  it("a React app (the README's component): a story per route", async () => {
    const app = esbuild.transformSync(
      `const stories = ${JSON.stringify(STORIES)};\n${snippet("react")}\n${REACT_APP}`,
      { loader: "jsx" },
    ).code;
    const end = '<script src="/vendor/react.js"></script><script src="/vendor/react-dom.js"></script>' +
      `<script>${app}</script>`;
    await travels(await visit(hostPage({ main: "", end })));
  });

  it("a Vue app (the README's component): a story per route", async () => {
    const app = `const stories = ${JSON.stringify(STORIES)};\n${snippet("vue")}\n${VUE_APP}`;
    await travels(await visit(hostPage({ main: "", end: `<script src="/vendor/vue.js"></script><script>${app}</script>` })));
  });
});

/** The second story as a publisher's page renders it. */
const OTHER_ARTICLE = `<article data-paywall="${OTHER.id}"><h1>${OTHER.title}</h1><p>From March the crossings run every twelve minutes.</p></article>`;

/** The two stories, as an app's data. */
const STORIES = {
  [ARTICLE_ID]: { id: ARTICLE_ID, title: "The night train's second act", freeHtml: ARTICLE.replace(/^<article[^>]*>|<\/article>$/g, "") },
  [OTHER.id]: { id: OTHER.id, title: OTHER.title, freeHtml: "<p>From March the crossings run every twelve minutes.</p>" },
};

/** A React app around the README's `Story`: the story named in the address, a link to the other. */
const REACT_APP = `
const storyIn = (address) => new URLSearchParams(address).get("story") ?? "${ARTICLE_ID}";
function App() {
  const [id, setId] = React.useState(storyIn(location.search));
  React.useEffect(() => {
    const back = () => setId(storyIn(location.search));
    addEventListener("popstate", back);
    return () => removeEventListener("popstate", back);
  }, []);
  const next = id === "${ARTICLE_ID}" ? "${OTHER.id}" : "${ARTICLE_ID}";
  const go = (event) => {
    event.preventDefault();
    history.pushState(null, "", "?story=" + next);
    setId(next);
  };
  return <>
    <Story story={stories[id]} />
    <p><a href={"?story=" + next} onClick={go}>Next story</a></p>
  </>;
}
ReactDOM.createRoot(document.querySelector("main")).render(<App />);`;

/** The same app in Vue. */
const VUE_APP = `
const storyIn = (address) => new URLSearchParams(address).get("story") ?? "${ARTICLE_ID}";
Vue.createApp({
  components: { Story },
  data: () => ({ stories, id: storyIn(location.search) }),
  computed: { next() { return this.id === "${ARTICLE_ID}" ? "${OTHER.id}" : "${ARTICLE_ID}"; } },
  mounted() { addEventListener("popstate", () => { this.id = storyIn(location.search); }); },
  methods: { go() { history.pushState(null, "", "?story=" + this.next); this.id = this.next; } },
  template: \`<Story :story="stories[id]" /><p><a :href="'?story=' + next" @click.prevent="go">Next story</a></p>\`,
}).mount("main");`;

/**
 * A reader of a single-page app signs in on the demo story, follows "Next story" to the other
 * (no page load), and comes back: each story's widget shows only its own text, and the first
 * one's widget went with its article (elements, unlocked text, listeners).
 */
async function travels({ page, session }) {
  const before = page.url();
  await promptOn(page).waitFor();
  await signInWithPassword(page);
  await page.evaluate(() => {
    window.firstArticle = document.querySelector("article");
    window.firstEvents = [];
    window.firstArticle.addEventListener("paywall:signed-out", () => window.firstEvents.push("signed-out"));
  });

  await page.getByRole("link", { name: "Next story" }).click();
  await page.getByText(OTHER.sentence).waitFor();
  assert.notEqual(page.url(), before, "the app's own address");
  assert.equal(await page.evaluate(() => typeof window.firstArticle), "object", "no page load: what the page held is there");
  assertNoLockedText(await wholeDom(page), "the page after navigating");
  assert.equal(await page.evaluate(() => window.firstArticle.isConnected), false);
  assert.equal(await page.evaluate(() => window.firstArticle.querySelectorAll(".paywall-widget, .paywall-unlocked").length), 0);
  assert.equal(await page.locator(".paywall-widget").count(), 1);

  await page.goBack();
  await waitUnlocked(page);
  assert.ok(!(await wholeDom(page)).includes(OTHER.sentence), "none of the second story's text is left");
  await page.evaluate(() => window.Paywall.signOut());
  await promptOn(page).waitFor();
  assert.deepEqual(await page.evaluate(() => window.firstEvents), [], "the first widget heard nothing more");
  assert.deepEqual(session.errors, []);
  await session.context.close();
}

describe("pages that patch what the widget uses", () => {
  it("a fetch wrapper that passes on only (url, init), as analytics scripts do", async () => {
    const visited = await visit(hostPage(), {
      init: () => {
        const original = window.fetch;
        window.seen = [];
        window.fetch = function (resource, init) {
          const url = typeof resource === "string" ? resource : resource.url;
          window.seen.push(`${init?.method ?? "GET"} ${new URL(url, location.href).pathname}`);
          return original.call(this, url, init);
        };
      },
    });
    await readsTheStory(visited, {
      then: async (page) => {
        const seen = await page.evaluate(() => window.seen);
        assert.ok(seen.includes("POST /v1/sessions"), `the wrapper saw the sign-in: ${seen}`);
      },
    });
  });

  it("old libraries: Prototype's Array.from and toJSON, a polluted Object.prototype, RequireJS, zone.js's Promise", async () => {
    await readsTheStory(await visit(hostPage(), {
      init: () => {
        // Prototype.js 1.7: Array.from that knows only array-likes, and toJSON on arrays.
        Array.from = (iterable) => Array.prototype.slice.call(iterable);
        Array.prototype.toJSON = function () { return `[${this.map(String).join(",")}]`; };
        // A library that extends every object, enumerably.
        Object.prototype.extend = function () { return this; };
        // RequireJS: an AMD loader that swallows anonymous define() calls.
        window.define = (...args) => { throw new Error(`RequireJS: mismatched anonymous define() ${args.length}`); };
        window.define.amd = {};
        window.require = () => {};
        // zone.js: the page's own Promise.
        const Native = Promise;
        window.Promise = class ZoneAwarePromise extends Native {};
      },
    }));
  });

  it("markup that stands in for document.currentScript (DOM clobbering) does not choose where the code comes from", async () => {
    // An image named currentScript, as a comment or an ad can carry, before the tag.
    const main = `${ARTICLE}<img name="currentScript" src="data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEAAAAALAAAAAABAAEAAAIBAAA=" alt="">`;
    await readsTheStory(await visit(hostPage({ main, tag: snippet("tag", server.url).replace(" async>", ">") })));
  });

  it("a window.Paywall of the page's own is kept; the widget runs", async () => {
    const visited = await visit(hostPage({ head: "<script>var Paywall = { vendor: 'the site' };</script>" }));
    // The widget's own prompt: its API exists once the widget has loaded, not with the drawn one.
    await visited.page.locator(".paywall-widget .prompt").waitFor();
    assert.equal(await visited.page.evaluate(() => window.Paywall.vendor), "the site");
    assert.equal(await visited.page.evaluate(() => typeof window[Symbol.for("paywall")].signOut), "function");
    await readsTheStory(visited);
  });

  it("storage blocked (every access throws, as with cookies blocked)", async () => {
    await readsTheStory(await visit(hostPage(), {
      init: () => {
        for (const name of ["localStorage", "sessionStorage"]) {
          Object.defineProperty(window, name, {
            get() { throw new DOMException("Access is denied for this document.", "SecurityError"); },
          });
        }
      },
    }));
  });
});

describe("layouts of the page", () => {
  it("a 320 px screen: nothing wider than the screen, the dialog inside it", async () => {
    const visited = await visit(hostPage(), { viewport: { width: 320, height: 640 } });
    const { page } = visited;
    await promptOn(page).waitFor();
    await page.getByRole("button", { name: "Sign in →" }).click();
    const box = await dialog(page).boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= 320, `the dialog fits: ${JSON.stringify(box)}`);
    await page.keyboard.press("Escape");
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 320), "no sideways scrolling");
    await readsTheStory(visited);
  });

  it("right to left: the page's direction, the dialog's close button at its start", async () => {
    const visited = await visit(hostPage({ html: 'lang="en" dir="rtl"' }));
    const { page } = visited;
    await promptOn(page).waitFor();
    await page.getByRole("button", { name: "Sign in →" }).click();
    const box = await dialog(page).boundingBox();
    const close = await dialog(page).getByRole("button", { name: "Close" }).boundingBox();
    assert.ok(close.x < box.x + box.width / 2, "the close button is on the left in a right-to-left page");
    await page.keyboard.press("Escape");
    await readsTheStory(visited);
  });

  it("a root font size of 62.5%: the widget keeps its size", async () => {
    server.site.serve("/site.css", "html { font-size: 62.5%; } body { font-size: 1.6rem; }", {}, "text/css");
    const visited = await visit(hostPage({ head: '<link rel="stylesheet" href="/site.css">' }));
    const { page } = visited;
    await promptOn(page).waitFor();
    const padding = await page.evaluate(() =>
      parseFloat(getComputedStyle(document.querySelector(".paywall-facade, .paywall-widget:not([hidden])").shadowRoot.querySelector(".prompt")).paddingTop));
    assert.ok(padding >= 20, `the prompt's padding: ${padding}px`);
    await page.getByRole("button", { name: "Sign in →" }).click();
    const box = await dialog(page).boundingBox();
    assert.ok(box.width >= 350, `the dialog's width: ${box.width}px`);
    await page.keyboard.press("Escape");
    await readsTheStory(visited);
  });

  it("a transformed ancestor that clips: the dialog is still on top of everything, in view", async () => {
    server.site.serve("/shell.css", ".shell { transform: translateZ(0); overflow: hidden; position: relative; z-index: 1; } header { position: sticky; top: 0; z-index: 2147483647; background: #fff; height: 4rem; }", {}, "text/css");
    const visited = await visit(hostPage({
      head: '<link rel="stylesheet" href="/shell.css">',
      main: `<header>The sticky masthead</header><div class="shell">${ARTICLE}</div>`,
    }));
    const { page } = visited;
    await promptOn(page).waitFor();
    await page.getByRole("button", { name: "Sign in →" }).click();
    const box = await dialog(page).boundingBox();
    const viewport = page.viewportSize();
    assert.ok(box.y >= 0 && box.y + box.height <= viewport.height, "the dialog is in view");
    const onTop = await page.evaluate(([x, y]) => {
      const host = document.querySelector(".paywall-widget");
      return host.shadowRoot.elementFromPoint(x, y)?.closest("dialog") != null;
    }, [box.x + box.width / 2, box.y + 10]);
    assert.ok(onTop, "nothing of the page covers the dialog");
    await page.keyboard.press("Escape");
    await readsTheStory(visited);
  });

  it("a page inside one big <form> (ASP.NET): signing in submits nothing of the page's", async () => {
    const visited = await visit(hostPage({ main: `<form action="/posted" method="post">${ARTICLE}</form>` }));
    await visited.page.evaluate(() => { window.stillHere = true; });
    const { page } = visited;
    await promptOn(page).waitFor();
    await typePassword(page);
    await waitUnlocked(page);
    assert.equal(await page.evaluate(() => window.stillHere), true, "the page was not submitted");
    await visited.session.context.close();
  });

  it("no doctype (quirks mode)", async () => {
    await readsTheStory(await visit(hostPage({ doctype: "" })));
  });

  it("cross-origin isolated (COEP require-corp, COOP same-origin)", async () => {
    const headers = { "cross-origin-embedder-policy": "require-corp", "cross-origin-opener-policy": "same-origin" };
    const visited = await visit(hostPage(), { headers });
    assert.equal(await visited.page.evaluate(() => window.crossOriginIsolated), true);
    await readsTheStory(visited);
  });
});

describe("failures inside the widget", () => {
  it("a refusal window.Paywall answers the page with, left unhandled, stops nothing", async () => {
    const visited = await visit(hostPage());
    const { page, session, logged } = visited;
    await promptOn(page).waitFor();
    // No publisher key is set up on this server: the token is refused, and the page ignores it.
    await page.evaluate(() => { window.Paywall.setToken("not-a-token"); });
    await until(() => session.errors.length > 0, "the page's unhandled refusal");
    assert.equal(session.errors.length, 1);
    assert.equal(await page.locator(".paywall-fallback").count(), 0, "the widget goes on");
    // The refusal is the page's own error (and the browser's log of the refused request).
    session.errors.length = 0;
    logged.length = 0;
    await readsTheStory(visited);
  });

  it("a failure inside the widget (a trap) ends in the plain link and one message", async () => {
    const visited = await visit(hostPage(), {
      init: () => {
        // The page breaks the DOM under the widget on cue: adding to its shadow root fails.
        for (const name of ["insertBefore", "appendChild"]) {
          const original = Node.prototype[name];
          Node.prototype[name] = function (...args) {
            if (window.breakWidget && this.getRootNode() instanceof ShadowRoot) {
              throw new DOMException("The page refused the insertion.", "HierarchyRequestError");
            }
            return original.apply(this, args);
          };
        }
      },
    });
    // The widget's own prompt, not the one the loader draws while the widget loads: the page
    // breaks the widget once it has started.
    await visited.page.locator(".paywall-widget .prompt").waitFor();
    await visited.page.evaluate(() => { window.breakWidget = true; });
    await visited.page.getByRole("button", { name: "Sign in →" }).click();
    await showsThePlainLink(visited, /the widget stopped/);
  });
});

describe("browsers that cannot run the widget", () => {
  it("without WebAssembly (as in iOS Lockdown Mode): the plain link", async () => {
    await showsThePlainLink(await visit(hostPage(), { init: () => delete window.WebAssembly }), /runs no WebAssembly/);
  });

  it("with the WebAssembly blocked (an extension, a proxy): the plain link", async () => {
    const prepare = (context) => context.route("**/paywall_bg.*.wasm", (route) => route.abort());
    await showsThePlainLink(await visit(hostPage(), { prepare }), /could not start/);
  });
});

describe("the back/forward cache", () => {
  // Playwright turns the cache off; this browser has it, as readers' browsers do.
  let cachingBrowser;
  before(async () => {
    cachingBrowser = await launchBrowser({ backForwardCache: true });
  });
  after(() => cachingBrowser?.close());

  it("a page restored from it checks the session: signed out in another tab meanwhile, the prompt", async () => {
    const session = await openContext(cachingBrowser);
    const url = server.site.serve(`/stories/${++served}.html`, hostPage());
    const page = await session.context.newPage();
    page.setDefaultTimeout(10_000);
    await page.addInitScript(() => {
      window.restored = false;
      addEventListener("pageshow", (event) => { window.restored ||= event.persisted; });
    });
    await page.goto(url);
    await promptOn(page).waitFor();
    await signInWithPassword(page);
    await page.goto(`${server.site.origin}/subscribe.html`);

    const other = await session.context.newPage();
    await other.goto(url);
    await waitUnlocked(other);
    await other.evaluate(() => window.Paywall.signOut());
    await promptOn(other).waitFor();

    // A page restored from the cache fires no load event.
    await page.goBack({ waitUntil: "commit" });
    await until(() => page.evaluate(() => window.restored), "the page to come back from the back/forward cache");
    await promptOn(page).waitFor();
    assertNoLockedText(await wholeDom(page), "the restored page");
    assert.deepEqual(session.errors, []);
    await session.context.close();
  });
});

// Used by the assertions above; kept here so a reader sees what "locked text" means.
assert.equal(lockedPhrases.length, LOCKED_TITLES.length);
