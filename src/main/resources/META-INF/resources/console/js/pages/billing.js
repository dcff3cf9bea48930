// Usage and invoices: the tenant's month with charts of cost per day and per service, and
// finance's invoices of every tenant with draft and finalize.
import { get, post, all } from '../api.js';
import { html, render, table, state, when, money, thisMonth, attempt, fields } from '../ui.js';
import { bars, figure, paintLegends } from '../charts.js';

function sum(map, key, amount) {
  map.set(key, (map.get(key) || 0) + Number(amount || 0));
}

/** Cost by day of the charge period and by service (the meter, or the line's kind when it has none). */
function costs(invoices) {
  const byDay = new Map();
  const byService = new Map();
  invoices.forEach(i => (i.lines || []).forEach(l => {
    sum(byDay, (l.chargePeriodStart || i.period + '-01').substring(0, 10), l.amount);
    sum(byService, l.meter || l.kind, l.amount);
  }));
  const days = [...byDay.keys()].sort();
  return { days, dayCosts: days.map(d => byDay.get(d)), services: [...byService.keys()], serviceCosts: [...byService.values()] };
}

function lines(invoice) {
  return table('Lines of ' + invoice.id, [
    ['Kind', l => l.kind],
    ['Meter', l => l.meter || '—'],
    ['From', l => when(l.chargePeriodStart)],
    ['Quantity', l => l.quantity, 'num'],
    ['Unit price', l => l.unitPrice, 'num'],
    ['Amount', l => money(l.amount), 'num'],
  ], invoice.lines || []);
}

export async function usage(root, who, args) {
  const period = args[0] || thisMonth();
  const [records, invoices] = await Promise.all([
    all('/v1/usage?period=' + period), all('/v1/invoices?period=' + period)]);
  const byMeter = new Map();
  records.forEach(r => {
    const m = byMeter.get(r.meter) || { meter: r.meter, unit: r.unit, quantity: 0, records: 0 };
    m.quantity += Number(r.quantity);
    m.records += 1;
    byMeter.set(r.meter, m);
  });
  const c = costs(invoices);
  const currency = invoices.length ? invoices[0].currency : '';
  render(root, html`<h1>Usage and invoices</h1>
    <form id="period" class="card"><label for="f-period">Month <input id="f-period" name="period" type="month" value="${period}"></label>
      <button type="submit">Show</button></form>
    <div class="row">
      ${figure('cost-day', 'Cost per day, ' + period + (currency ? ' (' + currency + ')' : ''), ['cost'], 0)}
      ${figure('cost-service', 'Cost per service, ' + period + (currency ? ' (' + currency + ')' : ''), ['cost'], 1)}
    </div>
    <section class="card" aria-labelledby="cost-h"><h2 id="cost-h">Cost per service</h2>
      ${table('Cost per service', [['Service', s => s.service], ['Cost', s => money(s.cost, currency), 'num']],
        c.services.map((s, i) => ({ service: s, cost: c.serviceCosts[i] })), 'No invoice for this month yet.')}</section>
    <section class="card" aria-labelledby="usage-h"><h2 id="usage-h">Metered usage</h2>
      ${table('Usage by meter', [['Meter', m => m.meter], ['Quantity', m => m.quantity.toFixed(6), 'num'], ['Unit', m => m.unit],
        ['Records', m => m.records, 'num']], [...byMeter.values()], 'Nothing metered this month yet.')}</section>
    <section class="card" aria-labelledby="inv-h"><h2 id="inv-h">Invoices</h2>
      ${table('Invoices', [['Invoice', i => i.id], ['Status', i => state(i.status)], ['Total', i => money(i.total, i.currency), 'num'],
        ['Finalized', i => when(i.finalizedAt)]], invoices, 'No invoice for this month yet.')}
      ${invoices.map(i => html`<details><summary>Lines of ${i.id}</summary>${lines(i)}</details>`)}</section>`);
  bars(document.getElementById('cost-day'), c.days.map(d => d.substring(5)), c.dayCosts, 'cost', 0);
  bars(document.getElementById('cost-service'), c.services, c.serviceCosts, 'cost', 1);
  paintLegends(root);
  document.getElementById('period').onsubmit = e => {
    e.preventDefault();
    window.location.hash = '#/usage/' + fields(e.target).period;
  };
}

export async function invoices(root, who, args, signal) {
  const isFinance = who.role === 'finance';
  const [list, tenants] = await Promise.all([all('/v1/invoices'), all('/v1/tenants')]);
  const tenantName = id => (tenants.find(t => t.id === id) || { name: id }).name;
  render(root, html`<h1>Invoices</h1>
    ${isFinance ? html`<form id="draft" class="card" aria-labelledby="draft-h"><h2 id="draft-h">Draft a tenant's month</h2>
      <label for="f-tenant">Tenant <select id="f-tenant" name="tenantId">${tenants.map(t => html`<option value="${t.id}">${t.name}</option>`)}</select></label>
      <label for="f-period">Month <input id="f-period" name="period" type="month" value="${thisMonth()}"></label>
      <button type="submit">Draft</button></form>` : ''}
    <section class="card" aria-labelledby="list-h"><h2 id="list-h">All invoices (${list.length})</h2>
    ${table('Invoices', [
      ['Invoice', i => html`<span class="mono">${i.id}</span>`],
      ['Tenant', i => tenantName(i.tenantId)],
      ['Month', i => i.period],
      ['Status', i => state(i.status)],
      ['Total', i => money(i.total, i.currency), 'num'],
      ['Unrated records', i => i.unratedUsageRecords, 'num'],
      ['', i => isFinance && i.status === 'DRAFT' ? html`<button type="button" data-id="${i.id}" aria-label="Finalize ${i.id}">Finalize</button>` : when(i.finalizedAt)],
    ], list)}
    ${list.map(i => html`<details><summary>Lines of ${i.id}</summary>${lines(i)}</details>`)}</section>`);
  const form = document.getElementById('draft');
  if (form) {
    form.onsubmit = e => {
      e.preventDefault();
      attempt(async () => {
        await post('/v1/invoices', fields(form));
        await invoices(root, who, args, signal);
      });
    };
  }
  root.querySelectorAll('button[data-id]').forEach(b => {
    b.onclick = () => attempt(async () => {
      await post('/v1/invoices/' + encodeURIComponent(b.dataset.id) + '/finalize');
      await invoices(root, who, args, signal);
    });
  });
}
