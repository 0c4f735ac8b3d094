// svcmap web view: every name from traces is set with textContent; the only HTML inserted
// is the server's escaped Block Kit rendering, and the SVG is parsed as XML and sanitised.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { focus: document.body.dataset.focus || "", opened: null, services: [], zoom: null, shown: null, mapAsked: 0, searchAsked: 0 };

function when() {
  const params = new URLSearchParams();
  const at = $("at").value.trim();
  if (at) params.set("at", at);
  params.set("window", $("window").value);
  return params;
}

function say(text) { $("status").textContent = text || ""; }

// The web view's own POSTs carry the session's CSRF token, which the page was served with.
function csrfHeaders() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return { "x-csrf-token": meta ? meta.content : "" };
}

async function getJson(url, options) {
  const answer = await fetch(url, options);
  const data = await answer.json();
  if (!answer.ok) throw new Error(data.error || answer.statusText);
  return data;
}

function safeSvg(text) {
  const doc = new DOMParser().parseFromString(text, "image/svg+xml");
  const root = doc.documentElement;
  if (!root || root.nodeName !== "svg") return null;
  for (const bad of root.querySelectorAll("script, foreignObject")) bad.remove();
  for (const element of root.querySelectorAll("*")) {
    for (const attribute of [...element.attributes]) {
      const name = attribute.name.toLowerCase();
      const value = attribute.value.trim().toLowerCase();
      if (name.startsWith("on") || ((name === "href" || name === "xlink:href") && !value.startsWith("#"))) {
        element.removeAttribute(attribute.name);
      }
    }
  }
  return document.importNode(root, true);
}

async function loadMap() {
  const params = when();
  if (state.focus) params.set("focus", state.focus);
  if (state.opened !== null) params.set("open", state.opened);
  if ($("team").value) params.set("team", $("team").value);
  if ($("kind").value) params.set("kind", $("kind").value);
  const asked = ++state.mapAsked; // an answer to an earlier question must not win
  try {
    const data = await getJson("/api/map?" + params);
    if (asked !== state.mapAsked) return;
    say("");
    showMap(data);
  } catch (error) {
    say(error.message);
  }
}

// What the map shows, but for the time: the same layout, so the view is kept when only
// the time changes (Graphviz places the same services at the same places).
function shownKey(data) {
  return JSON.stringify([data.focus, data.opened, $("team").value, $("kind").value]);
}

function showMap(data) {
  const map = $("map");
  const key = shownKey(data);
  const kept = state.zoom && state.shown === key ? state.zoom.view() : null;
  if (state.zoom) state.zoom.unmount();
  state.zoom = null;
  map.replaceChildren();
  $("edge").hidden = true;
  $("omitted").textContent = data.omitted || "";
  $("stale").textContent = data.stale || "";
  if (!data.svg) {
    map.textContent = "Nothing on the map in " + data.window + ".";
    return;
  }
  const svg = safeSvg(data.svg);
  if (!svg) return;
  map.appendChild(svg);
  dropDrawnLegend(svg);
  const edges = new Map(data.edges.map((edge) => [edge.id, edge]));
  for (const group of svg.querySelectorAll("g.node")) {
    const name = data.nodes[group.querySelector("title")?.textContent || ""];
    if (name === undefined) continue;
    group.dataset.name = name;
    markHealth(group, data.health[name], data.incidents.includes(name));
    group.addEventListener("click", () => focusOn(name));
    pressable(group, `service ${name}`, () => focusOn(name));
  }
  showGroups(svg, data.groups || {});
  for (const group of svg.querySelectorAll("g.edge")) {
    const edge = edges.get(group.querySelector("title")?.textContent || "");
    if (!edge) continue;
    group.addEventListener("click", () => showEdge(edge));
    pressable(group, `calls from ${edge.parent} to ${edge.child}`, () => showEdge(edge));
  }
  $("opened").hidden = Boolean(data.focus) || data.opened === null || data.opened === undefined;
  $("opened-name").textContent = data.opened === "" ? "no team" : data.opened || "";
  $("focus").hidden = !data.focus;
  $("focus-name").textContent = data.focus;
  // Opened at a readable size around the focus, else the first team listed (the least
  // healthy, then the busiest: the teams are drawn in name order, to stay where they were).
  const first = Object.keys(data.groups || {})[0];
  const focused = data.focus
    ? [...svg.querySelectorAll("g.node")].find((g) => g.dataset.name === data.focus)
    : [...svg.querySelectorAll("g.node.group")].find((g) => g.querySelector("title")?.textContent === first);
  state.zoom = Zoom.mount(map, svg, { view: kept, around: focused || null });
  state.shown = key;
  if (data.focus) showService(data.focus, data.health[data.focus]);
  else $("detail").hidden = true;
  markMatches();
}

