// prompt-diary's cassette viewer. Everything from the cassette reaches the screen through
// textContent (never innerHTML). Turn bodies are built when a turn is first opened; a lane shows
// its turns a page at a time.
(function () {
  'use strict';
  var PAGE = 100, OPEN_ON_SEARCH = 20;
  var model = JSON.parse(document.getElementById('pd-model').textContent);
  var text = document.getElementById('pd-lines').textContent.replace(
    /\\(\\|u003c|u003e|u0026|u2028|u2029|\/)/g, function (all, c) {
      if (c === '\\') return all;
      if (c === '/') return '/';
      return String.fromCharCode(parseInt(c.slice(1), 16));
    });
  var lines = text.split('\n');
  var cache = new Map();
  var lanesEl = document.getElementById('lanes');
  var query = '';
  var diverged = model.divergence || null;

  function el(tag, cls, content) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (content !== undefined && content !== null) e.textContent = String(content);
    return e;
  }
  function add(parent) {
    for (var i = 1; i < arguments.length; i++) if (arguments[i]) parent.appendChild(arguments[i]);
    return parent;
  }
  function entry(n) {
    if (!cache.has(n)) {
      var v = null;
      try { v = JSON.parse(lines[n - 1]); } catch (e) { v = null; }
      cache.set(n, v);
    }
    return cache.get(n);
  }
  // Text as it was written: the cassette keeps a literal `{{name}}` as `{{lbrace}}name}}`;
  // placeholders of volatile values ({{workspace}}) stay as they are.
  function said(s) { return String(s).replace(/\{\{lbrace\}\}/g, '{{'); }
  function pretty(v) { return said(typeof v === 'string' ? v : JSON.stringify(v, null, 2)); }
  function get(o, path) {
    for (var i = 0; i < path.length && o != null; i++) o = o[path[i]];
    return o == null ? undefined : o;
  }
  function field(parent, name, value, cls) {
    if (value === undefined || value === null || value === '') return;
    add(parent, el('div', 'field', name), el('pre', cls || '', pretty(value)));
  }
  function lineButton(n, label) {
    var b = el('button', 'ln', label || ('L' + n));
    b.title = 'cassette line ' + n + ': show the raw line';
    b.dataset.line = n;
    return b;
  }
  // A click on a line link shows (or hides) the raw cassette line(s) right after the link's row.
  document.addEventListener('click', function (ev) {
    var b = ev.target.closest && ev.target.closest('button.ln');
    if (!b) return;
    var row = b.parentNode, next = row.nextSibling;
    if (next && next.classList && next.classList.contains('raw')) { next.remove(); return; }
    var from = Number(b.dataset.line), to = Number(b.dataset.to || from), pick = b.dataset.conv;
    var out = [];
    for (var n = from; n <= to; n++) {
      if (pick && !owner(n, pick, b.dataset.turn)) continue;
      out.push(n + ': ' + lines[n - 1]);
    }
    var pre = el('pre', 'raw', out.join('\n'));
    row.parentNode.insertBefore(pre, row.nextSibling);
    if (query) mark(pre);
  });
  var PREFIX = /^\{"kind":"[a-z0-9]+","conv":"([^"]*)","turn":(\d+|null)/;
  function owner(n, conv, turn) {
    var m = PREFIX.exec(lines[n - 1] || '');
    return m && m[1] === conv && m[2] === String(turn);
  }
  function status(t) {
    var s = t.status || 'never';
    return el('span', 'badge st-' + s, t.status || 'never completed');
  }
  // An exec cassette's run: its prompt is the stdin, its items sit in `json.item` in the
  // snake_case of `codex exec --json`.
  function promptOf(t) {
    var e = entry(t.line);
    if (e && e.kind === 'invocation') return e.stdin || '';
    var input = get(e, ['msg', 'params', 'input']) || [];
    return input.map(function (i) { return i.text || ''; }).join('\n');
  }

  function itemBody(box, kind, e) {
    var msg = (e && e.msg) || {}, params = msg.params || {};
    var item = params.item || get(e, ['json', 'item']) || {};
    function pick(a, b) { return item[a] !== undefined ? item[a] : item[b]; }
    if (kind === 'message' || kind === 'plan') field(box, 'text', item.text);
    else if (kind === 'reasoning') {
      if (typeof item.text === 'string') field(box, 'text', item.text);
      field(box, 'summary', (item.summary || []).join('\n'));
      field(box, 'content', (item.content || []).join('\n'));
    } else if (kind === 'command') {
      field(box, 'command', item.command);
      field(box, 'exit code', pick('exitCode', 'exit_code'));
      if (typeof item.durationMs === 'number') field(box, 'duration', item.durationMs + ' ms');
      var output = pick('aggregatedOutput', 'aggregated_output');
      field(box, 'output', output === null || output === undefined ? '(no output recorded)' : output);
    } else if (kind === 'file_change') {
      (item.changes || []).forEach(function (c) {
        var k = c.kind && (c.kind.type || c.kind);
        add(box, el('div', 'field', (k ? k + ' ' : '') + (c.path || '')));
        if (c.diff) add(box, diffPre(said(c.diff)));
      });
    } else if (kind === 'mcp_tool_call') {
      field(box, 'tool', (item.server || '') + '/' + (item.tool || ''));
      field(box, 'arguments', item.arguments);
      field(box, 'result', item.result);
      field(box, 'error', item.error);
      if (typeof item.durationMs === 'number') field(box, 'duration', item.durationMs + ' ms');
    } else if (kind === 'web_search') field(box, 'query', item.query);
    else if (kind === 'approval') {
      if (msg.method) {
        field(box, 'asked', msg.method);
        field(box, 'command', params.command);
        field(box, 'reason', params.reason);
      } else {
        field(box, 'answer sent', msg.result !== undefined ? msg.result : msg.error);
      }
    } else if (kind === 'error' || kind === 'retry') {
      var json = (e && e.json) || {};
      field(box, 'message', get(params, ['error', 'message']) || get(json, ['error', 'message']) ||
        json.message || item.message);
      field(box, 'details', get(params, ['error', 'additionalDetails']));
      if (kind === 'retry') field(box, 'retry', 'Codex retried this call');
    } else if (kind === 'other') field(box, 'method', msg.method);
  }
  function diffPre(diff) {
    var pre = el('pre', 'diff');
    diff.split('\n').forEach(function (l, i) {
      var cls = l[0] === '+' && l.slice(0, 3) !== '+++' ? 'add' : l[0] === '-' && l.slice(0, 3) !== '---' ? 'del' : '';
      add(pre, el('span', cls, (i ? '\n' : '') + l));
    });
    return pre;
  }
  var diffs = new Map();
  (model.diffs || []).forEach(function (d) { diffs.set(d.line + ':' + d.path, d.diff); });

  function filesBody(box, n) {
    var e = entry(n) || {};
    (e.effects || []).forEach(function (f) {
      var d = diffs.get(n + ':' + f.path);
      if (f.op === 'write') {
        var body = said(f.text);
        add(box, el('div', 'field', 'wrote ' + f.path + ' (' + body.length + ' characters)'));
        if (d) add(box, el('div', 'field', 'changes since an earlier turn wrote it'), diffPre(d));
        add(box, el('pre', 'file', body));
      } else if (f.op === 'hashed') {
        add(box, el('div', 'field', 'wrote ' + f.path + ' (' + f.len + ' bytes, kept by hash ' + f.sha256 + ')'));
      } else if (f.op === 'delete') add(box, el('div', 'field', 'deleted ' + f.path));
    });
  }

  function eventBlock(kind, n, summary, fill) {
    var box = el('div', 'ev k-' + kind);
    add(box, add(el('div', 'head'), el('span', 'badge', kind.replace(/_/g, ' ')), lineButton(n),
      el('span', 'summary', summary)));
    fill(box);
    return box;
  }

  function renderBody(details, lane, t) {
    var body = el('div', 'body');
    if (diverged && diverged.conversation === lane.label && diverged.turn === t.i) add(body, divergencePanel());
    var start = entry(t.line) || {}, exec = start.kind === 'invocation';
    add(body, eventBlock('prompt', t.line, exec ? 'the caller ran codex exec' : 'the client started the turn', function (box) {
      if (exec) field(box, 'command line', 'codex ' + (start.args || []).join(' '));
      field(box, 'prompt', promptOf(t));
      field(box, 'output schema', exec ? start.output_schema : get(start, ['msg', 'params', 'outputSchema']));
    }));
    t.ev.forEach(function (ev) {
      add(body, eventBlock(ev[1], ev[0], ev[2], function (box) { itemBody(box, ev[1], entry(ev[0])); }));
    });
    (t.files || []).forEach(function (n) {
      add(body, eventBlock('files', n, 'the files the turn wrote', function (box) { filesBody(box, n); }));
    });
    var end = add(el('div', 'ev'), el('div', 'head'));
    var row = end.firstChild;
    add(row, status(t));
    if (typeof t.ms === 'number') add(row, el('span', 'badge', t.ms + ' ms'));
    var raw = lineButton(t.line, 'raw lines ' + t.line + '–' + t.end);
    raw.dataset.to = t.end;
    if (!model.exec) { raw.dataset.conv = lane.label; raw.dataset.turn = t.i; }
    add(row, raw);
    if (t.error) field(end, 'error', t.error);
    add(body, end);
    details.appendChild(body);
    if (query) mark(body);
  }

  function turnEl(lane, t) {
    var d = el('details', 'turn');
    d.id = 'turn-' + lane.label + '-' + t.i;
    var s = el('summary');
    var first = said(promptOf(t)).split('\n')[0];
    if (first.length > 140) first = first.slice(0, 140) + '…';
    add(s, el('span', 'badge', (model.exec ? 'run ' : 'turn ') + t.i), status(t));
    if (typeof t.ms === 'number') add(s, el('span', 'badge', t.ms + ' ms'));
    add(s, el('span', 'badge', t.ev.length + ' events'), el('span', 'prompt', first));
    d.appendChild(s);
    d.addEventListener('toggle', function () {
      if (d.open && !d.dataset.built) { d.dataset.built = '1'; renderBody(d, lane, t); }
    });
    if (diverged && diverged.conversation === lane.label && diverged.turn === t.i) d.classList.add('diverged');
    return d;
  }

  // A released conversation ends with its release: the unsubscribe sent and the close confirmed.
  function releasedEl(r) {
    var row = add(el('div', 'released'), el('span', '', 'released: thread/unsubscribe '),
      lineButton(r.unsubscribe));
    if (r.closed) add(row, el('span', '', ', thread/closed '), lineButton(r.closed));
    else add(row, el('span', '', ', no thread/closed in the cassette (the release was not confirmed)'));
    return row;
  }

  // Lanes: each shows its turns (all of them, or those matching the search) a page at a time.
  var lanes = model.lanes.map(function (lane) {
    var box = el('section', 'lane');
    var title = model.exec ? 'codex exec · ' + lane.turns.length + ' runs (a thread and its resumes) '
      : 'conversation ' + lane.label + ' · ' + lane.turns.length + ' turns ';
    var h = add(el('h2'), el('span', '', title), lineButton(lane.line));
    if (lane.released) add(h, el('span', 'badge ' + (lane.released.closed ? 'st-closed' : 'st-failed'),
      lane.released.closed ? 'closed' : 'release not confirmed'));
    add(box, h);
    if (lane.settings) add(box, el('pre', 'settings', JSON.stringify(lane.settings)));
    var list = el('div', 'turns'), more = el('button', 'more');
    add(box, list, more);
    if (lane.released) add(box, releasedEl(lane.released));
    lanesEl.appendChild(box);
    var state = { lane: lane, list: list, more: more, shown: [], pos: 0 };
    more.addEventListener('click', function () { page(state, PAGE); });
    return state;
  });
  function page(state, count, untilTurn) {
    var end = Math.min(state.shown.length, state.pos + count);
    if (untilTurn !== undefined) {
      var at = state.shown.indexOf(untilTurn);
      if (at >= end) end = at + 1;
    }
    var frag = document.createDocumentFragment();
    for (; state.pos < end; state.pos++) frag.appendChild(turnEl(state.lane, state.shown[state.pos]));
    state.list.appendChild(frag);
    var left = state.shown.length - state.pos;
    state.more.hidden = left <= 0;
    state.more.textContent = 'show ' + Math.min(left, PAGE) + ' more turns (' + left + ' left)';
  }
  function show(filter) {
    lanes.forEach(function (s) {
      s.list.textContent = '';
      s.pos = 0;
      s.shown = filter ? s.lane.turns.filter(function (t) { return filter.has(t); }) : s.lane.turns.slice();
      page(s, PAGE);
    });
  }

  // Search: every cassette line is a candidate; a hit counts for the turn that owns the line.
  var lower = null, byKey = null;
  function search(q) {
    query = q.trim();
    var statusEl = document.getElementById('status');
    if (!query) { show(null); statusEl.textContent = ''; return; }
    if (!lower) {
      lower = lines.map(function (l) { return l.toLowerCase(); });
      byKey = new Map();
      model.lanes.forEach(function (lane) {
        lane.turns.forEach(function (t) { byKey.set(lane.label + '/' + t.i, t); });
      });
    }
    var needle = query.toLowerCase(), hits = new Set(), count = 0;
    for (var i = 0; i < lower.length; i++) {
      if (lower[i].indexOf(needle) < 0) continue;
      var t = model.exec ? runAt(i + 1) : null;
      if (!model.exec) {
        var m = PREFIX.exec(lines[i]);
        t = m && byKey.get(m[1] + '/' + m[2]);
      }
      if (t) { hits.add(t); count++; }
    }
    show(hits);
    var opened = 0;
    lanes.forEach(function (s) {
      Array.prototype.forEach.call(s.list.children, function (d) {
        d.classList.add('hit');
        if (opened++ < OPEN_ON_SEARCH) d.open = true;
        mark(d.firstChild);
      });
    });
    statusEl.textContent = count + ' matching lines in ' + hits.size + ' turns' + (hits.size ? '' : ' (no match)');
  }
  // The run of an exec cassette that holds line `n` (runs are contiguous and in order).
  function runAt(n) {
    var runs = model.lanes[0].turns, lo = 0, hi = runs.length - 1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (runs[mid].end < n) lo = mid + 1;
      else if (runs[mid].line > n) hi = mid - 1;
      else return runs[mid];
    }
    return null;
  }
  // Wraps each occurrence of the query in the text under `root` in a <mark>.
  function mark(root) {
    if (!query) return;
    var needle = query.toLowerCase(), walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT), nodes = [];
    while (walker.nextNode()) nodes.push(walker.currentNode);
    nodes.forEach(function (node) {
      var s = node.nodeValue, low = s.toLowerCase(), at = low.indexOf(needle);
      if (at < 0 || (node.parentNode && node.parentNode.nodeName === 'MARK')) return;
      var frag = document.createDocumentFragment(), from = 0;
      while (at >= 0) {
        frag.appendChild(document.createTextNode(s.slice(from, at)));
        frag.appendChild(el('mark', '', s.slice(at, at + needle.length)));
        from = at + needle.length;
        at = low.indexOf(needle, from);
      }
      frag.appendChild(document.createTextNode(s.slice(from)));
      node.parentNode.replaceChild(frag, node);
    });
  }
  var timer = null, qEl = document.getElementById('q');
  qEl.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(function () { search(qEl.value); }, 120);
  });

  // The kind filter: a checkbox per kind hides that kind's blocks in every turn.
  var kindsEl = document.getElementById('kinds');
  model.kinds.concat(['files']).forEach(function (kind) {
    var box = el('input');
    box.type = 'checkbox'; box.checked = true; box.dataset.kind = kind;
    box.addEventListener('change', function () { lanesEl.classList.toggle('hide-' + kind, !box.checked); });
    add(kindsEl, add(el('label'), box, document.createTextNode(' ' + kind.replace(/_/g, ' '))));
  });

  // A divergence: a banner, and the turn where it happened opened with both messages.
  function jsonPre(value, marks) {
    var pre = el('pre', 'json'), out = [];
    (function walk(v, path, key, indent, last) {
      var pad = new Array(indent + 1).join('  '), k = key === null ? '' : JSON.stringify(key) + ': ', comma = last ? '' : ',';
      if (v && typeof v === 'object') {
        var arr = Array.isArray(v), keys = arr ? v.map(function (_, i) { return i; }) : Object.keys(v).sort();
        if (!keys.length) { out.push([pad + k + (arr ? '[]' : '{}') + comma, path]); return; }
        out.push([pad + k + (arr ? '[' : '{'), path]);
        keys.forEach(function (kk, i) {
          walk(v[kk], arr ? path + '[' + kk + ']' : path + '.' + kk, arr ? null : kk, indent + 1, i === keys.length - 1);
        });
        out.push([pad + (arr ? ']' : '}') + comma, path]);
      } else out.push([pad + k + said(JSON.stringify(v)) + comma, path]);
    })(value, '$', null, 0, true);
    out.forEach(function (row) {
      var hit = marks.some(function (p) { return row[1] === p || row[1].indexOf(p + '.') === 0 || row[1].indexOf(p + '[') === 0; });
      add(pre, el('span', hit ? 'hlp' : 'plain', row[0] + (hit ? '' : '\n')));
    });
    return pre;
  }
  function divergencePanel() {
    var d = diverged, box = el('div', 'divergence');
    add(box, el('strong', '', 'The replay diverged here'), el('div', 'field', 'differing JSON paths'),
      el('pre', 'paths', d.notes.length ? d.notes.join('\n') : '(no recorded message to compare with)'));
    var cmp = el('div', 'cmp');
    var left = add(el('div'), el('div', 'field', d.line ? 'recorded (cassette line ' + d.line + ')' : 'recorded: nothing expected here'));
    if (d.recorded !== null && d.recorded !== undefined) add(left, jsonPre(d.recorded, d.paths));
    add(cmp, left, add(el('div'), el('div', 'field', 'sent now'), jsonPre(d.sent, d.paths)));
    add(box, cmp);
    if (d.diff) add(box, el('div', 'field', 'diff (- recorded, + sent now)'), diffPre(d.diff));
    add(box, el('div', 'field', 're-record with'), el('pre', '', d.record_command));
    return box;
  }
  var banner = document.getElementById('banner');
  // A pending re-recording: which cassette it would replace, and what changed by meaning.
  var pending = model.pending;
  if (pending) {
    var box = add(el('div', 'pending'), el('strong', '', 'A pending re-recording of ' + pending.committed),
      el('div', 'field', pending.meaning ? 'what changed, by meaning (as `prompt-diary review` says it)' :
        'a new cassette: nothing committed to compare with'));
    if (pending.meaning) add(box, el('pre', 'meaning', pending.meaning));
    add(banner, add(box, el('div', 'field', 'accept with'), el('pre', '', pending.accept)));
  }

  show(null);
  if (diverged) {
    var where = 'conversation ' + diverged.conversation + (diverged.turn === null ? '' : ', turn ' + diverged.turn) +
      (diverged.line ? ', cassette line ' + diverged.line : '');
    var note = add(el('div', 'divergence'), el('strong', '', 'The replay diverged: ' + where));
    add(banner, note);
    var state = lanes.filter(function (s) { return s.lane.label === diverged.conversation; })[0];
    var turn = state && state.lane.turns.filter(function (t) { return t.i === diverged.turn; })[0];
    if (turn) {
      page(state, 0, turn);
      var d = document.getElementById('turn-' + state.lane.label + '-' + turn.i);
      d.open = true;
      var jump = el('button', 'ln', 'go to the turn');
      jump.addEventListener('click', function () { d.scrollIntoView(); });
      add(note, document.createTextNode(' '), jump);
    } else add(note, divergencePanel());
  }
  document.documentElement.dataset.ready = '1';
  window.pdReadyMs = performance.now();
})();
