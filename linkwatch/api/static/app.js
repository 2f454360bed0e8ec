// linkwatch analyst page: plain JavaScript, no build step.
// The API key lives in sessionStorage (this tab only) and goes in the Authorization header.
"use strict";

const $ = (id) => document.getElementById(id);
const KEY = "lw.apiKey";
const state = { alerts: new Map(), current: null, cy: null, stream: null, lastEventId: null };

// -- talking to the API ---------------------------------------------------------------
async function api(path, options = {}) {
  const headers = { Authorization: `Bearer ${sessionStorage.getItem(KEY) || ""}`,
                    ...(options.headers || {}) };
  const res = await fetch(path, { ...options, headers });
  if (res.status === 401) { signOut("Your key was not accepted; sign in again."); throw new Error("401"); }
  if (!res.ok) {
    let detail = res.statusText;
    try { const body = await res.json(); detail = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail); } catch (_) { /* not JSON */ }
    throw new Error(`${res.status}: ${detail}`);
  }
  return res;
}
const getJSON = async (path) => (await api(path)).json();
const when = (iso) => (iso ? new Date(iso).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short",
                                                                       timeZone: "Europe/London" }) : "—");

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v; else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(c ?? ""));
  return node;
}

// -- signing in and out ----------------------------------------------------------------
async function signIn(key) {
  sessionStorage.setItem(KEY, key);
  try {
    const me = await getJSON("/api/me");
    $("who-name").textContent = me.name;
    $("who-role").textContent = me.role.replace("_", " ");
    $("login").hidden = true; $("who").hidden = false; $("workspace").hidden = false;
    document.body.dataset.role = me.role;
    $("search").hidden = me.role === "referral_officer";  // search is for alert readers
    if (me.role === "referral_officer") {
      $("alerts-title").textContent = "Alerts are for analysts; referral officers use the referrals list.";
      return;
    }
    await loadAlerts();
    follow();
  } catch (err) {
    if (err.message !== "401") $("login-error").textContent = `Could not sign in: ${err.message}`;
  }
}

function signOut(message = "") {
  sessionStorage.removeItem(KEY);
  if (state.stream) state.stream.abort();
  state.lastEventId = null;
  state.alerts.clear(); $("alert-list").replaceChildren();
  $("hit-list").replaceChildren(); $("search-q").value = ""; $("search-dob").value = "";
  $("workspace").hidden = true; $("who").hidden = true; $("login").hidden = false;
  $("login-error").textContent = message;
  $("api-key").value = ""; $("api-key").focus();
}

// -- the alert list ----------------------------------------------------------------------
async function loadAlerts() {
  const form = new FormData($("filters"));
  const q = new URLSearchParams({ limit: "200" });
  for (const f of ["severity", "status"]) if (form.get(f)) q.set(f, form.get(f));
  const page = await getJSON(`/api/alerts?${q}`);
  state.alerts.clear();
  for (const a of page.items) state.alerts.set(a.alert_id, a);
  renderList();
}

function renderList(fresh = null) {
  const items = [...state.alerts.values()].sort((a, b) =>
    (b.updated_at || "").localeCompare(a.updated_at || "") || a.alert_id.localeCompare(b.alert_id));
  $("alert-list").replaceChildren(...items.map((a) => el("li", {},
    el("button", { type: "button", class: `alert-item sev-${a.severity}` +
                   (a.alert_id === fresh ? " fresh" : "") +
                   (state.current === a.alert_id ? " current" : ""),
                   "data-alert-id": a.alert_id, "aria-current": String(state.current === a.alert_id),
                   onclick: () => openAlert(a.alert_id) },
      el("span", { class: `badge sev-${a.severity}` }, a.severity),
      el("span", { class: "title" }, a.title),
      el("span", { class: "meta" }, `${a.type.replace(/_/g, " ")} · v${a.version} · ${a.reports} reports · ${a.status}`
                                      + (a.assignee ? ` (${a.assignee})` : ""))))));
  $("alert-count").textContent = `(${items.length})`;
  $("no-alerts").hidden = items.length > 0;
}

