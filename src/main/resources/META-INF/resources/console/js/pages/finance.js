// Finance: provider-bill uploads (with upload progress, then the reconciliation the import
// triggers), reconciliation runs with charts by kind, a discrepancy's detail (marked reconciled
// one by one, with a note), and the whole run marked reconciled.
import { get, post, all, upload } from '../api.js';
import { html, render, table, when, money, thisMonth, attempt, fields, esc, alertError } from '../ui.js';
import { bars, figure, paintLegends } from '../charts.js';

const KINDS = ['MATCHED', 'QUANTITY_MISMATCH', 'PRICE_MISMATCH', 'MISSING_FROM_PROVIDER_BILL', 'UNKNOWN_TO_SKYDECK', 'COMMITMENT_DISCOUNT_EFFECT'];

function contentType(file) {
  return /\.gz$/i.test(file.name) ? 'application/gzip' : 'text/csv';
}

/** Polls the job runs until the one the import scheduled has finished (a minute at most). */
async function reconciliationsOf(importId, signal) {
  for (let i = 0; i < 120 && !signal.aborted; i++) {
    const runs = await get('/v1/jobs/runs?job=reconciliation-after-import&limit=50');
    const run = runs.items.find(r => r.counts && r.counts.importId === importId);
    if (run && !['QUEUED', 'RUNNING'].includes(run.outcome)) {
      return run;
    }
    await new Promise(r => setTimeout(r, 500));
  }
  return null;
}

export async function billImports(root, who, args, signal) {
  const list = await all('/v1/bill-imports');
  render(root, html`<h1>Bill imports</h1>
    <form id="upload" class="card" aria-labelledby="upload-h"><h2 id="upload-h">Upload a provider bill</h2>
      <p class="muted">AWS CUR or FOCUS 1.0–1.2, as CSV or CSV.gz. A file already imported is answered with its first import.</p>
      <label for="f-provider">Provider <input id="f-provider" name="provider" value="sandbox" required></label>
      <label for="f-file">Bill file <input id="f-file" name="file" type="file" accept=".csv,.gz,text/csv,application/gzip" required></label>
      <button type="submit">Upload</button>
      <div id="progress-box" hidden>
        <label for="progress">Upload progress</label>
        <progress id="progress" max="100" value="0">0 %</progress> <span id="progress-text" aria-live="polite"></span>
      </div>
      <div id="outcome" aria-live="polite"></div>
    </form>
    <section class="card" aria-labelledby="list-h"><h2 id="list-h">Imports (${list.length})</h2>
    ${table('Bill imports', [
      ['Imported', i => when(i.importedAt)],
      ['Provider', i => i.provider],
      ['Format', i => i.format],
      ['Lines', i => i.lines, 'num'],
      ['By', i => i.importedBy],
      ['SHA-256', i => html`<span class="mono">${i.sha256.substring(0, 16)}…</span>`],
    ], list)}</section>`);
  const form = document.getElementById('upload');
  form.onsubmit = e => {
    e.preventDefault();
    attempt(async () => {
      const file = document.getElementById('f-file').files[0];
      const provider = fields(form).provider;
      const bar = document.getElementById('progress');
      const text = document.getElementById('progress-text');
      const outcome = document.getElementById('outcome');
      document.getElementById('progress-box').hidden = false;
      outcome.textContent = '';
      const { body, repeated } = await upload('/v1/bill-imports?provider=' + encodeURIComponent(provider), file, contentType(file),
        (loaded, total) => {
          const pct = total ? Math.round(100 * loaded / total) : 0;
          bar.value = pct;
          bar.textContent = pct + ' %';
          text.textContent = pct + ' % (' + loaded + ' of ' + total + ' bytes)';
        });
      outcome.innerHTML = esc(html`<p id="import-result">${repeated ? 'Already imported' : 'Imported'}: ${body.format}, ${body.lines} lines.
        ${repeated ? '' : 'Waiting for the reconciliation it triggers…'}</p>`);
      if (repeated) {
        return;
      }
      const run = await reconciliationsOf(body.id, signal);
      if (!run) {
        outcome.insertAdjacentHTML('beforeend', esc(html`<p>The reconciliation has not finished yet; see Reconciliation.</p>`));
        return;
      }
      const runs = Object.entries((run.counts && run.counts.runs) || {});
      outcome.insertAdjacentHTML('beforeend', esc(html`<p>Reconciliation ${run.outcome.toLowerCase()}:</p>
        <ul>${runs.map(([name, id]) => html`<li><a class="recon-link" href="#/reconciliations/${id}">${name}</a></li>`)}</ul>
        ${run.error ? html`<p>${run.error}</p>` : ''}`));
    });
  };
}