// A large map comes summed by team: each team one node with its counts, opened on click
// into its services (the others stay summed); the opened team's quieter rest stays one node.
function showGroups(svg, groups) {
  for (const group of svg.querySelectorAll("g.node")) {
    const about = groups[group.querySelector("title")?.textContent || ""];
    if (about === undefined) continue;
    group.dataset.team = about.team;
    group.classList.add("group");
    group.classList.toggle("errors-degraded", about.calls > 0 && about.error_rate >= 0.01 && about.error_rate < 0.05);
    group.classList.toggle("errors-failing", about.calls > 0 && about.error_rate >= 0.05);
    group.classList.toggle("slow", about.slow > 0);
    group.classList.toggle("incident", about.incidents > 0);
    const label = `team ${about.name}, ${about.services} services` + (about.rest ? "" : ": open it");
    const action = about.rest ? () => showGroup(about) : () => openTeam(about.team);
    group.addEventListener("click", action);
    pressable(group, label, action);
  }
}

function openTeam(team) {
  state.opened = team;
  state.focus = "";
  loadMap();
}

function showGroup(about) {
  $("detail").hidden = true;
  const box = $("edge");
  box.replaceChildren();
  const title = document.createElement("b");
  title.textContent = `team ${about.name}`;
  const numbers = document.createElement("p");
  numbers.textContent = `${about.services} services; calls in: ${about.calls}, failed ${percent(about.error_rate)}; ` +
    `${about.failing} failing, ${about.degraded} degraded, ${about.slow} slow, ${about.incidents} with an incident`;
  box.append(title, numbers);
  box.hidden = false;
}

// Reachable with Tab, named for screen readers, chosen with Enter or Space.
function pressable(element, label, action) {
  element.setAttribute("tabindex", "0");
  element.setAttribute("role", "button");
  element.setAttribute("aria-label", label);
  element.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" && event.key !== " ") return;
    event.preventDefault();
    event.stopPropagation();
    action();
  });
}

// The page has its own legend in the map's corner: the picture's (for Slack) goes.
function dropDrawnLegend(svg) {
  for (const group of svg.querySelectorAll("g.cluster, g.node, g.edge")) {
    const title = group.querySelector("title")?.textContent || "";
    if (title === "cluster_legend" || /^legend\d+(->legend\d+)?$/.test(title)) group.remove();
  }
}

// Health at a glance, as classes the stylesheet draws: a fill by the share of failed calls
// in, a ring when the p95 is well above the window before's, a glow for an incident.
function markHealth(group, health, incident) {
  if (health) {
    group.classList.toggle("errors-degraded", health.errors === "degraded");
    group.classList.toggle("errors-failing", health.errors === "failing");
    group.classList.toggle("slow", health.slow === true);
  }
  group.classList.toggle("incident", incident);
}

const quoted = (name) => `'${name.replaceAll("'", "'\"'\"'")}'`;
const percent = (share) => (share * 100).toFixed(1) + "%";
const ms = (value) => (value === null || value === undefined ? "-" : value.toFixed(1) + " ms");

