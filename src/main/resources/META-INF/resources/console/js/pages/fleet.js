// For schedulers and admins: capacity as a heat map, why a server is where it is, drift.
import { get, post, all } from '../api.js';
import { html, Raw, render, table, when, attempt, fields } from '../ui.js';

// Light to dark warm colours, all light enough for black text (contrast checked by axe).
const HEAT = ['#e8f5e9', '#d4edc9', '#f3f0b5', '#fbdc9c', '#f8bf8f', '#f4a3a0'];

function heat(fraction) {
  return HEAT[Math.min(HEAT.length - 1, Math.floor(fraction * HEAT.length))];
}

function pct(free, capacity) {
  return capacity ? 1 - free / capacity : 0;
}

/**
 * Provider → region → zone → host: each zone a card with its totals, each host a cell inside it,
 * coloured by the share of its vCPUs in use (a public cloud's zone is one virtual host).
 */
export async function capacity(root, who, args, signal) {
  const [zones, hosts] = await Promise.all([all('/v1/capacity'), all('/v1/capacity/hosts')]);
  const tree = new Map();
  zones.forEach(z => {
    const provider = tree.get(z.provider) || new Map();
    const region = provider.get(z.region) || [];
    region.push(z);
    provider.set(z.region, region);
    tree.set(z.provider, provider);
  });
  const hostsOf = z => hosts.filter(h => h.provider === z.provider && h.region === z.region && h.zone === z.zone);
  const used = a => pct(a.free.vcpu, a.capacity.vcpu);
  render(root, html`<h1>Capacity</h1>
    <p><button type="button" id="refresh" class="secondary">Re-read the providers' inventories</button></p>
    <div class="legend" aria-hidden="true">vCPUs in use: ${HEAT.map((c, i) => html`<span class="swatch" data-heat="${i}"></span><span>${Math.round(100 * i / HEAT.length)}%+</span>`)}</div>
    ${[...tree.entries()].map(([provider, regions]) => html`<section class="card" aria-labelledby="p-${provider}">
      <h2 id="p-${provider}">${provider}</h2>
      ${[...regions.entries()].map(([region, list]) => html`<h3>${region}</h3>
        <div class="zones">${list.map(z => html`<section class="zone cell" data-fill="${used(z)}" aria-label="Zone ${z.zone}">
          <h4>${z.zone}</h4>
          <p>vCPU ${z.capacity.vcpu - z.free.vcpu}/${z.capacity.vcpu} (${Math.round(100 * used(z))}%) ·
          memory ${Math.round(100 * pct(z.free.memoryMib, z.capacity.memoryMib))}% · GPU ${z.capacity.gpu - z.free.gpu}/${z.capacity.gpu} ·
          hosts in use ${z.hostsInUse}/${z.hosts}</p>
          <ul class="heat" aria-label="Hosts of ${z.zone}">${hostsOf(z).map(h => html`<li class="cell host" data-fill="${used(h)}">
            <strong>${h.host}</strong><br>vCPU ${h.capacity.vcpu - h.free.vcpu}/${h.capacity.vcpu} (${Math.round(100 * used(h))}%)<br>
            memory ${Math.round(100 * pct(h.free.memoryMib, h.capacity.memoryMib))}%${h.capacity.gpu ? ' · GPU ' + (h.capacity.gpu - h.free.gpu) + '/' + h.capacity.gpu : ''}<br>
            ${h.allocations} placed</li>`)}</ul>
        </section>`)}</div>`)}
    </section>`)}
    ${zones.length ? '' : html`<p class="muted">No provider reports capacity.</p>`}`);
  root.querySelectorAll('[data-fill]').forEach(c => {
    c.style.background = heat(Number(c.dataset.fill));
  });
  root.querySelectorAll('[data-heat]').forEach(s => {
    s.style.background = HEAT[Number(s.dataset.heat)];
  });
  document.getElementById('refresh').onclick = () => attempt(async () => {
    await post('/v1/capacity/refresh');
    await capacity(root, who, args, signal);
  });
}

export async function placement(root, who, args) {
  const list = (await all('/v1/servers')).filter(s => s.status !== 'DELETED');
  const id = args[0] || '';
  let explanation = null;
  if (id) {
    explanation = await get('/v1/servers/' + encodeURIComponent(id) + '/placement');
  }
  const server = list.find(s => s.id === id);
  render(root, html`<h1>Placement</h1>
    <form id="pick" class="card"><label for="f-server">Server
      <select id="f-server" name="server">${list.map(s => html`<option value="${s.id}" ${s.id === id ? new Raw('selected') : ''}>${s.name} (${s.id.substring(0, 8)})</option>`)}</select></label>
      <button type="submit">Explain</button></form>
    ${explanation ? html`<section class="card" aria-labelledby="why-h"><h2 id="why-h">Why ${server ? server.name : id} is where it is</h2>
      <dl class="kv"><dt>Outcome</dt><dd>${explanation.outcome} (decided by ${explanation.decidedBy})</dd>
        <dt>Target</dt><dd>${explanation.target ? [explanation.target.provider, explanation.target.region, explanation.target.zone, explanation.target.host].join(' / ') : '—'}</dd>
        <dt>Price</dt><dd>${explanation.hourlyPrice} per hour</dd>
        <dt>Hosts</dt><dd>${explanation.hostsConsidered} considered, ${explanation.hostsPassed} passed the filters, ${explanation.hostsUnexamined || 0} not examined</dd></dl>
      <h3>Score: ${explanation.score ? explanation.score.total : '—'}</h3>
      ${table('Weighers', [['Weigher', w => w.weigher], ['Raw', w => w.raw, 'num'], ['Normalised', w => w.normalised, 'num'],
        ['Weight', w => w.weight, 'num'], ['Weighted', w => w.weighted, 'num']], explanation.score ? explanation.score.weighers : [])}
      <h3>Hosts turned away</h3>
      ${table('Filters', [['Filter', f => f[0]], ['Hosts rejected', f => f[1], 'num']], Object.entries(explanation.rejectedBy || {}), 'No host was turned away.')}
    </section>` : ''}`);
  document.getElementById('pick').onsubmit = e => {
    e.preventDefault();
    window.location.hash = '#/placement/' + fields(e.target).server;
  };
}

export async function drift(root, who, args, signal) {
  const report = await get('/v1/drift?limit=200');
  render(root, html`<h1>Drift</h1>
    <p><button type="button" id="sync" class="secondary">Compare with the providers now</button></p>
    <section class="card" aria-labelledby="sync-h"><h2 id="sync-h">Last comparisons</h2>
      ${table('Provider comparisons', [['Provider', s => s.provider], ['At', s => when(s.syncedAt)], ['Error', s => s.error || '—']],
        report.syncs || [], 'Never compared yet.')}</section>
    <section class="card" aria-labelledby="f-h"><h2 id="f-h">Findings (${report.items.length}${report.nextCursor ? '+' : ''})</h2>
    ${table('Drift findings', [
      ['Kind', f => f.kind],
      ['Provider', f => f.provider],
      ['Type', f => f.resourceType],
      ['Provider id', f => html`<span class="mono">${f.providerResourceId || '—'}</span>`],
      ['Name', f => f.name || '—'],
      ['Region', f => f.region || '—'],
      ['Detail', f => f.detail || '—'],
      ['Found', f => when(f.detectedAt)],
    ], report.items, 'Skydeck and the providers agree.')}</section>`);
  document.getElementById('sync').onclick = () => attempt(async () => {
    await post('/v1/drift/sync');
    await drift(root, who, args, signal);
  });
}
