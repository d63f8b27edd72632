// The okr-suggester page: plain JavaScript over the JSON API, no build step.
// Every text that comes from the user or the model is set with textContent, never parsed as HTML.
"use strict";

const KINDS = [
  { kind: "output", title: "Output key results", help: "Outcomes the team wants but cannot force." },
  { kind: "input", title: "Input key results", help: "Levers the team controls, each chosen to move an output." },
  { kind: "initiative", title: "Initiatives", help: "Projects that must be finished first." },
];
const SOURCES = {
  user_context: "your context",
  example: "similar corpus examples",
  proposed: "proposed by the service",
  document: "your text",
};
const SEVERITY_LABEL = { error: "Error", warning: "Warning", info: "Note" };

// The page's one piece of state: the last draft as the user now sees it (edits included).
const state = { request: null, suggestion: null, draftCall: null };

// ------------------------------------------------------------------ small DOM helpers

const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

// ------------------------------------------------------------------ the API

class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

async function api(path, { body, signal } = {}) {
  const headers = { Accept: "application/json" };
  const key = sessionStorage.getItem("okr-api-key");
  if (key) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method: body === undefined ? "GET" : "POST",
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, { title: "Network error", detail: String(error.message || error) });
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = { title: response.statusText, detail: "The answer was not JSON." };
  }
  if (!response.ok) throw new ApiError(response.status, data || {});
  return data;
}

// What went wrong, in plain words first; the service's own detail follows for whoever needs it.
function plainWords(error) {
  const problem = error.problem || {};
  const kind = String(problem.type || "").split(":").pop();
  const retry = problem.retry_after ? ` (about ${problem.retry_after} s)` : "";
  if (error.status === 0) return "The service could not be reached. Check that it is running and try again.";
  if (error.status === 401) return "This service needs an API key. Enter it under “Service key” at the bottom of the page and try again.";
  if (error.status === 413 || kind === "input-too-long") return `Something you typed is too long: ${problem.detail}`;
  if (error.status === 422) return `Some of what you typed could not be used: ${problem.detail}`;
  if (error.status === 429) return `The service or its language model is busy right now. Wait a moment${retry} and try again.`;
  if (error.status === 400 && kind === "unknown-model") return "The service is set up with a model it does not know. Ask whoever runs it to check OKR_MODEL.";
  if (error.status === 503) return "The service is not ready: it may still be loading its model, or a setting is missing. Try again in a minute.";
  if (error.status === 504) return "The draft took too long. Try again, perhaps with a shorter context.";
  if (error.status === 502) return "The language model did not give a usable answer. Try again in a moment.";
  return "Something went wrong on the service side. Try again; if it keeps failing, quote the details below.";
}

function showError(box, error) {
  box.replaceChildren(el("strong", { text: plainWords(error) }));
  const problem = error.problem || {};
  const details = [problem.title, problem.detail].filter(Boolean).join(": ");
  if (details) box.append(el("span", { class: "error-detail", text: `Details: ${details}` }));
  if (problem.request_id) box.append(el("span", { class: "error-detail", text: `Request id: ${problem.request_id}` }));
  box.hidden = false;
  if (error.status === 401) {
    $("key-settings").open = true;
    $("api-key").focus();
  }
}

// Progress for calls that take a while: an indeterminate bar and the seconds elapsed.
function startProgress(region, label) {
  const started = performance.now();
  const text = el("span", { text: `${label}…` });
  region.replaceChildren(el("progress", { "aria-label": label }), text);
  const timer = setInterval(() => {
    text.textContent = `${label}… ${Math.round((performance.now() - started) / 1000)} s`;
  }, 1000);
  return () => {
    clearInterval(timer);
    region.replaceChildren();
  };
}

// ------------------------------------------------------------------ numbers (as suggester/render.py)

function formatQuantity(value, unit) {
  const whole = Number.isInteger(value) || Math.abs(value) >= 100;
  const number = value.toLocaleString("en-US", { maximumFractionDigits: whole ? 0 : 2 });
  const u = (unit || "").trim();
  if (!u || u === "count" || u === "done") return number;
  if (u === "%") return `${number}%`;
  const money = u.match(/^(USD|EUR|GBP)(?:\s+([KM]))?$/);
  if (money) return `${{ USD: "$", EUR: "EUR ", GBP: "GBP " }[money[1]]}${number}${money[2] || ""}`;
  return `${number} ${u}`;
}

