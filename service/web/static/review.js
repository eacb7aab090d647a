// The review page. Keys are user data: they only ever reach the page through textContent, attribute
// properties and encodeURIComponent, never through HTML.
//
// Two views, keyboard only if you like (? lists every shortcut):
//   grid  (default) a page of thumbnails; arrows move the highlight (past images another reviewer holds), space
//         selects, b / m / o label the selection (or the highlighted image) in one action; PageDown / PageUp (or
//         ] / [) turn the page; the filter shows one reason only.
//   one   (n) one image at a time at full resolution, beside the model's probabilities and reason; the item is
//         leased to this reviewer (nobody else gets it) and the lease is renewed while it is shown; Esc goes back.
// z (or a click on an image) zooms: the image at full resolution, moved with the mouse or the arrow keys.
// u undoes the last decision within 10 s: the image comes back highlighted, so the next key decides it.
// Signing in: the page asks Cognito itself (USER_PASSWORD_AUTH, and the new-password challenge at the first
// sign-in), keeps the tokens in memory only (never localStorage: a reload signs out), refreshes the access token
// before it expires and sends it as a Bearer token on every API call. Images are fetched with it too and shown
// from blob: URLs.
"use strict";

const state = {
  items: [], focus: 0, labels: [], shortcuts: {}, inFlight: new Set(), selected: new Set(),
  view: "grid", lease: null,
  // Decisions that u can take back (newest last), and undos on their way to the server, by item id.
  history: [], undoing: new Map(),
  // Paging: the cursor each page starts at (null: the first), the next page's, and the filter.
  pages: [null], nextCursor: null, reason: "", waiting: null, loadTicket: 0,
  progress: { decided: 0, since: 0 }, revealed: null,
  // Back from the one-at-a-time view, the grid's listing is old (who holds what has changed meanwhile): the grid
  // waits for a fresh one, so nothing is selected or decided from the old picture.
  stale: false,
  // Decisions the server did not take, by item id: why, in words. Shown on the card and kept on the status line
  // until the image is decided or leaves the page.
  failures: new Map(),
};
// The page's settings (/config.json) and the session: in memory only.
let config = null;
const session = { access: null, refresh: null, email: null, challenge: null, refreshTimer: null };
// One card per item, reused across renders so that images are fetched once.
const cards = new Map();
const REFRESH_MS = 5000;
const RENEW_MS = 60_000;
const UNDO_MS = 10_000;
const PROGRESS_MS = 15_000;

// Why an image is waiting, in the words a reviewer uses.
const REASONS = {
  low_confidence: "the model is unsure",
  unrecognised: "not recognised as a two-wheeler",
  audit: "spot check of an accepted image",
  confident: "the model is confident",
};

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// A later message never hides a decision that was not saved: those stay named after it.
function showStatus(text, isError) {
  const status = document.getElementById("status");
  const unsaved = [...state.failures.values()].filter((problem) => !text.includes(problem));
  status.textContent = unsaved.length > 0 ? `${text} Still not saved: ${unsaved.join(" ")}` : text;
  status.classList.toggle("error", Boolean(isError) || unsaved.length > 0);
}

function percent(p) {
  return `${(p * 100).toFixed(1)}%`;
}

function clock(iso) {
  const when = new Date(iso);
  return Number.isNaN(when.getTime()) ? "" : when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

// The API's messages give times in UTC ("until 2025-01-02T11:03:00.000000Z"): the reviewer reads their own clock.
function localTimes(message) {
  return String(message).replace(/\b\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?Z\b/g, (iso) => clock(iso) || iso);
}

// A small scones mark as the tab's icon, made here (a blob: URL) so that the page's policy needs no exception.
function setFavicon() {
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32" viewBox="0 0 32 32">'
    + '<rect width="32" height="32" rx="7" fill="#0a66c2"/>'
    + '<circle cx="10" cy="21" r="5.5" fill="none" stroke="#fff" stroke-width="2.5"/>'
    + '<circle cx="22" cy="21" r="5.5" fill="none" stroke="#fff" stroke-width="2.5"/>'
    + '<path d="M10 21 15 11h6l1 10M13 11h4" fill="none" stroke="#fff" stroke-width="2.2" stroke-linejoin="round"/>'
    + "</svg>";
  const link = document.createElement("link");
  link.rel = "icon";
  link.type = "image/svg+xml";
  link.href = URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" }));
  document.head.append(link);
}

// --- Signing in -------------------------------------------------------------------------------------------------

class CognitoError extends Error {
  constructor(type, message) {
    super(message);
    // "NotAuthorizedException", or with a namespace before a "#".
    this.type = String(type || "").split("#").pop();
  }
}

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
  if (!response.ok) throw new CognitoError(payload.__type, payload.message || payload.__type || response.statusText);
  return payload;
}

