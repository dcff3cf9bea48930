// Small helpers the pages share: escaped HTML templates, tables, alerts, formats.
import { ApiError } from './api.js';

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** A value made safe to put in HTML; arrays are joined, Raw is kept as is. */
export function esc(value) {
  if (value instanceof Raw) {
    return value.html;
  }
  if (Array.isArray(value)) {
    return value.map(esc).join('');
  }
  return value === null || value === undefined ? '' : String(value).replace(/[&<>"']/g, c => ESCAPES[c]);
}

export class Raw {
  constructor(html) {
    this.html = html;
  }
}

/** Tagged template: every interpolated value is escaped unless it is html`…` itself. */
export function html(strings, ...values) {
  let out = strings[0];
  values.forEach((v, i) => {
    out += esc(v) + strings[i + 1];
  });
  return new Raw(out);
}

export function render(target, content) {
  target.innerHTML = esc(content);
  return target;
}

export function main() {
  return document.getElementById('main');
}

export function alertError(e) {
  const text = e instanceof ApiError ? e.describe() : (e && e.message) || String(e);
  document.getElementById('alerts').textContent = text;
}

export function clearAlert() {
  document.getElementById('alerts').textContent = '';
}

/** Runs an async action from a button or form, showing the API's problem if it fails. */
export async function attempt(action) {
  clearAlert();
  try {
    return await action();
  } catch (e) {
    alertError(e);
    return undefined;
  }
}

/** A table with a caption; columns are [heading, row => value or html, 'num'?]. */
export function table(caption, columns, rows, empty = 'None yet.') {
  if (!rows.length) {
    return html`<p class="muted">${caption}: ${empty}</p>`;
  }
  return html`<table><caption class="muted">${caption}</caption>
    <thead><tr>${columns.map(c => html`<th scope="col" class="${c[2] || ''}">${c[0]}</th>`)}</tr></thead>
    <tbody>${rows.map(r => html`<tr>${columns.map(c => html`<td class="${c[2] || ''}">${c[1](r)}</td>`)}</tr>`)}</tbody></table>`;
}

export function state(value, id) {
  return html`<span class="state state-${value || ''}" ${id ? new Raw('id="' + esc(id) + '"') : ''}>${value || '—'}</span>`;
}

export function when(instant) {
  return instant ? instant.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '—';
}

export function money(value, currency) {
  if (value === null || value === undefined) {
    return '—';
  }
  return Number(value).toFixed(2) + (currency ? ' ' + currency : '');
}

export function thisMonth() {
  return new Date().toISOString().substring(0, 7);
}

/** Collects a form's named fields into an object; empty fields are left out. */
export function fields(form) {
  const out = {};
  new FormData(form).forEach((v, k) => {
    if (typeof v === 'string' && v.trim() !== '') {
      out[k] = v.trim();
    }
  });
  return out;
}
