'use strict';
// The seamless dashboard: one WebSocket, a model updated per message, a render per
// animation frame that writes only the cells whose text changed.
(() => {
  const token = new URLSearchParams(location.search).get('token');
  const CRITICAL = new Set(['trade_executed', 'position_closed', 'daily_loss_breached',
    'reconciliation_mismatch', 'runner_stopped']);
  const MAX_EVENTS = 200;
  const SILENCE_MS = 3000; // the bridge pushes state at least once a second
  const $ = (id) => document.getElementById(id);
  const m = { state: null, next: null, instance: null, events: [], waiting: null,
    connected: false, lastMsg: 0, received: 0 };
  let ws = null, retry = 0, scheduled = false;

  function wsUrl() {
    const u = new URL('ws', location.href);
    u.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    u.search = '';
    if (token) u.searchParams.set('token', token);
    if (m.next !== null && m.instance !== null) {
      u.searchParams.set('from', String(m.next));
      u.searchParams.set('instance', String(m.instance));
    }
    return u;
  }

  function connect() {
    ws = new WebSocket(wsUrl());
    ws.onopen = () => { retry = 0; m.connected = true; schedule(); };
    ws.onmessage = (e) => { m.lastMsg = Date.now(); apply(JSON.parse(e.data)); };
    ws.onclose = () => {
      ws = null; m.connected = false;
      const delay = Math.min(5000, 250 * 2 ** retry++);
      m.retryAt = Date.now() + delay;
      setTimeout(connect, delay);
      schedule();
    };
  }

  function apply(msg) {
    switch (msg.type) {
      case 'snapshot':
        if (!m.state) m.firstSnapshotAt = performance.now();
        m.state = msg; m.instance = msg.instance_id; m.next = msg.last_seq + 1; m.waiting = null;
        break;
      case 'state': m.state = msg; break;
      case 'resync': pushEvent({ marker: `resync (${msg.reason})` }); break;
      case 'waiting': m.waiting = msg.reason; break;
      default:
        if (typeof msg.seq === 'number' && msg.kind) { m.next = msg.seq + 1; pushEvent(msg); }
    }
    schedule();
  }

  function pushEvent(ev) {
    m.received++;
    m.events.push(ev);
    if (m.events.length > MAX_EVENTS) m.events.splice(0, m.events.length - MAX_EVENTS);
  }

  function schedule() {
    if (!scheduled) { scheduled = true; requestAnimationFrame(render); }
  }

  const set = (el, text) => { if (el && el.textContent !== text) el.textContent = text; };
  const cls = (el, name, on) => { if (el && el.classList.contains(name) !== on) el.classList.toggle(name, on); };
  const num = (v, d) => (v === null || v === undefined) ? '-' :
    Number(v).toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
  const raw = (v) => (v === null || v === undefined) ? '-' : String(v);
  const time = (ns) => ns ? new Date(Number(ns) / 1e6).toISOString().slice(11, 23) : '-';
  const us = (ns) => num(ns / 1e3, 1);

  // Rows of `table` keyed by key(item); cells(item) gives [text, className?] per column.
  function rows(table, items, key, cells) {
    const body = table.tBodies[0];
    const seen = new Set();
    items.forEach((item, i) => {
      const k = String(key(item));
      seen.add(k);
      let tr = body.querySelector(`tr[data-key="${CSS.escape(k)}"]`);
      const vals = cells(item);
      if (!tr) {
        tr = document.createElement('tr'); tr.dataset.key = k;
        vals.forEach(() => tr.appendChild(document.createElement('td')));
      }
      if (body.children[i] !== tr) body.insertBefore(tr, body.children[i] || null);
      vals.forEach((v, j) => {
        const [text, c] = Array.isArray(v) ? v : [v, ''];
        set(tr.cells[j], text);
        if (tr.cells[j].className !== c) tr.cells[j].className = c;
      });
      if (item.qty !== undefined) tr.dataset.open = Number(item.qty) !== 0 ? '1' : '0';
    });
    for (const tr of [...body.rows]) if (!seen.has(tr.dataset.key)) tr.remove();
  }

  const sign = (v) => (v > 0 ? 'pos' : v < 0 ? 'neg' : '');

  function render() {
    scheduled = false;
    const s = m.state, now = Date.now();
    document.body.classList.toggle('loading', !s);
    const silent = m.lastMsg > 0 && now - m.lastMsg > SILENCE_MS;
    const banner = $('banner');
    if (!m.connected && m.retryAt) {
      banner.hidden = false;
      set(banner, `Disconnected from the bridge: reconnecting in ${Math.max(0, Math.ceil((m.retryAt - now) / 1000))} s`);
    } else if (m.waiting) {
      banner.hidden = false; set(banner, `Waiting for the core: ${m.waiting}`);
    } else { banner.hidden = true; }
    if (!s) return;
    if (m.firstSnapshotAt !== undefined && !document.body.dataset.firstRenderMs) {
      // How long the first snapshot took to reach the screen (the browser test prints it).
      document.body.dataset.firstRenderMs = (performance.now() - m.firstSnapshotAt).toFixed(1);
    }
    set($('instance'), s.instance);
    const status = s.runner.status || s.status;
    set($('runner'), s.alive ? status : `${status} (dead)`);
    cls($('runner'), 'running', s.alive && status === 'running');
    cls($('runner'), 'stopped', !s.alive || status === 'stopped');
    $('stale-badge').hidden = !(s.stale || silent);
    set($('stale-badge'), silent ? 'STALE (no data)' : `STALE ${s.age_ms === null ? '' : (s.age_ms / 1000).toFixed(1) + ' s'}`);
    $('halted-badge').hidden = !s.account.halted;
    set($('meta'), `pid ${s.pid} · seq ${s.last_seq} · durable ${s.durable_seq ?? '-'} · heartbeat ${s.age_ms ?? '-'} ms`);
    for (const dd of $('account').querySelectorAll('dd')) {
      const v = s.account[dd.dataset.k];
      const pnl = dd.dataset.k.endsWith('pnl') || dd.dataset.k === 'equity';
      set(dd, num(v, 2)); cls(dd, 'pos', pnl && v > 0); cls(dd, 'neg', pnl && v < 0);
    }
    const limit = Math.abs(s.account.daily_loss_limit || 0), loss = Math.max(0, -s.account.daily_pnl);
    $('loss-bar').style.width = `${limit ? Math.min(100, (100 * loss) / limit) : 0}%`;
    rows($('positions'), s.positions, (p) => p.instrument, (p) => [p.instrument, raw(p.qty), raw(p.avg_price),
      [num(p.unrealized_pnl, 2), sign(p.unrealized_pnl)], [num(p.realized_pnl, 2), sign(p.realized_pnl)], raw(p.fills)]);
    rows($('market'), s.market, (q) => q.instrument, (q) => [q.instrument, raw(q.bid), raw(q.ask), raw(q.last), raw(q.ticks), time(q.updated_ns)]);
    rows($('signals'), s.signals.slice(0, 8), (g) => g.seq, (g) => [raw(g.seq), time(g.ts_ns), g.instrument, raw(g.side), raw(g.price), raw(g.strategy)]);
    rows($('monitors'), s.monitors, (x) => x.instrument, (x) => [x.instrument, x.armed ? 'yes' : 'no', raw(x.stop), raw(x.target), raw(x.triggers), raw(x.last_trigger)]);
    rows($('readers'), s.readers, (r) => r.role, (r) => [r.role, raw(r.pid), raw(r.cursor), raw(r.lag), r.gating ? 'yes' : 'no', [r.alive ? (r.stale ? 'hung' : 'yes') : 'no', r.alive && !r.stale ? 'pos' : 'neg']]);
    const lat = s.metrics.latency_ns;
    for (const td of $('latency').querySelectorAll('td[data-k]')) set(td, lat.count ? us(lat[td.dataset.k]) : '-');
    for (const dd of $('counters').querySelectorAll('dd')) set(dd, raw(s.metrics[dd.dataset.k]));
    renderEvents(s.durable_seq);
  }

  function renderEvents(durable) {
    const list = $('events');
    set($('events-info'), `${m.received} received, newest first; ✓ = logged (durable)`);
    // Newest first: the list mirrors m.events reversed; nodes are reused by identity.
    const want = m.events.slice().reverse();
    want.forEach((ev, i) => {
      if (!ev.node) ev.node = eventNode(ev);
      if (list.children[i] !== ev.node) list.insertBefore(ev.node, list.children[i] || null);
      if (!ev.marker) set(ev.node.lastChild, durable !== null && durable !== undefined && ev.seq <= durable ? '✓' : '');
    });
    while (list.children.length > want.length) list.lastChild.remove();
  }

  function eventNode(ev) {
    const li = document.createElement('li');
    if (ev.marker) { li.className = 'marker'; li.textContent = `— ${ev.marker} —`; return li; }
    if (CRITICAL.has(ev.kind)) li.className = 'critical';
    li.dataset.seq = ev.seq;
    const skip = new Set(['seq', 'ts_ns', 'kind', 'instrument']);
    const detail = Object.entries(ev).filter(([k]) => !skip.has(k)).map(([k, v]) => `${k}=${v}`).join(' ');
    for (const [text, c] of [[ev.seq, 'seq'], [time(ev.ts_ns), 'time'], [ev.kind, 'kind'],
      [ev.instrument ?? '', 'inst'], [detail, 'detail'], ['', 'logged']]) {
      const span = document.createElement('span'); span.className = c; span.textContent = String(text);
      li.appendChild(span);
    }
    return li;
  }

  setInterval(schedule, 500); // ages, the silence check and the reconnect countdown
  connect();
})();
