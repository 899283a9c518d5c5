// A real OpenID Connect relying party (npm `openid-client`, the certified RP library)
// for the tests: a provider is only proven when a client written by someone else
// signs in at it, not only our own requests that agree with our own server.
//
// TEST ONLY. Driven by tests/support/openid_client_rp.py; one sign-in per run:
//   1. discovery of the issuer;
//   2. prints {"authorize": URL} on stdout: code flow, PKCE S256, state and nonce;
//   3. reads the callback URL (where the browser was sent, with code and state) from stdin;
//   4. code exchange: openid-client checks state, iss, nonce, PKCE and the ID token,
//      its signature included (enableNonRepudiationChecks);
//   5. UserInfo with the access token (its sub must be the ID token's);
//   6. refresh: the new ID token must name the same iss, sub and aud; the new access
//      token must work at UserInfo;
//   7. when the provider has a revocation endpoint: revokes the refresh token and the
//      access token, then the refresh token must be refused (and UserInfo is asked
//      whether the access token still works).
// Success: one line {"result": {...every step...}}, exit 0.
// Failure: one line {"failed": {"step", "error", "error_description", "message", ...},
//          "done": {...the steps before it}}, exit 1.
//
// Options (command line, or the environment variable in brackets):
//   --issuer URL           [RP_ISSUER]         http is allowed on 127.0.0.1, localhost and ::1 only
//   --client-id ID         [RP_CLIENT_ID]
//   --client-secret S      [RP_CLIENT_SECRET]  absent: a public client (auth method none)
//   --auth-method M        [RP_AUTH_METHOD]    client_secret_basic (default with a secret),
//                                              client_secret_post, none
//   --redirect-uri URL     [RP_REDIRECT_URI]
//   --scope "a b"          [RP_SCOPE]          default "openid email profile offline_access"
//   --param name=value     [RP_PARAMS, JSON object]  more authorization request parameters
//                                              (repeatable), e.g. prompt=consent
//   --timeout SECONDS      [RP_TIMEOUT]        per HTTP request and for the callback line; 60

import readline from 'node:readline';
import { parseArgs } from 'node:util';

import * as client from 'openid-client';

const done = {};
let step = 'options';

function describe(error) {
  // openid-client's errors: ResponseBodyError (the provider's JSON error),
  // AuthorizationResponseError (error in the callback), WWWAuthenticateChallengeError
  // (a 401 from UserInfo), and its own checks with a `code` such as OAUTH_JWT_CLAIM_COMPARISON_FAILED.
  const described = { name: error?.name, message: String(error?.message ?? error) };
  if (error?.code) described.code = error.code;
  if (error?.error) described.error = error.error;
  if (error?.error_description) described.error_description = error.error_description;
  if (error?.status) described.status = error.status;
  if (error instanceof client.WWWAuthenticateChallengeError) {
    const challenge = error.cause?.[0]?.parameters ?? {};
    described.error = challenge.error;
    described.error_description = challenge.error_description;
  }
  // openid-client wraps the failed check ("unexpected JWT iss") in a generic ClientError.
  if (error?.cause instanceof Error) described.cause = describe(error.cause);
  if (!described.error) described.error = described.code ?? described.name;
  if (!described.error_description && described.cause) {
    described.error_description = described.cause.error_description ?? described.cause.message;
  }
  return described;
}

function print(object) {
  return new Promise((resolve) => { process.stdout.write(`${JSON.stringify(object)}\n`, resolve); });
}

class StepFailure extends Error {}

function fail(message) {
  throw new StepFailure(message);
}

function options() {
  const { values } = parseArgs({
    options: {
      issuer: { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret': { type: 'string' },
      'auth-method': { type: 'string' },
      'redirect-uri': { type: 'string' },
      scope: { type: 'string' },
      param: { type: 'string', multiple: true },
      timeout: { type: 'string' },
    },
  });
  const env = process.env;
  const pick = (name, variable, fallback) => values[name] ?? (env[variable] || fallback);
  const params = JSON.parse(env.RP_PARAMS || '{}');
  for (const pair of values.param ?? []) {
    const at = pair.indexOf('=');
    if (at < 1) fail(`--param ${pair}: expected name=value`);
    params[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const secret = pick('client-secret', 'RP_CLIENT_SECRET', undefined);
  const chosen = {
    issuer: pick('issuer', 'RP_ISSUER'),
    clientId: pick('client-id', 'RP_CLIENT_ID'),
    secret,
    authMethod: pick('auth-method', 'RP_AUTH_METHOD', secret ? 'client_secret_basic' : 'none'),
    redirectUri: pick('redirect-uri', 'RP_REDIRECT_URI'),
    scope: pick('scope', 'RP_SCOPE', 'openid email profile offline_access'),
    params,
    timeout: Number(pick('timeout', 'RP_TIMEOUT', '60')),
  };
  for (const name of ['issuer', 'clientId', 'redirectUri']) {
    if (!chosen[name]) fail(`${name} is missing (see the options at the top of relying_party.mjs)`);
  }
  if (!(chosen.timeout > 0)) fail('--timeout must be a positive number of seconds');
  return chosen;
}

function clientAuth({ authMethod, secret }) {
  const methods = {
    client_secret_basic: () => client.ClientSecretBasic(secret),
    client_secret_post: () => client.ClientSecretPost(secret),
    none: () => client.None(),
  };
  if (!Object.hasOwn(methods, authMethod)) fail(`unknown auth method ${authMethod}`);
  if (authMethod !== 'none' && !secret) fail(`${authMethod} needs a client secret`);
  return methods[authMethod]();
}

function isLoopback(url) {
  return ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

function readLine(seconds) {
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: process.stdin });
    const timer = setTimeout(() => {
      lines.close();
      reject(new StepFailure(`no callback URL on stdin within ${seconds} s`));
    }, seconds * 1000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(line.trim()); // before close(): its 'close' event would reject
      lines.close();
    });
    lines.once('close', () => {
      clearTimeout(timer);
      reject(new StepFailure('stdin closed before the callback URL came'));
    });
  });
}