function numbersOf(kr) {
  if (kr.direction === "complete") return "done";
  if (kr.target === null || kr.target === undefined) return "no target";
  if (kr.relative) return `unknown → ${kr.direction === "decrease" ? "-" : "+"}${formatQuantity(kr.target, "%")}`;
  if (kr.baseline === null || kr.baseline === undefined) {
    const start = kr.kind === "input" && kr.unit === "count" ? "0" : "unknown";
    return `${start} → ${formatQuantity(kr.target, kr.unit)}`;
  }
  return `${formatQuantity(kr.baseline, kr.unit)} → ${formatQuantity(kr.target, kr.unit)}`;
}

function baselineUnknown(kr) {
  return kr.direction !== "complete" && (kr.baseline === null || kr.baseline === undefined) && numbersOf(kr).startsWith("unknown");
}

function provenance(kr) {
  if (kr.direction === "complete") return "a deliverable: graded done or not done";
  const parts = [];
  const countedFromZero = numbersOf(kr).startsWith("0 →") && !kr.baseline_source;
  parts.push(kr.baseline_source ? `baseline from ${SOURCES[kr.baseline_source]}`
    : countedFromZero ? "counted from 0 this cycle" : "baseline unknown");
  if (kr.target !== null && kr.target !== undefined) {
    parts.push(kr.target_source ? `target from ${SOURCES[kr.target_source]}` : "target source not given");
  }
  return parts.join("; ");
}

// ------------------------------------------------------------------ tabs (WAI-ARIA tabs pattern)

function setUpTabs() {
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  const select = (tab) => {
    for (const other of tabs) {
      const selected = other === tab;
      other.setAttribute("aria-selected", String(selected));
      other.tabIndex = selected ? 0 : -1;
      $(other.getAttribute("aria-controls")).hidden = !selected;
    }
    tab.focus();
  };
  tabs.forEach((tab, index) => {
    tab.addEventListener("click", () => select(tab));
    tab.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (step) select(tabs[(index + step + tabs.length) % tabs.length]);
      else if (event.key === "Home") select(tabs[0]);
      else if (event.key === "End") select(tabs[tabs.length - 1]);
      else return;
      event.preventDefault();
    });
  });
}

// ------------------------------------------------------------------ drafting

function readDraftForm() {
  const value = (id) => $(id).value.trim();
  return {
    objective: value("objective"),
    team_type: value("team-type"),
    context: value("context") || null,
    horizon: value("horizon") || null,
    count: Number($("count").value),
  };
}

async function submitDraft(event) {
  event.preventDefault();
  const box = $("draft-error");
  box.hidden = true;
  const request = readDraftForm();
  const missing = [["objective", request.objective], ["team-type", request.team_type]].find(([, v]) => !v);
  if (missing) {
    const label = document.querySelector(`label[for="${missing[0]}"]`).textContent;
    box.replaceChildren(el("strong", { text: `Please fill in “${label}”.` }));
    box.hidden = false;
    $(missing[0]).focus();
    return;
  }
  const controller = new AbortController();
  state.draftCall = controller;
  $("draft-submit").disabled = true;
  $("draft-cancel").hidden = false;
  const stop = startProgress($("draft-progress"), "Drafting key results: finding similar examples, asking the model, checking the draft");
  try {
    const suggestion = await api("v1/suggestions", { body: request, signal: controller.signal });
    stop();
    state.request = request;
    state.suggestion = suggestion;
    renderResult();
    $("result-title").focus();
  } catch (error) {
    stop();
    if (error.name === "AbortError") $("draft-progress").textContent = "Cancelled.";
    else showError(box, error);
  } finally {
    state.draftCall = null;
    $("draft-submit").disabled = false;
    $("draft-cancel").hidden = true;
  }
}

