// The console: a small single-page app over the public API. Routes are "#/page/arg"; the
// page list below says which roles see each page (the API enforces the same roles and every
// tenant boundary; hiding a page only spares a person a 403).
import { adoptFragmentToken, caller, signIn, signOut } from './session.js';
import { whenUnauthorized } from './api.js';
import { html, Raw, render, main, clearAlert, alertError } from './ui.js';
import * as compute from './pages/compute.js';
import * as networks from './pages/networks.js';
import * as tenancy from './pages/tenancy.js';
import * as billing from './pages/billing.js';
import * as finance from './pages/finance.js';
import * as fleet from './pages/fleet.js';
import * as releases from './pages/releases.js';

const PAGES = [
  { path: 'servers', title: 'Servers', roles: ['tenant', 'admin', 'scheduler'], show: compute.servers },
  { path: 'workloads', title: 'Workloads', roles: ['tenant', 'admin', 'scheduler'], show: compute.workloads },
  { path: 'networks', title: 'Networks', roles: ['tenant', 'admin', 'scheduler'], show: networks.networks },
  { path: 'releases', title: 'Releases', roles: ['tenant', 'admin'], show: releases.releases },
  { path: 'quota', title: 'Quota', roles: ['tenant'], show: tenancy.quota },
  { path: 'usage', title: 'Usage & invoices', roles: ['tenant'], show: billing.usage },
  { path: 'invoices', title: 'Invoices', roles: ['finance', 'admin'], show: billing.invoices },
  { path: 'bill-imports', title: 'Bill imports', roles: ['finance'], show: finance.billImports },
  { path: 'reconciliations', title: 'Reconciliation', roles: ['finance'], show: finance.reconciliations },
  { path: 'capacity', title: 'Capacity', roles: ['scheduler', 'admin'], show: fleet.capacity },
  { path: 'placement', title: 'Placement', roles: ['tenant', 'scheduler', 'admin'], show: fleet.placement, hidden: ['tenant'] },
  { path: 'drift', title: 'Drift', roles: ['scheduler', 'admin'], show: fleet.drift },
];

let current = null;

function route() {
  const hash = window.location.hash.replace(/^#\/?/, '');
  const [path, ...args] = hash.split('/').map(decodeURIComponent);
  return { path, args };
}

function nav(who) {
  const { path } = route();
  const visible = PAGES.filter(p => p.roles.includes(who.role) && !(p.hidden || []).includes(who.role));
  render(document.getElementById('nav'), html`<ul>${visible.map(p =>
    html`<li><a href="#/${p.path}" ${p.path === path ? new Raw('aria-current="page"') : ''}>${p.title}</a></li>`)}</ul>`);
  render(document.getElementById('who'), html`<span>${who.subject} · ${who.role}</span>
    <button type="button" id="sign-out" class="secondary">Sign out</button>`);
  document.getElementById('sign-out').onclick = () => {
    signOut();
    show();
  };
  return visible;
}

function login(reason) {
  render(document.getElementById('nav'), '');
  render(document.getElementById('who'), '');
  render(main(), html`<h1>Sign in</h1>
    <form id="login" class="card login">
      <p>Paste a Skydeck API token. On the embedded defaults,
      <code>java -jar src/target/quarkus-app/quarkus-run.jar token --role tenant --tenant ID --console</code>
      prints a link that signs you in. The token stays in this browser tab only.</p>
      ${reason ? html`<p class="state state-FAILED">${reason}</p>` : ''}
      <label for="token-input">API token (JWT)</label>
      <textarea id="token-input" name="token" autocomplete="off" spellcheck="false" required></textarea>
      <p><button type="submit">Sign in</button></p>
    </form>`);
  document.getElementById('login').onsubmit = e => {
    e.preventDefault();
    if (signIn(document.getElementById('token-input').value)) {
      window.location.hash = '#/';
      show();
    } else {
      login('That is not a token with a Skydeck role.');
    }
  };
}

async function show() {
  if (current) {
    current.abort();
  }
  current = new AbortController();
  clearAlert();
  const who = caller();
  if (!who) {
    login();
    return;
  }
  const visible = nav(who);
  const { path, args } = route();
  const page = visible.find(p => p.path === path) || PAGES.find(p => p.path === path && p.roles.includes(who.role));
  if (!page) {
    window.location.replace('#/' + visible[0].path);
    return;
  }
  document.title = page.title + ' · Skydeck console';
  // Each visit draws into a box of its own: a page still loading when the person moves on draws
  // into its box, no longer in the document, instead of over the page that replaced it.
  const root = document.createElement('div');
  render(root, html`<p>Loading…</p>`);
  main().replaceChildren(root);
  const signal = current.signal;
  try {
    await page.show(root, who, args, signal);
  } catch (e) {
    if (!signal.aborted) {
      alertError(e);
    }
  }
}

adoptFragmentToken();
whenUnauthorized(() => {
  signOut();
  login('The service refused the token (expired, or signed by another key). Sign in again.');
});
window.addEventListener('hashchange', show);
show();