// An error in red; information (signed out, session ended) in the page's calm colour.
function signInMessage(text, kind = "error") {
  const message = document.getElementById("signin-message");
  message.textContent = text;
  message.classList.toggle("info", kind === "info");
  message.setAttribute("role", kind === "info" ? "status" : "alert");
}

function showForm(id) {
  for (const form of ["signin-form", "new-password-form"]) document.getElementById(form).hidden = form !== id;
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

// The pool answers a wrong password and an unknown email alike (it prevents user-existence errors); so does the page.
function signInFailure(error) {
  if (error.type === "NotAuthorizedException" || error.type === "UserNotFoundException") {
    return "Wrong email or password.";
  }
  if (error.type === "PasswordResetRequiredException") {
    return "Your password has to be reset: ask an administrator for a new temporary one.";
  }
  if (error.type === "TooManyRequestsException" || error.type === "LimitExceededException") {
    return "Too many attempts: wait a minute, then try again.";
  }
  if (error instanceof TypeError) return "Could not reach the sign-in service; check the connection and try again.";
  return `Could not sign in: ${error.message}`;
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
      document.getElementById("new-password-user").value = email;
      showForm("new-password-form");
      checkPassword(false);
      document.getElementById("new-password").focus();
      return;
    }
    if (!answer.AuthenticationResult) throw new Error(`Cognito asks for ${answer.ChallengeName}, which this page does not handle.`);
    signedIn(answer.AuthenticationResult);
  } catch (error) {
    signInMessage(signInFailure(error));
  }
}

// The pool's password rules (from /config.json), checked as the reviewer types; each unmet one is named.
const SYMBOLS = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ";

function passwordRules() {
  const policy = (config && config.password_policy) || {};
  const rules = [];
  const minimum = policy.minimum_length || 8;
  rules.push({ id: "length", text: `at least ${minimum} characters`, met: (p) => [...p].length >= minimum });
  if (policy.require_lowercase) rules.push({ id: "lower", text: "a lower-case letter", met: (p) => /[a-z]/.test(p) });
  if (policy.require_uppercase) rules.push({ id: "upper", text: "an upper-case letter", met: (p) => /[A-Z]/.test(p) });
  if (policy.require_numbers) rules.push({ id: "digit", text: "a digit", met: (p) => /[0-9]/.test(p) });
  if (policy.require_symbols) {
    rules.push({
      // The pool counts a space inside the password as a symbol too.
      id: "symbol", text: "a symbol, such as ! - # or _", met: (p) => [...p.trim()].some((c) => SYMBOLS.includes(c)),
    });
  }
  rules.push({ id: "ends", text: "no space at the start or the end", met: (p) => p === p.trim() });
  return rules;
}

function renderPasswordRules() {
  const list = document.getElementById("password-rules");
  list.replaceChildren(...passwordRules().map((rule) => {
    const item = element("li", "unmet", rule.text);
    item.dataset.rule = rule.id;
    return item;
  }));
}

// Marks each rule met or not; `insist` also shows the unmet ones as errors. Returns the unmet rules' texts.
function checkPassword(insist) {
  const value = document.getElementById("new-password").value;
  const unmet = [];
  for (const rule of passwordRules()) {
    const item = document.querySelector(`#password-rules li[data-rule="${rule.id}"]`);
    const met = rule.met(value);
    if (!met) unmet.push(rule.text);
    if (!item) continue;
    item.classList.toggle("met", met);
    item.classList.toggle("unmet", !met);
    if (met) item.classList.remove("shown");
    else if (insist) item.classList.add("shown");
  }
  return unmet;
}

async function setNewPassword(event) {
  event.preventDefault();
  const field = document.getElementById("new-password");
  const unmet = checkPassword(true);
  if (unmet.length > 0) {
    field.setAttribute("aria-invalid", "true");
    signInMessage(`The new password still needs ${unmet.join(", ")}.`);
    field.focus();
    return;
  }
  field.removeAttribute("aria-invalid");
  signInMessage("");
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
    if (error.type === "InvalidPasswordException") {
      signInMessage("The user pool refused this password (it may be one you used before); choose another.");
    } else if (error.type === "NotAuthorizedException" || error.type === "CodeMismatchException") {
      // The challenge lasts a few minutes: sign in again with the temporary password.
      field.value = "";
      session.challenge = null;
      showForm("signin-form");
      signInMessage("That took too long: sign in again with the temporary password.");
    } else {
      signInMessage(`Could not set the password: ${error.message}`);
    }
  }
}

