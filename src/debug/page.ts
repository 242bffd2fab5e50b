/**
 * The debug page: one self-contained HTML document (inline CSS and JS, no CDN, no framework, no
 * build step) that reads `./events` and `./stream` and draws runs as a span waterfall.
 * @module
 */

/** Options of {@link renderDebugPage}. */
export interface DebugPageOptions {
  /** CSP nonce put on the inline `<style>` and `<script>`. */
  nonce: string;
  /** Page title. */
  title: string;
  /** Whether the routes need a token (the page then asks for one when it has none). */
  authRequired: boolean;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Renders the debug page.
 *
 * @param options Nonce, title, whether a token is needed.
 * @returns The HTML document.
 * @example
 * ```ts
 * import { renderDebugPage } from "./page.ts";
 * const html = renderDebugPage({ nonce: "abc", title: "Codex", authRequired: true });
 * ```
 */
export function renderDebugPage(options: DebugPageOptions): string {
  const nonce = escapeHtml(options.nonce);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(options.title)}</title>
<style nonce="${nonce}">${CSS}</style>
</head>
<body data-auth="${options.authRequired ? "1" : "0"}">
<header class="top">
  <div class="brand"><span class="logo" aria-hidden="true"></span><h1>${escapeHtml(options.title)}</h1></div>
  <div class="meta">
    <span id="counts" class="counts"></span>
    <span id="conn" class="pill pill-wait" data-state="connecting">connecting</span>
  </div>
</header>
<div id="banner" class="banner" hidden></div>
<form id="auth" class="auth" hidden>
  <label for="auth-token">This feed needs its access token.</label>
  <input id="auth-token" type="password" autocomplete="off" spellcheck="false" placeholder="token">
  <button type="submit">Connect</button>
</form>
<main id="runs" class="runs" aria-live="polite"></main>
<section id="empty" class="empty">
  <div class="empty-card">
    <div class="empty-icon" aria-hidden="true"></div>
    <h2>No runs yet</h2>
    <p>Start a thread and it appears here live: the thread, its turns and every item, with durations, status and token usage.</p>
  </div>
</section>
<details class="log" id="log-wrap">
  <summary>Event log <span id="log-count" class="muted"></span></summary>
  <div class="log-body"><table><tbody id="log"></tbody></table></div>
</details>
<aside id="detail" class="detail" hidden>
  <div class="detail-head"><strong id="detail-title"></strong><button id="detail-close" type="button" aria-label="Close">×</button></div>
  <pre id="detail-body"></pre>
</aside>
<script nonce="${nonce}">${JS}</script>
</body>
</html>
`;
}

/**
 * Renders the sign-in page shown (with status 401) to a browser that opens the page without a
 * valid token: a plain GET form that reloads the page with `?token=`, which the page then drops
 * from the address bar.
 *
 * @param options Nonce for the inline style, title, and whether a token was given and refused.
 * @returns The HTML document.
 * @example
 * ```ts
 * import { renderSignInPage } from "./page.ts";
 * const html = renderSignInPage({ nonce: "abc", title: "Codex", failed: false });
 * ```
 */
export function renderSignInPage(options: { nonce: string; title: string; failed: boolean }): string {
  const nonce = escapeHtml(options.nonce);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(options.title)}: token needed</title>
<style nonce="${nonce}">
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:#f6f7f9;color:#1d2433;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
form{background:#fff;border:1px solid #e4e7ee;border-radius:10px;padding:24px 28px;display:flex;flex-direction:column;gap:12px;min-width:320px}
h1{font-size:16px;margin:0}p{margin:0;color:#6b7385}.err{color:#d93b3b}
input{font:inherit;padding:7px 10px;border:1px solid #e4e7ee;border-radius:6px}
button{font:inherit;padding:7px 14px;border:0;border-radius:6px;background:#4f5bd5;color:#fff;cursor:pointer}
@media (prefers-color-scheme:dark){body{background:#111418;color:#e6e9ef}form{background:#1a1e25;border-color:#2a303a}input{background:#111418;color:#e6e9ef;border-color:#2a303a}}
</style>
</head>
<body>
<form method="get" autocomplete="off">
  <h1>${escapeHtml(options.title)}</h1>
  <p${options.failed ? ' class="err"' : ""}>${options.failed ? "That token was not accepted." : "This debug feed needs its access token."}</p>
  <input name="token" type="password" placeholder="token" aria-label="token" autofocus required>
  <button type="submit">Open</button>
</form>
</body>
</html>
`;
}

