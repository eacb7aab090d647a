// The review page. Keys are user data: they only ever reach the page through textContent, attribute
// properties and encodeURIComponent, never through HTML.
//
// Two views, keyboard only if you like:
//   grid  (default) 24 thumbnails; arrows move the highlight, space selects, b / m / o label the selection (or
//         the highlighted image) in one action.
//   one   (n) one image at a time at full resolution, beside the model's probabilities and reason; the item is
//         leased to this reviewer (nobody else gets it) and the lease is renewed while it is shown; Esc goes back.
// u undoes the last decision within 10 s.
// Signing in: the page asks Cognito itself (USER_PASSWORD_AUTH, and the new-password challenge at the first
// sign-in), keeps the tokens in memory only (never localStorage: a reload signs out), refreshes the access token
// before it expires and sends it as a Bearer token on every API call. Images are fetched with it too and shown
// from blob: URLs.
"use strict";

const state = {
  items: [], focus: 0, labels: [], shortcuts: {}, inFlight: new Set(), selected: new Set(),
  view: "grid", lease: null, last: null,
};
// The page's settings (/config.json) and the session: in memory only.
let config = null;
const session = { access: null, refresh: null, email: null, challenge: null, refreshTimer: null };
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

// --- Signing in -------------------------------------------------------------------------------------------------

async function cognito(action, body) {
  const response = await fetch(config.cognito_endpoint, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": `AWSCognitoIdentityProviderService.${action}`,
    },
    body: JSON.stringify(body),
  });
  const payload = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(payload.message || payload.__type || response.statusText);
  return payload;
}

function signInMessage(text) {
  document.getElementById("signin-message").textContent = text;
}

function keepTokens(result) {
  session.access = result.AccessToken;
  if (result.RefreshToken) session.refresh = result.RefreshToken;
  clearTimeout(session.refreshTimer);
  // A minute before the access token expires (Cognito says when), a new one from the refresh token.
  const seconds = Math.max(30, (result.ExpiresIn || 3600) - 60);
  session.refreshTimer = setTimeout(refreshTokens, seconds * 1000);
}

async function refreshTokens() {
  try {
    const answer = await cognito("InitiateAuth", {
      AuthFlow: "REFRESH_TOKEN_AUTH",
      ClientId: config.user_pool_client_id,
      AuthParameters: { REFRESH_TOKEN: session.refresh },
    });
    keepTokens(answer.AuthenticationResult);
  } catch (error) {
    signedOut(`Your session ended (${error.message}); sign in again.`);
  }
}

async function signIn(event) {
  event.preventDefault();
  const email = document.getElementById("email").value.trim().toLowerCase();
  const password = document.getElementById("password").value;
  signInMessage("");
  try {
    const answer = await cognito("InitiateAuth", {
      AuthFlow: "USER_PASSWORD_AUTH",
      ClientId: config.user_pool_client_id,
      AuthParameters: { USERNAME: email, PASSWORD: password },
    });
    document.getElementById("password").value = "";
    session.email = email;
    if (answer.ChallengeName === "NEW_PASSWORD_REQUIRED") {
      session.challenge = answer.Session;
      document.getElementById("signin-form").hidden = true;
      document.getElementById("new-password-form").hidden = false;
      document.getElementById("new-password").focus();
      return;
    }
    if (!answer.AuthenticationResult) throw new Error(`Cognito asks for ${answer.ChallengeName}, which this page does not handle.`);
    signedIn(answer.AuthenticationResult);
  } catch (error) {
    signInMessage(`Could not sign in: ${error.message}`);
  }
}

async function setNewPassword(event) {
  event.preventDefault();
  const field = document.getElementById("new-password");
  try {
    const answer = await cognito("RespondToAuthChallenge", {
      ChallengeName: "NEW_PASSWORD_REQUIRED",
      ClientId: config.user_pool_client_id,
      Session: session.challenge,
      ChallengeResponses: { USERNAME: session.email, NEW_PASSWORD: field.value },
    });
    field.value = "";
    session.challenge = null;
    signedIn(answer.AuthenticationResult);
  } catch (error) {
    signInMessage(`Could not set the password: ${error.message}`);
  }
}

function signedIn(result) {
  keepTokens(result);
  document.getElementById("signin").hidden = true;
  document.getElementById("new-password-form").hidden = true;
  document.getElementById("signin-form").hidden = false;
  document.getElementById("desk").hidden = false;
  signInMessage("");
  loadMe();
  loadPending();
}

