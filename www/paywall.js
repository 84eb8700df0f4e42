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
// A reader nobody is signed in as sees the prompt before any WebAssembly: for each article the
// loader asks the server for the prompt, drawn by the widget's own components in the reader's
// language (GET /v1/articles/{id}/prompt), and shows it in a shadow root as the widget would.
// The widget loads when the reader reaches for it (a pointer over the prompt, focus in it, a
// touch), when the browser is idle after the page's load event, or on a click, which is
// replayed once it is ready: the reader never clicks twice. It draws the same prompt in a
// hidden shadow root beside the loader's and takes its place in one step: nothing moves.
// Readers who need the widget at once get it at once, its files downloading before the page
// is parsed: a stored session, a link or checkout in the address (#paywall-…), a publisher
// token on an article, and articles that may open without a subscription (free, or metered).
// data-paywall-load="intent" on the script tag waits for the reader alone (no idle load).
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
    shown,
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

  // The publisher's funnel: the widget's own events (prompt shown, sign-in opened, signed in
  // from it) counted by the server per article and day, with nothing about the reader. A
  // moment's worth go together in one beacon per article, sent as text (no preflight), and
  // whatever is left when the page is hidden or left.
  const FUNNEL = { locked: "prompt_shown", "dialog-open": "sign_in_opened", "signed-in": "signed_in" };
  const counted = new Map(); // article id → what happened on it, not sent yet
  const asked = new WeakSet(); // containers whose sign-in dialog opened: a sign-in there came from the prompt
  const drawn = new WeakSet(); // containers whose prompt the loader drew and counted: the widget's first is the same one
  let due;
  for (const name in FUNNEL) {
    document.addEventListener(`paywall:${name}`, (event) => {
      const id = event.detail?.articleId;
      if (name === "locked" && drawn.delete(event.target)) return;
      if (!id || (name === "signed-in" && !asked.delete(event.target))) return;
      if (name === "dialog-open") asked.add(event.target);
      count(id, FUNNEL[name]);
    });
  }
  function count(id, what) {
    if (!api) return;
    counted.set(id, [...(counted.get(id) ?? []), what]);
    due ??= setTimeout(report, 2000);
  }
  addEventListener("pagehide", report);
  document.addEventListener("visibilitychange", () => document.hidden && report());
  function report() {
    clearTimeout(due);
    due = undefined;
    for (const [article_id, events] of counted) {
      navigator.sendBeacon?.(`${api}/v1/events`, JSON.stringify({ article_id, events: events.slice(0, 20) }));
    }
    counted.clear();
  }

  const prefetched = new Map();
  const facades = new WeakMap(); // container → the prompt the loader drew in it, until the widget takes over
  const prompts = new Map(); // prompt URL → its answer, asked for once
  let loading; // the widget's start, once asked for
  const PROMPT_DEADLINE_MS = 2000; // how long a drawn prompt may take before the widget starts anyway
  begin();

  // The widget at once where the reader needs it, else the server's prompt and the widget later.
  function begin() {
    if (widgetNow()) return load();
    // Asked for at once, drawn once the article is parsed.
    for (const container of document.querySelectorAll("[data-paywall]")) promptFor(container)?.catch(() => {});
    parsed().then(() => {
      if (document.querySelector("[data-paywall-token]")) return load();
      watch();
      if (script.dataset.paywallLoad?.trim() === "intent") return;
      const idle = () => (window.requestIdleCallback ? requestIdleCallback(load, { timeout: 2000 }) : setTimeout(load, 500));
      if (document.readyState === "complete") idle();
      else addEventListener("load", idle, { once: true });
    });
  }

  // A stored session, or a sign-in, checkout or gift link in the address (or nothing to draw
  // the prompt with: the widget then says what is wrong).
  function widgetNow() {
    if (!script || !api || typeof WebAssembly !== "object") return true;
    if (location.hash.startsWith("#paywall-")) return true;
    try {
      return Boolean(localStorage.getItem(`paywall:refresh:${api}`));
    } catch {
      return false;
    }
  }

  function load() {
    loading ??= startWidget().catch(async (error) => {
      // The page's policy reports a refusal a moment after the failure it caused.
      await pause(50);
      fallBack(null, pageRefusal() ?? `the widget could not start: ${error?.message ?? error}.`);
    });
    return loading;
  }

  async function startWidget() {
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

  // A setting as the widget reads it for an article (src/config.rs): the container's own
  // data-paywall-* attribute, else the script tag's.
  function setting(container, name) {
    const own = container.getAttribute(`data-paywall-${name}`)?.trim();
    return own || script?.getAttribute(`data-paywall-${name}`)?.trim() || undefined;
  }

  // The server's prompt for an article, in the reader's language, asked for once.
  function promptFor(container) {
    const article = container.dataset.paywall?.trim();
    if (!api || !article) return undefined;
    const language = setting(container, "locale") || document.documentElement.lang.trim() || navigator.language || "en";
    const query = new URLSearchParams({ locale: language.split(/[-_]/)[0].toLowerCase() });
    const subscribe = setting(container, "subscribe-url");
    if (subscribe) query.set("subscribe", subscribe);
    const url = `${api}/v1/articles/${encodeURIComponent(article)}/prompt?${query}`;
    if (!prompts.has(url)) {
      const answer = fetch(url, { credentials: "omit", headers: { Accept: "application/json" }, signal: AbortSignal.timeout(8000) })
        .then((response) => (response.ok ? response.json() : Promise.reject(new Error(`${response.status}`))));
      prompts.set(url, answer);
    }
    return prompts.get(url);
  }

  // Draws the server's prompt in `container` as the widget would (a shadow root after the free
  // section, the widget's styles), or starts the widget where it must answer at once (an
  // article that may open without a subscription, or no prompt to be had).
  async function drawFacade(container) {
    const article = container.dataset.paywall?.trim();
    const facade = { article };
    facades.set(container, facade);
    // A server slow to draw the prompt does not keep the widget waiting past its own deadline.
    const late = setTimeout(load, PROMPT_DEADLINE_MS);
    let prompt;
    try {
      prompt = await promptFor(container);
    } catch {
      return load();
    } finally {
      clearTimeout(late);
    }
    if (paywall || facades.get(container) !== facade || !container.isConnected) return;
    if (prompt.opens_without_subscription) return load();
    try {
      const host = document.createElement("div");
      host.className = "paywall-facade";
      host.lang = prompt.lang;
      const theme = setting(container, "theme");
      if (theme) host.dataset.theme = theme;
      const shadow = host.attachShadow({ mode: "open" });
      style(shadow, prompt.css);
      const root = document.createElement("div");
      root.className = "root";
      root.innerHTML = hooks.html(prompt.html);
      shadow.append(root);
      Object.assign(facade, { host, root, unavailable: prompt.unavailable });
      // Reaching for the prompt starts the widget; a click on one of its buttons is kept, to
      // be replayed on the widget's own button once it is ready.
      for (const intent of ["pointerover", "focusin", "touchstart"]) host.addEventListener(intent, load, { once: true, passive: true });
      shadow.addEventListener("click", (event) => {
        const button = event.target.closest?.("button[part]");
        if (!button) return;
        facade.clicked = where(root, button);
        if (broken || plain.has(container)) return unavailable(facade);
        root.querySelector(".prompt")?.setAttribute("aria-busy", "true");
        load();
      });
      container.append(host);
      // Shown now: a reader who leaves before the widget starts has still seen it.
      drawn.add(container);
      count(article, "prompt_shown");
    } catch {
      facades.delete(container);
      load();
    }
  }

  // One stylesheet for the page, adopted by every shadow root; a <style> where the browser
  // has no constructable stylesheets.
  let sheet;
  function style(shadow, css) {
    try {
      if (!sheet) {
        sheet = new CSSStyleSheet();
        sheet.replaceSync(css);
      }
      shadow.adoptedStyleSheets = [sheet];
    } catch {
      shadow.append(Object.assign(document.createElement("style"), { textContent: css }));
    }
  }

  // An element of a prompt by what it is and which of its kind (the second offer), to find its
  // twin in the widget's prompt.
  function where(root, element) {
    const part = element.getAttribute("part");
    return { part, index: [...root.querySelectorAll(`[part="${part}"]`)].indexOf(element) };
  }

  function twin(root, { part, index }) {
    return root?.querySelectorAll(`[part="${part}"]`)[index];
  }

  // The widget drew its first state in `container`: it takes the place of the loader's prompt
  // in one step, with the focus where the reader had it, and then gets the click they made.
  function shown(container) {
    const host = container.querySelector(":scope > .paywall-widget[hidden]");
    const facade = facades.get(container);
    facades.delete(container);
    if (host) host.hidden = false;
    if (!facade?.host) return;
    const root = host?.shadowRoot?.querySelector(".root");
    const active = facade.host.shadowRoot.activeElement;
    const focused = active && where(facade.root, active);
    facade.host.remove();
    if (focused) twin(root, focused)?.focus({ preventScroll: true });
    if (facade.clicked) twin(root, facade.clicked)?.click();
  }

  // The widget cannot start: the loader's prompt stays with its Subscribe link, and says that
  // signing in is unavailable (its buttons say it again instead of opening a dialog).
  function unavailable(facade) {
    facade.root.querySelector(".prompt")?.removeAttribute("aria-busy");
    if (facade.root.querySelector('[part="unavailable"]')) return;
    const note = document.createElement("template");
    note.innerHTML = hooks.html(facade.unavailable);
    facade.root.querySelector(".prompt")?.append(note.content);
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
  // one, or are getting one; a mark copied with a clone of the page is not one). Until the
  // widget has loaded, every article gets the server's prompt instead (drawn again for an
  // article that now names another).
  let watching;
  function watch() {
    const sync = () => {
      if (paywall && !broken) paywall.sweep();
      for (const container of document.querySelectorAll("[data-paywall]")) {
        if (manual.has(container) || plain.has(container) || container.closest(".paywall-unlocked")) continue;
        if (broken) fallBack(container);
        else if (paywall) paywall.mount(container);
        else if (facades.get(container)?.article !== container.dataset.paywall.trim()) {
          facades.get(container)?.host?.remove();
          drawFacade(container);
        }
      }
    };
    if (!watching) {
      watching = new MutationObserver(sync);
      watching.observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ["data-paywall"] });
    }
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
      const facade = facades.get(each);
      if (facade?.host?.isConnected) {
        unavailable(facade);
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