// The drill-down of a service: its numbers for the window, who owns it, its last hours
// a minute at a time with the chosen time marked, and the questions about it.
async function showService(name, health) {
  $("edge").hidden = true;
  const box = $("detail");
  box.hidden = false;
  box.dataset.name = name;
  $("detail-name").textContent = name;
  $("detail-numbers").textContent = health
    ? `calls in: ${health.calls}, failed ${percent(health.error_rate)}, p95 ${ms(health.p95_ms)}` +
      ` (the window before: ${ms(health.baseline_p95_ms)})`
    : "no calls into it in the window";
  $("detail-owner").textContent = "";
  $("detail-chart").replaceChildren();
  $("detail-chart-note").textContent = "loading…";
  const params = new URLSearchParams({ service: name });
  const at = $("at").value.trim();
  if (at) params.set("at", at);
  try {
    const data = await getJson("/api/series?" + params);
    if (box.dataset.name !== name) return; // another was chosen meanwhile
    $("detail-owner").textContent = data.team
      ? `owned by ${data.team}` + (data.channel ? `, channel ${data.channel}` : ", no channel")
      : "no owner in the catalog";
    drawSeries(data, $("detail-chart"), $("detail-chart-note"), "requests");
  } catch (error) {
    $("detail-chart-note").textContent = error.message;
  }
}

// A series a minute at a time into `chart` (uPlot), said in `note`; `counted` names the
// first line: a service's requests, an edge's calls.
function drawSeries(data, chart, note, counted) {
  chart.replaceChildren();
  if (!data.t.length || typeof uPlot === "undefined") {
    note.textContent = data.t.length ? "no chart library" : "nothing stored in those hours";
    return;
  }
  note.textContent = `the last hours a minute at a time; the line marks ${new Date(data.at * 1000).toISOString().slice(0, 16)}Z`;
  const marked = (u) => {
    const x = u.valToPos(data.at, "x", true);
    const ctx = u.ctx;
    ctx.save();
    ctx.strokeStyle = "#2f6fde";
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(x, u.bbox.top);
    ctx.lineTo(x, u.bbox.top + u.bbox.height);
    ctx.stroke();
    ctx.restore();
  };
  const options = {
    width: Math.max(280, chart.clientWidth || 560),
    height: 160,
    series: [
      {},
      { label: counted, stroke: "#52606d", scale: "n" },
      { label: "errors", stroke: "#c62828", scale: "n" },
      { label: "p95 ms", stroke: "#6b2fb3", scale: "ms", spanGaps: false },
    ],
    axes: [{}, { scale: "n" }, { scale: "ms", side: 1, grid: { show: false } }],
    hooks: { draw: [marked] },
  };
  new uPlot(options, [data.t, data.requests, data.errors, data.p95_ms], chart);
}

async function showEdge(edge) {
  $("detail").hidden = true;
  const box = $("edge");
  box.replaceChildren();
  const title = document.createElement("b");
  title.textContent = edge.parent + " \u2192 " + edge.child;
  const numbers = document.createElement("p");
  numbers.textContent = `${edge.calls} calls (${edge.rate}), ${edge.errors} errors (${edge.error_percent}), ` +
    `p50 ${edge.p50 === null ? "-" : edge.p50.toFixed(1) + " ms"}, p95 ${edge.p95}` +
    (edge.edges > 1 ? `; the calls of ${edge.edges} edges between them` : "");
  box.append(title, numbers);
  box.hidden = false;
  box.dataset.edge = edge.id;
  if (edge.summed) return; // calls between teams: no one edge's series
  const chart = document.createElement("div");
  chart.className = "edge-chart";
  chart.setAttribute("role", "img");
  chart.setAttribute("aria-label", "calls, errors and p95 of this edge a minute over the last hours");
  const note = document.createElement("p");
  note.textContent = "loading…";
  box.append(chart, note);
  const params = new URLSearchParams({ parent: edge.parent, child: edge.child });
  const at = $("at").value.trim();
  if (at) params.set("at", at);
  try {
    const data = await getJson("/api/series?" + params);
    if (box.dataset.edge !== edge.id || box.hidden) return; // another was chosen meanwhile
    const owners = document.createElement("p");
    owners.className = "edge-owners";
    owners.textContent = [data.parent, data.child]
      .map((name) => {
        const owner = data.owners[name];
        if (!owner) return `${name}: no owner in the catalog`;
        return `${name}: owned by ${owner.team}` + (owner.channel ? `, channel ${owner.channel}` : ", no channel");
      })
      .join("; ");
    numbers.after(owners);
    drawSeries(data, chart, note, "calls");
  } catch (error) {
    note.textContent = error.message;
  }
}

