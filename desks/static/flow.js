// The sequence diagram of one correlationId, redrawn as the journal grows.
(() => {
  const box = document.getElementById('flow');
  if (!box) return;
  const every = Number(document.body.dataset.refreshMs) || 2000;
  const NS = 'http://www.w3.org/2000/svg';
  const COL = 250, ROW = 46, TOP = 58, LEFT = 130;
  let drawn = '';

  function el(name, attrs, text) {
    const node = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function showPayload(arrow) {
    document.getElementById('payload').hidden = false;
    document.getElementById('payload-title').textContent = `${arrow.from} → ${arrow.to} · ${arrow.at}`;
    document.getElementById('payload-body').textContent = JSON.stringify(arrow.payload, null, 2);
  }

  function draw(model) {
    const key = JSON.stringify(model);
    if (key === drawn) return;
    drawn = key;
    box.replaceChildren();
    if (!model.arrows.length) {
      box.append(Object.assign(document.createElement('p'), {textContent: box.dataset.empty}));
      return;
    }
    const x = Object.fromEntries(model.participants.map((p, i) => [p, LEFT + i * COL]));
    const width = LEFT * 2 + (model.participants.length - 1) * COL;
    const height = TOP + (model.arrows.length + 1) * ROW;
    const svg = el('svg', {width, height, viewBox: `0 0 ${width} ${height}`, role: 'img'});
    for (const p of model.participants) {
      const head = el('g', {class: 'head', 'data-participant': p});
      head.append(el('rect', {x: x[p] - 80, y: 8, width: 160, height: 30, rx: 5}));
      head.append(el('text', {x: x[p], y: 28, 'text-anchor': 'middle'}, p));
      svg.append(head, el('line', {class: 'lifeline', x1: x[p], y1: 38, x2: x[p], y2: height - 8}));
    }
    model.arrows.forEach((a, i) => {
      const y = TOP + (i + 1) * ROW - 10;
      const [x1, x2] = [x[a.from], x[a.to]];
      const back = x2 < x1;
      const failed = a.status !== undefined && (a.status === 0 || a.status >= 400);
      const g = el('g', {class: `arrow${back ? ' back' : ''}${failed ? ' failed' : ''}${a.payload != null ? ' clickable' : ''}`,
                         'data-index': i, 'data-from': a.from, 'data-to': a.to});
      g.append(el('line', {x1, y1: y, x2: x2 + (back ? 6 : -6), y2: y}));
      const tip = back ? 8 : -8;
      g.append(el('path', {d: `M${x2},${y} l${tip},-5 l0,10 z`, fill: failed ? 'var(--bad)' : 'var(--accent)'}));
      g.append(el('text', {x: (x1 + x2) / 2, y: y - 6, 'text-anchor': 'middle'}, a.label));
      g.append(el('text', {class: 'at', x: 8, y: y + 4}, a.at.slice(11, 23)));
      if (a.payload != null) g.addEventListener('click', () => showPayload(a));
      svg.append(g);
    });
    box.append(svg);
  }

  async function poll() {
    const id = encodeURIComponent(box.dataset.correlationId);
    try {
      const reply = await fetch(`/console/api/flow?correlationId=${id}`);
      if (reply.ok) draw(await reply.json());
    } finally {
      setTimeout(poll, every);
    }
  }
  poll();
})();
