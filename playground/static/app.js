// The playground page: who you are, channels, DMs with Cadence, the App Home tab, threads,
// modals and the clock. Everything it shows comes from the local Slack (/api/state); everything
// a person does goes to the bot the way Slack sends it (the server signs and posts it).
"use strict";

const $ = (selector) => document.querySelector(selector);
const el = (tag, className, text) => Blocks.el(tag, className, text);
const HOME = "home";

const page = {
  ws: null,
  user: null,
  channel: null,
  thread: null,
  tab: "messages", // or "canvas", for a channel that has one
  state: null,
  modalKey: "",
  clockOffset: 0, // simulated minus browser time, in ms
  refreshing: null,
  again: false,
};

async function api(path, body) {
  const options = body === undefined ? {} : {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  };
  const answer = await fetch(path, options);
  const data = await answer.json();
  if (!answer.ok) throw new Error(data.error || answer.statusText);
  return data;
}

const dir = {
  userName: (id) => (page.ws.people.find((p) => p.id === id) || { name: id }).name,
  channelName: (id) => (page.ws.channels.find((c) => c.id === id) || { name: id }).name,
  get people() { return page.ws.people.filter((p) => p.id !== page.ws.bot.id); },
  get channels() { return page.ws.channels; },
};

const dmOf = (user) => "D" + user;

// ----- time ---------------------------------------------------------------------------------

function formatTime(date, withDay) {
  const options = { timeZone: page.ws.zone, hour: "2-digit", minute: "2-digit", hour12: false };
  if (withDay) Object.assign(options, { weekday: "short", day: "numeric", month: "short" });
  return new Intl.DateTimeFormat("en-GB", options).format(date);
}

function showClock() {
  const now = new Date(Date.now() + page.clockOffset);
  $("#now").textContent = formatTime(now, true) + " (" + page.ws.zone + ")";
}

async function moveClock(move) {
  for (const b of document.querySelectorAll("[data-move]")) b.disabled = true;
  try {
    const answer = await api("/api/clock", { move });
    page.clockOffset = new Date(answer.now) - Date.now();
    showClock();
  } finally {
    for (const b of document.querySelectorAll("[data-move]")) b.disabled = false;
    refresh();
  }
}

// ----- the sidebar and switching ------------------------------------------------------------

function sidebar() {
  const list = $("#channels");
  list.replaceChildren();
  const entries = [
    ...page.ws.channels.map((c) => [c.id, "# " + c.name]),
    [HOME, "Cadence · Home"],
    [dmOf(page.user), "Cadence · Messages"],
  ];
  for (const [id, label] of entries) {
    const item = el("li", id === page.channel ? "active" : "", label);
    item.dataset.channel = id;
    item.addEventListener("click", () => openChannel(id));
    if (id === HOME) list.append(el("li", "heading", "Apps"));
    list.append(item);
  }
}

async function openChannel(id) {
  page.channel = id;
  page.thread = null;
  page.tab = "messages";
  sidebar();
  if (id === HOME) await api("/api/home", { user: page.user }).catch(showError);
  refresh();
}

function switchPerson(user) {
  const wasDm = page.channel === dmOf(page.user);
  page.user = user;
  page.modalKey = "";
  localStorage.setItem("playground-user", user);
  openChannel(wasDm ? dmOf(user) : page.channel);
}

// ----- refreshing from the local Slack ------------------------------------------------------

function refresh() {
  if (page.refreshing) {
    page.again = true;
    return page.refreshing;
  }
  page.refreshing = (async () => {
    do {
      page.again = false;
      const query = new URLSearchParams({ user: page.user, channel: page.channel });
      if (page.thread) query.set("thread", page.thread);
      const state = await api("/api/state?" + query).catch(() => null);
      if (state) render(state);
      if (state && !page.again) document.body.dataset.user = query.get("user");
    } while (page.again);
    page.refreshing = null;
  })();
  return page.refreshing;
}

function render(state) {
  page.state = state;
  page.clockOffset = new Date(state.now) - Date.now();
  showClock();
  $("#main").dataset.channel = page.channel;
  $("#main").dataset.version = state.version;
  renderHeader();
  const home = page.channel === HOME;
  const canvas = !home && page.tab === "canvas" && state.canvas;
  $("#home").hidden = !home;
  $("#messages").hidden = home || canvas;
  $("#composer").hidden = home || canvas;
  $("#canvas").hidden = !canvas;
  renderTabs(state.canvas);
  if (home) renderHome(state.home);
  else if (canvas) renderCanvas(state.canvas);
  else renderMessages($("#messages"), state.messages, true);
  renderThread(state.thread);
  renderModal(state.modals);
}

function renderHeader() {
  const channel = page.ws.channels.find((c) => c.id === page.channel);
  const title = channel ? "# " + channel.name : page.channel === HOME ? "Cadence — Home" : "Cadence";
  $("#channel-title").textContent = title;
}