function focusOn(name) {
  state.focus = name;
  for (const item of $("services").children) item.classList.toggle("focused", item.dataset.name === name);
  loadMap();
}

async function loadServices() {
  const params = when();
  params.set("q", $("search").value.trim());
  const asked = ++state.searchAsked; // as for the map: the latest question's answer only
  try {
    const data = await getJson("/api/search?" + params);
    if (asked !== state.searchAsked) return;
    state.services = data.services;
    const team = $("team");
    const chosen = team.value;
    team.replaceChildren(new Option("every team", ""), ...data.teams.map((name) => new Option(name, name)));
    team.value = data.teams.includes(chosen) ? chosen : "";
    listServices();
  } catch (error) {
    say(error.message);
  }
}

function listServices() {
  const list = $("services");
  list.replaceChildren();
  for (const service of state.services) {
    if ($("team").value && service.team !== $("team").value) continue;
    if ($("kind").value && service.kind !== $("kind").value) continue;
    const item = document.createElement("li");
    item.dataset.name = service.name;
    item.textContent = service.name;
    const note = document.createElement("small");
    note.textContent = [service.team || "no team", service.kind].join(" \u00b7 ");
    item.appendChild(note);
    item.classList.toggle("focused", service.name === state.focus);
    item.addEventListener("click", () => focusOn(service.name));
    pressable(item, service.name, () => focusOn(service.name));
    list.appendChild(item);
  }
  markMatches();
}

function markMatches() {
  const query = $("search").value.trim().toLowerCase();
  for (const group of document.querySelectorAll("#map g.node")) {
    const name = group.dataset.name || "";
    group.classList.toggle("match", Boolean(query) && name.toLowerCase().includes(query));
  }
}

async function ask(text) {
  $("command").value = text;
  const box = $("answer");
  try {
    const data = await getJson("/api/answer", {
      method: "POST",
      headers: { "content-type": "application/json", ...csrfHeaders() },
      body: JSON.stringify({ text }),
    });
    box.innerHTML = data.html; // escaped server-side by bot/web/blockkit.py
    box.classList.toggle("ephemeral", data.ephemeral);
    showPicture(box, data);
  } catch (error) {
    box.textContent = error.message;
  }
}

function showPicture(box, data) {
  if (!data.picture && !data.no_picture) return;
  const figure = document.createElement("figure");
  figure.className = "bk-picture";
  const svg = data.picture ? safeSvg(data.picture) : null;
  if (svg) {
    // Fitted to the column at first; at its own size (Slack's PNG's) on demand, scrolled.
    const frame = document.createElement("div");
    frame.className = "picture-frame";
    frame.appendChild(svg);
    const size = document.createElement("button");
    size.type = "button";
    size.className = "picture-size";
    size.textContent = "full size";
    size.setAttribute("aria-pressed", "false");
    size.addEventListener("click", () => {
      const full = figure.classList.toggle("full");
      size.textContent = full ? "fit the column" : "full size";
      size.setAttribute("aria-pressed", String(full));
    });
    figure.append(size, frame);
  }
  const caption = document.createElement("figcaption");
  caption.textContent = svg
    ? "the picture svcmap uploads with this answer (a PNG in Slack)"
    : `no picture: ${data.no_picture}`;
  figure.appendChild(caption);
  box.appendChild(figure);
}