const CSS = `
:root{--bg:#f6f7f9;--card:#fff;--ink:#1d2433;--muted:#6b7385;--line:#e4e7ee;--track:#f0f2f6;
--thread:#4f5bd5;--turn:#0f9b8e;--item:#3d7cc9;--tool:#d08a18;--approval:#8e59c9;--compaction:#7a8599;
--err:#d93b3b;--ok:#1f9d55;--run:#2f7de1;--mono:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
@media (prefers-color-scheme:dark){:root{--bg:#111418;--card:#1a1e25;--ink:#e6e9ef;--muted:#8d96a8;--line:#2a303a;--track:#222832}}
*{box-sizing:border-box}
html,body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
.top{position:sticky;top:0;z-index:5;display:flex;justify-content:space-between;align-items:center;padding:10px 24px;background:var(--card);border-bottom:1px solid var(--line)}
.brand{display:flex;align-items:center;gap:10px}.brand h1{font-size:16px;margin:0;font-weight:600}
.logo{width:18px;height:18px;border-radius:5px;background:linear-gradient(135deg,var(--thread),var(--turn))}
.meta{display:flex;align-items:center;gap:14px}.counts{color:var(--muted);font-size:13px}
.pill{font-size:12px;padding:2px 10px;border-radius:999px;border:1px solid var(--line);color:var(--muted)}
.pill[data-state=live]{color:var(--ok);border-color:color-mix(in srgb,var(--ok) 40%,transparent)}
.pill[data-state=live]::before{content:"";display:inline-block;width:7px;height:7px;border-radius:50%;background:var(--ok);margin-right:6px;vertical-align:1px}
.pill[data-state=error]{color:var(--err);border-color:color-mix(in srgb,var(--err) 40%,transparent)}
.banner{margin:12px 24px 0;padding:8px 12px;border-radius:8px;background:color-mix(in srgb,var(--tool) 14%,var(--card));border:1px solid color-mix(in srgb,var(--tool) 35%,transparent);font-size:13px}
.auth[hidden],.banner[hidden]{display:none}
.auth{margin:16px 24px;display:flex;gap:8px;align-items:center}.auth input{font:inherit;padding:6px 10px;border:1px solid var(--line);border-radius:6px;background:var(--card);color:var(--ink);min-width:260px}
.auth button{font:inherit;padding:6px 14px;border-radius:6px;border:0;background:var(--thread);color:#fff;cursor:pointer}
.runs{padding:16px 24px 8px;display:flex;flex-direction:column;gap:16px}
.run{background:var(--card);border:1px solid var(--line);border-radius:10px;overflow:hidden}
.run.err{border-color:color-mix(in srgb,var(--err) 45%,var(--line))}
.run-head{display:flex;flex-wrap:wrap;align-items:center;gap:8px 18px;padding:10px 16px;border-bottom:1px solid var(--line)}
.run-title{font-weight:600;display:flex;align-items:center;gap:8px}
.dot{width:9px;height:9px;border-radius:50%;background:var(--ok);flex:none}
.dot.running{background:var(--run);animation:pulse 1.2s ease-in-out infinite}.dot.error{background:var(--err)}
@keyframes pulse{50%{opacity:.35}}
.kv{color:var(--muted);font-size:12.5px}.kv b{color:var(--ink);font-weight:500;font-variant-numeric:tabular-nums}
.errmsg{color:var(--err);font-size:12.5px;flex-basis:100%}
.run-stats{display:flex;flex-wrap:wrap;align-items:center;gap:6px 22px;padding:7px 16px;border-bottom:1px solid var(--line);font-size:12.5px;color:var(--muted)}
.stat{display:flex;align-items:center;gap:7px}.stat b{color:var(--ink);font-weight:500;font-variant-numeric:tabular-nums}
.stat-label{font:600 10px/1 var(--mono);text-transform:uppercase;letter-spacing:.04em}
.tok i{font-style:normal;margin-right:3px}
.spark{display:inline-flex;align-items:flex-end;gap:2px;height:16px}
.spark span{width:5px;border-radius:1px;background:var(--turn)}
.stat[data-hist=tools] .spark span{background:var(--tool)}.stat[data-hist=approvals] .spark span{background:var(--approval)}
.spark span.error{background:var(--err)!important}
.recent{font-family:var(--mono);font-size:11.5px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;max-width:420px}
.axis,.row{display:grid;grid-template-columns:minmax(260px,34%) 1fr 84px;align-items:center}
.axis{font-size:11px;color:var(--muted);padding:4px 16px 2px;border-bottom:1px solid var(--line)}
.axis .ticks{position:relative;height:16px}.axis .ticks span{position:absolute;transform:translateX(-50%);white-space:nowrap}
.axis .ticks span:first-child{transform:none}.axis .ticks span:last-child{transform:translateX(-100%)}
.row{padding:3px 16px;min-height:28px;cursor:pointer;border-bottom:1px solid color-mix(in srgb,var(--line) 55%,transparent)}
.row:last-child{border-bottom:0}.row:hover{background:color-mix(in srgb,var(--thread) 6%,transparent)}
.row.sel{background:color-mix(in srgb,var(--thread) 11%,transparent)}
.label{display:flex;align-items:center;gap:7px;min-width:0;padding-right:12px}
.label .name{white-space:nowrap;overflow:hidden;text-overflow:ellipsis;flex:0 1 auto;max-width:70%}
.label .cat{font:600 10px/1 var(--mono);text-transform:uppercase;letter-spacing:.04em;padding:3px 5px;border-radius:4px;color:#fff;flex:none}
.label .sub{color:var(--muted);font-family:var(--mono);font-size:12px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;flex:1 1 0;min-width:0}
.track{position:relative;height:16px;background:var(--track);border-radius:4px}
.bar{position:absolute;top:2px;height:12px;border-radius:3px;min-width:3px}
.bar.running{background-image:linear-gradient(90deg,transparent 0,rgba(255,255,255,.35) 50%,transparent 100%);background-size:40px 100%;animation:slide 1s linear infinite}
@keyframes slide{to{background-position:40px 0}}
.bar.error{background-color:var(--err)!important}
.dur{text-align:right;font-variant-numeric:tabular-nums;font-size:12.5px}.dur.error{color:var(--err);font-weight:600}
.c-thread{background:var(--thread)}.c-turn{background:var(--turn)}.c-item{background:var(--item)}.c-tool{background:var(--tool)}
.c-approval{background:var(--approval)}.c-compaction,.c-other{background:var(--compaction)}
.empty{display:flex;justify-content:center;padding:72px 24px}.empty[hidden]{display:none}
.empty-card{max-width:460px;text-align:center;color:var(--muted)}.empty-card h2{color:var(--ink);font-size:18px;margin:14px 0 6px}
.empty-icon{margin:0 auto;width:120px;height:44px;border-radius:6px;background:linear-gradient(var(--thread),var(--thread)) 0 4px/100% 8px no-repeat,linear-gradient(var(--turn),var(--turn)) 18px 18px/70% 8px no-repeat,linear-gradient(var(--item),var(--item)) 36px 32px/35% 8px no-repeat;opacity:.55}
.log{margin:8px 24px 24px;background:var(--card);border:1px solid var(--line);border-radius:10px}
.log summary{cursor:pointer;padding:10px 16px;font-weight:600}.muted{color:var(--muted);font-weight:400}
.log-body{max-height:320px;overflow:auto;border-top:1px solid var(--line)}
.log table{width:100%;border-collapse:collapse;font:12px/1.5 var(--mono)}
.log td{padding:2px 12px;border-bottom:1px solid var(--line);white-space:nowrap;vertical-align:top}
.log td.m{white-space:normal;color:var(--muted);word-break:break-all}
.detail{position:fixed;right:16px;top:60px;bottom:16px;width:min(520px,44vw);z-index:6;background:var(--card);border:1px solid var(--line);border-radius:10px;box-shadow:0 12px 40px rgba(0,0,0,.18);display:flex;flex-direction:column}
.detail[hidden]{display:none}.detail-head{display:flex;justify-content:space-between;align-items:center;padding:10px 14px;border-bottom:1px solid var(--line)}
.detail-head button{border:0;background:none;font-size:20px;cursor:pointer;color:var(--muted)}
.detail pre{margin:0;padding:12px 14px;overflow:auto;font:12px/1.5 var(--mono);white-space:pre-wrap;word-break:break-word}
`;

