// A tenant's quota as gauges: used against the limit, per resource.
import { get } from '../api.js';
import { html, render } from '../ui.js';

const NAMES = { vcpu: 'vCPUs', memoryGib: 'Memory (GiB)', servers: 'Servers', workloads: 'Workloads', publicIps: 'Public IPs', networks: 'Networks' };

export async function quota(root, who) {
  const q = await get('/v1/tenants/' + who.tenantId + '/quota');
  const keys = Object.keys(q.limits);
  render(root, html`<h1>Quota</h1>
    <p class="muted">What your tenant may hold at once; a request beyond it is refused before anything is made.</p>
    <div class="gauges">${keys.map(k => {
      const used = q.used[k] || 0;
      const limit = q.limits[k] || 0;
      return html`<div class="gauge">
        <label for="gauge-${k}">${NAMES[k] || k}</label>
        <meter id="gauge-${k}" min="0" max="${limit || 1}" low="${limit * 0.7}" high="${limit * 0.9}" optimum="0" value="${used}">${used} of ${limit}</meter>
        <div><strong>${used}</strong> of ${limit} used · ${q.available[k]} available</div>
      </div>`;
    })}</div>`);
}