export async function reconciliations(root, who, args, signal) {
  if (args[0]) {
    return reconciliation(root, who, args, signal);
  }
  const list = await all('/v1/reconciliations');
  render(root, html`<h1>Reconciliation runs</h1>
    <form id="run" class="card" aria-labelledby="run-h"><h2 id="run-h">Reconcile a month</h2>
      <label for="f-provider">Provider <input id="f-provider" name="provider" value="sandbox" required></label>
      <label for="f-period">Month <input id="f-period" name="period" type="month" value="${thisMonth()}" required></label>
      <button type="submit">Run</button> <span id="run-state" aria-live="polite"></span></form>
    <section class="card" aria-labelledby="list-h"><h2 id="list-h">Runs (${list.length})</h2>
    ${table('Reconciliation runs', [
      ['Run', r => html`<a href="#/reconciliations/${r.id}">${r.provider} ${r.period}</a>`],
      ['Started', r => when(r.startedAt)],
      ['Matched', r => (r.counts || {}).MATCHED || 0, 'num'],
      ['Discrepancies', r => KINDS.filter(k => k !== 'MATCHED').reduce((s, k) => s + ((r.counts || {})[k] || 0), 0), 'num'],
      ['By', r => r.createdBy],
      ['Reconciled', r => r.reconciledAt ? 'by ' + r.reconciledBy + ', ' + when(r.reconciledAt) : 'no'],
    ], list)}</section>`);
  const form = document.getElementById('run');
  form.onsubmit = e => {
    e.preventDefault();
    attempt(async () => {
      const job = await post('/v1/reconciliations', fields(form));
      const out = document.getElementById('run-state');
      let run = job;
      while (['QUEUED', 'RUNNING'].includes(run.outcome) && !signal.aborted) {
        out.textContent = run.outcome.toLowerCase() + '…';
        await new Promise(r => setTimeout(r, 500));
        run = await get('/v1/jobs/runs/' + job.id);
      }
      if (run.outcome === 'SUCCEEDED') {
        window.location.hash = '#/reconciliations/' + run.counts.reconciliationId;
      } else {
        out.textContent = run.outcome + (run.error ? ': ' + run.error : '');
      }
    });
  };
}

function delta(d) {
  return Number(d.providerEffectiveCost || 0) - Number(d.skydeckEffectiveCost || 0);
}