async function loadIncidents() {
  const box = $("incidents");
  try {
    const data = await getJson("/api/incidents");
    box.replaceChildren();
    if (!data.incidents.length) {
      const none = document.createElement("p");
      none.textContent = "no incidents yet";
      box.appendChild(none);
      return;
    }
    const list = document.createElement("ul");
    for (const incident of data.incidents) {
      const item = document.createElement("li");
      item.textContent = [incident.at, incident.service, incident.summary].filter(Boolean).join(" \u00b7 ");
      list.appendChild(item);
    }
    box.appendChild(list);
  } catch (error) {
    box.textContent = error.message;
  }
}

let typing = 0;
$("search").addEventListener("input", () => {
  clearTimeout(typing);
  typing = setTimeout(loadServices, 150);
});
$("team").addEventListener("change", () => { listServices(); loadMap(); });
$("kind").addEventListener("change", () => { listServices(); loadMap(); });
$("when").addEventListener("submit", (event) => { event.preventDefault(); loadServices(); loadMap(); });
$("at-pick").addEventListener("change", () => {
  const picked = $("at-pick").value; // local time, as the person reads clocks
  if (!picked) return;
  $("at").value = new Date(picked).toISOString().replace(/\.\d{3}Z$/, "Z");
  loadServices();
  loadMap();
});
$("at-now").addEventListener("click", () => {
  $("at").value = "";
  $("at-pick").value = "";
  $("slider").value = $("slider").max;
  loadServices();
  loadMap();
});
$("unfocus").addEventListener("click", () => focusOn(""));
$("close-team").addEventListener("click", () => { state.opened = null; focusOn(""); });
$("zoom-in").addEventListener("click", () => state.zoom?.zoomIn());
$("zoom-out").addEventListener("click", () => state.zoom?.zoomOut());
$("zoom-fit").addEventListener("click", () => state.zoom?.fit());
$("zoom-read").addEventListener("click", () => state.zoom?.readable());
$("console").addEventListener("submit", (event) => { event.preventDefault(); ask($("command").value); });
for (const button of document.querySelectorAll("#detail [data-detail]")) {
  button.addEventListener("click", () => {
    const name = quoted($("detail").dataset.name || "");
    if (button.dataset.detail !== "path") {
      ask(`${button.dataset.detail} ${name}`);
      return;
    }
    $("command").value = `path ${name} `; // to what: the person types it
    $("command").focus();
  });
}
for (const button of document.querySelectorAll("#focus [data-ask]")) {
  button.addEventListener("click", () => ask(`${button.dataset.ask} '${state.focus.replaceAll("'", "'\"'\"'")}'`));
}
$("answer").addEventListener("click", (event) => {
  const button = event.target.closest("[data-command]");
  if (button) ask(button.dataset.command);
});
$("answer").addEventListener("change", (event) => {
  if (event.target.matches("select.bk-select") && event.target.value) ask(event.target.value);
});
if ($("signout")) {
  $("signout").addEventListener("click", async () => {
    await fetch("/auth/signout", { method: "POST", headers: csrfHeaders() });
    window.location.assign("/auth/signed-out");
  });
}
// The slider runs over the minutes the store holds; incidents' openings are marked on it
// (ticks of its list, and marks under it named by their service). Moving it asks the time.
async function loadTimes() {
  try {
    const data = await getJson("/api/times");
    if (data.first === null) return;
    const slider = $("slider");
    slider.min = String(data.first);
    // An incident opened within the newest minute is later than that minute's start.
    const opened = data.incidents.map((incident) => incident.at);
    slider.max = String(Math.max(data.last, data.first + 60, ...opened));
    const at = Date.parse($("at").value);
    slider.value = String(Number.isNaN(at) ? slider.max : Math.round(at / 1000));
    slider.disabled = false;
    const span = Number(slider.max) - Number(slider.min);
    const ticks = [];
    const marks = [];
    for (const incident of data.incidents) {
      if (incident.at < data.first || incident.at > Number(slider.max)) continue;
      const tick = document.createElement("option");
      tick.value = String(incident.at);
      ticks.push(tick);
      const mark = document.createElement("span");
      mark.style.left = `${((incident.at - data.first) / span) * 100}%`;
      mark.title = `${new Date(incident.at * 1000).toISOString()} ${incident.service} (${incident.status})`;
      mark.dataset.at = String(incident.at);
      marks.push(mark);
    }
    $("slider-incidents").replaceChildren(...ticks);
    $("slider-marks").replaceChildren(...marks);
    state.tiers = data.tiers || [];
    $("slider-tiers").replaceChildren(...state.tiers.map((tier) => tierBand(tier, Number(slider.min), span)));
  } catch (error) {
    say(error.message);
  }
}

