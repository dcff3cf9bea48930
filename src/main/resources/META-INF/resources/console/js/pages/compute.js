// Servers and workloads: the tenant's list, a create form, and each change's operation followed
// live over /v1/operations/{id}/stream until it ends.
import { get, post, del, all, follow } from '../api.js';
import { html, render, table, state, when, attempt, fields, esc } from '../ui.js';

const SETTLED_SERVER = ['ACTIVE', 'STOPPED', 'DELETED', 'FAILED'];
const SETTLED_WORKLOAD = ['RUNNING', 'DELETED', 'FAILED'];

/** Projects the caller may create in (a tenant's own; an admin's of every tenant). */
async function projects(who) {
  return who.role === 'tenant' || who.role === 'admin' ? all('/v1/projects') : [];
}

function projectSelect(list) {
  return html`<label for="f-project">Project
    <select id="f-project" name="projectId" required>${list.map(p => html`<option value="${p.id}">${p.name}</option>`)}</select></label>`;
}

/** Things whose operation this tab already follows, so a re-render does not open a second stream. */
const watching = new Set();
/** The last state seen of each thing's operation, so a re-render keeps showing it. */
const lastOp = new Map();

function opText(op) {
  return html`${op.kind} ${state(op.state)}${op.error ? html` <span class="muted">${op.error.detail}</span>` : ''}`;
}

function opCell(id) {
  return html`<span id="op-${id}" aria-live="polite">${lastOp.has(id) ? opText(lastOp.get(id)) : '—'}</span>`;
}

/** Shows an operation's state in the cell with id op-{targetId}, live, then calls done. */
function watch(operation, targetId, signal, done) {
  watching.add(targetId);
  const cell = () => document.getElementById('op-' + targetId);
  const paint = op => {
    lastOp.set(targetId, op);
    const c = cell();
    if (c) {
      c.innerHTML = esc(opText(op));
    }
  };
  paint(operation);
  follow(operation.id, paint, signal)
    .then(last => {
      watching.delete(targetId);
      return done && !signal.aborted && done(last);
    })
    .catch(() => watching.delete(targetId));
}

/** Follows whatever operations are still open on the listed things (e.g. after a reload). */
async function followOpen(ids, signal, done) {
  for (const id of ids.filter(i => !watching.has(i))) {
    for (const s of ['RUNNING', 'PENDING']) {
      const open = await get('/v1/operations?targetId=' + id + '&state=' + s + '&limit=1');
      if (open.items.length) {
        watch(open.items[0], id, signal, () => done(id));
        break;
      }
    }
  }
}

export async function servers(root, who, args, signal) {
  const canChange = who.role === 'tenant' || who.role === 'admin';
  const [list, projectList] = await Promise.all([all('/v1/servers'), projects(who)]);
  const visible = list.filter(s => s.status !== 'DELETED');
  render(root, html`<h1>Servers</h1>
    ${canChange && projectList.length ? html`<form id="create" class="card" aria-labelledby="create-h">
      <h2 id="create-h">Request a server</h2>
      ${projectSelect(projectList)}
      <label for="f-name">Name <input id="f-name" name="name" required aria-describedby="name-help"> <span id="name-help" class="muted">lower-case letters, digits and '-'</span></label>
      <label for="f-flavor">Flavor <input id="f-flavor" name="flavor" value="m1.small" required></label>
      <label for="f-image">Image <input id="f-image" name="image" value="debian-12" required></label>
      <label for="f-region">Region (optional) <input id="f-region" name="region"></label>
      <button type="submit">Create</button>
    </form>` : ''}
    ${canChange && !projectList.length ? html`<p class="muted">No project yet: create one through the API to request servers.</p>` : ''}
    <section class="card" aria-labelledby="list-h"><h2 id="list-h">Servers (${visible.length})</h2>
    ${table('Servers', [
      ['Name', s => s.name],
      ['Status', s => state(s.status, 'status-' + s.id)],
      ['Operation', s => opCell(s.id)],
      ['Flavor', s => s.flavor],
      ['Placement', s => s.placement && s.placement.host ? s.placement.provider + ' / ' + s.placement.region + ' / ' + s.placement.zone + ' / ' + s.placement.host : '—'],
      ['Address', s => s.network ? s.network.privateAddress : '—'],
      ['$/h', s => s.hourlyPrice, 'num'],
      ['', s => html`<a href="#/placement/${s.id}">Why here?</a>
        ${canChange && s.status === 'ACTIVE' ? html` <button type="button" class="secondary" data-act="stop" data-id="${s.id}">Stop</button>` : ''}
        ${canChange && s.status === 'STOPPED' ? html` <button type="button" class="secondary" data-act="start" data-id="${s.id}">Start</button>` : ''}
        ${canChange ? html` <button type="button" class="danger" data-act="delete" data-id="${s.id}" aria-label="Delete ${s.name}">Delete</button>` : ''}`],
    ], visible)}</section>`);

  // When an operation ends the row's status and actions change: draw the page again.
  const refreshRow = () => servers(root, who, args, signal);
  const form = document.getElementById('create');
  if (form) {
    form.onsubmit = e => {
      e.preventDefault();
      attempt(async () => {
        const f = fields(form);
        const body = { projectId: f.projectId, name: f.name, flavor: f.flavor, image: f.image };
        if (f.region) {
          body.hints = { region: f.region };
        }
        const accepted = await post('/v1/servers', body);
        watch(accepted.operation, accepted.resource.id, signal, () => refreshRow(accepted.resource.id));
        await servers(root, who, args, signal);
      });
    };
  }
  root.querySelectorAll('button[data-act]').forEach(b => {
    b.onclick = () => attempt(async () => {
      const id = b.dataset.id;
      const accepted = b.dataset.act === 'delete' ? await del('/v1/servers/' + id)
        : await post('/v1/servers/' + id + '/actions', { action: b.dataset.act });
      if (accepted && accepted.operation) {
        watch(accepted.operation, id, signal, () => refreshRow(id));
      }
    });
  });
  await followOpen(visible.filter(s => !SETTLED_SERVER.includes(s.status)).map(s => s.id), signal, refreshRow);
}

