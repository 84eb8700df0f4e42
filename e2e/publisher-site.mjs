// The publisher's site, as the demo and the end-to-end tests run it: the demo article on an
// origin of its own (http://localhost:PORT), another site than the paywall server's
// (http://127.0.0.1:PORT), as in every real deployment, with the loader's tag pointing at the
// paywall server. Tests add pages to it, each with response headers of its own.
//
//   node e2e/publisher-site.mjs http://127.0.0.1:8080 8081    (what `cargo xtask demo` runs)
import { readFileSync } from "node:fs";
import http from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Starts the site on loopback (`port` 0 picks a free one). `paywall` is the paywall server's
 * URL, which may also be set later (`site.paywall = …`): the pages are written when asked for.
 */
export async function startSite({ paywall, port = 0 } = {}) {
  const pages = new Map();
  const handle = (request, response) => {
    const page = pages.get(new URL(request.url, "http://site").pathname);
    if (!page) {
      response.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
      response.end("Nothing is at this address.");
      return;
    }
    // The body first: a page written afresh (a new nonce) may set its headers from it.
    const body = typeof page.body === "function" ? page.body() : page.body;
    const headers = typeof page.headers === "function" ? page.headers() : page.headers;
    response.writeHead(200, { "content-type": page.type, "cache-control": "no-cache", ...headers });
    response.end(body);
  };
  // `localhost` is 127.0.0.1 or ::1 to a browser: both answer.
  const listeners = [http.createServer(handle)];
  port = await listen(listeners[0], port, "127.0.0.1");
  const ipv6 = http.createServer(handle);
  if (await listen(ipv6, port, "::1").catch(() => null)) listeners.push(ipv6);

  const site = {
    origin: `http://localhost:${port}`,
    paywall,
    /**
     * Serves `body` at `path` with these headers (each may be a function, called for every
     * request: the body first); the page's URL.
     */
    serve(path, body, headers = {}, type = "text/html; charset=utf-8") {
      pages.set(path, { body, headers, type });
      return site.origin + path;
    },
    close() {
      for (const listener of listeners) listener.close();
    },
  };
  site.serve("/", () => articlePage(site.paywall));
  site.serve("/subscribe.html", readFileSync(join(root, "www/subscribe.html")));
  site.serve("/favicon.ico", "", {}, "image/x-icon");
  return site;
}

/**
 * The demo article (`index.html`, or `html`) as a publisher's site serves it: the loader's
 * tag and its API address pointing at the paywall server.
 */
export function articlePage(paywall, html = readFileSync(join(root, "index.html"), "utf8")) {
  return html
    .replace('src="/paywall.js"', `src="${paywall}/paywall.js"`)
    .replace('data-paywall-api="/"', `data-paywall-api="${paywall}"`);
}

function listen(server, port, host) {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server.address().port));
  });
}

// Run directly: the demo's site, until stopped.
if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [paywall = "http://127.0.0.1:8080", port = "8081"] = process.argv.slice(2);
  const site = await startSite({ paywall, port: Number(port) });
  console.log(`the publisher's site is at ${site.origin}/ (the demo article)`);
}
