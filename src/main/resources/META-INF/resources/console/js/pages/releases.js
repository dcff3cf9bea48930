// Releases: a tenant's applications with their releases, and one release live — instances by
// state per batch, the release's state and events — followed over /v1/releases/{id}/stream, with
// the buttons its state allows. The API decides every action; a refused one shows its problem.
import { get, post, all, readStream } from '../api.js';
import { html, render, table, state, when, attempt, esc } from '../ui.js';

const FINISHED = ['SUCCEEDED', 'ROLLED_BACK', 'ABORTED'];
const INSTANCE_STATES = ['WAITING', 'UPDATING', 'VERIFIED', 'DONE', 'FAILED', 'REVERTING', 'REVERTED', 'REVERT_FAILED', 'STANDBY'];

/**
 * The actions a release in each state accepts (Rollout's rules, and Switchover's for blue-green, dark
 * and A/B); pull-in and approve also look at the bastion.
 */
const ACTIONS = {
  SMOKING: ['pause', 'rollback', 'abort'],
  SMOKE_FAILED: ['rollback', 'abort'],
  BAKING: ['pull-in-bastion', 'approve', 'pause', 'rollback', 'abort'],
  ROLLING: ['pause', 'rollback', 'abort'],
  PAUSED: ['resume', 'rollback', 'abort'],
  BRAKED: ['continue', 'rollback', 'abort'],
  ROLLING_BACK: ['pause', 'abort'],
  SUCCEEDED: ['rollback'],
  ROLLED_BACK: [],
  ABORTED: [],
  DEPLOYING: ['pause', 'rollback', 'abort'],
  DEPLOYED_DARK: ['promote', 'rollback', 'abort'],
  ROUTING: ['pause', 'rollback', 'abort'],
  TESTING: ['promote', 'rollback', 'abort'],
  SWITCHING: ['pause', 'rollback', 'abort'],
  SWITCHED: ['approve', 'rollback', 'abort'],
};
const LABELS = {
  'pull-in-bastion': 'Pull bastion into traffic', approve: 'Approve (end bake)', pause: 'Pause', resume: 'Resume',
  continue: 'Continue after brake', rollback: 'Roll back', abort: 'Abort', promote: 'Promote to all traffic',
};
const DANGER = ['rollback', 'abort'];

function canAct(who) {
  return who.role === 'tenant' || who.role === 'admin';
}

/** Names of an application's groups and versions, by id, for the tables. */
async function namesOf(appId) {
  const [groups, versions] = await Promise.all([all('/v1/applications/' + appId + '/groups'),
    all('/v1/applications/' + appId + '/versions')]);
  const names = new Map();
  groups.forEach(g => names.set(g.id, g.name));
  versions.forEach(v => names.set(v.id, v.name));
  return names;
}

export async function releases(root, who, args, signal) {
  if (args[0]) {
    return release(root, who, args[0], signal);
  }
  const [apps, list] = await Promise.all([all('/v1/applications'), all('/v1/releases')]);
  const names = new Map();
  (await Promise.all(apps.map(a => namesOf(a.id)))).forEach(m => m.forEach((v, k) => names.set(k, v)));
  const name = id => names.get(id) || (id ? id.substring(0, 8) : '—');
  render(root, html`<h1>Releases</h1>
    ${apps.length ? '' : html`<p class="muted">No application yet: create one, its groups and versions through the API (/v1/applications).</p>`}
    ${apps.map(a => {
      const mine = list.filter(r => r.applicationId === a.id);
      return html`<section class="card" aria-labelledby="app-${a.id}"><h2 id="app-${a.id}">${a.name}</h2>
        ${table('Releases of ' + a.name, [
          ['Release', r => html`<a href="#/releases/${r.id}" aria-label="Release ${name(r.versionId)} of ${a.name}, ${r.state}">${r.id.substring(0, 8)}</a>`],
          ['State', r => state(r.state)],
          ['Group', r => name(r.groupId)],
          ['Version', r => name(r.versionId)],
          ['Instances', r => r.instances.length, 'num'],
          ['Failed', r => r.failed, 'num'],
          ['Started', r => when(r.createdAt)],
          ['Finished', r => when(r.finishedAt)],
        ], mine, 'none yet.')}</section>`;
    })}`);
}