async function reconciliation(root, who, args, signal) {
  const id = args[0];
  const data = await get('/v1/reconciliations/' + encodeURIComponent(id) + '?limit=1000');
  const rows = data.discrepancies;
  const run = data.run;
  const selected = args[1] === 'discrepancies' ? rows.find(d => String(d.seq) === args[2]) : null;
  const mark = selected ? (await get('/v1/reconciliations/' + encodeURIComponent(id) + '/discrepancies/' + selected.seq)).reconciled : null;
  const kinds = KINDS.filter(k => k !== 'MATCHED' && ((run.counts || {})[k] || 0) > 0);
  const deltas = kinds.map(k => rows.filter(d => d.kind === k).reduce((s, d) => s + delta(d), 0));
  render(root, html`<h1>Reconciliation ${run.provider} ${run.period}</h1>
    <section class="card" aria-labelledby="run-h"><h2 id="run-h">Run</h2>
      <dl class="kv"><dt>Id</dt><dd class="mono">${run.id}</dd><dt>Started</dt><dd>${when(run.startedAt)} by ${run.createdBy}</dd>
        <dt>Lines read</dt><dd>${run.meteredLinesRead} metered, ${run.billLinesRead} billed, ${run.accountLevelLines} account-level</dd>
        <dt>Reconciled</dt><dd id="reconciled">${run.reconciledAt ? 'by ' + run.reconciledBy + ' at ' + when(run.reconciledAt) : 'not yet'}</dd></dl>
      ${run.reconciledAt ? '' : html`<p><button type="button" id="mark">Mark reconciled</button></p>`}
      <p><a href="#/reconciliations">All runs</a></p></section>
    <div class="row">
      ${figure('by-kind', 'Discrepancies by kind', ['count'], 0)}
      ${figure('delta-kind', 'Cost delta by kind (provider − Skydeck, effective cost)', ['cost delta'], 1)}
    </div>
    <section class="card" aria-labelledby="kinds-h"><h2 id="kinds-h">By kind</h2>
      ${table('Discrepancies by kind', [['Kind', k => k], ['Count', k => (run.counts || {})[k] || 0, 'num'],
        ['Cost delta', k => money(rows.filter(d => d.kind === k).reduce((s, d) => s + delta(d), 0)), 'num']], KINDS)}</section>
    ${selected ? html`<section class="card" aria-labelledby="d-h" id="discrepancy"><h2 id="d-h">Discrepancy ${selected.seq}: ${selected.kind}</h2>
      <dl class="kv">${Object.entries(selected).map(([k, v]) => html`<dt>${k}</dt><dd>${v === null ? '—' : v}</dd>`)}
        <dt>Explained</dt><dd id="d-reconciled">${markText(mark, selected)}</dd></dl>
      ${!mark && selected.kind !== 'MATCHED' ? html`<form id="mark-d" class="mark-d">
        <label for="f-note">Why this difference is fine <textarea id="f-note" name="note" required maxlength="2000"></textarea></label>
        <button type="submit" id="mark-discrepancy">Mark this discrepancy reconciled</button></form>` : ''}
      <p><a href="#/reconciliations/${run.id}">Back to the run</a></p></section>` : ''}
    <section class="card" aria-labelledby="list-h"><h2 id="list-h">Keys (${rows.length}${data.nextAfterSeq ? '+' : ''})</h2>
    ${table('Discrepancies', [
      ['#', d => html`<a href="#/reconciliations/${run.id}/discrepancies/${d.seq}" aria-label="Discrepancy ${d.seq}, ${d.kind}">${d.seq}</a>`],
      ['Kind', d => d.kind],
      ['Resource', d => html`<span class="mono">${d.resourceId || '—'}</span>`],
      ['Usage type', d => d.usageType],
      ['Hour', d => when(d.periodStart)],
      ['Skydeck qty', d => d.skydeckQuantity, 'num'],
      ['Provider qty', d => d.providerQuantity, 'num'],
      ['Cost delta', d => money(delta(d)), 'num'],
    ], rows)}</section>`);
  bars(document.getElementById('by-kind'), kinds, kinds.map(k => run.counts[k]), 'count', 0);
  bars(document.getElementById('delta-kind'), kinds, deltas, 'cost delta', 1);
  paintLegends(root);
  if (selected) {
    document.getElementById('discrepancy').scrollIntoView();
  }
  const markRun = document.getElementById('mark');
  if (markRun) {
    markRun.onclick = () => attempt(async () => {
      const done = await post('/v1/reconciliations/' + encodeURIComponent(run.id) + '/mark-reconciled');
      document.getElementById('reconciled').textContent = 'by ' + done.reconciledBy + ' at ' + when(done.reconciledAt);
      markRun.remove();
    });
  }
  const markOne = document.getElementById('mark-d');
  if (markOne) {
    markOne.onsubmit = e => {
      e.preventDefault();
      attempt(async () => {
        const done = await post('/v1/reconciliations/' + encodeURIComponent(run.id) + '/discrepancies/' + selected.seq + '/reconciled',
          { note: document.getElementById('f-note').value });
        document.getElementById('d-reconciled').textContent = markText(done, selected);
        markOne.remove();
      });
    };
  }
}

/** A discrepancy's mark as a sentence. */
function markText(mark, d) {
  if (mark) {
    return 'by ' + mark.reconciledBy + ' at ' + when(mark.reconciledAt) + ': ' + mark.note;
  }
  return d.kind === 'MATCHED' ? 'a match: nothing to explain' : 'not yet';
}