function renderResult() {
  const s = state.suggestion;
  $("result").hidden = false;
  $("result-title").textContent = s.objective;
  const errors = s.findings.filter((f) => f.severity === "error").length;
  const usage = s.usage || {};
  const timing = usage.latency_ms ? `, drafted in ${(usage.latency_ms / 1000).toFixed(1)} s by ${usage.model}` : "";
  $("result-summary").textContent =
    `Team: ${s.team_type}. ${plural(s.key_results.length, "key result")}, ${plural(s.findings.length, "finding")}` +
    `${errors ? ` (${plural(errors, "error")})` : ""}${timing}.`;

  const groups = KINDS.map(({ kind, title, help }) => {
    const krs = s.key_results.filter((kr) => kr.kind === kind);
    if (!krs.length) return null;
    return el("section", { class: `kind-group kind-${kind}`, "aria-labelledby": `group-${kind}` },
      el("h3", { id: `group-${kind}`, text: `${title} (${krs.length})` }),
      el("p", { class: "help", text: help }),
      el("ol", { class: "kr-list" }, krs.map(krCard)));
  });
  $("kr-groups").replaceChildren(...groups.filter(Boolean));

  const setFindings = s.findings.filter((f) => !f.kr || !s.key_results.some((kr) => kr.id === f.kr));
  $("set-findings").hidden = !setFindings.length;
  $("set-findings").querySelector("ul").replaceChildren(...setFindings.map(findingItem));

  renderDrives(s.key_results);
  $("examples-list").replaceChildren(...s.examples_used.map((ex) =>
    el("li", {}, el("span", { class: "example-id", text: ex.id }),
      ` (${ex.team_type}, score ${ex.score.toFixed(2)}${ex.used_in === "repair" ? ", shown in a repair round" : ""}): `,
      el("q", { text: ex.objective }))));
  $("examples").querySelector("summary").textContent = `Corpus examples used (${s.examples_used.length})`;
  renderExports();
}

function krCard(kr) {
  const findings = state.suggestion.findings.filter((f) => f.kr === kr.id);
  const row = (term, value) => el("div", {}, el("dt", { text: term }), el("dd", { text: value }));
  const numbers = el("dl", { class: "kr-numbers" },
    row(kr.direction === "complete" ? "Result" : "Baseline → target", numbersOf(kr)),
    kr.direction === "complete" ? null : row("Unit", kr.unit || "—"),
    row("Due", kr.due || "no date"),
    kr.kind === "input" ? row("Drives", kr.drives.length ? kr.drives.join(", ") : "nothing yet") : null,
    row("Numbers from", provenance(kr)));
  return el("li", { class: "kr", id: `kr-${kr.id}`, "data-kr": kr.id },
    el("p", { class: "kr-text" }, el("span", { class: "kr-id", text: kr.id }), " ", el("span", { class: "kr-sentence", text: kr.text })),
    numbers,
    baselineUnknown(kr)
      ? el("p", { class: "measure-first", text: "Baseline unknown: measure it first, then write “from X to Y”." })
      : null,
    findings.length
      ? el("ul", { class: "findings", "aria-label": `Findings for ${kr.id}` }, findings.map(findingItem))
      : el("p", { class: "no-findings", text: "No findings." }),
    el("div", { class: "kr-actions" },
      el("button", { type: "button", class: "edit", onclick: () => startEdit(kr.id), text: "Edit", "aria-label": `Edit ${kr.id}` }),
      el("button", { type: "button", class: "regenerate", onclick: () => regenerate(kr.id), text: "Regenerate", "aria-label": `Regenerate ${kr.id}` })),
    el("p", { class: "kr-status", role: "status", "aria-live": "polite" }));
}

function findingItem(finding) {
  return el("li", { class: `finding finding-${finding.severity}` },
    el("span", { class: "severity", text: SEVERITY_LABEL[finding.severity] || finding.severity }), " ",
    el("span", { class: "rule", text: finding.rule }), ": ",
    el("span", { class: "message", text: finding.message }),
    el("span", { class: "hint", text: `Fix: ${finding.hint}` }));
}

// ------------------------------------------------------------------ edit and re-check one KR

function startEdit(id) {
  const kr = state.suggestion.key_results.find((k) => k.id === id);
  const card = $(`kr-${id}`);
  const form = el("form", { class: "kr-edit" },
    el("label", { for: `edit-text-${id}`, text: `Key result ${id}` }),
    el("textarea", { id: `edit-text-${id}`, rows: "3", required: true }),
    el("label", { for: `edit-kind-${id}`, text: "Kind" }),
    el("select", { id: `edit-kind-${id}` }, KINDS.map(({ kind }) => el("option", { value: kind, text: kind }))),
    el("div", { class: "form-actions" },
      el("button", { type: "submit", class: "primary", text: "Re-check" }),
      el("button", { type: "button", text: "Cancel", onclick: () => { renderResult(); focusKr(id, "button.edit"); } })));
  form.querySelector("textarea").value = kr.text;
  form.querySelector("select").value = kr.kind;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = form.querySelector("textarea").value.trim();
    if (text) recheck(id, { text, kind: form.querySelector("select").value });
  });
  form.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { renderResult(); focusKr(id, "button.edit"); }
  });
  card.querySelector(".kr-actions").replaceWith(form);
  form.querySelector("textarea").focus();
}