// Plain ES2017 without template literals (this whole file is a template string).
const JS = String.raw`
(function () {
  "use strict";
  var AUTH = document.body.getAttribute("data-auth") === "1";
  var base = location.pathname.endsWith("/") ? location.pathname : location.pathname + "/";
  var params = new URLSearchParams(location.search);
  var token = params.get("token");
  if (token !== null) {
    // Keep the token out of the address bar, history and screenshots; this tab remembers it.
    try { sessionStorage.setItem("codex-debug-token", token); } catch (e) {}
    params.delete("token");
    var q = params.toString();
    history.replaceState(null, "", location.pathname + (q ? "?" + q : "") + location.hash);
  } else {
    try { token = sessionStorage.getItem("codex-debug-token"); } catch (e) { token = null; }
  }

  var $ = function (id) { return document.getElementById(id); };
  var nodes = new Map();      // key (span token or "span:<id>") -> node
  var bySpanId = new Map();   // spanId -> key
  var threadsById = new Map(); // thread_id -> key
  var runs = [];              // root nodes, in arrival order
  var logRows = [];
  var stats = { events: 0, spans: 0 };
  var lastId = 0;
  var selected = null;
  var dirty = true;
  var retryMs = 2000;

  var CATS = [["codex.turn.compaction", "compaction"], ["codex.thread", "thread"], ["invoke_agent", "thread"], ["codex.turn", "turn"],
    ["codex.item", "item"], ["codex.tool", "tool"], ["execute_tool", "tool"], ["codex.approval", "approval"]];
  function category(name) {
    for (var i = 0; i < CATS.length; i++) if (name.indexOf(CATS[i][0]) === 0) return CATS[i][1];
    return "other";
  }
  function isStart(name) {
    return /\.start$/.test(name) || name === "codex.approval.requested" || name === "codex.turn.compaction.started";
  }
  function isEnd(name) {
    return /\.(stop|exception|success|failure|approved|denied|timeout)$/.test(name) ||
      name === "codex.turn.compaction.completed" || name === "codex.turn.compaction.failed";
  }
  function nsToMs(s) {
    try { var b = BigInt(s); return Number(b / 1000n) / 1000; } catch (e) { return Date.now(); }
  }
  function short(id) { return typeof id === "string" && id.length > 13 ? id.slice(0, 8) + "…" + id.slice(-4) : (id || ""); }
  function fmtDur(ms) {
    if (ms === undefined || ms === null || isNaN(ms)) return "";
    if (ms < 1) return ms.toFixed(2) + " ms";
    if (ms < 1000) return (ms < 10 ? ms.toFixed(1) : Math.round(ms)) + " ms";
    if (ms < 60000) return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + " s";
    var m = Math.floor(ms / 60000), s = Math.round((ms % 60000) / 1000);
    return m + "m " + (s < 10 ? "0" : "") + s + "s";
  }
  function fmtNum(n) { return typeof n === "number" ? n.toLocaleString("en-US") : n; }
  function fmtClock(ms) {
    var d = new Date(ms);
    return d.toLocaleTimeString([], { hour12: false }) + "." + String(d.getMilliseconds()).padStart(3, "0");
  }

  function node(key, cat) {
    var n = nodes.get(key);
    if (!n) {
      n = { key: key, cat: cat, title: cat, sub: "", parent: null, children: [], start: NaN, end: NaN,
        dur: undefined, status: "running", error: "", usage: null, meta: {}, events: [], span: null };
      nodes.set(key, n);
    }
    return n;
  }
  function link(n, parentKey) {
    if (n.parentLinked) return;
    var p = parentKey && nodes.get(parentKey);
    if (p) { p.children.push(n); n.parent = p; n.parentLinked = true; }
    else if (n.cat === "thread" || !parentKey) { if (runs.indexOf(n) < 0) runs.push(n); n.parentLinked = true; }
  }
  function threadOf(n) { while (n.parent) n = n.parent; return n; }

  function describe(n, md) {
    if (n.cat === "thread") {
      if (md.thread_id) { n.title = "thread " + short(md.thread_id); n.threadId = String(md.thread_id); threadsById.set(md.thread_id, n.key); }
      else if (n.title === "thread") n.title = "thread (starting)";
      if (md.model) n.model = md.model;
      if (md.source) n.source = md.source;
      if (md.pid) n.pid = md.pid;
      if (md.resume) n.resume = true;
    } else if (n.cat === "turn") {
      if (!n.title || n.title === "turn") {
        var p = n.parent;
        n.title = "turn " + (p ? p.children.filter(function (c) { return c.cat === "turn"; }).indexOf(n) + 1 : "");
      }
      if (md.turn_id) n.sub = short(md.turn_id);
    } else if (n.cat === "item") {
      if (md.item_type) n.title = md.item_type;
      var d = md.command || (md.server && md.tool ? md.server + "." + md.tool : md.tool) || md.query || md.item_id || "";
      if (d) n.sub = String(d);
    } else if (n.cat === "tool") {
      if (md.tool) n.title = "tool " + md.tool;
      if (md.call_id) n.sub = String(md.call_id);
    } else if (n.cat === "approval") {
      n.title = "approval" + (md.tool ? " " + md.tool : "");
      if (md.reason) n.sub = String(md.reason);
    } else if (n.cat === "compaction") n.title = "compaction";
  }

  function isError(name, md) {
    if (/\.(exception|failure|failed|denied|timeout)$/.test(name)) return true;
    if (md.result === "error" || md.result === "early_exit") return true;
    return ["failed", "error", "timeout", "aborted", "early_exit", "declined"].indexOf(md.status) >= 0;
  }

  function onEvent(e) {
    stats.events++;
    var md = e.metadata || {}, m = e.measurements || {};
    var t = nsToMs(e.time);
    var tok = md.span_token;
    if (tok && isStart(e.name)) {
      var n = node(tok, category(e.name));
      n.start = isNaN(n.start) ? t : n.start;
      Object.assign(n.meta, md);
      link(n, md.parent_token);
      describe(n, md);
    } else if (tok && isEnd(e.name)) {
      var n2 = node(tok, category(e.name));
      if (isNaN(n2.start) && typeof m.duration_ms === "number") n2.start = t - m.duration_ms;
      if (!n2.span) { n2.end = t; n2.dur = typeof m.duration_ms === "number" ? m.duration_ms : n2.end - n2.start; }
      Object.assign(n2.meta, md);
      link(n2, md.parent_token);
      describe(n2, md);
      if (isError(e.name, md)) {
        n2.status = "error";
        var err = md.error;
        n2.error = err && typeof err === "object" ? (err.message || err.kind || "") : (err || md.status || md.result || "");
      } else if (n2.status === "running") n2.status = "ok";
      if (md.usage && typeof md.usage === "object") n2.usage = md.usage;
    } else if (e.name === "codex.item.update" && tok && nodes.get(tok)) {
      describe(nodes.get(tok), md);
    } else if (e.name === "codex.thread.spawned" && tok && nodes.get(tok)) {
      nodes.get(tok).pid = md.pid;
    } else if (e.name === "codex.thread.token_usage.updated" && md.thread_id && threadsById.get(md.thread_id)) {
      var th = nodes.get(threadsById.get(md.thread_id));
      if (th.status === "running" && md.usage) th.liveUsage = md.usage;
    }
    if (tok && nodes.get(tok) && md.thread_id && !threadsById.has(md.thread_id)) {
      var root = threadOf(nodes.get(tok));
      if (root.cat === "thread") describe(root, { thread_id: md.thread_id });
    }
    // The feed's per-run metrics, newest last: the run's card shows the latest one.
    if (e.run && tok && nodes.get(tok)) {
      var owner = threadOf(nodes.get(tok));
      if (owner.cat === "thread") owner.summary = e.run;
    }
    if (tok && nodes.get(tok)) nodes.get(tok).events.push({ id: e.id, name: e.name, time: e.time, measurements: m, metadata: md });
    addLog(e.id, t, e.name, md, m);
  }

  function onSpan(e) {
    stats.spans++;
    var s = e.span;
    var key = e.token && nodes.get(e.token) ? e.token : (e.token || "span:" + s.spanId);
    var type = s.attributes && s.attributes["codex.span.type"];
    var n = node(key, typeof type === "string" ? type : category(s.name));
    n.span = s;
    bySpanId.set(s.spanId, key);
    n.start = nsToMs(s.startTimeUnixNano);
    n.end = nsToMs(s.endTimeUnixNano);
    n.dur = s.durationMs;
    if (!n.parentLinked) link(n, s.parentSpanId ? bySpanId.get(s.parentSpanId) : null);
    // Children that arrived before their parent span (spans finish inside-out).
    nodes.forEach(function (c) {
      if (!c.parentLinked && c.span && c.span.parentSpanId === s.spanId) link(c, key);
    });
    if (n.cat === "thread" && !n.parentLinked) link(n, null);
    if (n.title === n.cat || n.title === "other") n.title = s.name;
    var a = s.attributes || {};
    if (s.status && s.status.code === 2) { n.status = "error"; n.error = s.status.message || n.error || "error"; }
    else if (n.status === "running") n.status = "ok";
    if (a["gen_ai.usage.input_tokens"] !== undefined || a["gen_ai.usage.output_tokens"] !== undefined) {
      n.usage = n.usage || {
        input_tokens: a["gen_ai.usage.input_tokens"], output_tokens: a["gen_ai.usage.output_tokens"],
        cached_input_tokens: a["gen_ai.usage.cache_read.input_tokens"],
        reasoning_output_tokens: a["gen_ai.usage.reasoning.output_tokens"]
      };
    }
    if (a["codex.thread.id"] && n.cat === "thread") { n.title = "thread " + short(String(a["codex.thread.id"])); }
    if (a["gen_ai.request.model"] && !n.model) n.model = a["gen_ai.request.model"];
    addLog(e.id, n.end, "span " + s.name, { trace_id: s.traceId, span_id: s.spanId, status: s.status.code === 2 ? "error" : "ok" }, { duration_ms: s.durationMs });
  }

  function addLog(id, t, name, md, m) {
    var keys = Object.keys(md).filter(function (k) { return ["originator", "span_token", "parent_token"].indexOf(k) < 0; });
    var text = keys.slice(0, 8).map(function (k) {
      var v = md[k]; return k + "=" + (typeof v === "object" ? JSON.stringify(v) : String(v));
    }).join(" ");
    if (typeof m.duration_ms === "number") text = "duration=" + fmtDur(m.duration_ms) + " " + text;
    logRows.push([id, t, name, text]);
    if (logRows.length > 300) logRows.shift();
  }

  function apply(entry) {
    if (entry.kind === "span") onSpan(entry); else onEvent(entry);
    dirty = true;
  }

  function el(tag, cls, text) {
    var x = document.createElement(tag);
    if (cls) x.className = cls;
    if (text !== undefined && text !== null) x.textContent = String(text);
    return x;
  }
  function kv(label, value) {
    var s = el("span", "kv"); s.append(label + " "); s.append(el("b", null, value)); return s;
  }
  function usageText(u) {
    if (!u) return "";
    var parts = ["in " + fmtNum(u.input_tokens || 0), "out " + fmtNum(u.output_tokens || 0)];
    if (u.cached_input_tokens) parts.push("cached " + fmtNum(u.cached_input_tokens));
    if (u.reasoning_output_tokens) parts.push("reasoning " + fmtNum(u.reasoning_output_tokens));
    return parts.join(" · ");
  }
  function flatten(n, depth, out) {
    out.push([n, depth]);
    n.children.slice().sort(function (a, b) { return (a.start || 0) - (b.start || 0); })
      .forEach(function (c) { flatten(c, depth + 1, out); });
    return out;
  }
  function endOf(n, now) { return isNaN(n.end) || n.status === "running" && !n.span ? now : n.end; }

  // Token totals and the recent turn, tool and approval durations of a run (seconds in
  // data-values, exactly as the feed computed them).
  function renderStats(s) {
    var box = el("div", "run-stats");
    var t = s.tokens || {};
    var tok = el("div", "stat");
    tok.setAttribute("data-tokens", [t.input, t.cached_input, t.output, t.reasoning_output].join(","));
    tok.append(el("span", "stat-label", "tokens"));
    [["input", t.input], ["cached", t.cached_input], ["output", t.output], ["reasoning", t.reasoning_output]].forEach(function (p) {
      var x = el("span", "tok");
      x.setAttribute("data-k", p[0]);
      x.append(el("i", null, p[0]));
      x.append(el("b", null, fmtNum(p[1] || 0)));
      tok.append(x);
    });
    box.append(tok);
    [["turns", s.turns], ["tools", s.tools], ["approvals", s.approvals]].forEach(function (p) {
      var d = p[1];
      if (!d || !d.count) return;
      var g = el("div", "stat");
      g.setAttribute("data-hist", p[0]);
      g.setAttribute("data-count", String(d.count));
      g.setAttribute("data-values", d.recent.map(function (r) { return String(r.seconds); }).join(","));
      g.append(el("span", "stat-label", p[0]));
      g.append(el("b", null, fmtNum(d.count)));
      g.append(el("span", null, "max " + fmtDur(d.max * 1000)));
      var top = 0;
      d.recent.forEach(function (r) { if (r.seconds > top) top = r.seconds; });
      var spark = el("span", "spark");
      d.recent.forEach(function (r) {
        var bar = el("span", r.error ? "error" : null);
        bar.style.height = Math.max(2, Math.round(r.seconds / (top || 1) * 16)) + "px";
        bar.title = r.label + " " + fmtDur(r.seconds * 1000);
        spark.append(bar);
      });
      g.append(spark);
      g.append(el("span", "recent", d.recent.slice(-4).map(function (r) { return r.label + " " + fmtDur(r.seconds * 1000); }).join(" · ")));
      box.append(g);
    });
    return box;
  }

  function renderRun(run, now) {
    var rows = flatten(run, 0, []);
    var t0 = run.start, t1 = endOf(run, now);
    rows.forEach(function (r) {
      if (!isNaN(r[0].start) && r[0].start < t0) t0 = r[0].start;
      var e = endOf(r[0], now); if (e > t1) t1 = e;
    });
    var span = Math.max(t1 - t0, 1);
    var card = el("article", "run" + (run.status === "error" ? " err" : ""));
    card.setAttribute("data-run", run.key);
    var head = el("div", "run-head");
    var title = el("div", "run-title");
    title.append(el("span", "dot " + run.status));
    title.append(el("span", null, run.title));
    head.append(title);
    head.append(kv("started", isNaN(run.start) ? "?" : fmtClock(run.start)));
    head.append(kv("duration", run.status === "running" ? fmtDur(now - run.start) + " …" : fmtDur(run.dur)));
    var u = run.usage || run.liveUsage;
    if (!u) {
      // Sum the turns when the thread itself carries no usage.
      run.children.forEach(function (c) {
        if (c.usage) {
          u = u || { input_tokens: 0, output_tokens: 0, cached_input_tokens: 0, reasoning_output_tokens: 0 };
          ["input_tokens", "output_tokens", "cached_input_tokens", "reasoning_output_tokens"].forEach(function (k) { u[k] += c.usage[k] || 0; });
        }
      });
    }
    if (u) head.append(kv("tokens", usageText(u)));
    if (run.model) head.append(kv("model", run.model));
    if (run.source) head.append(kv("source", run.source));
    if (run.pid) head.append(kv("pid", run.pid));
    head.append(kv("status", run.status));
    if (run.error) head.append(el("div", "errmsg", run.error));
    card.append(head);
    if (run.threadId) card.setAttribute("data-thread-id", run.threadId);
    if (run.summary) card.append(renderStats(run.summary));
    var axis = el("div", "axis");
    axis.append(el("span", null, "span"));
    var ticks = el("div", "ticks");
    for (var i = 0; i <= 4; i++) {
      var tk = el("span", null, fmtDur(span * i / 4).replace(".00 ", " "));
      tk.style.left = (i * 25) + "%";
      ticks.append(tk);
    }
    axis.append(ticks);
    axis.append(el("span", "dur", "duration"));
    card.append(axis);
    rows.forEach(function (r) {
      var n = r[0], depth = r[1];
      var row = el("div", "row" + (selected === n.key ? " sel" : ""));
      row.setAttribute("data-key", n.key);
      row.setAttribute("data-cat", n.cat);
      row.setAttribute("data-status", n.status);
      var label = el("div", "label");
      label.style.paddingLeft = (depth * 16) + "px";
      label.append(el("span", "cat c-" + n.cat, n.cat === "compaction" ? "cmp" : n.cat === "approval" ? "appr" : n.cat));
      var nm = el("span", "name", n.title);
      label.append(nm);
      if (n.sub) { var sb = el("span", "sub", n.sub); label.append(sb); }
      label.title = n.title + (n.sub ? " " + n.sub : "") + (n.error ? "\n" + n.error : "");
      row.append(label);
      var track = el("div", "track");
      if (!isNaN(n.start)) {
        var bar = el("div", "bar c-" + n.cat + (n.status === "error" ? " error" : "") + (n.status === "running" ? " running" : ""));
        var end = endOf(n, now);
        bar.style.left = ((n.start - t0) / span * 100) + "%";
        bar.style.width = Math.max((end - n.start) / span * 100, 0.25) + "%";
        track.append(bar);
      }
      row.append(track);
      var d = n.status === "running" ? "running" : fmtDur(n.dur);
      if (n.usage && n.cat === "turn") row.title = usageText(n.usage);
      row.append(el("div", "dur" + (n.status === "error" ? " error" : ""), n.status === "error" && !d ? "error" : d));
      card.append(row);
    });
    return card;
  }

  function render() {
    var now = Date.now();
    var list = $("runs");
    var shown = runs.slice(-40).reverse();
    var frag = document.createDocumentFragment();
    shown.forEach(function (r) { frag.append(renderRun(r, now)); });
    list.replaceChildren(frag);
    $("empty").hidden = runs.length > 0;
    $("counts").textContent = runs.length + (runs.length === 1 ? " run · " : " runs · ") +
      fmtNum(stats.events) + " events · " + fmtNum(stats.spans) + " spans";
    $("log-count").textContent = "(" + logRows.length + ")";
    if (selected && nodes.get(selected)) showDetail(nodes.get(selected));
    if (!$("log-wrap").open) return;
    var tb = $("log");
    var lf = document.createDocumentFragment();
    logRows.slice(-200).reverse().forEach(function (r) {
      var tr = el("tr");
      tr.append(el("td", "muted", "#" + r[0]));
      tr.append(el("td", "muted", fmtClock(r[1])));
      tr.append(el("td", null, r[2]));
      tr.append(el("td", "m", r[3]));
      lf.append(tr);
    });
    tb.replaceChildren(lf);
  }

  function showDetail(n) {
    $("detail").hidden = false;
    $("detail-title").textContent = n.cat + " · " + n.title;
    var info = { status: n.status, duration: fmtDur(n.dur), error: n.error || undefined, usage: n.usage || undefined,
      metadata: n.meta, span: n.span || undefined, events: n.events.slice(-20) };
    var text = JSON.stringify(info, null, 2);
    if ($("detail-body").textContent !== text) $("detail-body").textContent = text;
  }
  $("runs").addEventListener("click", function (ev) {
    var row = ev.target.closest ? ev.target.closest(".row") : null;
    if (!row) return;
    selected = row.getAttribute("data-key");
    dirty = true;
  });
  $("log-wrap").addEventListener("toggle", function () { dirty = true; });
  $("detail-close").addEventListener("click", function () { selected = null; $("detail").hidden = true; dirty = true; });

  function setConn(state, text) {
    var c = $("conn"); c.setAttribute("data-state", state); c.textContent = text;
  }
  function banner(text) { var b = $("banner"); b.textContent = text; b.hidden = !text; }

  function anyRunning() { return runs.some(function (r) { return r.status === "running"; }); }
  setInterval(function () { if (dirty || anyRunning()) { dirty = false; render(); } }, 200);

  function reset() {
    nodes.clear(); bySpanId.clear(); threadsById.clear(); runs = []; logRows = []; stats = { events: 0, spans: 0 };
    lastId = 0; dirty = true;
  }

  function handle(event, data, id) {
    if (event === "message") {
      var entry;
      try { entry = JSON.parse(data); } catch (e) { return; }
      if (typeof entry.id === "number" && entry.id <= lastId) return;
      apply(entry);
      lastId = typeof entry.id === "number" ? entry.id : Number(id) || lastId;
    } else if (event === "gap") {
      var g = {}; try { g = JSON.parse(data); } catch (e) {}
      banner((g.missed || "Some") + " entries were evicted from the server's buffer before this page read them; the waterfall may be incomplete.");
    } else if (event === "reset") {
      reset();
      banner("The server restarted; showing its new feed.");
    }
  }

  async function connect() {
    var headers = { Accept: "text/event-stream" };
    if (token) headers.Authorization = "Bearer " + token;
    if (lastId > 0) headers["Last-Event-ID"] = String(lastId);
    var res;
    try {
      res = await fetch(base + "stream", { headers: headers, cache: "no-store" });
    } catch (e) { return retry("offline"); }
    if (res.status === 401) { setConn("error", "token needed"); $("auth").hidden = false; return; }
    if (res.status === 403) { setConn("error", "disabled"); banner("The debug feed has no token configured; the server answers 403."); return; }
    if (!res.ok || !res.body) return retry("error " + res.status);
    $("auth").hidden = true;
    setConn("live", "live");
    var reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    var buf = "";
    try {
      for (;;) {
        var chunk = await reader.read();
        if (chunk.done) break;
        buf += chunk.value.replace(/\r\n?/g, "\n");
        var at;
        while ((at = buf.indexOf("\n\n")) >= 0) {
          var block = buf.slice(0, at); buf = buf.slice(at + 2);
          var event = "message", data = [], id = null;
          block.split("\n").forEach(function (line) {
            if (!line || line[0] === ":") return;
            var i = line.indexOf(":"), f = i < 0 ? line : line.slice(0, i), v = i < 0 ? "" : line.slice(i + 1);
            if (v[0] === " ") v = v.slice(1);
            if (f === "event") event = v; else if (f === "data") data.push(v); else if (f === "id") id = v;
            else if (f === "retry" && /^\d+$/.test(v)) retryMs = Number(v);
          });
          if (data.length) handle(event, data.join("\n"), id);
        }
      }
    } catch (e) {}
    retry("reconnecting");
  }
  function retry(why) {
    setConn("wait", why);
    setTimeout(connect, retryMs);
  }

  $("auth").addEventListener("submit", function (ev) {
    ev.preventDefault();
    token = $("auth-token").value.trim();
    try { sessionStorage.setItem("codex-debug-token", token); } catch (e) {}
    $("auth").hidden = true;
    connect();
  });

  if (AUTH && !token) { setConn("error", "token needed"); $("auth").hidden = false; }
  else connect();
  render();
})();
`;
