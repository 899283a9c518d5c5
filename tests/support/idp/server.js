// A real OpenID Connect provider (the `oidc-provider` package) for the end-to-end tests.
//
// Why a real one: the app's sign-in code must be proven against an actual
// discovery document, authorization form, token endpoint and signed ID token,
// not against mocks that agree with whatever the app happens to send.
//
// TEST ONLY: fixed cookie keys, oidc-provider's public development signing keys,
// plain HTTP and a login form that accepts any password.
//
// Configuration, all from the environment:
//   IDP_PORT      port to listen on at 127.0.0.1; the issuer is http://127.0.0.1:IDP_PORT
//   IDP_CLIENTS   JSON array of clients:
//                 [{"client_id", "client_secret", "redirect_uris": [...],
//                   "token_endpoint_auth_method"?: "client_secret_basic" | "client_secret_post"
//                     | "private_key_jwt" (with "jwks_uri" or "jwks") | "none" (no secret),
//                   ...any other oidc-provider client metadata}]
//                 Clients may use the authorization_code and refresh_token grants.
//   IDP_ACCOUNTS  JSON object: login typed in the sign-in form -> claims, e.g.
//                 {"alice": {"email": "alice@example.org", "email_verified": true,
//                            "given_name": "Alice", "family_name": "Liddell", "name": "Alice Liddell"}}
//                 The login becomes the `sub`. A login that is not in the map is refused:
//                 the sign-in form is shown again.
//
// Prints `IDP READY <issuer>` on stdout once it accepts connections.
// When stdin is a pipe (as the Python fixture starts it), the server exits when
// that pipe closes, so a killed test run never leaves a provider behind.

import fs from 'node:fs';

import Provider, { interactionPolicy } from 'oidc-provider';

function fromEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') {
    if (fallback !== undefined) return fallback;
    throw new Error(`${name} is not set`);
  }
  return raw;
}

const port = Number.parseInt(fromEnv('IDP_PORT'), 10);
const clients = JSON.parse(fromEnv('IDP_CLIENTS'));
const accounts = JSON.parse(fromEnv('IDP_ACCOUNTS', '{}'));
// The client authentication methods the provider offers (and advertises in discovery);
// unset: oidc-provider's default. ["none"] is an issuer that takes public clients only.
const clientAuthMethods = JSON.parse(fromEnv('IDP_CLIENT_AUTH_METHODS', 'null'));
const issuer = `http://127.0.0.1:${port}`;

// Refuse logins that are not in IDP_ACCOUNTS the way a wrong password is refused:
// the sign-in form comes back. (findAccount alone would end in a server_error.)
const policy = interactionPolicy.base();
policy.get('login').checks.push(new interactionPolicy.Check(
  'unknown_account',
  'the login is not one of IDP_ACCOUNTS',
  (ctx) => Boolean(ctx.oidc.session.accountId && !ctx.oidc.account),
));

const configuration = {
  clients,
  ...(clientAuthMethods ? { clientAuthMethods } : {}),
  interactions: { policy },
  clientDefaults: {
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: clientAuthMethods ? clientAuthMethods[0] : 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
  },
  // Put e-mail and name into the ID token itself, as most real providers do,
  // instead of only behind the userinfo endpoint.
  conformIdTokenClaims: false,
  scopes: ['openid', 'email', 'profile', 'offline_access'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name', 'picture'],
  },
  async findAccount(ctx, sub) {
    if (!Object.hasOwn(accounts, sub)) return undefined;
    return {
      accountId: sub,
      async claims() {
        return { ...accounts[sub], sub };
      },
    };
  },
  // A refresh token whenever offline_access was granted. oidc-provider only keeps
  // offline_access in an authorization request that also says prompt=consent
  // (OpenID Connect Core 11), as real providers do.
  async issueRefreshToken(ctx, client, source) {
    return client.grantTypeAllowed('refresh_token') && source.scopes.has('offline_access');
  },
  // S256 only (oidc-provider 9 has no "plain"); required for public clients only.
  pkce: { required: (ctx, client) => client.clientAuthMethod === 'none' },
  features: {
    devInteractions: { enabled: true }, // sign-in form (login, password) then consent ("Continue")
    revocation: { enabled: true },
  },
  cookies: { keys: ['socialservices-test-idp-cookie-key-not-secret'] },
  // What the provider fetches (a client's jwks_uri: the app's JWKS URL for private_key_jwt)
  // is on 127.0.0.1 here, which oidc-provider's SSRF guard refuses: fetch without it.
  async fetch(url, options) {
    const { dispatcher, ...rest } = options;
    return globalThis.fetch(url, rest);
  },
  ttl: {
    AccessToken: 3600,
    AuthorizationCode: 60,
    IdToken: 3600,
    RefreshToken: 14 * 24 * 3600,
    Grant: 14 * 24 * 3600,
    Interaction: 3600,
    Session: 14 * 24 * 3600,
  },
};

const provider = new Provider(issuer, configuration);
// oidc-provider checks client metadata only on first use; fail at start instead
// (Client.find throws invalid_client_metadata, e.g. "client_secret is mandatory property").
for (const { client_id: clientId } of clients) await provider.Client.find(String(clientId));

// Log why a request failed: the first thing one needs when an e2e test breaks.
for (const event of ['authorization.error', 'grant.error', 'server_error', 'userinfo.error']) {
  provider.on(event, (ctx, error) => {
    let cause = '';
    for (let reason = error.cause; reason; reason = reason.cause) {
      cause += ` (cause: ${reason.error_description ?? reason.message ?? reason})`;
    }
    console.error(`IDP ${event}: ${error.name}: ${error.message} ${error.error_description ?? ''}${cause}`);
  });
}

const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`IDP READY ${issuer}`);
});
server.on('error', (error) => {
  console.error(`IDP cannot listen on 127.0.0.1:${port}: ${error.message}`);
  process.exit(1);
});

function stop() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
if (fs.fstatSync(0).isFIFO()) {
  process.stdin.on('end', stop);
  process.stdin.resume();
}