function focusKr(id, selector) {
  const target = $(`kr-${id}`)?.querySelector(selector);
  if (target) target.focus();
}

// An edited KR goes to /v1/check as text only, so its numbers are read from what the user wrote.
async function recheck(id, edit) {
  const krs = state.suggestion.key_results.map((kr) => kr.id === id
    ? { id, kind: edit.kind, text: edit.text, drives: edit.kind === "input" ? kr.drives : [] }
    : kr);
  await checkSet(id, krs, "Re-checking");
}

// Runs one slow call for a KR card: its buttons wait, its status shows progress or the error in plain
// words (an edit form stays as the user left it). Returns the answer, or null on failure.
async function cardCall(id, label, call) {
  const card = $(`kr-${id}`);
  const status = card.querySelector(".kr-status");
  const buttons = [...card.querySelectorAll("button")];
  buttons.forEach((b) => { b.disabled = true; });
  const stop = startProgress(status, label);
  let answer = null;
  try {
    answer = await call();
    stop();
  } catch (error) {
    stop();
    status.replaceChildren(el("span", { class: "error-inline", role: "alert", text: plainWords(error) }));
  }
  buttons.forEach((b) => { b.disabled = false; });
  return answer;
}

// Checks the set with KR `id` replaced, then shows the KRs as the checker read them and its findings.
async function checkSet(id, krs, label) {
  const s = state.suggestion;
  const body = { okr: { objective: s.objective, team_type: s.team_type, key_results: krs }, context: state.request.context };
  const report = await cardCall(id, label, () => api("v1/check", { body }));
  if (!report) return;
  const checked = report.sets[0];
  // Untouched KRs keep their fields as drafted; the changed one is taken as the checker read it.
  s.key_results = checked.okr.key_results.map((kr) => (kr.id === id ? kr : s.key_results.find((k) => k.id === kr.id) || kr));
  s.findings = checked.findings.map((f) => ({ ...f, where: null }));
  renderResult();
  const mine = s.findings.filter((f) => f.kr === id).length;
  $(`kr-${id}`).querySelector(".kr-status").textContent = `Checked: ${plural(mine, "finding")} for ${id}.`;
  focusKr(id, "button.edit");
}

// Regenerate one KR, in the browser: ask for a fresh draft and take a KR of the same kind that the
// set does not already hold. The link to its output stays as it was.
async function regenerate(id) {
  const s = state.suggestion;
  const old = s.key_results.find((k) => k.id === id);
  const body = { ...state.request, seed: Math.floor(Math.random() * 1e9) };
  const answer = await cardCall(id, `Drafting a new ${old.kind} key result`, () => api("v1/suggestions", { body }));
  if (!answer) return;
  const norm = (kr) => (kr.metric || kr.text).toLowerCase().replace(/\s+/g, " ").trim();
  const taken = new Set(s.key_results.map(norm));
  const pick = answer.key_results.find((kr) => kr.kind === old.kind && !taken.has(norm(kr)));
  if (!pick) {
    const status = $(`kr-${id}`).querySelector(".kr-status");
    status.textContent = `The model offered no different ${old.kind} key result this time. Try again, or edit ${id} by hand.`;
    return;
  }
  const outputs = new Set(s.key_results.filter((k) => k.kind === "output").map((k) => k.id));
  const replacement = { ...pick, id, drives: old.kind === "input" ? old.drives.filter((d) => outputs.has(d)) : [] };
  await checkSet(id, s.key_results.map((kr) => (kr.id === id ? replacement : kr)), "Checking the new key result");
}

