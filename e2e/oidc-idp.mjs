// A real OpenID Connect provider on loopback for the tests, built on oidc-provider (a
// certified implementation). Its only interactions are two plain HTML pages a browser can
// drive: a login form (a `login` text field, a "Sign in" button) and a consent page
// ("Allow" / "Deny"). Users come from the `users` Map the test fills before a sign-in.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { createServer } from "node:http";

// oidc-provider warns on import when Node.js is older than 22 LTS; it runs fine on the 20.x
// we have, so swallow that single line and nothing else.
const { Provider } = await (async () => {
  const warn = console.warn;
  console.warn = (...args) => {
    if (!String(args[0]).includes("Unsupported runtime")) warn(...args);
  };
  try {
    return await import("oidc-provider");
  } finally {
    console.warn = warn;
  }
})();

/** Our own tiny in-memory store. (The built-in one works too, but warns at start-up.) */
function memoryAdapter() {
  const store = new Map(); // "Model:id" → { payload, expires (ms, or Infinity) }
  const live = (key) => {
    const entry = store.get(key);
    if (entry && entry.expires < Date.now()) store.delete(key);
    return entry && entry.expires >= Date.now() ? entry.payload : undefined;
  };
  return (model) => ({
    async upsert(id, payload, expiresIn) {
      const expires = expiresIn ? Date.now() + expiresIn * 1000 : Infinity;
      store.set(`${model}:${id}`, { payload, expires });
      if (model === "Session") store.set(`SessionUid:${payload.uid}`, { payload: id, expires });
    },
    async find(id) {
      return live(`${model}:${id}`);
    },
    async findByUid(uid) {
      const id = live(`SessionUid:${uid}`);
      return id && live(`Session:${id}`);
    },
    async findByUserCode() {
      return undefined; // no device flow here
    },
    // Marks a code as used: a second exchange of it is refused with invalid_grant.
    async consume(id) {
      const payload = live(`${model}:${id}`);
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    },
    async destroy(id) {
      store.delete(`${model}:${id}`);
    },
    // Called when a code is replayed: every token of that grant is revoked.
    async revokeByGrantId(grantId) {
      for (const [key, { payload }] of store) {
        if (payload?.grantId === grantId && !key.startsWith("Session")) store.delete(key);
      }
    },
  });
}

const esc = (s) =>
  String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const page = (title, body) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title></head>