function signedOut(message) {
  clearTimeout(session.refreshTimer);
  Object.assign(session, { access: null, refresh: null, email: null, challenge: null, refreshTimer: null });
  Object.assign(state, { items: [], selected: new Set(), inFlight: new Set(), view: "grid", lease: null, last: null });
  for (const figure of cards.values()) forgetImage(figure.querySelector("img"));
  cards.clear();
  document.getElementById("grid").replaceChildren();
  document.getElementById("one").replaceChildren();
  document.getElementById("signed-in-as").textContent = "";
  document.getElementById("desk").hidden = true;
  document.getElementById("new-password-form").hidden = true;
  document.getElementById("signin-form").hidden = false;
  document.getElementById("signin").hidden = false;
  signInMessage(message || "");
}

async function signOut() {
  const access = session.access;
  if (state.lease) {
    const item = state.lease.item;
    await api("/api/release", { key: item.key, version_id: item.upload_id }).catch(() => {});
  }
  signedOut("Signed out.");
  // Every refresh token of this user stops working, on every device.
  if (access) await cognito("GlobalSignOut", { AccessToken: access }).catch(() => {});
}

async function loadMe() {
  try {
    const me = await api("/api/me");
    document.getElementById("signed-in-as").textContent =
      `Signed in as ${me.email} · ${me.decisions_today} decision${me.decisions_today === 1 ? "" : "s"} today`;
  } catch (error) {
    showStatus(error.message, true);
  }
}

// --- The review API ------------------------------------------------------------------------------------------

async function authorised(path, options) {
  if (!session.access) throw new Error("Not signed in.");
  const headers = { ...(options.headers || {}), Authorization: `Bearer ${session.access}` };
  const response = await fetch(`${config.api_base}${path}`, { ...options, headers });
  if (response.status === 401) {
    signedOut("Your session ended; sign in again.");
    throw new Error("Not signed in.");
  }
  return response;
}

async function api(path, body) {
  const options = body === undefined
    ? { headers: { Accept: "application/json" } }
    : {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
    };
  const response = await authorised(path, options);
  const payload = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(payload.message || payload.error || response.statusText);
  return payload;
}

// An image needs the token, which an <img src> cannot send: fetched, then shown from a blob: URL.
async function showImage(image, path) {
  try {
    const response = await authorised(path, {});
    if (!response.ok) throw new Error(response.statusText);
    const url = URL.createObjectURL(await response.blob());
    forgetImage(image);
    image.src = url;
  } catch (error) {
    image.alt = `${image.alt} (${error.message})`;
  }
}

function forgetImage(image) {
  if (image && image.src.startsWith("blob:")) URL.revokeObjectURL(image.src);
}

// One item per write of a key: two uploads of one key waiting at once are two cards.
function idOf(item) {
  return `${item.key}\u0000${item.upload_id}`;
}

function itemParams(item) {
  return `key=${encodeURIComponent(item.key)}&version=${encodeURIComponent(item.upload_id)}`;
}

async function loadPending() {
  let payload;
  try {
    payload = await api("/api/pending");
  } catch (error) {
    showStatus(`Could not load the pending items: ${error.message}`, true);
    return;
  }
  const focusedKey = state.items[state.focus] && idOf(state.items[state.focus]);
  state.labels = payload.labels;
  state.shortcuts = payload.shortcuts;
  // Items decided on this page but not yet confirmed by the server stay hidden.
  state.items = payload.items.filter((item) => !state.inFlight.has(idOf(item)));
  const keys = new Set(state.items.map(idOf));
  for (const key of [...state.selected]) if (!keys.has(key)) state.selected.delete(key);
  const kept = state.items.findIndex((item) => idOf(item) === focusedKey);
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
  const id = idOf(item);
  if (cards.has(id)) return cards.get(id);
  const figure = element("figure", "card");
  figure.dataset.key = item.key;
  figure.dataset.version = item.upload_id;
  const image = element("img");
  image.alt = `Upload ${item.key}`;
  showImage(image, `/api/image?${itemParams(item)}`);
  image.addEventListener("click", () => {
    state.focus = Math.max(0, state.items.findIndex((candidate) => idOf(candidate) === id));
    render();
  });
  const caption = element("figcaption");
  caption.append(describe(item), element("div", "key", item.key));
  figure.append(image, caption, buttonsFor((label) => decide([id], label)));
  cards.set(id, figure);
  return figure;
}

