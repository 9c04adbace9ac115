// The canonical form of a FHIR base URL and the "is this URL under that base" test: the one normal form that the
// allow-list check (src/auth/fhir-access.ts), the config check (src/config.ts) and the reader
// (src/data/fhir-reader.ts) all use, so a check and a use cannot disagree; and the other normal forms of a base
// (the read base, the token cache key). No dependencies.

/** Percent-encoded `.`, `/` and `\\` left in a path after WHATWG parsing: a server may decode them into a traversal. */
const ENCODED_DOT_OR_SLASH = /%2e|%2f|%5c/i;

/**
 * The trailing run of slashes, for `.replace(TRAILING_SLASHES, '')`. It may start only where a run of slashes does:
 * `/\/+$/` retried from each slash of a long run that is not at the end (quadratic: ~1 s for 40 000 slashes in a
 * request's fhirServer or a coding's system); a start inside the trailing run could only find a shorter match.
 */
export const TRAILING_SLASHES = /(?<!\/)\/+$/;

/**
 * The canonical form of a FHIR base URL, or undefined when it is not a plain http(s) base: WHATWG-parsed (scheme
 * and host lower-cased, default port dropped, `.`/`..`/`%2e%2e` segments resolved), with exactly one trailing
 * slash. Refused: userinfo, a query, a fragment, an empty path segment (`//`), and an encoded dot, slash or
 * backslash left in the path. This string is both what the allow-list check compares and what reads resolve
 * against, so the check and the use cannot disagree.
 */
export function canonicalBase(fhirServer: string): string | undefined {
  let u: URL;
  try {
    u = new URL(fhirServer);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return undefined;
  if (u.username || u.password || u.search || u.hash || fhirServer.includes('#') || fhirServer.includes('?'))
    return undefined;
  const path = u.pathname.replace(TRAILING_SLASHES, '');
  if (path.includes('//') || ENCODED_DOT_OR_SLASH.test(path)) return undefined;
  return `${u.origin}${path}/`;
}

/**
 * The base with exactly one trailing slash, so relative URLs resolve beneath it: the canonical form when there is
 * one, else the string with its trailing slashes trimmed (never read from: the allow-list and the reader refuse it).
 */
export function normalizeBase(fhirServer: string): string {
  return canonicalBase(fhirServer) ?? fhirServer.replace(TRAILING_SLASHES, '') + '/';
}

/** A FHIR base as a comparable key: scheme and host lower-cased (URL does that), default port dropped, no trailing slash. */
export function normalizeServer(fhirServer: string): string {
  try {
    const u = new URL(fhirServer.trim());
    return `${u.protocol}//${u.host}${u.pathname.replace(TRAILING_SLASHES, '')}${u.search}`;
  } catch {
    return fhirServer.trim().replace(TRAILING_SLASHES, '');
  }
}

/** The path segments of a canonical URL's path (no empty ones). */
function segments(pathname: string): string[] {
  return pathname.split('/').filter((s) => s.length > 0);
}

/**
 * True when `url` (absolute, WHATWG-resolved) is on the base's origin and its path segments start with the
 * base's: compared segment by segment, never by string prefix; no userinfo, no encoded dot or slash.
 */
export function isUnderBase(url: string, base: string): boolean {
  try {
    const u = new URL(url);
    const b = new URL(base);
    if (u.origin !== b.origin || u.username || u.password || ENCODED_DOT_OR_SLASH.test(u.pathname)) return false;
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return false;
    const want = segments(b.pathname);
    const have = u.pathname.split('/').slice(1);
    return want.every((seg, i) => have[i] === seg);
  } catch {
    return false;
  }
}

/** A `.` or `..` segment, plain or percent-encoded, in the URL as written (WHATWG parsing resolves them silently). */
export function hasDotSegment(url: string): boolean {
  const path = url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '').split(/[?#]/)[0] ?? '';
  return /(^|[/\\])(\.|%2e){1,2}([/\\]|$)/i.test(path);
}