// -- the live stream (fetch, so the key goes in a header, not the URL) ------------------------
// Each event has an id; after a dropped connection the page reconnects with Last-Event-ID
// (as EventSource would) and the server sends the alerts changed meanwhile, or "reset"
// when it no longer knows the id (it restarted): then the list is reloaded.
async function follow() {
  if (state.stream) state.stream.abort();
  const ctrl = new AbortController(); state.stream = ctrl;
  let wait = 1000;
  while (!ctrl.signal.aborted) {
    try {
      const headers = state.lastEventId ? { "Last-Event-ID": state.lastEventId } : {};
      const res = await api("/api/alerts/stream", { signal: ctrl.signal, headers });
      $("live").classList.add("on"); wait = 1000;
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let cut;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          onEvent(buffer.slice(0, cut)); buffer = buffer.slice(cut + 2);
        }
      }
    } catch (err) { if (ctrl.signal.aborted || err.message === "401") return; }
    $("live").classList.remove("on");
    await new Promise((r) => setTimeout(r, wait)); wait = Math.min(wait * 2, 30000);
  }
}

function onEvent(block) {
  let type = "message"; let id = null; const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) type = line.slice(6).trim();
    else if (line.startsWith("id:")) id = line.slice(3).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).trim());
  }
  if (id !== null) state.lastEventId = id;
  if (type === "reset") { loadAlerts().catch(() => {}); return; }
  if (type !== "alert" || !data.length) return;
  const alert = JSON.parse(data.join("\n"));
  state.alerts.set(alert.alert_id, alert);
  renderList(alert.alert_id);
}

// -- search: an identifier as written or a name; a hit opens its neighbourhood ---------------
async function runSearch() {
  const q = $("search-q").value.trim(); const dob = $("search-dob").value.trim();
  $("search-error").textContent = "";
  if (!q) { $("hit-list").replaceChildren(); return; }
  const params = new URLSearchParams({ q, limit: "20" });
  if (dob) params.set("dob", dob);
  try {
    const res = await getJSON(`/api/search?${params}`);
    renderHits(res.hits);
  } catch (err) { $("search-error").textContent = `Search failed: ${err.message}`; }
}

const MATCHES = { identifier: "identifier", name_and_dob: "name and date of birth", name: "name" };

function renderHits(hits) {
  if (!hits.length) { $("hit-list").replaceChildren(el("li", { class: "muted small" }, "Nothing found.")); return; }
  $("hit-list").replaceChildren(...hits.map((h) => el("li", {},
    el("button", { type: "button", class: "hit-item", "data-node-id": h.node_id, onclick: () => openEntity(h) },
      el("span", { class: `kind kind-${h.kind}` }, h.kind),
      el("span", { class: "title" }, h.label),
      el("span", { class: "meta" }, `${MATCHES[h.match] || h.match}` + (h.score !== null ? ` (${h.score.toFixed(1)} bits)` : "")
        + ` · ${h.reports} report${h.reports === 1 ? "" : "s"}`
        + (h.alerts.length ? ` · ${h.alerts.length} alert${h.alerts.length === 1 ? "" : "s"}` : ""))))));
}

async function openEntity(hit) {
  state.current = null; renderList();
  $("detail-error").textContent = "";
  $("detail-empty").hidden = true; $("detail-body").hidden = false;
  $("detail-body").classList.add("entity-mode");
  $("detail-title").textContent = hit.label;
  $("detail-meta").textContent = `${hit.kind} · ${hit.node_id} · ${hit.reports} report${hit.reports === 1 ? "" : "s"}`;
  $("detail-summary").textContent = hit.alerts.length ? "Live alerts naming it:" : "No live alert names it.";
  $("hit-alerts").replaceChildren(...hit.alerts.map((a) => el("li", {},
    el("button", { type: "button", class: `alert-link sev-${a.severity}`, onclick: () => openAlert(a.alert_id) },
      `${a.type.replace(/_/g, " ")} (${a.severity})`))));
  try {
    const res = await getJSON(`/api/entities/neighbourhood?node=${encodeURIComponent(hit.node_id)}&hops=1`);
    drawChart(res.elements);
    showNode(res.node, res.truncated);
    state.cy.getElementById(hit.node_id).select();
  } catch (err) { $("detail-error").textContent = err.message; }
}