// A refused call is the expected outcome here: its error, or null when it worked.
async function refusal(call) {
  try {
    await call();
    return null;
  } catch (error) {
    return describe(error);
  }
}

async function main() {
  const opts = options();
  const issuer = new URL(opts.issuer);

  step = 'discovery';
  const config = await client.discovery(
    issuer,
    opts.clientId,
    opts.secret ? { client_secret: opts.secret } : undefined,
    clientAuth(opts),
    {
      timeout: opts.timeout,
      execute: [
        ...(issuer.protocol === 'http:' && isLoopback(issuer) ? [client.allowInsecureRequests] : []),
        // Verify the ID token's signature with the provider's JWKS too, not only its claims.
        client.enableNonRepudiationChecks,
      ],
    },
  );
  const server = config.serverMetadata();
  done.discovery = Object.fromEntries(
    ['issuer', 'authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri',
      'revocation_endpoint', 'end_session_endpoint'].map((name) => [name, server[name] ?? null]),
  );

  step = 'authorize';
  const codeVerifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const authorizeUrl = client.buildAuthorizationUrl(config, {
    redirect_uri: opts.redirectUri,
    scope: opts.scope,
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...opts.params,
  });
  done.authorize = { url: authorizeUrl.href };
  await print({ authorize: authorizeUrl.href });

  step = 'callback';
  const callbackUrl = new URL(await readLine(opts.timeout));
  done.callback = { url: callbackUrl.href };

  step = 'code_exchange';
  const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
    pkceCodeVerifier: codeVerifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true,
  });
  const claims = tokens.claims();
  done.code_exchange = {
    scope: tokens.scope ?? null,
    token_type: tokens.token_type,
    expires_in: tokens.expiresIn() ?? null,
    refresh_token: Boolean(tokens.refresh_token),
  };
  done.id_token = claims;

  step = 'userinfo';
  done.userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);

  step = 'refresh';
  if (!tokens.refresh_token) fail('the code exchange gave no refresh_token');
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
  const newClaims = refreshed.claims() ?? null;
  if (newClaims) {
    // OpenID Connect Core 12.2: the same iss, sub and aud as the first ID token.
    for (const name of ['iss', 'sub', 'aud']) {
      if (JSON.stringify(newClaims[name]) !== JSON.stringify(claims[name])) {
        fail(`the refreshed ID token's ${name} is ${JSON.stringify(newClaims[name])}, not ${JSON.stringify(claims[name])}`);
      }
    }
  }
  const refreshedUserinfo = await client.fetchUserInfo(config, refreshed.access_token, claims.sub);
  const refreshToken = refreshed.refresh_token ?? tokens.refresh_token;
  done.refresh = {
    new_access_token: refreshed.access_token !== tokens.access_token,
    new_refresh_token: Boolean(refreshed.refresh_token) && refreshed.refresh_token !== tokens.refresh_token,
    id_token: newClaims,
    userinfo_sub: refreshedUserinfo.sub,
  };

  if (!server.revocation_endpoint) {
    done.revocation = null;
    return;
  }
  step = 'revocation';
  await client.tokenRevocation(config, refreshToken, { token_type_hint: 'refresh_token' });
  await client.tokenRevocation(config, refreshed.access_token, { token_type_hint: 'access_token' });

  step = 'refused_after_revocation';
  const refreshRefused = await refusal(() => client.refreshTokenGrant(config, refreshToken));
  if (!refreshRefused) fail('the revoked refresh token still gave tokens');
  const userinfoRefused = await refusal(
    () => client.fetchUserInfo(config, refreshed.access_token, claims.sub),
  );
  done.revocation = {
    refresh_token_refused: refreshRefused,
    access_token_refused: userinfoRefused, // null: UserInfo still accepted the revoked access token
  };
}

try {
  await main();
  await print({ result: done });
  process.exitCode = 0;
} catch (error) {
  const failed = error instanceof StepFailure
    ? { step, error: 'rp_check_failed', error_description: error.message, message: error.message }
    : { step, ...describe(error) };
  await print({ failed, done });
  process.exitCode = 1;
}
// Nothing else may keep the process alive (stdin is closed by readLine).
process.stdin.destroy();