// ------------------------------------------------------------------ the drives diagram

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function shorten(text, max) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function renderDrives(krs) {
  const inputs = krs.filter((kr) => kr.kind === "input");
  const outputs = krs.filter((kr) => kr.kind === "output");
  const byId = Object.fromEntries(krs.map((kr) => [kr.id, kr]));
  const links = inputs.flatMap((kr) => kr.drives.filter((d) => byId[d]).map((d) => [kr.id, d]));
  const list = inputs.map((kr) => {
    const targets = kr.drives.filter((d) => byId[d]);
    return el("li", { text: targets.length ? `${kr.id} drives ${targets.join(", ")}` : `${kr.id} drives nothing yet` });
  });
  if (!inputs.length || !outputs.length) {
    list.push(el("li", { text: "The set needs at least one input and one output key result to show links." }));
  }
  $("drives-list").replaceChildren(...list);

  // Drawn at the width it is shown, so its text stays readable on a phone.
  const width = Math.round(Math.min(640, Math.max(300, $("drives-diagram").clientWidth || 640)));
  const boxWidth = Math.floor((width - 20 - 70) / 2);
  const chars = Math.max(8, Math.floor((boxWidth - 20) / 7.6) - 6);
  const rowHeight = 56;
  const height = Math.max(inputs.length, outputs.length, 1) * rowHeight + 40;
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": "drives-svg-title", class: "drives-svg" });
  root.append(svg("title", { id: "drives-svg-title" }, `Diagram: ${links.map(([a, b]) => `${a} drives ${b}`).join("; ") || "no links"}`));
  const defs = svg("defs");
  const marker = svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: "10", refY: "5", markerWidth: "8", markerHeight: "8", orient: "auto-start-reverse" });
  marker.append(svg("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "arrow-head" }));
  defs.append(marker);
  root.append(defs);
  root.append(svg("text", { x: "10", y: "20", class: "column-title" }, "inputs"));
  root.append(svg("text", { x: width - 10, y: "20", class: "column-title", "text-anchor": "end" }, "outputs"));
  const position = {};
  const box = (kr, index, x) => {
    const y = 32 + index * rowHeight;
    position[kr.id] = { x, y: y + 20 };
    const group = svg("g", { class: `node node-${kr.kind}`, "data-kr": kr.id });
    group.append(svg("title", {}, kr.text));
    group.append(svg("rect", { x, y, width: boxWidth, height: "40", rx: "6" }));
    group.append(svg("text", { x: x + 10, y: y + 25 }, `${kr.id} · ${shorten(kr.metric || kr.text, chars)}`));
    root.append(group);
  };
  inputs.forEach((kr, i) => box(kr, i, 10));
  outputs.forEach((kr, i) => box(kr, i, width - 10 - boxWidth));
  for (const [from, to] of links) {
    const a = position[from];
    const b = position[to];
    if (!a || !b) continue;
    root.append(svg("path", {
      d: `M ${a.x + boxWidth} ${a.y} C ${a.x + boxWidth + 40} ${a.y}, ${b.x - 40} ${b.y}, ${b.x - 2} ${b.y}`,
      class: "link", "marker-end": "url(#arrow)", "data-link": `${from}->${to}`,
    }));
  }
  $("drives-diagram").replaceChildren(root);
}

// ------------------------------------------------------------------ exports

// Markdown in the shape `okr check` reads: an objective heading, typed bullets, [input -> kr1] links.
function toMarkdown(s) {
  const lines = [`# ${s.objective}`, "", `Team: ${s.team_type}`];
  if (state.request && state.request.context) lines.push(`Context: ${state.request.context.replace(/\s+/g, " ")}`);
  lines.push("");
  for (const kr of s.key_results) {
    const tag = kr.kind === "input" && kr.drives.length ? `input -> ${kr.drives.join(", ")}` : kr.kind;
    lines.push(`- [${tag}] ${kr.text}`);
  }
  return `${lines.join("\n")}\n`;
}

// YAML in the structured shape `okr check okrs.yaml` reads (an OKRSet). Strings are written as
// JSON strings, which YAML reads as double-quoted scalars, so no text needs YAML escaping rules.
const YAML_FIELDS = ["id", "kind", "text", "metric", "baseline", "target", "relative", "unit", "direction", "due",
  "drives", "baseline_source", "target_source"];

function yamlValue(value) {
  if (Array.isArray(value)) return `[${value.map(yamlValue).join(", ")}]`;
  if (typeof value === "string") return JSON.stringify(value);
  return String(value);
}

function toYaml(s) {
  const lines = [`objective: ${yamlValue(s.objective)}`, `team_type: ${yamlValue(s.team_type)}`, "key_results:"];
  for (const kr of s.key_results) {
    const fields = YAML_FIELDS.filter((f) => kr[f] !== null && kr[f] !== undefined)
      .filter((f) => !(f === "relative" && !kr.relative) && !(f === "drives" && !kr.drives.length));
    fields.forEach((f, i) => lines.push(`${i === 0 ? "  - " : "    "}${f}: ${yamlValue(kr[f])}`));
  }
  return `${lines.join("\n")}\n`;
}

function renderExports() {
  const s = state.suggestion;
  $("markdown-text").value = toMarkdown(s);
  const link = $("download-yaml");
  if (link.href.startsWith("blob:")) URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(new Blob([toYaml(s)], { type: "application/yaml" }));
  $("export-status").textContent = "";
}

async function copyMarkdown() {
  const text = toMarkdown(state.suggestion);
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // Clipboard API refused (no permission, no secure context): copy from the visible text box.
    $("export").open = true;
    $("markdown-text").select();
    if (!document.execCommand("copy")) {
      $("export-status").textContent = "Could not copy: the Markdown is selected below, press Ctrl+C.";
      return;
    }
  }
  $("export-status").textContent = "Copied the set as Markdown.";
}