// ----- the channel's canvas -----------------------------------------------------------------

function renderTabs(canvas) {
  $("#channel-tabs").hidden = !canvas;
  for (const button of document.querySelectorAll("#channel-tabs [data-tab]")) {
    button.classList.toggle("active", button.dataset.tab === (canvas ? page.tab : "messages"));
  }
}

function renderCanvas(canvas) {
  const box = $("#canvas");
  const key = `${canvas.id}:${canvas.edits}:${canvas.title}`;
  if (box.dataset.key === key) return; // unchanged: keep the reader's scroll position
  box.dataset.key = key;
  box.dataset.edits = canvas.edits;
  const title = el("h1", "canvas-title", canvas.title || "Canvas");
  title.dataset.testid = "canvas-title";
  box.replaceChildren(title, CanvasMd.render(canvas.markdown, dir));
}

function showTab(tab) {
  page.tab = tab;
  refresh();
}

// ----- messages -----------------------------------------------------------------------------

function author(message) {
  if (message.is_ephemeral || message.user === page.ws.bot.id) return ["Cadence", true];
  const person = page.ws.people.find((p) => p.id === message.user);
  return [person ? person.real_name : message.user, false];
}

function messageNode(message, inThread) {
  const [name, isApp] = author(message);
  const node = el("article", "message" + (message.is_ephemeral ? " ephemeral" : ""));
  node.dataset.ts = message.ts;
  node.dataset.testid = "message";
  const avatar = node.appendChild(el("div", "avatar" + (isApp ? " app" : ""), name[0]));
  avatar.title = name;
  const body = node.appendChild(el("div", "body"));
  const meta = body.appendChild(el("div", "meta"));
  meta.append(el("b", "", name));
  if (isApp) meta.append(el("span", "badge", "APP"));
  meta.append(el("span", "time", formatTime(new Date(parseFloat(message.ts) * 1000), true)));
  if (message.edited) meta.append(el("span", "muted", "(edited)"));
  if (message.is_ephemeral) meta.append(el("span", "muted", "Only visible to you"));
  const ctx = { dir, surface: "message", act: (b, e, v, c) => act({ message }, b, e, v, c) };
  if (message.blocks && message.blocks.length) body.append(Blocks.render(message.blocks, ctx));
  else body.append(Mrkdwn.render(message.text, dir));
  if (!inThread && message.reply_count) {
    const link = body.appendChild(el("button", "replies", `${message.reply_count} repl${
      message.reply_count === 1 ? "y" : "ies"}`));
    link.addEventListener("click", () => openThread(message.ts));
  } else if (!inThread && !message.is_ephemeral) {
    const link = body.appendChild(el("button", "reply-link", "Reply in thread"));
    link.addEventListener("click", () => openThread(message.ts));
  }
  return node;
}

function renderMessages(box, messages, stick) {
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  box.replaceChildren(...messages.map((m) => messageNode(m, box.id === "thread-messages")));
  if (!messages.length) box.append(el("p", "muted empty", "Nothing here yet."));
  if (stick && (atBottom || !box.dataset.seen)) box.scrollTop = box.scrollHeight;
  box.dataset.seen = "1";
}

function openThread(ts) {
  page.thread = ts;
  refresh();
}

function renderThread(thread) {
  const pane = $("#thread");
  pane.hidden = !thread;
  if (!thread) return;
  renderMessages($("#thread-messages"), [thread.parent, ...thread.replies], true);
}

function renderHome(view) {
  const box = $("#home");
  if (!view) {
    box.replaceChildren(el("p", "muted", "Cadence has not published a Home tab for you yet."));
    return;
  }
  const ctx = { dir, surface: "home", act: (b, e, v, c) => act({ view }, b, e, v, c) };
  box.replaceChildren(Blocks.render(view.blocks, ctx));
}

// ----- interactions -------------------------------------------------------------------------

function confirmed(confirm) {
  if (!confirm) return Promise.resolve(true);
  return new Promise((resolve) => {
    const layer = $("#confirm-layer");
    const box = el("div", "dialog confirm");
    box.dataset.testid = "confirm";
    box.append(el("h3", "", Blocks.plainText(confirm.title) || "Are you sure?"));
    box.append(Mrkdwn.render(Blocks.plainText(confirm.text), dir));
    const buttons = box.appendChild(el("div", "dialog-buttons"));
    const deny = buttons.appendChild(el("button", "bk-button", Blocks.plainText(confirm.deny) || "Cancel"));
    const ok = buttons.appendChild(el("button", "bk-button " + (confirm.style || "primary"),
      Blocks.plainText(confirm.confirm) || "Yes"));
    const done = (answer) => { layer.hidden = true; layer.replaceChildren(); resolve(answer); };
    deny.addEventListener("click", () => done(false));
    ok.addEventListener("click", () => done(true));
    layer.replaceChildren(box);
    layer.hidden = false;
  });
}

