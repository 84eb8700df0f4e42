// Starts the dashboard: the WebAssembly's glue fetches and runs it, which draws into #app.
import init from "/admin/pkg/paywall_admin.js";

init({ module_or_path: "/admin/pkg/paywall_admin_bg.wasm" }).catch((error) => {
  const main = document.getElementById("main");
  if (main) {
    main.textContent = "The dashboard could not start in this browser: " + error;
  }
});
