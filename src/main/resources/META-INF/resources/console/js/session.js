// The console's only credential is the API's own JWT. It lives in this tab's sessionStorage
// (gone when the tab closes), is sent as "Authorization: Bearer" by api.js, and is never put in a
// cookie, a URL the server sees, or a log. The token command's link carries it in the URL
// fragment, which browsers never send; we read it once and strip it from the address bar.

const KEY = 'skydeck.token';

/** Moves a "#token=…" fragment into sessionStorage and removes it from the address and history. */
export function adoptFragmentToken() {
  const hash = window.location.hash;
  if (!hash.startsWith('#token=')) {
    return;
  }
  const token = decodeURIComponent(hash.substring('#token='.length));
  history.replaceState(null, '', window.location.pathname + '#/');
  if (claimsOf(token)) {
    sessionStorage.setItem(KEY, token);
  }
}

export function token() {
  return sessionStorage.getItem(KEY);
}

export function signIn(raw) {
  const value = raw.trim().replace(/^Bearer\s+/i, '');
  const claims = claimsOf(value);
  if (!claims) {
    return false;
  }
  sessionStorage.setItem(KEY, value);
  return true;
}

export function signOut() {
  sessionStorage.removeItem(KEY);
}

/**
 * Who the token says the caller is. Only to choose which pages to show: the API verifies the
 * signature and enforces every role and tenant boundary itself.
 */
export function caller() {
  const claims = claimsOf(token());
  if (!claims) {
    return null;
  }
  if (claims.exp && claims.exp * 1000 < Date.now()) {
    signOut();
    return null;
  }
  const role = (claims.groups || []).find(g => ['tenant', 'finance', 'scheduler', 'admin'].includes(g));
  return role ? { role, tenantId: claims.tenant_id || null, subject: claims.sub || claims.upn || role, expires: claims.exp } : null;
}

function claimsOf(jwt) {
  if (!jwt) {
    return null;
  }
  const parts = jwt.split('.');
  if (parts.length !== 3) {
    return null;
  }
  try {
    const json = atob(parts[1].replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(parts[1].length / 4) * 4, '='));
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, c => c.charCodeAt(0))));
  } catch (e) {
    return null;
  }
}