async function act(source, block, element, value, confirm) {
  if (!(await confirmed(confirm))) return;
  const request = { user: page.user, block_id: block.block_id, action_id: element.action_id };
  if (value !== undefined && value !== null) request.value = value;
  if (source.view) {
    request.view_id = source.view.id;
    const form = document.querySelector(`[data-view-id="${source.view.id}"]`);
    if (form) request.values = Blocks.values(form);
  } else {
    request.channel = source.message.channel;
    request.ts = source.message.ts;
  }
  await api("/api/act", request).catch(showError);
  refresh();
}

// ----- modals -------------------------------------------------------------------------------

function renderModal(stack) {
  const layer = $("#modal-layer");
  const view = stack[stack.length - 1];
  const key = view ? `${view.id}:${view.hash}` : "";
  if (key === page.modalKey) return;
  page.modalKey = key;
  layer.hidden = !view;
  if (!view) return layer.replaceChildren();
  const box = el("form", "dialog modal");
  box.noValidate = true; // Slack's own checks (and the app's errors) show next to the fields
  box.dataset.testid = "modal";
  box.dataset.viewId = view.id;
  const head = box.appendChild(el("header"));
  head.append(el("h2", "", Blocks.plainText(view.title)));
  if (stack.length > 1) head.append(el("span", "muted", `${stack.length} of ${stack.length}`));
  const cross = head.appendChild(el("button", "close", "×"));
  cross.type = "button";
  cross.title = "Close";
  cross.addEventListener("click", () => closeModal(view, true));
  const ctx = { dir, surface: "modal", act: (b, e, v, c) => act({ view }, b, e, v, c) };
  box.appendChild(el("div", "modal-body")).append(Blocks.render(view.blocks, ctx));
  const foot = box.appendChild(el("footer"));
  const cancel = foot.appendChild(el("button", "bk-button", Blocks.plainText(view.close) || "Cancel"));
  cancel.type = "button";
  cancel.addEventListener("click", () => closeModal(view, false));
  if (view.submit) {
    const submit = foot.appendChild(el("button", "bk-button primary", Blocks.plainText(view.submit)));
    submit.type = "submit";
  }
  box.addEventListener("submit", (event) => {
    event.preventDefault();
    submitModal(view, box);
  });
  layer.replaceChildren(box);
}

async function submitModal(view, form) {
  const missing = Blocks.missing(form);
  Blocks.showErrors(form, missing);
  if (Object.keys(missing).length) return;
  for (const b of form.querySelectorAll("footer button")) b.disabled = true;
  try {
    const answer = await api("/api/submit", {
      user: page.user, view_id: view.id, values: Blocks.values(form),
    });
    Blocks.showErrors(form, answer.errors);
  } catch (error) {
    showError(error);
  } finally {
    for (const b of form.querySelectorAll("footer button")) b.disabled = false;
  }
  refresh();
}

async function closeModal(view, everything) {
  await api("/api/close", { user: page.user, view_id: view.id, everything }).catch(showError);
  refresh();
}

// ----- the composer -------------------------------------------------------------------------

async function send(form, thread) {
  const box = form.querySelector("textarea");
  const text = box.value;
  if (!text.trim()) return;
  try {
    await api("/api/send", { user: page.user, channel: page.channel, text, thread });
    box.value = "";
    showError(null);
  } catch (error) {
    showError(error);
  }
  refresh();
}

function composer(form, thread) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send(form, thread());
  });
  form.querySelector("textarea").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      send(form, thread());
    }
  });
}

function showError(error) {
  const box = $("#error");
  box.textContent = error ? String(error.message || error) : "";
  box.hidden = !error;
}

// ----- start --------------------------------------------------------------------------------

async function start() {
  page.ws = await api("/api/workspace");
  const people = dir.people;
  const saved = localStorage.getItem("playground-user");
  page.user = people.some((p) => p.id === saved) ? saved : people[0].id;
  const picker = $("#person");
  for (const person of people) {
    const option = el("option", "", `${person.real_name} — ${person.role || "member"}`);
    option.value = person.id;
    picker.append(option);
  }
  picker.value = page.user;
  picker.addEventListener("change", () => switchPerson(picker.value));
  for (const button of document.querySelectorAll("[data-move]")) {
    button.addEventListener("click", () => moveClock(button.dataset.move));
  }
  $("#thread-close").addEventListener("click", () => { page.thread = null; refresh(); });
  for (const button of document.querySelectorAll("#channel-tabs [data-tab]")) {
    button.addEventListener("click", () => showTab(button.dataset.tab));
  }
  composer($("#composer"), () => null);
  composer($("#thread-composer"), () => page.thread);
  const random = page.ws.channels.find((c) => c.name === "random") || page.ws.channels[0];
  page.channel = random ? random.id : HOME;
  sidebar();
  setInterval(showClock, 10000);
  const events = new EventSource("/api/events");
  events.addEventListener("change", () => refresh());
  await refresh();
  document.body.dataset.ready = "1";
}

start();
