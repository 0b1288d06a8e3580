// Only used to resolve relative paths; never contacted.
const PLACEHOLDER_ORIGIN = 'https://tenantwatch.invalid';

/** Pages that must never be the target of `?next=`: going there after signing in would loop. */
const NOT_A_DESTINATION = /^\/(signin|setup|signup)(\/|$)/;

/**
 * Where to go after signing in, from an untrusted `?next=` value: a same-origin path such as
 * `/events/123?tab=ip` is kept; anything that could leave the site (`//evil.com`,
 * `/\evil.com`, `/.//evil.com`, `https://evil.com`, `javascript:`) or carries control
 * characters becomes `/`. The API (safeNextPath) applies the same rules to its own `next`.
 * @example safeNext('/tenants?page=2') === '/tenants?page=2'; safeNext('//evil.com') === '/'
 */
export function safeNext(raw: string | null | undefined): `/${string}` {
  if (!raw || raw[0] !== '/' || raw[1] === '/' || raw[1] === '\\') return '/';
  // Browsers read "\" as "/" and drop tabs and newlines inside URLs, which would turn a
  // harmless-looking value into a scheme-relative one: refuse them outright.
  // eslint-disable-next-line no-control-regex
  if (/[\\\u0000-\u001f\u007f]/.test(raw)) return '/';
  let url: URL;
  try {
    url = new URL(raw, PLACEHOLDER_ORIGIN);
  } catch {
    return '/';
  }
  // Judge the normalised path, not the raw one: dot segments (`/.//x`, `/a/..//x`, `/%2e%2e//x`)
  // collapse into `//x`, which a browser reads as another host.
  if (url.origin !== PLACEHOLDER_ORIGIN || url.pathname.startsWith('//') || NOT_A_DESTINATION.test(url.pathname)) return '/';
  return `${url.pathname}${url.search}${url.hash}` as `/${string}`;
}

/**
 * The sign-in page's address that brings the user back to `url` afterwards.
 * Slashes stay readable (`/signin?next=/events/123`); they are legal in a query string.
 */
export function signinPath(url: URL): `/signin${string}` {
  const next = safeNext(url.pathname + url.search);
  return next === '/' ? '/signin' : `/signin?next=${encodeURIComponent(next).replace(/%2F/gi, '/')}`;
}