// What the store keeps of each stretch: days, then hours, then minutes. The slider moves
// a day or an hour at a time over the older ones, and the window is made at least as long
// as their buckets (a 15-minute window between two hours' buckets would hold none).
const WINDOWS = [["5m", 300], ["15m", 900], ["1h", 3600], ["6h", 21600], ["1d", 86400]];

function tierBand(tier, min, span) {
  const band = document.createElement("span");
  band.className = `tier tier-${tier.tier}`;
  band.style.left = `${((tier.start - min) / span) * 100}%`;
  band.style.width = `${(Math.max(tier.end - tier.start, 0) / span) * 100}%`;
  band.textContent = tier.tier;
  band.title = `${tier.tier} kept from ${iso(tier.start)} to ${iso(tier.end)}`;
  return band;
}

const iso = (seconds) => new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

function tierAt(moment) {
  const tiers = state.tiers || [];
  return tiers.find((tier) => moment < tier.end) || tiers[tiers.length - 1] || null;
}

$("slider").addEventListener("input", () => {
  const slider = $("slider");
  let moment = Number(slider.value);
  const tier = tierAt(moment);
  if (tier && tier.step > 60) {
    // The whole bucket: the slider at its start, the time asked its last minute.
    const bucket = moment - (moment % tier.step);
    slider.value = String(Math.max(Number(slider.min), bucket));
    moment = Math.min(Number(slider.max), bucket + tier.step - 60);
    const length = WINDOWS.find(([value]) => value === $("window").value)?.[1];
    if (length !== undefined && length < tier.step) {
      $("window").value = WINDOWS.find(([, seconds]) => seconds >= tier.step)[0];
    }
  }
  $("at").value = iso(moment);
  slider.setAttribute("aria-valuetext", `${$("at").value}, ${tier ? tier.tier : "minutes"} kept`);
});
$("slider").addEventListener("change", () => { loadServices(); loadMap(); });

// The legend starts closed, over no part of the map, and stays as it was last left.
const LEGEND_KEY = "svcmap.legend";
try {
  $("legend").open = localStorage.getItem(LEGEND_KEY) === "open";
} catch {
  // Storage refused (a private window's settings): closed, as a first visit.
}
function rememberLegend() {
  try {
    localStorage.setItem(LEGEND_KEY, $("legend").open ? "open" : "closed");
  } catch {
    // Not remembered; the legend still opens and closes.
  }
}
// The toggle event comes a task later: a page left at once is remembered as it leaves.
$("legend").addEventListener("toggle", rememberLegend);
window.addEventListener("pagehide", rememberLegend);

// A link may name the time and window to open at (`/?at=...&window=1h`).
$("at").value = document.body.dataset.at || "";
if (document.body.dataset.window !== undefined) {
  const wanted = document.body.dataset.window;
  if ([...$("window").options].some((option) => option.value === wanted)) $("window").value = wanted;
}
loadServices();
loadMap();
loadIncidents();
loadTimes();
