// The paywall loader: a publisher adds this one module script to an article page.
//
//   <script type="module" src="https://PAYWALL-HOST/paywall.js"
//           data-paywall-api="https://PAYWALL-HOST"></script>
//
// It finds its own script tag by attribute (document.currentScript is null for modules), loads
// the widget's WebAssembly from beside itself, and mounts a widget on every [data-paywall]
// element. `window.Paywall.mount(element)` mounts one more, for pages that build themselves.
import init, { mountAll } from "./pkg/paywall.js";

const script =
  document.querySelector("script[data-paywall-api]") ??
  document.querySelector('script[src$="/paywall.js"], script[src="paywall.js"]');

try {
  await init({ module_or_path: new URL("./pkg/paywall_bg.wasm", import.meta.url) });
  window.Paywall = mountAll(script);
} catch (error) {
  console.error("paywall: the widget could not start.", error);
}
