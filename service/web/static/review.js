// The review page. Keys are user data: they only ever reach the page through textContent, attribute
// properties and encodeURIComponent, never through HTML.
//
// Two views, keyboard only if you like:
//   grid  (default) 24 thumbnails; arrows move the highlight, space selects, b / m / o label the selection (or
//         the highlighted image) in one action.
//   one   (n) one image at a time at full resolution, beside the model's probabilities and reason; the item is
//         leased to this reviewer (nobody else gets it) and the lease is renewed while it is shown; Esc goes back.
// u undoes the last decision within 10 s.
"use strict";

const state = {
  items: [], focus: 0, labels: [], shortcuts: {}, inFlight: new Set(), selected: new Set(),
  view: "grid", lease: null, last: null,
};
// One card per key, reused across renders so that images are fetched once.
const cards = new Map();
const REFRESH_MS = 5000;
const RENEW_MS = 60_000;
const UNDO_MS = 10_000;

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function showStatus(text, isError) {
  const status = document.getElementById("status");
  status.textContent = text;
  status.classList.toggle("error", Boolean(isError));
}

async function api(path, body) {
  const options = body === undefined
    ? { headers: { Accept: "application/json" } }
    : {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
    };
  const response = await fetch(path, options);
  const payload = await response.json();
  if (!response.ok) throw new Error(payload.error || response.statusText);
  return payload;
}

async function loadPending() {
  let payload;
  try {
    payload = await api("/api/pending");
  } catch (error) {
    showStatus(`Could not load the pending items: ${error.message}`, true);
    return;
  }
  const focusedKey = state.items[state.focus] && state.items[state.focus].key;
  state.labels = payload.labels;
  state.shortcuts = payload.shortcuts;
  // Items decided on this page but not yet confirmed by the server stay hidden.
  state.items = payload.items.filter((item) => !state.inFlight.has(item.key));
  const keys = new Set(state.items.map((item) => item.key));
  for (const key of [...state.selected]) if (!keys.has(key)) state.selected.delete(key);
  const kept = state.items.findIndex((item) => item.key === focusedKey);
  state.focus = kept >= 0 ? kept : 0;
  renderKeys();
  render();
}

function renderKeys() {
  const keys = document.getElementById("keys");
  keys.replaceChildren();
  for (const [letter, label] of Object.entries(state.shortcuts)) {
    keys.append(element("kbd", "", letter), ` ${label}  `);
  }
}

function shortcutFor(label) {
  return Object.keys(state.shortcuts).find((letter) => state.shortcuts[letter] === label);
}

function describe(item) {
  const lines = element("div", "prediction");
  const confidence = (item.confidence * 100).toFixed(1);
  lines.append(element("div", "", `Model: ${item.label} (${confidence}%) · ${item.reason}`));
  const probabilities = element("div", "probabilities");
  for (const [name, p] of Object.entries(item.probabilities)) {
    probabilities.append(element("span", "", `${name} ${(p * 100).toFixed(1)}%`));
  }
  lines.append(probabilities);
  return lines;
}

function buttonsFor(onLabel) {
  const buttons = element("div", "buttons");
  for (const label of state.labels) {
    const letter = shortcutFor(label);
    const button = element("button", "", letter ? `${label} (${letter})` : label);
    button.type = "button";
    button.dataset.label = label;
    button.addEventListener("click", () => onLabel(label));
    buttons.append(button);
  }
  return buttons;
}

function card(item) {
  if (cards.has(item.key)) return cards.get(item.key);
  const figure = element("figure", "card");
  figure.dataset.key = item.key;
  const image = element("img");
  image.src = `/api/image?key=${encodeURIComponent(item.key)}`;
  image.alt = `Upload ${item.key}`;
  image.addEventListener("click", () => {
    state.focus = Math.max(0, state.items.findIndex((candidate) => candidate.key === item.key));
    render();
  });
  const caption = element("figcaption");
  caption.append(describe(item), element("div", "key", item.key));
  figure.append(image, caption, buttonsFor((label) => decide([item.key], label)));
  cards.set(item.key, figure);
  return figure;
}

function render() {
  document.getElementById("grid").hidden = state.view !== "grid";
  document.getElementById("one").hidden = state.view !== "one";
  const shown = state.items.map(card);
  shown.forEach((figure, index) => {
    figure.classList.toggle("focused", index === state.focus);
    figure.classList.toggle("selected", state.selected.has(state.items[index].key));
  });
  for (const key of cards.keys()) {
    if (!state.items.some((item) => item.key === key)) cards.delete(key);
  }
  document.getElementById("grid").replaceChildren(...shown);
  document.getElementById("count").textContent = `(${state.items.length})`;
  document.getElementById("empty").hidden = state.view !== "grid" || state.items.length > 0;
}