/** Rows of the grid: one per batch, with its instances and a count per state. */
function batches(r) {
  const byBatch = new Map();
  r.instances.forEach(i => {
    if (!byBatch.has(i.batch)) {
      byBatch.set(i.batch, []);
    }
    byBatch.get(i.batch).push(i);
  });
  return [...byBatch.keys()].sort((a, b) => a - b).map(b => ({ batch: b, instances: byBatch.get(b) }));
}

function grid(r, names) {
  const rows = batches(r);
  const columns = INSTANCE_STATES.filter(s => r.instances.some(i => i.state === s) || ['WAITING', 'UPDATING', 'DONE', 'FAILED'].includes(s));
  return html`<table id="grid"><caption class="muted">Instances by state per batch</caption>
    <thead><tr><th scope="col">Batch</th>${columns.map(c => html`<th scope="col" class="num">${c}</th>`)}<th scope="col">Instances</th></tr></thead>
    <tbody>${rows.map(row => html`<tr><th scope="row">${row.batch}${row.batch === 0 && r.bastion ? ' (bastion)' : ''}</th>
      ${columns.map(c => html`<td class="num" data-batch="${row.batch}" data-state="${c}">${row.instances.filter(i => i.state === c).length}</td>`)}
      <td><ul class="instances">${row.instances.map(i => html`<li class="inst inst-${i.state}" title="${i.failure || i.instance}">${names.get(i.serverId) || i.instance}
        <span class="state">${i.state}</span>${i.step ? html` <span class="muted">${i.step}…</span>` : ''}</li>`)}</ul></td></tr>`)}</tbody></table>`;
}

function allowed(r) {
  const bastion = r.instances.find(i => i.batch === 0);
  return (ACTIONS[r.state] || []).filter(a => {
    if (a === 'pull-in-bastion') {
      return r.bastion && bastion && bastion.state === 'VERIFIED' && !bastion.step;
    }
    if (a === 'approve') {
      return !r.bastion || (bastion && bastion.state === 'DONE' && !bastion.step);
    }
    return true;
  });
}

function summary(r, names, who) {
  const actions = canAct(who) ? allowed(r) : [];
  return html`<dl class="kv">
      <dt>State</dt><dd>${state(r.state, 'release-state')}${r.reason ? html` <span class="muted" id="release-reason">${r.reason}</span>` : ''}</dd>
      <dt>Group</dt><dd>${names.get(r.groupId) || r.groupId}</dd>
      <dt>Version</dt><dd>${names.get(r.versionId) || r.versionId}${r.previousVersionId ? html` <span class="muted">(was ${names.get(r.previousVersionId) || r.previousVersionId})</span>` : ''}</dd>
      <dt>Batches</dt><dd>${r.batchSize} instance(s), ${r.parallelism} at once; brake above ${Number(r.brakeRatio) * 100} % failed${r.bastion ? '; bastion first' : ''}</dd>
      <dt>In traffic</dt><dd>${r.inTraffic} of ${r.instances.length}; ${r.failed} failed</dd>
      ${r.trafficControl ? html`<dt>Traffic</dt><dd>${r.trafficControl}</dd>` : ''}
    </dl>
    ${actions.length ? html`<p class="actions">${actions.map(a =>
      html`<button type="button" class="${DANGER.includes(a) ? 'danger' : a === 'approve' || a === 'pull-in-bastion' || a === 'continue' ? '' : 'secondary'}" data-action="${a}" id="act-${a}">${LABELS[a]}</button> `)}</p>`
      : html`<p class="muted" id="no-actions">${FINISHED.includes(r.state) && r.state !== 'SUCCEEDED' ? 'Finished: nothing more to do.' : canAct(who) ? 'No action now.' : 'Read only.'}</p>`}`;
}