// -- one alert ---------------------------------------------------------------------------
async function openAlert(id) {
  state.current = id; $("detail-error").textContent = "";
  $("detail-body").classList.remove("entity-mode"); $("hit-alerts").replaceChildren();
  renderList();
  const { alert, status, evidence } = await getJSON(`/api/alerts/${encodeURIComponent(id)}`);
  $("detail-empty").hidden = true; $("detail-body").hidden = false;
  $("detail-title").textContent = alert.title;
  $("detail-meta").replaceChildren(el("span", { class: `badge sev-${alert.severity}` }, alert.severity),
    ` ${alert.type.replace(/_/g, " ")} · score ${alert.score.toFixed(2)} · version ${alert.version} · ` +
    `updated ${when(alert.updated_at)} · ${alert.handling}` + (alert.cluster_id ? ` · cluster ${alert.cluster_id}` : ""));
  $("detail-summary").textContent = alert.summary;
  showStatus(status);
  $("reasons").replaceChildren(...alert.reasons.map((r) => el("li", {}, r)));
  $("evidence").replaceChildren(...evidence.map((e) => el("tr", {},
    el("td", {}, e.report_id), el("td", {}, e.kind || "—"),
    el("td", {}, when(e.reported_at)), el("td", {}, e.category || "—"))));
  $("node-details").replaceChildren();
  const graph = await getJSON(`/api/alerts/${encodeURIComponent(id)}/graph`);
  drawChart(graph.elements);
}

function showStatus(status) {
  $("status-now").textContent = status.status + (status.assignee ? ` to ${status.assignee}` : "")
    + (status.reason ? ` (${status.reason})` : "");
  const canChange = document.body.dataset.role === "analyst";
  $("status-bar").querySelectorAll("button, input").forEach((b) => { b.disabled = !canChange; });
  $("export-buttons").querySelectorAll("button").forEach((b) => { b.disabled = !canChange; });
}

