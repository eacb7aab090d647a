// The review page. Keys are user data: they only ever reach the page through textContent, attribute
// properties and encodeURIComponent, never through HTML.
"use strict";

const state = { items: [], focus: 0, labels: [], shortcuts: {}, inFlight: new Set() };
// One card per key, reused across renders so that images are fetched once.
const cards = new Map();
const REFRESH_MS = 5000;

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

async function loadPending() {
  let payload;
  try {
    const response = await fetch("/api/pending", { headers: { Accept: "application/json" } });
    payload = await response.json();
    if (!response.ok) throw new Error(payload.error || response.statusText);
  } catch (error) {
    showStatus(`Could not load the pending items: ${error.message}`, true);
    return;
  }
  const focusedKey = state.items[state.focus] && state.items[state.focus].key;
  state.labels = payload.labels;
  state.shortcuts = payload.shortcuts;
  // Items decided on this page but not yet confirmed by the server stay hidden.
  state.items = payload.items.filter((item) => !state.inFlight.has(item.key));
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
  const confidence = (item.confidence * 100).toFixed(1);
  caption.append(element("div", "prediction", `Model: ${item.label} (${confidence}%)`));
  caption.append(element("div", "key", item.key));
  const buttons = element("div", "buttons");
  for (const label of state.labels) {
    const letter = shortcutFor(label);
    const button = element("button", "", letter ? `${label} (${letter})` : label);
    button.type = "button";
    button.dataset.label = label;
    button.addEventListener("click", () => decide(item.key, label));
    buttons.append(button);
  }
  figure.append(image, caption, buttons);
  cards.set(item.key, figure);
  return figure;
}

function render() {
  const shown = state.items.map(card);
  shown.forEach((figure, index) => figure.classList.toggle("focused", index === state.focus));
  for (const key of cards.keys()) {
    if (!state.items.some((item) => item.key === key)) cards.delete(key);
  }
  document.getElementById("grid").replaceChildren(...shown);
  document.getElementById("count").textContent = `(${state.items.length})`;
  document.getElementById("empty").hidden = state.items.length > 0;
}

async function decide(key, label) {
  // The next image comes up at once; the server's answer arrives in the background.
  const index = state.items.findIndex((item) => item.key === key);
  if (index < 0) return;
  const [item] = state.items.splice(index, 1);
  if (state.focus >= state.items.length) state.focus = Math.max(0, state.items.length - 1);
  state.inFlight.add(item.key);
  render();
  try {
    const response = await fetch("/api/resolve", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ key: item.key, label }),
    });
    const payload = await response.json();
    if (!response.ok) throw new Error(payload.error || response.statusText);
    showStatus(`Resolved ${item.key} as ${label}.`, false);
  } catch (error) {
    showStatus(`${item.key}: ${error.message}`, true);
  } finally {
    state.inFlight.delete(item.key);
  }
  if (state.items.length < 3) loadPending();
}

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const label = state.shortcuts[event.key.toLowerCase()];
  if (label && state.items.length > 0) {
    event.preventDefault();
    decide(state.items[state.focus].key, label);
  } else if (event.key === "ArrowRight" || event.key === "ArrowDown") {
    event.preventDefault();
    state.focus = Math.min(state.focus + 1, Math.max(0, state.items.length - 1));
    render();
  } else if (event.key === "ArrowLeft" || event.key === "ArrowUp") {
    event.preventDefault();
    state.focus = Math.max(state.focus - 1, 0);
    render();
  }
});

loadPending();
setInterval(() => {
  if (state.items.length === 0) loadPending();
}, REFRESH_MS);