function eventRows(events) {
  return table('Events, newest first', [
    ['#', e => e.seq, 'num'],
    ['When', e => when(e.occurredAt)],
    ['What', e => e.instance || 'release'],
    ['From', e => e.from || '—'],
    ['To', e => state(e.to)],
    ['Why', e => e.reason || ''],
    ['By', e => e.actor || ''],
  ], [...events].sort((a, b) => b.seq - a.seq).slice(0, 100), 'none yet.');
}

async function release(root, who, id, signal) {
  let r = await get('/v1/releases/' + id);
  const [app, names, servers] = await Promise.all([get('/v1/applications/' + r.applicationId), namesOf(r.applicationId),
    all('/v1/servers?tenantId=' + r.tenantId)]);
  servers.forEach(s => names.set(s.id, s.name));
  const events = [];
  const seen = new Set();
  render(root, html`<h1>Release of ${app.name}: ${names.get(r.versionId) || r.versionId}</h1>
    <p><a href="#/releases">All releases</a></p>
    <section class="card" aria-labelledby="sum-h"><h2 id="sum-h">Progress</h2><div id="summary" aria-live="polite"></div></section>
    <section class="card" aria-labelledby="grid-h"><h2 id="grid-h">Batches</h2><div id="batches"></div></section>
    <section class="card" aria-labelledby="events-h"><h2 id="events-h">Events</h2><div id="events"></div></section>`);

  const paint = () => {
    const s = document.getElementById('summary');
    if (!s) {
      return;
    }
    s.innerHTML = esc(summary(r, names, who));
    document.getElementById('batches').innerHTML = esc(grid(r, names));
    document.getElementById('events').innerHTML = esc(eventRows(events));
    s.querySelectorAll('button[data-action]').forEach(b => {
      b.onclick = () => attempt(async () => {
        root.querySelectorAll('button[data-action]').forEach(x => { x.disabled = true; });
        try {
          r = await post('/v1/releases/' + id + '/' + b.dataset.action);
        } finally {
          paint();
        }
        live();
      });
    });
  };
  const addEvent = e => {
    if (!seen.has(e.seq)) {
      seen.add(e.seq);
      events.push(e);
    }
  };

  // Each event says something changed; the release's view (every instance) is read again, at
  // most one read in flight, so a burst of events costs a few reads, not one each.
  let reading = null;
  let again = false;
  const refresh = async () => {
    if (reading) {
      again = true;
      return reading;
    }
    reading = (async () => {
      do {
        again = false;
        r = await get('/v1/releases/' + id);
        paint();
      } while (again);
    })().finally(() => { reading = null; });
    return reading;
  };

  let following = false;
  const live = async () => {
    if (following) {
      return;
    }
    following = true;
    try {
      // The stream ends when the release finishes (or after a while): read the release and
      // open it again while the release is still going; if the stream breaks, poll.
      let polling = false;
      while (!signal.aborted && !FINISHED.includes(r.state)) {
        if (!polling) {
          try {
            await readStream('/v1/releases/' + id + '/stream', e => {
              addEvent(e);
              refresh().catch(() => {});
            }, signal);
          } catch (e) {
            polling = !signal.aborted;
          }
        } else {
          await new Promise(resolve => setTimeout(resolve, 1000));
          (await get('/v1/releases/' + id + '/events?limit=100&cursor=' + Math.max(0, ...seen)))
            .items.forEach(addEvent);
        }
        if (!signal.aborted) {
          await refresh();
          // A stream that ends while the release goes on is opened again, not in a tight loop.
          await new Promise(resolve => setTimeout(resolve, polling ? 0 : 300));
        }
      }
    } finally {
      following = false;
    }
  };

  (await get('/v1/releases/' + id + '/events?limit=100')).items.forEach(addEvent);
  paint();
  live().catch(() => {});
}
