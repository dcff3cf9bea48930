// Networks (VPCs) with their subnets and security groups; creates and deletes followed live.
import { get, post, del, all, follow } from '../api.js';
import { html, render, table, state, attempt, fields, esc } from '../ui.js';

export async function networks(root, who, args, signal) {
  const canChange = who.role === 'tenant' || who.role === 'admin';
  const [list, groups, projectList] = await Promise.all([
    all('/v1/networks'), all('/v1/security-groups'), canChange ? all('/v1/projects') : Promise.resolve([])]);
  const visible = list.filter(n => n.status !== 'DELETED');
  render(root, html`<h1>Networks</h1>
    ${canChange && projectList.length ? html`<form id="create" class="card" aria-labelledby="create-h">
      <h2 id="create-h">Create a network</h2>
      <label for="f-project">Project <select id="f-project" name="projectId">${projectList.map(p => html`<option value="${p.id}">${p.name}</option>`)}</select></label>
      <label for="f-name">Name <input id="f-name" name="name" required></label>
      <label for="f-cidr">IPv4 range <input id="f-cidr" name="cidr" value="10.30.0.0/16" required></label>
      <label for="f-region">Region (optional) <input id="f-region" name="region"></label>
      <button type="submit">Create</button>
    </form>` : ''}
    <section class="card" aria-labelledby="list-h"><h2 id="list-h">Networks (${visible.length})</h2>
    ${table('Networks', [
      ['Name', n => html`${n.name}${n.default ? html` <span class="muted">(default)</span>` : ''}`],
      ['Status', n => state(n.status)],
      ['Operation', n => html`<span id="op-${n.id}" aria-live="polite">—</span>`],
      ['Range', n => html`<span class="mono">${n.cidr}${n.ipv6Cidr ? ' · ' + n.ipv6Cidr : ''}</span>`],
      ['Where', n => n.provider + ' / ' + n.region],
      ['Subnets', n => html`${(n.subnets || []).map(s => html`<div><span class="mono">${s.cidr}</span> ${s.zone} ${state(s.status)}</div>`)}`],
      ['', n => canChange ? html`<button type="button" class="danger" data-id="${n.id}" aria-label="Delete network ${n.name}">Delete</button>` : ''],
    ], visible)}</section>
    <section class="card" aria-labelledby="sg-h"><h2 id="sg-h">Security groups (${groups.length})</h2>
    ${table('Security groups', [
      ['Name', g => g.name],
      ['Network', g => (visible.find(n => n.id === g.networkId) || { name: g.networkId }).name],
      ['Status', g => state(g.status)],
      ['Rules', g => html`${(g.rules || []).map(r => html`<div class="mono">${r.direction} ${r.protocol}${r.portFrom ? '/' + r.portFrom + (r.portTo !== r.portFrom ? '-' + r.portTo : '') : ''} ${r.direction === 'ingress' ? 'from' : 'to'} ${r.remoteCidr || ('group ' + ((groups.find(x => x.id === r.remoteGroup) || { name: r.remoteGroup }).name))}</div>`)}`],
    ], groups.filter(g => g.status !== 'DELETED'))}</section>`);

  const watch = (operation, id) => {
    const paint = op => {
      const c = document.getElementById('op-' + id);
      if (c) {
        c.innerHTML = esc(html`${op.kind} ${state(op.state)}`);
      }
    };
    follow(operation.id, paint, signal).then(() => !signal.aborted && networks(root, who, args, signal)).catch(() => {});
  };
  const form = document.getElementById('create');
  if (form) {
    form.onsubmit = e => {
      e.preventDefault();
      attempt(async () => {
        const f = fields(form);
        const body = { projectId: f.projectId, name: f.name, cidr: f.cidr };
        if (f.region) {
          body.hints = { region: f.region };
        }
        const accepted = await post('/v1/networks', body);
        await networks(root, who, args, signal);
        watch(accepted.operation, accepted.resource.id);
      });
    };
  }
  root.querySelectorAll('button.danger[data-id]').forEach(b => {
    b.onclick = () => attempt(async () => {
      const accepted = await del('/v1/networks/' + b.dataset.id);
      if (accepted && accepted.operation) {
        watch(accepted.operation, b.dataset.id);
      }
    });
  });
  for (const n of visible.filter(n => ['CREATING', 'DELETING'].includes(n.status))) {
    const open = await get('/v1/operations?targetId=' + n.id + '&limit=5');
    const running = open.items.find(o => ['PENDING', 'RUNNING'].includes(o.state));
    if (running) {
      watch(running, n.id);
    }
  }
}