function signedIn(result) {
  keepTokens(result);
  document.getElementById("signin").hidden = true;
  showForm("signin-form");
  document.getElementById("desk").hidden = false;
  signInMessage("");
  state.progress = { decided: 0, since: Date.now() };
  loadMe();
  loadPending();
}

function signedOut(message) {
  clearTimeout(session.refreshTimer);
  for (const dialog of document.querySelectorAll("dialog[open]")) dialog.close();
  Object.assign(session, { access: null, refresh: null, email: null, challenge: null, refreshTimer: null });
  Object.assign(state, {
    items: [], selected: new Set(), inFlight: new Set(), view: "grid", lease: null, history: [],
    undoing: new Map(), pages: [null], nextCursor: null, waiting: null, stale: false, failures: new Map(),
  });
  state.loadTicket += 1;
  for (const figure of cards.values()) forgetImage(figure.querySelector("img"));
  cards.clear();
  document.getElementById("grid").replaceChildren();
  document.getElementById("one").replaceChildren();
  document.getElementById("signed-in-as").textContent = "";
  document.getElementById("desk").hidden = true;
  showForm("signin-form");
  document.getElementById("signin").hidden = false;
  signInMessage(message || "", "info");
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
  if (!response.ok) throw new Error(localTimes(payload.message || payload.error || response.statusText));
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

// Who else holds an item (leased to them, so only they may decide it) and until when; null when nobody else does.
function holder(item) {
  if ("held_by" in item) {
    if (!item.held_by) return null;
    const mine = item.held_by_me ?? item.held_by === session.email;
    return mine ? null : { who: item.held_by, until: item.held_until };
  }
  if (item.lease_owner && item.lease_owner !== session.email) {
    return { who: item.lease_owner, until: item.lease_expires_at };
  }
  return null;
}

function isFree(index) {
  const item = state.items[index];
  return Boolean(item) && !holder(item);
}

// The nearest image from `index` on (in `step`'s direction, then the other way) that nobody else holds.
function freeFrom(index, step) {
  for (let i = index; i >= 0 && i < state.items.length; i += step) if (isFree(i)) return i;
  for (let i = index - step; i >= 0 && i < state.items.length; i -= step) if (isFree(i)) return i;
  return Math.max(0, Math.min(index, state.items.length - 1));
}

async function loadPending() {
  const ticket = ++state.loadTicket;
  const params = new URLSearchParams();
  const cursor = state.pages[state.pages.length - 1];
  if (cursor) params.set("cursor", cursor);
  if (state.reason) params.set("reason", state.reason);
  const query = params.toString();
  let payload;
  try {
    payload = await api(`/api/pending${query ? `?${query}` : ""}`);
  } catch (error) {
    if (ticket === state.loadTicket) showStatus(`Could not load the pending items: ${error.message}`, true);
    return;
  }
  // A newer request (another page, another filter) has been sent meanwhile: its answer counts, not this one.
  if (ticket !== state.loadTicket || !session.access) return;
  state.stale = false;
  const focusedKey = state.items[state.focus] && idOf(state.items[state.focus]);
  state.labels = payload.labels;
  state.shortcuts = payload.shortcuts;
  state.nextCursor = payload.cursor || null;
  state.waiting = typeof payload.waiting === "number" ? payload.waiting : null;
  // Items decided on this page but not yet confirmed by the server stay hidden; an undo on its way stays shown.
  const items = payload.items.filter((item) => !state.inFlight.has(idOf(item)));
  const ids = new Set(items.map(idOf));
  // A decision that was not saved is forgotten once its image has left the page (decided by someone else).
  for (const id of [...state.failures.keys()]) if (!ids.has(id)) state.failures.delete(id);
  for (const [id, entry] of state.undoing) {
    if (!ids.has(id) && !state.inFlight.has(id)) items.splice(Math.min(entry.index, items.length), 0, entry.item);
  }
  state.items = items;
  if (state.items.length === 0 && state.pages.length > 1 && !state.nextCursor) {
    // Everything on this page was decided: back to the one before.
    state.pages.pop();
    loadPending();
    return;
  }
  const keys = new Set(state.items.map(idOf));
  for (const key of [...state.selected]) if (!keys.has(key)) state.selected.delete(key);
  const kept = state.items.findIndex((item) => idOf(item) === focusedKey);
  state.focus = freeFrom(kept >= 0 ? kept : Math.min(state.focus, state.items.length - 1), 1);
  renderKeys();
  render();
}

function turnPage(step) {
  if (step > 0 && !state.nextCursor) return;
  if (step < 0 && state.pages.length <= 1) return;
  if (step > 0) state.pages.push(state.nextCursor);
  else state.pages.pop();
  state.focus = 0;
  state.selected.clear();
  loadPending();
}

function filterBy(reason) {
  state.reason = reason;
  state.pages = [null];
  state.focus = 0;
  state.selected.clear();
  loadPending();
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

// The model's answer in words. An image not recognised as a two-wheeler gets no two-wheeler label in its
// headline: "motorcycle 99%" of a race car says nothing; the probabilities follow as what they are, a guess if it
// were one.
function describe(item) {
  const lines = element("div", "prediction");
  const reason = REASONS[item.reason] || item.reason;
  const headline = item.reason === "unrecognised"
    ? `Not recognised as a two-wheeler${typeof item.recognition === "number" ? ` (two-wheeler score ${percent(item.recognition)})` : ""}`
    : `Model: ${item.label} (${percent(item.confidence)}) · ${reason}`;
  lines.append(element("div", "headline", headline));
  const probabilities = element("div", "probabilities");
  if (item.reason === "unrecognised") probabilities.append(element("span", "", "If it is one:"));
  for (const [name, p] of Object.entries(item.probabilities)) {
    probabilities.append(element("span", "", `${name} ${percent(p)}`));
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
  figure.dataset.reason = item.reason;
  figure.dataset.id = id;
  const image = element("img");
  image.alt = `Upload ${item.key}`;
  showImage(image, `/api/image?${itemParams(item)}`);
  image.addEventListener("click", () => {
    const index = state.items.findIndex((candidate) => idOf(candidate) === id);
    if (index < 0) return;
    if (isFree(index)) state.focus = index;
    render();
    openZoom(state.items[index]);
  });
  const caption = element("figcaption");
  caption.append(describe(item), element("div", "holder"), element("div", "problem"), element("div", "key", item.key));
  figure.append(image, caption, buttonsFor((label) => decide([id], label)));
  cards.set(id, figure);
  return figure;
}

// What changes on a card between loads: who holds it, and why a decision on it was not saved.
function refreshCard(figure, item) {
  const held = holder(item);
  figure.classList.toggle("held", Boolean(held));
  const until = held && held.until ? ` until ${clock(held.until)}` : "";
  figure.querySelector(".holder").textContent = held ? `Held by ${held.who}${until}` : "";
  const problem = state.failures.get(idOf(item));
  figure.classList.toggle("unsaved", Boolean(problem));
  figure.querySelector(".problem").textContent = problem ? `Not saved: ${problem}` : "";
  for (const button of figure.querySelectorAll(".buttons button")) button.disabled = Boolean(held);
}

function render() {
  const grid = document.getElementById("grid");
  grid.hidden = state.view !== "grid" || state.stale;
  grid.setAttribute("aria-busy", state.stale ? "true" : "false");
  document.getElementById("one").hidden = state.view !== "one";
  const shown = state.items.map(card);
  shown.forEach((figure, index) => {
    refreshCard(figure, state.items[index]);
    figure.classList.toggle("focused", index === state.focus);
    figure.classList.toggle("selected", state.selected.has(idOf(state.items[index])));
    figure.setAttribute("aria-current", index === state.focus ? "true" : "false");
  });
  for (const [id, figure] of cards.entries()) {
    if (!state.items.some((item) => idOf(item) === id)) {
      forgetImage(figure.querySelector("img"));
      cards.delete(id);
    }
  }
  document.getElementById("grid").replaceChildren(...shown);
  // The highlight stays in sight when it moves (not on every refresh: the reviewer may be scrolling).
  const focused = shown[state.focus];
  if (focused && state.view === "grid" && focused.dataset.id !== state.revealed) {
    state.revealed = focused.dataset.id;
    focused.scrollIntoView({ block: "nearest" });
  }
  document.getElementById("count").textContent = `(${state.waiting ?? state.items.length})`;
  document.getElementById("empty").hidden = state.view !== "grid" || state.stale || state.items.length > 0;
  document.getElementById("paging").hidden = state.view !== "grid";
  document.getElementById("page-number").textContent = `Page ${state.pages.length}`;
  document.getElementById("previous-page").disabled = state.pages.length <= 1;
  document.getElementById("next-page").disabled = !state.nextCursor;
  renderProgress();
}

// Decided this session, waiting, and this reviewer's pace since signing in.
function renderProgress() {
  const { decided, since } = state.progress;
  const minutes = Math.max(1, (Date.now() - since) / 60_000);
  const waiting = state.waiting ?? state.items.length;
  const rate = (decided / minutes).toFixed(1);
  document.getElementById("progress").textContent =
    `Decided this session: ${decided} · Waiting: ${waiting} · Your rate: ${rate} per minute`;
}

async function decide(ids, label) {
  const chosen = state.items.filter((item) => ids.includes(idOf(item)));
  if (chosen.length === 0) return;
  // An image another reviewer holds (a selection made before the page heard of it) is not sent: the server would
  // refuse it. It stays, named as not saved, like a decision the server refused.
  const refused = chosen.filter((item) => holder(item));
  const taken = chosen.filter((item) => !holder(item));
  for (const item of refused) {
    state.failures.set(idOf(item), heldMessage(item));
    state.selected.delete(idOf(item));
  }
  // The next image comes up at once; the server's answers arrive in the background.
  const positions = new Map(taken.map((item) => [idOf(item), state.items.indexOf(item)]));
  state.items = state.items.filter((item) => !taken.includes(item));
  for (const item of taken) {
    state.inFlight.add(idOf(item));
    state.selected.delete(idOf(item));
    state.failures.delete(idOf(item));
  }
  state.focus = freeFrom(Math.min(state.focus, Math.max(0, state.items.length - 1)), 1);
  render();
  const sent = taken.map((item) => {
    const problem = send(item, label);
    state.history.push({ item, index: positions.get(idOf(item)), at: Date.now(), resolved: problem.then((p) => !p) });
    return problem;
  });
  const problems = await Promise.all(sent);
  // A decision the server did not take: its image comes back where it was, marked, so it never looks decided.
  taken.forEach((item, index) => {
    const id = idOf(item);
    if (!problems[index]) return;
    state.failures.set(id, problems[index]);
    if (!state.items.some((shown) => idOf(shown) === id)) {
      state.items.splice(Math.min(positions.get(id), state.items.length), 0, item);
    }
  });
  report(chosen.length, label, [...refused.map((item) => state.failures.get(idOf(item))), ...problems], taken);
  render();
  if (state.items.length < 3 || problems.some(Boolean)) loadPending();
}

// Sends one decision. Null once the server has it; else why not, in words that name the image.
async function send(item, label) {
  const id = idOf(item);
  const undoing = state.undoing.get(id);
  // A decision taken right after its undo waits for the undo to reach the server first.
  if (undoing) await undoing.request.catch(() => {});
  try {
    await api("/api/resolve", { key: item.key, version_id: item.upload_id, label });
    state.progress.decided += 1;
    state.failures.delete(id);
    return null;
  } catch (error) {
    return error.message.includes(item.key) ? error.message : `'${item.key}': ${error.message}`;
  } finally {
    state.inFlight.delete(id);
    renderProgress();
  }
}

function heldMessage(item) {
  const held = holder(item);
  const until = held.until ? ` until ${clock(held.until)}` : "";
  return `'${item.key}' is held by ${held.who}${until}.`;
}

// One line for one action, however many images it decided: every decision that was not saved is named.
function report(count, label, problems, taken) {
  const failed = problems.filter(Boolean);
  if (failed.length < count) loadMe();
  if (failed.length === 0) {
    const what = count === 1 ? taken[0].key : `${count} images`;
    showStatus(`Resolved ${what} as ${label}. (u: undo${count === 1 ? "" : " the last one"})`, false);
  } else if (count === 1) {
    showStatus(failed[0], true);
  } else {
    showStatus(`${failed.length} of ${count} not saved: ${failed.join(" ")}`, true);
  }
}

async function undo() {
  const last = state.history.pop();
  state.history = state.history.filter((entry) => Date.now() - entry.at <= UNDO_MS);
  if (!last || Date.now() - last.at > UNDO_MS) {
    showStatus("Nothing to undo (a decision can be undone for 10 s).", true);
    return;
  }
  const id = idOf(last.item);
  // Sent once the decision itself has reached the server (u may come before its answer).
  const request = (async () => {
    if (!(await last.resolved)) throw new Error("the decision was not recorded, so there is nothing to undo");
    return api("/api/undo", { key: last.item.key, version_id: last.item.upload_id });
  })();
  if (state.view === "grid") {
    // The undone image comes back at once where it was, highlighted: the next key decides it, not its neighbour
    // (a decision taken meanwhile waits for the undo to reach the server).
    const index = Math.min(last.index, state.items.length);
    state.items = state.items.filter((item) => idOf(item) !== id);
    state.items.splice(index, 0, last.item);
    state.focus = index;
    state.selected.clear();
    state.undoing.set(id, { item: last.item, index, request });
    render();
  }
  try {
    await request;
    state.progress.decided = Math.max(0, state.progress.decided - 1);
    showStatus(`Undone: ${last.item.key} is waiting for review again.`, false);
    loadMe();
  } catch (error) {
    if (!state.inFlight.has(id)) state.items = state.items.filter((item) => idOf(item) !== id);
    showStatus(`${last.item.key}: ${error.message}`, true);
  } finally {
    state.undoing.delete(id);
  }
  if (state.view === "grid") loadPending();
  else renderProgress();
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
    delete panel.dataset.key;
    panel.append(element("p", "", "Nothing is waiting for review (or everything is held by others)."));
    return;
  }
  const item = state.lease.item;
  panel.dataset.key = item.key;
  const image = element("img", "full");
  image.alt = `Upload ${item.key}`;
  showImage(image, `/api/image?${itemParams(item)}&size=full`);
  image.addEventListener("click", () => openZoom(item));
  const side = element("div", "side");
  side.append(describe(item), element("div", "key", item.key), buttonsFor((label) => decideLeased(label)));
  panel.append(image, side);
}

async function decideLeased(label) {
  if (!state.lease) return;
  const item = state.lease.item;
  state.lease = null;
  const resolved = send(item, label).then((problem) => {
    report(1, label, [problem], [item]);
    return !problem;
  });
  state.history.push({ item, index: 0, at: Date.now(), resolved });
  await resolved;
  showNext();
}

// Back to the grid, once this reviewer's lease is given back and the grid's listing is fresh: it was fetched before
// the one-at-a-time view, and others have taken and given back items since.
async function leaveOne() {
  const lease = state.lease;
  state.lease = null;
  state.view = "grid";
  state.stale = true;
  state.selected.clear();
  render();
  if (lease) {
    const item = lease.item;
    await api("/api/release", { key: item.key, version_id: item.upload_id }).catch(() => {});
  }
  if (state.view === "grid") loadPending();
}

setInterval(() => {
  if (state.lease && session.access) {
    const item = state.lease.item;
    api("/api/renew", { key: item.key, version_id: item.upload_id }).catch((error) => showStatus(error.message, true));
  }
}, RENEW_MS);

// --- Zoom and pan -----------------------------------------------------------------------------------------------

const zoom = { item: null, scale: 1, fit: 1, x: 0, y: 0, drag: null };
const MAX_SCALE = 32;

function zoomParts() {
  return {
    dialog: document.getElementById("zoom"),
    viewport: document.getElementById("zoom-viewport"),
    image: document.getElementById("zoom-image"),
  };
}

function applyZoom() {
  const { image } = zoomParts();
  image.style.transform = `translate(${zoom.x}px, ${zoom.y}px) scale(${zoom.scale})`;
  document.getElementById("zoom-level").textContent = `${Math.round(zoom.scale * 100)}%`;
}

function fitZoom() {
  const { viewport, image } = zoomParts();
  if (!image.naturalWidth) return;
  const width = viewport.clientWidth;
  const height = viewport.clientHeight;
  zoom.fit = Math.min(width / image.naturalWidth, height / image.naturalHeight);
  zoom.scale = zoom.fit;
  zoom.x = (width - image.naturalWidth * zoom.scale) / 2;
  zoom.y = (height - image.naturalHeight * zoom.scale) / 2;
  applyZoom();
}

// Zooms by `factor` around a point of the viewport (its centre unless given): that point stays where it is.
function zoomBy(factor, atX, atY) {
  const { viewport } = zoomParts();
  const x = atX ?? viewport.clientWidth / 2;
  const y = atY ?? viewport.clientHeight / 2;
  const scale = Math.min(MAX_SCALE, Math.max(Math.min(zoom.fit, 1), zoom.scale * factor));
  zoom.x = x - ((x - zoom.x) * scale) / zoom.scale;
  zoom.y = y - ((y - zoom.y) * scale) / zoom.scale;
  zoom.scale = scale;
  applyZoom();
}

function panBy(dx, dy) {
  zoom.x += dx;
  zoom.y += dy;
  applyZoom();
}

async function openZoom(item) {
  const { dialog, viewport, image } = zoomParts();
  zoom.item = item;
  document.getElementById("zoom-title").textContent = item.key;
  forgetImage(image);
  image.removeAttribute("src");
  image.alt = `Upload ${item.key} at full resolution`;
  if (!dialog.open) dialog.showModal();
  viewport.focus();
  await showImage(image, `/api/image?${itemParams(item)}&size=full`);
}

function closeZoom() {
  const { dialog } = zoomParts();
  if (dialog.open) dialog.close();
}

function zoomedItem() {
  if (state.view === "one") return state.lease && state.lease.item;
  return state.items[state.focus];
}

function setUpZoom() {
  const { dialog, viewport, image } = zoomParts();
  image.addEventListener("load", fitZoom);
  dialog.addEventListener("close", () => {
    forgetImage(image);
    image.removeAttribute("src");
    zoom.item = null;
  });
  document.getElementById("zoom-in").addEventListener("click", () => zoomBy(1.5));
  document.getElementById("zoom-out").addEventListener("click", () => zoomBy(1 / 1.5));
  document.getElementById("zoom-fit").addEventListener("click", fitZoom);
  document.getElementById("zoom-close").addEventListener("click", closeZoom);
  viewport.addEventListener("wheel", (event) => {
    event.preventDefault();
    const box = viewport.getBoundingClientRect();
    zoomBy(event.deltaY < 0 ? 1.25 : 1 / 1.25, event.clientX - box.left, event.clientY - box.top);
  }, { passive: false });
  viewport.addEventListener("pointerdown", (event) => {
    zoom.drag = { x: event.clientX, y: event.clientY };
    viewport.setPointerCapture(event.pointerId);
    viewport.classList.add("dragging");
  });
  viewport.addEventListener("pointermove", (event) => {
    if (!zoom.drag) return;
    panBy(event.clientX - zoom.drag.x, event.clientY - zoom.drag.y);
    zoom.drag = { x: event.clientX, y: event.clientY };
  });
  const stop = () => {
    zoom.drag = null;
    viewport.classList.remove("dragging");
  };
  viewport.addEventListener("pointerup", stop);
  viewport.addEventListener("pointercancel", stop);
  // A double click zooms in where it points.
  viewport.addEventListener("dblclick", (event) => {
    const box = viewport.getBoundingClientRect();
    zoomBy(2, event.clientX - box.left, event.clientY - box.top);
  });
}

function zoomKey(event, key) {
  const step = 60;
  const actions = {
    "+": () => zoomBy(1.5), "=": () => zoomBy(1.5), "-": () => zoomBy(1 / 1.5), 0: fitZoom,
    arrowleft: () => panBy(step, 0), arrowright: () => panBy(-step, 0),
    arrowup: () => panBy(0, step), arrowdown: () => panBy(0, -step), z: closeZoom,
  };
  const label = state.shortcuts[key];
  if (label && zoom.item) {
    event.preventDefault();
    const item = zoom.item;
    closeZoom();
    if (state.view === "one") decideLeased(label);
    else decide([idOf(item)], label);
  } else if (actions[key]) {
    event.preventDefault();
    actions[key]();
  }
}

// --- Shortcuts --------------------------------------------------------------------------------------------------

function openShortcuts() {
  const rows = [];
  for (const [letter, label] of Object.entries(state.shortcuts)) {
    rows.push([[letter], `Label the highlighted image (or the selection) ${label}`]);
  }
  rows.push(
    [["←", "→", "↑", "↓"], "Move the highlight (images another reviewer holds are skipped)"],
    [["space"], "Select or unselect the highlighted image"],
    [["u"], "Undo the last decision (within 10 s); the image comes back highlighted"],
    [["z"], "Zoom into the highlighted image at full resolution (a click on an image too)"],
    [["+", "-", "0"], "In the zoom: zoom in, out, fit; the arrow keys or dragging move the image"],
    [["n"], "One image at a time, held for you while you look"],
    [["PageDown", "]"], "Next page"],
    [["PageUp", "["], "Previous page"],
    [["?"], "This list"],
    [["Esc"], "Close, go back to the grid, or clear the selection"],
  );
  const body = document.getElementById("shortcut-rows");
  body.replaceChildren(...rows.map(([keys, text]) => {
    const row = element("tr");
    const cell = element("th");
    cell.scope = "row";
    keys.forEach((key, index) => {
      if (index > 0) cell.append(" ");
      cell.append(element("kbd", "", key));
    });
    row.append(cell, element("td", "", text));
    return row;
  }));
  document.getElementById("shortcuts").showModal();
}

// --- Keys -------------------------------------------------------------------------------------------------------

function typing(target) {
  return target instanceof HTMLInputElement || target instanceof HTMLSelectElement
    || target instanceof HTMLTextAreaElement;
}

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  // Typing in a form is not a decision; signed out, there is nothing to decide.
  if (!session.access) return;
  if (typing(event.target)) {
    // Esc leaves the filter for the images again.
    if (event.key === "Escape" && event.target instanceof HTMLSelectElement) event.target.blur();
    return;
  }
  const key = event.key.toLowerCase();
  const shortcuts = document.getElementById("shortcuts");
  if (shortcuts.open) {
    // Esc closes the list (the dialog does that itself); so does ? again.
    if (key === "?") {
      event.preventDefault();
      shortcuts.close();
    }
    return;
  }
  if (document.getElementById("zoom").open) {
    if (key !== "escape") zoomKey(event, key);
    return;
  }
  // A focused button keeps its own space and Enter.
  if (event.target instanceof HTMLButtonElement && (key === " " || key === "enter")) return;
  // The grid waits for a fresh listing: nothing is selected or decided from the old one.
  if (state.view === "grid" && state.stale && !["?", "u", "n", "escape"].includes(key)) return;
  const label = state.shortcuts[key];
  if (label) {
    event.preventDefault();
    if (state.view === "one") {
      decideLeased(label);
    } else if (state.selected.size > 0) {
      decide([...state.selected], label);
    } else if (isFree(state.focus)) {
      decide([idOf(state.items[state.focus])], label);
    } else if (state.items.length > 0) {
      showStatus("Every image here is held by another reviewer.", true);
    }
  } else if (key === "?") {
    event.preventDefault();
    openShortcuts();
  } else if (key === "u") {
    event.preventDefault();
    undo();
  } else if (key === "n") {
    event.preventDefault();
    showNext();
  } else if (key === "z") {
    const item = zoomedItem();
    if (item) {
      event.preventDefault();
      openZoom(item);
    }
  } else if (key === "escape") {
    if (state.view === "one") leaveOne();
    else {
      state.selected.clear();
      render();
    }
  } else if (state.view !== "grid") {
    return;
  } else if (key === "pagedown" || key === "]") {
    event.preventDefault();
    turnPage(1);
  } else if (key === "pageup" || key === "[") {
    event.preventDefault();
    turnPage(-1);
  } else if (key === " " && state.items.length > 0) {
    event.preventDefault();
    const focused = idOf(state.items[state.focus]);
    if (state.selected.has(focused)) state.selected.delete(focused);
    else if (isFree(state.focus)) state.selected.add(focused);
    render();
  } else if (key === "arrowright" || key === "arrowdown") {
    event.preventDefault();
    const next = state.items.findIndex((_, index) => index > state.focus && isFree(index));
    if (next >= 0) state.focus = next;
    render();
  } else if (key === "arrowleft" || key === "arrowup") {
    event.preventDefault();
    const before = state.items.map((_, index) => index).filter((index) => index < state.focus && isFree(index));
    if (before.length > 0) state.focus = before[before.length - 1];
    render();
  }
});