// ------------------------------------------------------------------ the check tab

async function submitCheck(event) {
  event.preventDefault();
  const box = $("check-error");
  box.hidden = true;
  const text = $("check-text").value;
  if (!text.trim()) {
    box.replaceChildren(el("strong", { text: "Please paste your OKRs first." }));
    box.hidden = false;
    $("check-text").focus();
    return;
  }
  $("check-submit").disabled = true;
  const stop = startProgress($("check-progress"), "Checking");
  try {
    const report = await api("v1/check", { body: { text, context: $("check-context").value.trim() || null } });
    renderCheck(report);
    $("check-summary").focus();
  } catch (error) {
    showError(box, error);
  } finally {
    stop();
    $("check-submit").disabled = false;
  }
}

// The same grouping as `okr check`: objective, then each KR with its findings, then set-level ones.
function renderCheck(report) {
  const krCount = report.sets.reduce((n, set) => n + set.okr.key_results.length, 0);
  $("check-summary").textContent = `${plural(report.errors, "error")}, ${plural(report.warnings, "warning")}, ` +
    `${report.infos} info (${plural(report.sets.length, "objective")}, ${plural(krCount, "key result")})`;
  $("check-summary").className = report.errors ? "summary-errors" : report.warnings ? "summary-warnings" : "summary-ok";
  $("check-sets").replaceChildren(...report.sets.map((set) => {
    const setFindings = set.findings.filter((f) => !f.kr || !set.okr.key_results.some((kr) => kr.id === f.kr));
    return el("section", { class: "checked-set" },
      el("h3", { text: `${set.findings.length ? "" : "✓ "}${set.okr.objective}` }),
      el("ol", { class: "kr-list" }, set.okr.key_results.map((kr) => {
        const findings = set.findings.filter((f) => f.kr === kr.id);
        return el("li", { class: "kr", "data-kr": kr.id },
          el("p", { class: "kr-text" },
            el("span", { class: "kr-id", text: `${kr.id} ${kr.kind}${kr.kind_inferred ? "?" : ""}` }), " ",
            el("span", { class: "kr-sentence", text: kr.text })),
          findings.length ? el("ul", { class: "findings" }, findings.map(findingItem)) : el("p", { class: "no-findings", text: "No findings." }));
      })),
      setFindings.length ? el("ul", { class: "findings set-level", "aria-label": "About the whole set" }, setFindings.map(findingItem)) : null);
  }));
  $("check-result").hidden = false;
}

// ------------------------------------------------------------------ start-up

async function loadTeamTypes() {
  try {
    const { team_types: teams } = await api("v1/team-types");
    const names = teams.flatMap((t) => [t.name, ...t.aliases]);
    $("team-type-options").replaceChildren(...names.map((name) => el("option", { value: name })));
  } catch {
    // Suggestions are a convenience; free text still works.
  }
}

async function showReadiness() {
  try {
    const response = await fetch("readyz");
    if (response.status === 503) {
      const note = $("service-note");
      note.textContent = "The service is still loading its model and examples; the first draft may take a little longer.";
      note.hidden = false;
    }
  } catch {
    // The first request will report a real problem in plain words.
  }
}

document.addEventListener("DOMContentLoaded", () => {
  setUpTabs();
  $("draft-form").addEventListener("submit", submitDraft);
  $("draft-cancel").addEventListener("click", () => state.draftCall && state.draftCall.abort());
  $("check-form").addEventListener("submit", submitCheck);
  $("copy-markdown").addEventListener("click", copyMarkdown);
  const key = $("api-key");
  key.value = sessionStorage.getItem("okr-api-key") || "";
  key.addEventListener("change", () => sessionStorage.setItem("okr-api-key", key.value.trim()));
  let resizing;
  window.addEventListener("resize", () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => state.suggestion && renderDrives(state.suggestion.key_results), 150);
  });
  loadTeamTypes();
  showReadiness();
});
