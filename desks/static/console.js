// Live parts of the console's first page: every service's readiness and the bus clock.
(() => {
  const every = Number(document.body.dataset.refreshMs) || 2000;
  const table = document.querySelector('#health tbody');

  // 2026-03-02T10:00:00.123456+05:00 → 2026-03-02 10:00:00+05:00: a wall clock, read at a glance
  const seconds = (instant) => instant.replace('T', ' ').replace(/\.\d+/, '');
  const cell = (text) => { const td = document.createElement('td'); td.textContent = text ?? ''; return td; };

  async function health() {
    const reply = await fetch('/console/api/health');
    if (!reply.ok) return;
    for (const s of await reply.json()) {
      const row = table.querySelector(`tr[data-service="${s.name}"]`);
      if (!row) continue;
      const badge = row.querySelector('.badge');
      badge.className = `badge ${s.status}`;
      badge.textContent = s.status;
      row.replaceChild(cell(s.step), row.children[2]);
      row.replaceChild(cell(s.latencyMs), row.children[3]);
      row.replaceChild(cell(s.lastError), row.children[4]);
    }
  }

  async function clock() {
    const reply = await fetch('/console/api/clock');
    if (!reply.ok) return;
    const view = await reply.json();
    document.getElementById('clock-local').textContent = seconds(view.localNow);
    document.getElementById('clock-utc').textContent = seconds(view.now);
    const state = document.getElementById('clock-state');
    state.textContent = view.frozen ? state.dataset.frozen : state.dataset.running;
  }

  const tick = () => Promise.allSettled([health(), clock()]).finally(() => setTimeout(tick, every));
  setTimeout(tick, every);
})();