async function start() {
  setFavicon();
  document.getElementById("signin-form").addEventListener("submit", signIn);
  document.getElementById("new-password-form").addEventListener("submit", setNewPassword);
  // Once a submit has named the missing rules, the list of them follows the typing.
  document.getElementById("new-password").addEventListener("input", () => {
    const field = document.getElementById("new-password");
    const insisted = field.getAttribute("aria-invalid") === "true";
    const unmet = checkPassword(insisted);
    if (unmet.length === 0) {
      field.removeAttribute("aria-invalid");
      signInMessage("");
    } else if (insisted) {
      signInMessage(`The new password still needs ${unmet.join(", ")}.`);
    }
  });
  document.getElementById("sign-out").addEventListener("click", signOut);
  document.getElementById("reason-filter").addEventListener("change", (event) => filterBy(event.target.value));
  document.getElementById("next-page").addEventListener("click", () => turnPage(1));
  document.getElementById("previous-page").addEventListener("click", () => turnPage(-1));
  setUpZoom();
  try {
    const response = await fetch("/config.json", { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(response.statusText);
    config = await response.json();
  } catch (error) {
    signInMessage(`Could not load the page's settings: ${error.message}`);
    return;
  }
  renderPasswordRules();
  // The form appears once the page knows where to sign in.
  showForm("signin-form");
  document.getElementById("email").focus();
}

start();
setInterval(() => {
  // The page stays current (new items, who holds what) while nothing of the reviewer's is on its way.
  const busy = state.inFlight.size > 0 || state.undoing.size > 0 || document.querySelector("dialog[open]");
  if (session.access && state.view === "grid" && !busy) loadPending();
}, REFRESH_MS);
setInterval(() => {
  if (session.access) renderProgress();
}, PROGRESS_MS);