async function setStatus(body) {
  try {
    const res = await api(`/api/alerts/${encodeURIComponent(state.current)}/status`, {
      method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    const status = await res.json();
    showStatus(status);
    const row = state.alerts.get(state.current);
    if (row) { row.status = status.status; row.assignee = status.assignee; renderList(); }
  } catch (err) { $("detail-error").textContent = err.message; }
}

// -- the link chart ----------------------------------------------------------------------
const COLOURS = { person: "#c2410c", phone: "#0369a1", account: "#15803d", iban: "#15803d",
  card: "#15803d", email: "#7c3aed", report: "#57534e", address: "#b45309", postcode: "#b45309",
  location: "#a16207", vehicle: "#be185d" };

function drawChart(elements) {
  if (state.cy) state.cy.destroy();
  state.cy = cytoscape({
    container: $("chart"), elements, wheelSensitivity: 0.3,
    style: [
      { selector: "node", style: { label: "data(label)", "font-size": 10, "text-valign": "bottom",
          "text-margin-y": 4, width: 22, height: 22, color: "#1c1917",
          "text-outline-color": "#fafaf9", "text-outline-width": 2,
          "background-color": (n) => COLOURS[n.data("kind")] || "#64748b",
          shape: (n) => (n.data("kind") === "report" ? "round-rectangle" : "ellipse"),
          "text-wrap": "ellipsis", "text-max-width": 110 } },
      { selector: "node:selected", style: { "border-width": 3, "border-color": "#facc15" } },
      { selector: "edge", style: { width: 1.5, "line-color": "#a8a29e", "curve-style": "bezier",
          "target-arrow-shape": "triangle", "target-arrow-color": "#a8a29e",
          label: "data(type)", "font-size": 7, color: "#78716c", "text-rotation": "autorotate",
          "text-background-color": "#fafaf9", "text-background-opacity": 1, "text-background-padding": 1 } },
    ],
    layout: { name: "cose", animate: false, padding: 30 }, minZoom: 0.2, maxZoom: 1.5,
  });
  state.cy.on("tap", "node", (evt) => expand(evt.target.id()));
  const kinds = [...new Set(state.cy.nodes().map((n) => n.data("kind")))].sort();
  $("legend").replaceChildren(...kinds.map((k) => el("li", {},
    el("span", { class: "swatch", style: `background:${COLOURS[k] || "#64748b"}` }), k)));
}

async function expand(nodeId) {
  try {
    const res = await getJSON(`/api/entities/neighbourhood?node=${encodeURIComponent(nodeId)}&hops=1`);
    showNode(res.node, res.truncated);
    const cy = state.cy;
    const fresh = [...res.elements.nodes, ...res.elements.edges].filter((e) => cy.getElementById(e.data.id).empty());
    if (fresh.length) {
      const from = cy.getElementById(nodeId).position();
      cy.add(res.elements.nodes.filter((e) => cy.getElementById(e.data.id).empty())
        .map((e) => ({ ...e, position: { x: from.x + Math.random() * 40 - 20, y: from.y + Math.random() * 40 - 20 } })));
      cy.add(res.elements.edges.filter((e) => cy.getElementById(e.data.id).empty()));
      cy.layout({ name: "cose", animate: false, padding: 30 }).run();
    }
    cy.getElementById(nodeId).select();
  } catch (err) { $("detail-error").textContent = err.message; }
}

function showNode(node, truncated) {
  const rows = [["Node", node.id], ["Kind", node.kind], ["Label", node.label],
    ["First seen", when(node.first_seen)], ["Last seen", when(node.last_seen)], ["Links", node.degree],
    ["Reports", (node.report_ids || []).join(", ")]];
  for (const k of ["roles", "flags", "category", "force", "postcode", "home_force"]) {
    if (node[k] !== undefined) rows.push([k.replace("_", " "), [].concat(node[k]).join(", ")]);
  }
  $("node-details").replaceChildren(el("h4", {}, "Selected node"),
    el("dl", {}, ...rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, String(v ?? "—"))])),
    truncated ? el("p", { class: "muted small" }, "Too many neighbours: only the first are shown.") : "");
}

// -- exports -----------------------------------------------------------------------------
async function exportAs(format) {
  const q = new URLSearchParams({ format, alert: state.current });
  const recipient = $("recipient").value.trim();
  if (recipient) q.set("recipient", recipient);
  try {
    const res = await api(`/api/export?${q}`);
    const name = /filename="([^"]+)"/.exec(res.headers.get("Content-Disposition") || "")?.[1] || `export.${format}`;
    const url = URL.createObjectURL(await res.blob());
    const a = el("a", { href: url, download: name }); document.body.append(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (err) { $("detail-error").textContent = `Export failed: ${err.message}`; }
}

// -- wiring ------------------------------------------------------------------------------
document.addEventListener("DOMContentLoaded", () => {
  $("login-form").addEventListener("submit", (e) => { e.preventDefault(); signIn($("api-key").value.trim()); });
  $("logout").addEventListener("click", () => signOut());
  $("filters").addEventListener("change", () => loadAlerts());
  $("search-form").addEventListener("submit", (e) => { e.preventDefault(); runSearch(); });
  $("status-bar").querySelector("[data-status=acknowledged]")
    .addEventListener("click", () => setStatus({ status: "acknowledged" }));
  $("assign-form").addEventListener("submit", (e) => { e.preventDefault(); setStatus({ status: "assigned", assignee: $("assignee").value.trim() }); });
  $("close-form").addEventListener("submit", (e) => { e.preventDefault(); setStatus({ status: "closed", reason: $("close-reason").value.trim() }); });
  $("export-buttons").addEventListener("click", (e) => { if (e.target.dataset.format) exportAs(e.target.dataset.format); });
  if (sessionStorage.getItem(KEY)) signIn(sessionStorage.getItem(KEY));
});