export async function workloads(root, who, args, signal) {
  const canChange = who.role === 'tenant' || who.role === 'admin';
  const [list, projectList] = await Promise.all([all('/v1/workloads'), projects(who)]);
  const visible = list.filter(w => w.status !== 'DELETED');
  render(root, html`<h1>Workloads</h1>
    ${canChange && projectList.length ? html`<form id="create" class="card" aria-labelledby="create-h">
      <h2 id="create-h">Run a workload</h2>
      ${projectSelect(projectList)}
      <label for="f-name">Name <input id="f-name" name="name" required></label>
      <label for="f-image">Image <input id="f-image" name="image" value="nginx:1.27" required></label>
      <label for="f-kind">Kind <select id="f-kind" name="kind"><option>Deployment</option><option>StatefulSet</option><option>DaemonSet</option></select></label>
      <label for="f-replicas">Replicas <input id="f-replicas" name="replicas" type="number" min="0" max="1000" value="2"></label>
      <label for="f-cpu">CPU (millis) <input id="f-cpu" name="cpuMillis" type="number" min="1" value="250"></label>
      <label for="f-mem">Memory (MiB) <input id="f-mem" name="memoryMib" type="number" min="1" value="256"></label>
      <button type="submit">Create</button>
    </form>` : ''}
    <section class="card" aria-labelledby="list-h"><h2 id="list-h">Workloads (${visible.length})</h2>
    ${table('Workloads', [
      ['Name', w => w.name],
      ['Status', w => state(w.status, 'status-' + w.id)],
      ['Operation', w => opCell(w.id)],
      ['Kind', w => w.kind],
      ['Image', w => w.image],
      ['Replicas', w => w.replicas, 'num'],
      ['Where', w => (w.provider || '—') + ' / ' + (w.region || '—')],
      ['', w => canChange ? html`<label for="scale-${w.id}">Replicas <input id="scale-${w.id}" type="number" min="0" max="1000" value="${w.replicas}"></label>
         <button type="button" class="secondary" data-act="scale" data-id="${w.id}">Scale</button>
         <button type="button" class="danger" data-act="delete" data-id="${w.id}" aria-label="Delete ${w.name}">Delete</button>` : ''],
    ], visible)}</section>`);
  const form = document.getElementById('create');
  if (form) {
    form.onsubmit = e => {
      e.preventDefault();
      attempt(async () => {
        const f = fields(form);
        const accepted = await post('/v1/workloads', { projectId: f.projectId, name: f.name, image: f.image, kind: f.kind,
          replicas: Number(f.replicas), cpuMillis: Number(f.cpuMillis), memoryMib: Number(f.memoryMib) });
        watch(accepted.operation, accepted.resource.id, signal, () => workloads(root, who, args, signal));
        await workloads(root, who, args, signal);
      });
    };
  }
  root.querySelectorAll('button[data-act]').forEach(b => {
    b.onclick = () => attempt(async () => {
      const id = b.dataset.id;
      const accepted = b.dataset.act === 'delete' ? await del('/v1/workloads/' + id)
        : await post('/v1/workloads/' + id + '/scale', { replicas: Number(document.getElementById('scale-' + id).value) });
      if (accepted && accepted.operation) {
        watch(accepted.operation, id, signal, () => workloads(root, who, args, signal));
      }
    });
  });
  await followOpen(visible.filter(w => !SETTLED_WORKLOAD.includes(w.status)).map(w => w.id), signal,
    () => workloads(root, who, args, signal));
}
