import { signIn } from './session.ts';

/**
 * Sign-in on AWS: Cognito's hosted page with the authorization code grant and PKCE (a public app
 * client, no secret). `config.json` next to the console's files names the sign-in domain and the
 * client; without it (the local stack) the sign-in page offers the demo users instead. The code
 * comes back in the query string and is exchanged at once; the URL is cleaned before anything else.
 */
export interface SignInConfig {
  signInDomain: string;
  clientId: string;
}

const PKCE_KEY = 'console.pkce';

export async function loadSignInConfig(): Promise<SignInConfig | null> {
  try {
    const response = await fetch('/config.json', { headers: { accept: 'application/json' } });
    if (!response.ok) return null;
    const config = (await response.json()) as Partial<SignInConfig>;
    return typeof config.signInDomain === 'string' && typeof config.clientId === 'string'
      ? { signInDomain: config.signInDomain.replace(/\/$/, ''), clientId: config.clientId }
      : null;
  } catch {
    return null;
  }
}

const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const randomText = () => base64url(crypto.getRandomValues(new Uint8Array(32)));
const redirectUri = () => `${location.origin}/`;

export async function startSignIn(config: SignInConfig): Promise<void> {
  const verifier = randomText();
  const state = randomText();
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state, hash: location.hash }));
  const challenge = base64url(
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))),
  );
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: redirectUri(),
    scope: 'openid email profile',
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  location.assign(`${config.signInDomain}/oauth2/authorize?${query}`);
}

/** After the hosted page: exchanges `?code=` for the ID token. Returns whether a sign-in completed. */
export async function completeSignIn(): Promise<boolean> {
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  if (!code) return false;
  const saved = JSON.parse(sessionStorage.getItem(PKCE_KEY) ?? 'null') as {
    verifier: string;
    state: string;
    hash: string;
  } | null;
  sessionStorage.removeItem(PKCE_KEY);
  history.replaceState(null, '', `/${saved?.hash ?? ''}`);
  const config = await loadSignInConfig();
  if (!saved || !config || params.get('state') !== saved.state) return false;
  const response = await fetch(`${config.signInDomain}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: config.clientId,
      code,
      redirect_uri: redirectUri(),
      code_verifier: saved.verifier,
    }),
  });
  if (!response.ok) return false;
  const tokens = (await response.json()) as { id_token?: string };
  return tokens.id_token !== undefined && signIn(tokens.id_token) !== null;
}
