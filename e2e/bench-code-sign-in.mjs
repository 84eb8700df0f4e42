// Benchmark: the time from a reader submitting a valid emailed code to the locked sections
// on screen, measured inside the page (submit event to the last section in the DOM), against
// the real server and a real SMTP sink on loopback. Each run starts a fresh server, so the
// per-email limit on codes never interferes. Prints every run and the median.
//
//   cargo xtask bench            (or: node e2e/bench-code-sign-in.mjs [runs])
import { launchBrowser, openContext, startServer } from "./harness.mjs";
import { codeAndLink, startSmtpSink } from "./smtp-sink.mjs";

const runs = Number(process.argv[2] ?? 9);
const smtp = await startSmtpSink();
const browser = await launchBrowser({ full: true });
const times = [];
try {
  for (let run = 1; run <= runs; run++) {
    const server = await startServer({ PAYWALL_SMTP_URL: smtp.url });
    const session = await openContext(browser);
    try {
      const page = await session.context.newPage();
      await page.goto(server.page);
      await page.getByRole("button", { name: "Sign in →" }).click();
      const dialog = page.getByRole("dialog");
      await dialog.getByLabel("Email").fill("subscriber@example.com");
      const seen = smtp.count("subscriber@example.com");
      await dialog.getByRole("button", { name: "Email me a code" }).click();
      const { code } = codeAndLink(await smtp.next("subscriber@example.com", seen));
      await dialog.getByLabel("6-digit code").fill(code);
      // Stamp the submit, and the moment the fourth section is in the page.
      const measured = page.evaluate(() => new Promise((resolve) => {
        const root = document.querySelector(".paywall-widget").shadowRoot;
        let submitted;
        root.addEventListener("submit", () => { submitted = performance.now(); }, { capture: true, once: true });
        new MutationObserver((_, observer) => {
          if (document.querySelectorAll(".paywall-unlocked section").length >= 4 && submitted !== undefined) {
            observer.disconnect();
            resolve(performance.now() - submitted);
          }
        }).observe(document.querySelector("article"), { childList: true, subtree: true });
      }));
      await dialog.getByRole("button", { name: "Sign in", exact: true }).click();
      const ms = await measured;
      times.push(ms);
      console.log(`run ${run}: ${ms.toFixed(1)} ms`);
    } finally {
      await session.context.close();
      server.stop();
    }
  }
} finally {
  await browser.close();
  await smtp.close();
}
const sorted = [...times].sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)];
console.log(`code submitted → locked sections on screen: median ${median.toFixed(1)} ms over ${runs} runs (min ${sorted[0].toFixed(1)}, max ${sorted.at(-1).toFixed(1)})`);
