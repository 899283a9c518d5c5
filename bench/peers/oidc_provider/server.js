// npm oidc-provider (a certified OpenID Connect provider) set up like our provider role,
// as the peer of bench/provider.py. Benchmarks only: a login form that takes any password.
//
// Like ours: one confidential client (client_secret_basic), the code flow with PKCE S256
// (required of public clients, checked whenever sent), RS256 ID tokens (ES256 offered),
// scopes openid profile email, a refresh token with every code exchange (rotated on use),
// one account. Its storage is in this process (map_adapter.js).
//
// Environment:
//   PEER_PORT     port at 127.0.0.1; the issuer is http://127.0.0.1:PEER_PORT
//   PEER_CLIENT   JSON: {"client_id", "client_secret", "redirect_uris": [...],
//                        "post_logout_redirect_uris"?: [...]}
//   PEER_ACCOUNT  JSON: the one person's claims, with "sub"; the login typed in the
//                 development sign-in form must be that sub.
// Prints `PEER READY <issuer>` once it accepts connections; exits when stdin closes.

import crypto from 'node:crypto';
import fs from 'node:fs';

import Provider from 'oidc-provider';

import MapAdapter from './map_adapter.js';

const port = Number.parseInt(process.env.PEER_PORT, 10);
const client = JSON.parse(process.env.PEER_CLIENT);
const account = JSON.parse(process.env.PEER_ACCOUNT);
const issuer = `http://127.0.0.1:${port}`;

// Fresh keys for each run, as a deployment would have its own (not the package's
// development keys).
function signingKey(kid, alg, type, options) {
  const { privateKey } = crypto.generateKeyPairSync(type, options);
  return { ...privateKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
}

const provider = new Provider(issuer, {
  adapter: MapAdapter,
  clients: [{
    ...client,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
  }],
  jwks: {
    keys: [
      signingKey('rs256', 'RS256', 'rsa', { modulusLength: 2048 }),
      signingKey('es256', 'ES256', 'ec', { namedCurve: 'P-256' }),
    ],
  },
  scopes: ['openid', 'profile', 'email'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name', 'preferred_username'],
  },
  async findAccount(ctx, sub) {
    if (sub !== account.sub) return undefined;
    return { accountId: sub, async claims() { return { ...account }; } };
  },
  // A refresh token with every code exchange, as ours (its default asks for the
  // offline_access scope and prompt=consent), rotated on every use, as ours.
  async issueRefreshToken(ctx, theClient) {
    return theClient.grantTypeAllowed('refresh_token');
  },
  rotateRefreshToken: true,
  // Tokens live on their own, not only as long as the browser session (its default for
  // grants without offline_access): no session lookup at UserInfo or refresh.
  async expiresWithSession() {
    return false;
  },
  pkce: { required: (ctx, theClient) => theClient.clientAuthMethod === 'none' },
  features: {
    devInteractions: { enabled: true }, // the login and consent forms, used once before measuring
    revocation: { enabled: true },
  },
  cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
  ttl: {
    AccessToken: 600, // as ours (admin_app/provider/lifetimes.py)
    AuthorizationCode: 60,
    IdToken: 600,
    RefreshToken: 14 * 24 * 3600,
    Grant: 14 * 24 * 3600,
    Interaction: 3600,
    Session: 14 * 24 * 3600,
  },
});

for (const event of ['authorization.error', 'grant.error', 'server_error', 'userinfo.error']) {
  provider.on(event, (ctx, error) => {
    console.error(`PEER ${event}: ${error.name}: ${error.message} ${error.error_description ?? ''}`);
  });
}

const server = provider.listen(port, '127.0.0.1', () => console.log(`PEER READY ${issuer}`));
function stop() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.on('SIGTERM', stop);
if (fs.fstatSync(0).isFIFO()) {
  process.stdin.on('end', stop);
  process.stdin.resume();
}
