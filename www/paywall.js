// The paywall loader: a publisher adds this one module script to an article page.
//
//   <script type="module" src="https://PAYWALL-HOST/paywall.js"
//           data-paywall-api="https://PAYWALL-HOST"></script>
//
// It finds its own script tag by attribute (document.currentScript is null for modules), loads
// the widget's WebAssembly from beside itself, and mounts a widget on every [data-paywall]
// element. window.Paywall (see paywall.d.ts) mounts, unmounts, signs out and refreshes.
//
// If the widget cannot start, or fails later, the page is left alone: the free section stays,
// and each article gets a plain link to subscribe or to reload and sign in.
//
// Nothing waits for what it does not need: the WebAssembly is fetched and compiled while the
// glue downloads, and the prompt's two reads (the article's summary, its offers) are already
// on their way while both do; the widget takes their answers instead of asking again.
const wasmUrl = new URL("./pkg/paywall_bg.wasm", import.meta.url);
// In an async function, so that a browser without WebAssembly (or without streaming) fails
// here as a rejection, handled below like any other failure to start, not as an exception
// that would stop this module before it can fall back.
const compiled = (async () => WebAssembly.compileStreaming(fetch(wasmUrl)))();
// A server that sends the wrong type cannot be streamed; the glue's own loading copes.
compiled.catch(() => {});

const script =
  document.querySelector("script[data-paywall-api]") ??
  document.querySelector('script[src$="/paywall.js"], script[src="paywall.js"]');

// The answers the prompt will need, keyed by URL, for a reader not signed in (one who is asks
// for the locked sections first). The API base is worked out as the widget does.
const prefetched = new Map();
try {
  const url = new URL(script?.dataset.paywallApi?.trim() || "/", script?.src);
  const api = url.origin + url.pathname.replace(/\/+$/, "");
  if (!localStorage.getItem(`paywall:refresh:${api}`)) {
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
    // download, not after (and not before DOMContentLoaded).
    if (prefetched.size) setTimeout(() => new Intl.NumberFormat());
    // Answers for a page-load the widget did not take (the reader signed in from the page
    // instead) are too old to hand to a widget mounted later.
    setTimeout(() => prefetched.clear(), 10_000);
  }
} catch {
  // No storage, no script tag, a bad URL: the widget asks itself, and reports what is wrong.
}

function fallBack() {
  const subscribe = script?.dataset.paywallSubscribeUrl || "/subscribe";
  for (const container of document.querySelectorAll("[data-paywall]")) {
    if (container.querySelector(".paywall-fallback")) continue;
    container.querySelector(".paywall-widget")?.remove();
    const note = document.createElement("p");
    note.className = "paywall-fallback";
    const link = (href, text) => Object.assign(document.createElement("a"), { href, textContent: text });
    note.append(
      "The rest of this story is for subscribers. ",
      link(subscribe, "Subscribe"),
      " or ",
      link(location.href, "reload the page to sign in"),
      ".",
    );
    container.append(note);
  }
}

// A failure inside the widget surfaces as a WebAssembly trap; it stays the widget's problem.
const isWidgetFailure = (error) =>
  typeof WebAssembly === "object" && error instanceof WebAssembly.RuntimeError;
addEventListener("error", (event) => {
  if (isWidgetFailure(event.error)) {
    event.preventDefault();
    fallBack();
  }
});
addEventListener("unhandledrejection", (event) => {
  if (isWidgetFailure(event.reason)) {
    event.preventDefault();
    fallBack();
  }
});

try {
  const { default: init, mountAll } = await import("./pkg/paywall.js");
  await init({ module_or_path: await compiled.catch(() => wasmUrl) });
  const paywall = mountAll(script, prefetched);
  window.Paywall = {
    mount(element, options = {}) {
      // Options are the element's data-paywall-* attributes, as for the page's own articles.
      for (const [name, value] of Object.entries(options)) {
        if (value != null) element.setAttribute(`data-paywall-${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, value);
      }
      paywall.mount(element);
    },
    unmount: (element) => paywall.unmount(element),
    setToken: (token) => paywall.setToken(token),
    signOut: () => paywall.signOut(),
    refresh: () => paywall.refresh(),
  };
} catch (error) {
  console.warn("paywall: the widget could not start; showing plain links instead.", error);
  fallBack();
}
