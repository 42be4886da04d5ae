// A small relying party for the journeys: another application that logs its users in through
// Riegel with panva's openid-client (OpenID Certified), as a real portal application would.
// It registers itself with the server binary's own command, then serves:
//   /login[?max_age=N][&acr_values=…]  starts the authorization code flow with PKCE, state and nonce
//   /pay                the same, asking to confirm a payment (RFC 9396 authorization_details)
//   /callback           redeems the code; the library checks the ID token against the JWKS
//   /logout             RP-initiated logout with the ID token as hint
//   /bye                where Riegel sends the browser after the logout
// Every page shows what the library verified, as JSON in <pre id="result">.

import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import * as client from 'openid-client';

const port = Number(process.env.RP_PORT ?? 3200);
const issuer = new URL(process.env.RP_ISSUER ?? 'http://127.0.0.1:3100');
const self = `http://127.0.0.1:${port}`;
const clientId = 'e2e-relying-party';

let config; // the discovered provider and this client's credentials, made on the first login
const flows = new Map(); // state → { verifier, nonce, maxAge }
let lastIdToken;

/** The payment /pay asks the user to confirm with a TAN. */
const PAYMENT = {
  type: 'payment', amount: '1234.50', currency: 'EUR', creditor_iban: 'DE89 3704 0044 0532 0130 00', reference: 'RE-2026-17',
};

/** Registers this application with `server client add` and reads the secret it prints once. */
function register() {
  const out = execFileSync(process.env.RIEGEL_SERVER_BIN, [
    'client', 'add', '--id', clientId, '--name', 'Journey relying party',
    '--redirect-uri', `${self}/callback`, '--post-logout-uri', `${self}/bye`,
  ], { encoding: 'utf8', env: process.env, cwd: process.env.RIEGEL_ROOT });
  const lines = out.trim().split('\n');
  const at = lines.findIndex((l) => l.startsWith('client_secret'));
  if (at < 0) throw new Error(`no secret in: ${out}`);
  return lines[at + 1].trim();
}

async function configuration() {
  if (!config) {
    const secret = register();
    config = await client.discovery(issuer, clientId, undefined, client.ClientSecretBasic(secret), {
      execute: [client.allowInsecureRequests],
    });
  }
  return config;
}

function page(res, status, title, result) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
  res.end(`<!DOCTYPE html><html lang="en"><head><title>${title}</title></head><body><h1>${title}</h1>` +
    `<pre id="result">${JSON.stringify(result, null, 2).replace(/</g, '&lt;')}</pre></body></html>`);
}

async function handle(req, res) {
  const url = new URL(req.url, self);
  if (url.pathname === '/healthz') return page(res, 200, 'ok', {});
  const cfg = await configuration();
  if (url.pathname === '/login' || url.pathname === '/pay') {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const params = {
      redirect_uri: `${self}/callback`,
      scope: 'openid email profile',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    };
    if (url.pathname === '/pay') params.authorization_details = JSON.stringify([PAYMENT]);
    const maxAge = url.searchParams.get('max_age');
    if (maxAge !== null) params.max_age = maxAge;
    const acrValues = url.searchParams.get('acr_values');
    if (acrValues !== null) params.acr_values = acrValues;
    flows.set(state, { verifier, nonce, maxAge: maxAge === null ? undefined : Number(maxAge) });
    res.writeHead(303, { location: client.buildAuthorizationUrl(cfg, params).href });
    return res.end();
  }
  if (url.pathname === '/callback') {
    const flow = flows.get(url.searchParams.get('state'));
    if (!flow) return page(res, 400, 'Unknown state', { query: Object.fromEntries(url.searchParams) });
    flows.delete(url.searchParams.get('state'));
    const tokens = await client.authorizationCodeGrant(cfg, url, {
      pkceCodeVerifier: flow.verifier,
      expectedNonce: flow.nonce,
      expectedState: url.searchParams.get('state'),
      maxAge: flow.maxAge,
      idTokenExpected: true,
    });
    lastIdToken = tokens.id_token;
    const claims = tokens.claims();
    const userinfo = await client.fetchUserInfo(cfg, tokens.access_token, claims.sub);
    return page(res, 200, 'Logged in', { claims, userinfo, authorization_details: tokens.authorization_details ?? null });
  }
  if (url.pathname === '/logout') {
    const target = client.buildEndSessionUrl(cfg, {
      id_token_hint: lastIdToken,
      post_logout_redirect_uri: `${self}/bye`,
      state: 'bye-state',
    });
    res.writeHead(303, { location: target.href });
    return res.end();
  }
  if (url.pathname === '/bye') return page(res, 200, 'Logged out', { state: url.searchParams.get('state') });
  return page(res, 404, 'Not found', {});
}

createServer((req, res) => {
  handle(req, res).catch((e) => page(res, 500, 'Relying party error', { error: String(e), cause: String(e.cause ?? '') }));
}).listen(port, '127.0.0.1');
