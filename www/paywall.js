// The paywall loader: the one script a publisher adds to an article page.
//
//   <script src="https://PAYWALL-HOST/paywall.js" data-paywall-api="https://PAYWALL-HOST" async></script>
//
// It runs however the page brings it: as a classic script or a module, async or deferred, in
// <head> before the article exists, inserted by a tag manager after load, or twice (the first
// copy does everything). It finds its own script tag (document.currentScript, or by attribute
// in a module, where that is null), loads the widget's WebAssembly from beside itself, mounts
// a widget on every [data-paywall] element, and then watches the page: an article that
// appears gets a widget; one that leaves the page takes its widget (state, timers, unlocked
// text) with it; one replaced, or pointed at another article, gets a fresh one.
// window.Paywall (see paywall.d.ts) mounts, unmounts, signs out and refreshes.
//
// The page is not ours. It needs to allow this server in script-src and connect-src, with
// 'wasm-unsafe-eval', and nothing more: the widget's styles are constructable stylesheets,
// the one string that becomes HTML goes through the Trusted Types policy "paywall", and
// requests are fetch(url, init) with plain objects, which the page's fetch wrappers pass on.
// Whatever stops the widget (the page's policy, a blocked file, a server that does not allow
// this page's origin, a failure inside the widget), each article keeps its free section and
// gets a plain link to subscribe, and the console says once what to fix.
//
// Nothing waits for what it does not need: the glue and the WebAssembly download (and the
// WebAssembly compiles) at once, and the prompt's two reads (the article's summary, its
// offers) are on their way as soon as the article is parsed; the widget takes their answers
// instead of asking again.
(() => {
  // One copy per page, whatever URL each came from.
  const loaded = Symbol.for("paywall.loader");
  if (window[loaded]) return;
  Object.defineProperty(window, loaded, { value: true });

  // Not trusted blindly: markup in the page (`<img name="currentScript">`) can stand in for
  // document.currentScript, and the widget's code would then come from its address.
  const current = document.currentScript;
  const script = current instanceof HTMLScriptElement ? current : ownScript();
  const base = script?.src || document.baseURI;
  const glueUrl = new URL("./pkg/paywall.js", base).href;
  const wasmUrl = new URL("./pkg/paywall_bg.wasm", base).href;
  const api = apiBase();

  // What the page's Content-Security-Policy refused (not what a report-only policy would
  // have), to say what to allow if we fail.
  const refusals = [];
  document.addEventListener("securitypolicyviolation", (event) => {
    if (event.disposition === "enforce") refusals.push(event);
  });

  // The page's Trusted Types policy for the widget's one HTML sink. It passes the string on
  // as it is: that string is the server's sanitised HTML, which the widget parses into an
  // inert <template> and cleans again before it enters the page (src/sanitize.rs); and only
  // the widget can reach the policy.
  let policy;
  let policyRefused = false;
  if (window.trustedTypes?.createPolicy) {
    try {
      policy = window.trustedTypes.createPolicy("paywall", { createHTML: (html) => html });
    } catch {
      policyRefused = true;
    }
  }

  const plain = new WeakSet(); // containers showing the plain link instead of a widget
  const manual = new WeakSet(); // containers the page took its widget off with Paywall.unmount
  const answers = new WeakSet(); // errors window.Paywall's calls answered the page with
  let paywall; // the widget, once started
  let broken = false; // the widget failed: every article gets the plain link
  let told = false; // what went wrong was said
  let warned = false; // that the server did not answer was said

  // What the widget borrows from the loader (src/loader.rs).
  const hooks = {
    html: (html) => (policy ? policy.createHTML(html) : html),
    async unreachable(container) {
      const why = await whyUnreachable();
      if (why) fallBack(container, why);
      return Boolean(why);
    },
    fallBack,
  };

  // A failure inside the widget: a trap of its WebAssembly, or an exception thrown from its
  // code; not a refusal window.Paywall answered the page with (an expired token, say).
  const fromWidget = (error, file) => {
    if (answers.has(error)) return false;
    const frames = String(error?.stack ?? "").split("\n").filter((line) => /^\s+at\s|@/.test(line));
    const ours = (frame) => frame.includes(glueUrl) || frame.includes(wasmUrl);
    if (typeof WebAssembly === "object" && error instanceof WebAssembly.RuntimeError) return frames.some(ours);
    return [glueUrl, script?.src].includes(file) || Boolean(frames[0] && ours(frames[0]));
  };
  addEventListener("error", (event) => {
    if (fromWidget(event.error, event.filename)) {
      event.preventDefault();
      breakDown(event.error);
    }
  });
  addEventListener("unhandledrejection", (event) => {
    if (fromWidget(event.reason)) {
      event.preventDefault();
      breakDown(event.reason);
    }
  });

  const prefetched = new Map();
  start().catch(async (error) => {
    // The page's policy reports a refusal a moment after the failure it caused.
    await pause(50);
    fallBack(null, pageRefusal() ?? `the widget could not start: ${error?.message ?? error}.`);
  });

  async function start() {
    if (!script) throw new Error("it cannot find its own script tag; give the tag a data-paywall-api attribute");
    if (typeof WebAssembly !== "object") {
      throw new Error("this browser runs no WebAssembly (it may be turned off, as in iOS Lockdown Mode)");
    }
    if (policyRefused && requiresTrustedTypes()) {
      throw new Error(
        "this page requires Trusted Types and its Content-Security-Policy refuses the policy named paywall; add paywall to its trusted-types directive",
      );
    }
    // In an async function, so that a browser without streaming fails here as a rejection.
    const compiled = (async () => WebAssembly.compileStreaming(fetch(wasmUrl, { credentials: "omit" })))();
    // A server that sends the wrong type cannot be streamed; the glue's own loading copes.
    compiled.catch(() => {});
    const glue = import(glueUrl);
    glue.catch(() => {});
    // Mounting inside an article the parser is still writing would put the prompt in its middle.
    await parsed();
    prefetch();
    const { default: init, mountAll } = await glue;
    await init({ module_or_path: await compiled.catch(() => wasmUrl) });
    if (broken) return;
    paywall = mountAll(script, prefetched, hooks);
    expose();
    watch();
    // A page restored from the back/forward cache missed what other tabs did meanwhile.
    addEventListener("pageshow", (event) => event.persisted && paywall.refresh());
  }

  // Through Document.prototype, which markup in the page cannot stand in for either.
  function ownScript() {
    const scripts = Document.prototype.querySelectorAll.call(document, "script[src]");
    let named = null;
    for (const candidate of scripts) {
      if (candidate.hasAttribute("data-paywall-api")) return candidate;
      if (!named && /\/paywall\.js(?:[?#]|$)/.test(candidate.src)) named = candidate;
    }
    return named;
  }

  // The API's base as the widget works it out (src/config.rs).
  function apiBase() {
    try {
      const url = new URL(script?.dataset.paywallApi?.trim() || "/", base);
      return url.origin + url.pathname.replace(/\/+$/, "");
    } catch {
      return null; // the widget reports it
    }
  }

  function parsed() {
    return new Promise((resolve) => {
      if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", resolve, { once: true });
      else resolve();
    });
  }

  // The answers the prompt will need, keyed by URL, for a reader not signed in (one who is
  // asks for the locked sections first).
  function prefetch() {
    try {
      if (!api || localStorage.getItem(`paywall:refresh:${api}`)) return;
      for (const container of document.querySelectorAll("[data-paywall]")) {
        // The id as the widget reads it (trimmed), so that the URLs are the ones it asks for.
        const article = container.dataset.paywall.trim();
        if (!article) continue;
        const id = encodeURIComponent(article);
        for (const path of [`/v1/articles/${id}`, `/v1/offers?article=${id}`]) {
          if (prefetched.has(api + path)) continue;
          // As the widget asks: no cookies, JSON, given up after 8 s (its TIMEOUT_MS).
          const answer = fetch(api + path, {
            credentials: "omit",
            headers: { Accept: "application/json" },
            signal: AbortSignal.timeout(8000),
          });
          answer.catch(() => {});
          prefetched.set(api + path, answer);
        }
      }
      // The prompt shows prices, and a page's first Intl object costs 13–26 ms (the browser
      // loads its locale data): made in a task of its own, that happens while the files
      // download, not after.
      if (prefetched.size) setTimeout(() => new Intl.NumberFormat());
      // Answers for a page-load the widget did not take (the reader signed in from the page
      // instead) are too old to hand to a widget mounted later.
      setTimeout(() => prefetched.clear(), 10_000);
    } catch {
      // No storage, a bad URL: the widget asks itself, and reports what is wrong.
    }
  }

  // window.Paywall, unless the page has a Paywall of its own: the widget's is then at
  // window[Symbol.for("paywall")] (it always is).
  function expose() {
    const control = Object.freeze({
      mount(element, options = {}) {
        // Options are the element's data-paywall-* attributes, as for the page's own articles.
        for (const [name, value] of Object.entries(options)) {
          if (value != null) element.setAttribute(`data-paywall-${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, value);
        }
        manual.delete(element);
        if (broken) fallBack(element);
        else paywall.mount(element);
      },
      unmount(element) {
        manual.add(element);
        paywall.unmount(element);
      },
      setToken: (token) => answer(paywall.setToken(token)),
      signOut: () => answer(paywall.signOut()),
      refresh: () => paywall.refresh(),
    });
    Object.defineProperty(window, Symbol.for("paywall"), { value: control });
    if (Object.getOwnPropertyDescriptor(window, "Paywall")) {
      console.warn('paywall: this page has a window.Paywall of its own; the widget\'s is at window[Symbol.for("paywall")].');
    } else {
      window.Paywall = control;
    }
  }

  // A promise for the page, whose refusal (an expired token, say) is the page's to handle:
  // left unhandled, it is not taken for a failure of the widget.
  function answer(promise) {
    return promise.catch((error) => {
      if (error && typeof error === "object") answers.add(error);
      throw error;
    });
  }

  // Single-page apps: after any change to the page, widgets whose article left, changed or
  // lost them are taken off, and every article gets one (the widget skips those that have
  // one, or are getting one; a mark copied with a clone of the page is not one).
  function watch() {
    const sync = () => {
      if (!broken) paywall.sweep();
      for (const container of document.querySelectorAll("[data-paywall]")) {
        if (manual.has(container) || plain.has(container) || container.closest(".paywall-unlocked")) continue;
        if (broken) fallBack(container);
        else paywall.mount(container);
      }
    };
    new MutationObserver(sync).observe(document, {
      childList: true,
      subtree: true,
      attributes: true,
      attributeFilter: ["data-paywall"],
    });
    sync();
  }

  // Puts the plain link in place of one article's widget (or every article's), and says once
  // in the console what went wrong. The widget is taken off (its state and listeners with
  // it); a reader who already has the story keeps its text.
  function fallBack(container, why) {
    if (why && !told) {
      told = true;
      console.error(`paywall: ${why} Each article shows a plain Subscribe link instead.`);
    }
    const subscribe = script?.dataset.paywallSubscribeUrl || "/subscribe";
    for (const each of container ? [container] : document.querySelectorAll("[data-paywall]")) {
      if (plain.has(each)) continue;
      plain.add(each);
      const story = each.querySelector(":scope > .paywall-unlocked");
      const kept = story?.firstElementChild ? story.cloneNode(true) : null;
      for (const mine of each.querySelectorAll(":scope > .paywall-widget, :scope > .paywall-unlocked")) mine.remove();
      // Not from inside the widget's own call that asked for this; after a trap, not at all.
      queueMicrotask(() => {
        try {
          if (!broken) paywall?.unmount(each);
        } catch {}
      });
      if (kept) {
        each.append(kept);
        continue;
      }
      if (each.querySelector(":scope > .paywall-fallback")) continue;
      const note = document.createElement("p");
      note.className = "paywall-fallback";
      const link = (href, text) => Object.assign(document.createElement("a"), { href, textContent: text });
      note.append(
        "The rest of this story is for subscribers. ",
        link(subscribe, "Subscribe"),
        " or ",
        // Without the fragment: a link to the same address and fragment would not reload.
        link(location.href.split("#")[0], "reload the page to sign in"),
        ".",
      );
      each.append(note);
    }
  }

  function breakDown(error) {
    if (broken) return;
    broken = true;
    fallBack(null, `the widget stopped: ${error?.message ?? error}.`);
  }

  // Why a read got no answer, if the page is the cause: its policy refused the connection,
  // or the server does not allow this page's origin. The browser hides which; the server's
  // origin check, which any site may read, says.
  async function whyUnreachable() {
    await pause(50);
    const refused = pageRefusal();
    if (refused || !api) return refused;
    let check;
    try {
      const response = await fetch(`${api}/v1/origins/check`, { credentials: "omit", signal: AbortSignal.timeout(8000) });
      check = response.ok ? await response.json() : {};
    } catch {
      // Offline, the server down, or not where the tag says: the widget offers Retry and the
      // Subscribe link.
      if (!warned) {
        warned = true;
        console.warn(`paywall: no answer from the paywall server at ${api}; check the tag's data-paywall-api, and that the server is up.`);
      }
      return undefined;
    }
    // Allowed (or a server that cannot say): the failure was on the way, and Retry is the answer.
    if (check.allowed !== false) return undefined;
    const origin = location.origin;
    return `the paywall server at ${new URL(api).origin} does not let pages of ${origin} use its API: add ${origin} to the server's PAYWALL_CORS_ORIGINS.`;
  }

  // What to allow, if the page's Content-Security-Policy refused something of ours.
  function pageRefusal() {
    const ours = [api, glueUrl].filter(Boolean).map((url) => new URL(url).origin);
    for (const { blockedURI: blocked = "", effectiveDirective: directive = "" } of refusals) {
      const origin = ours.find((mine) => blocked.startsWith(mine));
      if (blocked === "wasm-eval") {
        return "this page's Content-Security-Policy does not let WebAssembly run: add 'wasm-unsafe-eval' to its script-src.";
      }
      if (origin && /^(connect|script)-src/.test(directive)) {
        return `this page's Content-Security-Policy refuses ${origin}: add it to its ${directive.replace(/-(elem|attr)$/, "")}.`;
      }
    }
    return undefined;
  }

  // Whether the page refuses a plain string as HTML (Trusted Types required, and no default
  // policy that lets simple HTML through).
  function requiresTrustedTypes() {
    try {
      document.createElement("template").innerHTML = "<p>A paragraph</p>";
      return false;
    } catch {
      return true;
    }
  }

  function pause(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
})();