async function decide(keys, label) {
  // The next image comes up at once; the server's answers arrive in the background.
  const taken = keys.filter((key) => state.items.some((item) => item.key === key));
  if (taken.length === 0) return;
  state.items = state.items.filter((item) => !taken.includes(item.key));
  for (const key of taken) {
    state.inFlight.add(key);
    state.selected.delete(key);
  }
  if (state.focus >= state.items.length) state.focus = Math.max(0, state.items.length - 1);
  render();
  await Promise.all(taken.map((key) => resolveOne(key, label)));
  if (state.items.length < 3) loadPending();
}

async function resolveOne(key, label) {
  try {
    await api("/api/resolve", { key, label });
    state.last = { key, at: Date.now() };
    showStatus(`Resolved ${key} as ${label}. (u: undo)`, false);
  } catch (error) {
    showStatus(`${key}: ${error.message}`, true);
  } finally {
    state.inFlight.delete(key);
  }
}

async function undo() {
  const last = state.last;
  if (!last || Date.now() - last.at > UNDO_MS) {
    showStatus("Nothing to undo (a decision can be undone for 10 s).", true);
    return;
  }
  state.last = null;
  try {
    await api("/api/undo", { key: last.key });
    showStatus(`Undone: ${last.key} is waiting for review again.`, false);
  } catch (error) {
    showStatus(`${last.key}: ${error.message}`, true);
  }
  if (state.view === "grid") loadPending();
}

// --- One at a time, leased --------------------------------------------------------------------------------------

async function showNext() {
  state.view = "one";
  render();
  let payload;
  try {
    payload = await api("/api/next", {});
  } catch (error) {
    showStatus(`Could not take the next item: ${error.message}`, true);
    return;
  }
  state.lease = payload.lease;
  const panel = document.getElementById("one");
  panel.replaceChildren();
  if (!state.lease) {
    panel.append(element("p", "", "Nothing is waiting for review (or everything is leased to others)."));
    return;
  }
  const item = state.lease.item;
  panel.dataset.key = item.key;
  const image = element("img", "full");
  image.src = `/api/image?key=${encodeURIComponent(item.key)}&size=full`;
  image.alt = `Upload ${item.key}`;
  const side = element("div", "side");
  side.append(describe(item), element("div", "key", item.key), buttonsFor((label) => decideLeased(label)));
  panel.append(image, side);
}

async function decideLeased(label) {
  if (!state.lease) return;
  const key = state.lease.item.key;
  state.lease = null;
  await resolveOne(key, label);
  showNext();
}

async function leaveOne() {
  if (state.lease) {
    const key = state.lease.item.key;
    state.lease = null;
    api("/api/release", { key }).catch(() => {});
  }
  state.view = "grid";
  render();
  loadPending();
}

setInterval(() => {
  if (state.lease) {
    api("/api/renew", { key: state.lease.item.key }).catch((error) => showStatus(error.message, true));
  }
}, RENEW_MS);

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const key = event.key.toLowerCase();
  const label = state.shortcuts[key];
  if (label) {
    event.preventDefault();
    if (state.view === "one") {
      decideLeased(label);
    } else if (state.selected.size > 0) {
      decide([...state.selected], label);
    } else if (state.items.length > 0) {
      decide([state.items[state.focus].key], label);
    }
  } else if (key === "u") {
    event.preventDefault();
    undo();
  } else if (key === "n") {
    event.preventDefault();
    showNext();
  } else if (key === "escape") {
    if (state.view === "one") leaveOne();
    else {
      state.selected.clear();
      render();
    }
  } else if (state.view !== "grid") {
    return;
  } else if (key === " " && state.items.length > 0) {
    event.preventDefault();
    const focused = state.items[state.focus].key;
    if (state.selected.has(focused)) state.selected.delete(focused);
    else state.selected.add(focused);
    render();
  } else if (key === "arrowright" || key === "arrowdown") {
    event.preventDefault();
    state.focus = Math.min(state.focus + 1, Math.max(0, state.items.length - 1));
    render();
  } else if (key === "arrowleft" || key === "arrowup") {
    event.preventDefault();
    state.focus = Math.max(state.focus - 1, 0);
    render();
  }
});

loadPending();
setInterval(() => {
  if (state.view === "grid" && state.items.length === 0) loadPending();
}, REFRESH_MS);