<body><main><h1>${esc(title)}</h1>${body}</main></body></html>`;

function loginPage(uid, clientId, error) {
  return page("Sign in to the test IdP", `
    <p>Client: <code>${esc(clientId)}</code></p>
    ${error ? `<p role="alert">${esc(error)}</p>` : ""}
    <form method="post" action="/interaction/${esc(uid)}/login">
      <label>Login <input type="text" name="login" autocomplete="username" autofocus required></label>
      <button type="submit">Sign in</button>
    </form>`);
}

function consentPage(uid, clientId, scopes) {
  return page("Allow access?", `
    <p><code>${esc(clientId)}</code> asks for: ${scopes.map((s) => `<code>${esc(s)}</code>`).join(", ")}</p>
    <form method="post" action="/interaction/${esc(uid)}/consent">
      <button type="submit" name="decision" value="allow">Allow</button>
      <button type="submit" name="decision" value="deny">Deny</button>
    </form>`);
}

async function formBody(req) {
  let text = "";
  for await (const chunk of req) text += chunk;
  return new URLSearchParams(text);
}

function send(res, status, html) {
  res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
  res.end(html);
}

/**
 * Starts the IdP on 127.0.0.1. `clients`: [{ client_id, client_secret, redirect_uris }].
 * Returns { issuer, users, stop(), start(), close() }: `users` maps a login name to
 * { sub, email, email_verified, name }; stop() drops the socket (the IdP is "down") but
 * keeps every session, code and key; start() listens again on the same port.
 */
export async function startIdp({ port = 0, clients }) {
  const users = new Map();
  const accountBySub = (sub) => [...users.values()].find((u) => u.sub === sub);

  let provider, callback; // created once the port, hence the issuer, is known
  let server;
  let closed = false;
  const handler = (req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    if (path.startsWith("/interaction/")) {
      interaction(req, res, path).catch((err) => {
        // SessionNotFound etc.: the interaction cookie is missing or expired.
        if (!err.statusCode || err.statusCode >= 500) console.error("oidc-idp:", err);
        send(res, err.statusCode || 500, page("Error", `<p>${esc(err.error_description || err.message)}</p>`));
      });
    } else {
      callback(req, res); // everything else is oidc-provider's (a Koa app)
    }
  };

  async function listen() {
    server = createServer(handler);
    await new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", resolve);
    });
    port = server.address().port;
  }
  await listen();
  const issuer = `http://127.0.0.1:${port}`;

  // A fresh RS256 key each run; passing `jwks` also avoids the dev-keys warning.
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: "jwk" }), kid: randomBytes(8).toString("hex"), alg: "RS256", use: "sig" };

  provider = new Provider(issuer, {
    adapter: memoryAdapter(),
    jwks: { keys: [jwk] },
    clients: clients.map(({ client_id, client_secret, redirect_uris }) => ({
      client_id,
      client_secret,
      redirect_uris, // http:// is accepted for web clients using the code flow
      grant_types: ["authorization_code"],
      response_types: ["code"],
      // Registering basic still lets the client use client_secret_post (same secret).
      token_endpoint_auth_method: "client_secret_basic",
      id_token_signed_response_alg: "RS256",
    })),
    responseTypes: ["code"], // no implicit/hybrid in discovery
    clientAuthMethods: ["client_secret_basic", "client_secret_post"],
    pkce: { required: () => true }, // only S256 is supported in v9
    scopes: ["openid", "email", "profile"],
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    // Without this, scope claims go only to userinfo when an access token is issued too.
    conformIdTokenClaims: false,
    async findAccount(_ctx, sub) {
      const user = accountBySub(sub);
      return user && { accountId: sub, claims: () => ({ ...user, sub }) };
    },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    // The RP under test also lives on 127.0.0.1, and cookies ignore the port: prefix ours.
    cookies: {
      names: { session: "idp_session", interaction: "idp_interaction", resume: "idp_interaction_resume" },
      keys: [randomBytes(32).toString("hex")],
    },
    // Set every TTL explicitly: the defaults print a notice the first time they are used.
    ttl: {
      AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, Interaction: 3600,
      Session: 86400, Grant: 86400, RefreshToken: 86400,
    },
    async renderError(ctx, out) {
      ctx.type = "html";
      ctx.body = page("Error", `<p><code>${esc(out.error)}</code> ${esc(out.error_description ?? "")}</p>`);
    },
  });
  callback = provider.callback();
  // Expected errors (bad code, denied consent...) are answered quietly; bugs are not.
  provider.on("server_error", (_ctx, err) => console.error("oidc-idp server_error:", err));

  async function interaction(req, res, path) {
    const [, , uid, action] = path.split("/"); // /interaction/:uid[/login|/consent]
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw Object.assign(new Error("interaction mismatch"), { statusCode: 400 });
    const { prompt, params } = details;

    if (req.method === "GET" && !action) {
      if (prompt.name === "login") return send(res, 200, loginPage(uid, params.client_id));
      const scopes = prompt.details.missingOIDCScope ?? String(params.scope).split(" ");
      return send(res, 200, consentPage(uid, params.client_id, scopes));
    }

    if (req.method === "POST" && action === "login" && prompt.name === "login") {
      const login = ((await formBody(req)).get("login") ?? "").trim();
      const user = users.get(login);
      if (!user) return send(res, 200, loginPage(uid, params.client_id, `Unknown user “${login}”.`));
      const result = { login: { accountId: user.sub } };
      return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
    }

    if (req.method === "POST" && action === "consent" && prompt.name === "consent") {
      const decision = (await formBody(req)).get("decision");
      if (decision !== "allow") {
        // The RP then gets ?error=access_denied&state=... on its redirect_uri.
        const result = { error: "access_denied", error_description: "End-User denied the request" };
        return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
      }
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: details.session.accountId, clientId: params.client_id });
      if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(" "));
      if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(prompt.details.missingResourceScopes ?? {})) {
        grant.addResourceScope(indicator, scopes.join(" "));
      }
      const result = { consent: { grantId: await grant.save() } };
      return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: true });
    }

    send(res, 400, page("Error", "<p>Unexpected request for this step.</p>"));
  }

  async function stop() {
    if (!server.listening) return;
    const closed = new Promise((resolve) => server.close(resolve));
    server.closeAllConnections(); // keep-alive sockets would otherwise keep answering
    await closed;
  }

  return {
    issuer,
    users,
    stop,
    async start() {
      if (closed) throw new Error("oidc-idp: start() after close()");
      if (!server.listening) await listen();
    },
    async close() {
      closed = true;
      await stop();
    },
  };
}

// Run as a program (`node e2e/oidc-idp.mjs PORT REDIRECT_URI CLIENT_SECRET`, what the API's
// schemathesis runs start): one client `paywall`, one user `fuzzer` with a verified email,
// until killed. It prints "oidc-idp listening on ISSUER" once it listens.
if (process.argv[1] && import.meta.url === (await import("node:url")).pathToFileURL(process.argv[1]).href) {
  const [port, redirect, secret] = process.argv.slice(2);
  const idp = await startIdp({
    port: Number(port),
    clients: [{ client_id: "paywall", client_secret: secret, redirect_uris: [redirect] }],
  });
  idp.users.set("fuzzer", { sub: "fuzzer", email: "fuzzer@idp.example", email_verified: true, name: "Fuzzer" });
  console.log(`oidc-idp listening on ${idp.issuer}`);
  const stop = () => idp.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
