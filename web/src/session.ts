/**
 * The signed-in user: the ID token kept in sessionStorage only (gone with the tab), and the claims
 * read from it for display and navigation. The API verifies the token; the console never trusts
 * these claims for anything but choosing what to show.
 */
export interface Session {
  token: string;
  sub: string;
  org: string;
  groups: string[];
  expiresAt: number;
}

const KEY = 'console.idToken';

function decodePart(part: string): unknown {
  const base64 = part.replace(/-/g, '+').replace(/_/g, '/');
  const bytes = Uint8Array.from(atob(base64), (character) => character.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

/** The claims of a JWT, or null when it is not one. */
export function sessionFromToken(token: string): Session | null {
  const payload = token.trim().split('.')[1];
  if (!payload) return null;
  try {
    const claims = decodePart(payload) as Record<string, unknown>;
    const groups = claims['cognito:groups'];
    return {
      token: token.trim(),
      sub: String(claims['cognito:username'] ?? claims.sub ?? ''),
      org: String(claims['custom:org'] ?? ''),
      groups: Array.isArray(groups) ? groups.map(String) : [],
      expiresAt: Number(claims.exp ?? 0) * 1000,
    };
  } catch {
    return null;
  }
}

export function currentSession(): Session | null {
  const token = sessionStorage.getItem(KEY);
  const session = token ? sessionFromToken(token) : null;
  if (session && session.expiresAt <= Date.now()) {
    signOut();
    return null;
  }
  return session;
}

export function signIn(token: string): Session | null {
  const session = sessionFromToken(token);
  if (session) sessionStorage.setItem(KEY, session.token);
  return session;
}

export function signOut(): void {
  sessionStorage.removeItem(KEY);
}

export const hasGroup = (session: Session | null, ...groups: string[]) =>
  session?.groups.some((group) => groups.includes(group)) ?? false;

/** The groups that read licences and their usage (API.md: holder, reviewers, auditors, customs; operators see no values). */
export const LICENCE_READERS = ['applicant', 'reviewer', 'senior-reviewer', 'auditor', 'customs'];