function render() {
  document.getElementById("grid").hidden = state.view !== "grid";
  document.getElementById("one").hidden = state.view !== "one";
  const shown = state.items.map(card);
  shown.forEach((figure, index) => {
    figure.classList.toggle("focused", index === state.focus);
    figure.classList.toggle("selected", state.selected.has(idOf(state.items[index])));
  });
  for (const [id, figure] of cards.entries()) {
    if (!state.items.some((item) => idOf(item) === id)) {
      forgetImage(figure.querySelector("img"));
      cards.delete(id);
    }
  }
  document.getElementById("grid").replaceChildren(...shown);
  document.getElementById("count").textContent = `(${state.items.length})`;
  document.getElementById("empty").hidden = state.view !== "grid" || state.items.length > 0;
}

async function decide(ids, label) {
  // The next image comes up at once; the server's answers arrive in the background.
  const taken = state.items.filter((item) => ids.includes(idOf(item)));
  if (taken.length === 0) return;
  state.items = state.items.filter((item) => !ids.includes(idOf(item)));
  for (const item of taken) {
    state.inFlight.add(idOf(item));
    state.selected.delete(idOf(item));
  }
  if (state.focus >= state.items.length) state.focus = Math.max(0, state.items.length - 1);
  render();
  await Promise.all(taken.map((item) => resolveOne(item, label)));
  if (state.items.length < 3) loadPending();
}

async function resolveOne(item, label) {
  const key = item.key;
  try {
    await api("/api/resolve", { key, version_id: item.upload_id, label });
    state.last = { key, version_id: item.upload_id, at: Date.now() };
    showStatus(`Resolved ${key} as ${label}. (u: undo)`, false);
    loadMe();
  } catch (error) {
    showStatus(`${key}: ${error.message}`, true);
  } finally {
    state.inFlight.delete(idOf(item));
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
    await api("/api/undo", { key: last.key, version_id: last.version_id });
    showStatus(`Undone: ${last.key} is waiting for review again.`, false);
    loadMe();
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
  for (const old of panel.querySelectorAll("img")) forgetImage(old);
  panel.replaceChildren();
  if (!state.lease) {
    panel.append(element("p", "", "Nothing is waiting for review (or everything is leased to others)."));
    return;
  }
  const item = state.lease.item;
  panel.dataset.key = item.key;
  const image = element("img", "full");
  image.alt = `Upload ${item.key}`;
  showImage(image, `/api/image?${itemParams(item)}&size=full`);
  const side = element("div", "side");
  side.append(describe(item), element("div", "key", item.key), buttonsFor((label) => decideLeased(label)));
  panel.append(image, side);
}

async function decideLeased(label) {
  if (!state.lease) return;
  const item = state.lease.item;
  state.lease = null;
  await resolveOne(item, label);
  showNext();
}

async function leaveOne() {
  if (state.lease) {
    const item = state.lease.item;
    state.lease = null;
    api("/api/release", { key: item.key, version_id: item.upload_id }).catch(() => {});
  }
  state.view = "grid";
  render();
  loadPending();
}

setInterval(() => {
  if (state.lease && session.access) {
    const item = state.lease.item;
    api("/api/renew", { key: item.key, version_id: item.upload_id }).catch((error) => showStatus(error.message, true));
  }
}, RENEW_MS);

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  // Typing in the sign-in form is not a decision; signed out, there is nothing to decide.
  if (!session.access || event.target instanceof HTMLInputElement) return;
  const key = event.key.toLowerCase();
  const label = state.shortcuts[key];
  if (label) {
    event.preventDefault();
    if (state.view === "one") {
      decideLeased(label);
    } else if (state.selected.size > 0) {
      decide([...state.selected], label);
    } else if (state.items.length > 0) {
      decide([idOf(state.items[state.focus])], label);
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
    const focused = idOf(state.items[state.focus]);
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

async function start() {
  document.getElementById("signin-form").addEventListener("submit", signIn);
  document.getElementById("new-password-form").addEventListener("submit", setNewPassword);
  document.getElementById("sign-out").addEventListener("click", signOut);
  try {
    const response = await fetch("/config.json", { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(response.statusText);
    config = await response.json();
  } catch (error) {
    signInMessage(`Could not load the page's settings: ${error.message}`);
    return;
  }
  // The form appears once the page knows where to sign in.
  document.getElementById("signin-form").hidden = false;
  document.getElementById("email").focus();
}

start();
setInterval(() => {
  if (session.access && state.view === "grid" && state.items.length === 0) loadPending();
}, REFRESH_MS);
