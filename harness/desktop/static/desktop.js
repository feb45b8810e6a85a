// Agent desktop of omni-harness: the customer, each agent's Genesys Cloud client and Salesforce console, and the
// journal of both fakes. Every click is one call of the platforms' public APIs (with the agent's own token) or of
// the fakes' control API, sent to this page's own origin, which forwards it unchanged to the fake.
"use strict";

(() => {
  // -- media ------------------------------------------------------------------------------------------------
  // One entry per medium the page can play: its Genesys conversation collection, its customer actions on the
  // Salesforce fake, and the key prefix of its work item.
  const MEDIA = {
    chat: {
      label: "Chat",
      genesysCollection: "chats", // /api/v2/conversations/chats
      customerCollection: "chats", // /_fake/customers/chats
      workItemPrefix: "570", // LiveChatTranscript
    },
    messaging: {
      label: "Messaging",
      genesysCollection: "messages", // /api/v2/conversations/messages (Open Messaging)
      customerCollection: "messaging", // /_fake/customers/messaging (Enhanced Chat)
      workItemPrefix: "0Mw", // MessagingSession
    },
  };
  const mediumOf = (workItemId) =>
    Object.keys(MEDIA).find((m) => String(workItemId || "").startsWith(MEDIA[m].workItemPrefix)) || null;
  const mediumLabel = (workItemId) => (MEDIA[mediumOf(workItemId)] || { label: "Work item" }).label;

  const FEED_WAIT_SECONDS = 25;
  const FEED_RETRY_MS = 1000;
  const TIMELINE_KEEP = 3000;
  const TIMELINE_SHOW = 400;
  const HISTORY = 300;
  const READS_KEEP = 20000;
  const CUSTOMER_STORE = "omni-desktop-customer-chats";
  const PRESENCE_ACTIONS = [
    ["ON_QUEUE", "On Queue", "go-on-queue"],
    ["AVAILABLE", "Off Queue", "go-off-queue"],
    ["AWAY", "Away", "go-away"],
  ];

  const state = {
    plan: null,
    people: [],
    shown: new Set(),
    presenceIds: {}, // normalised system presence -> definition id
    genesysQueues: [],
    genesysQueueNames: {},
    sfQueues: [],
    sfUserNames: {}, // 15-character User id -> Name (the integration user is no agent)
    omniStatuses: [],
    sfVersionPath: "/services/data/v67.0",
    customerChats: [],
    codes: new Map(), // participant id -> wrap-up codes
    ui: { wrapup: {}, notes: {}, gTransfer: {}, sTransfer: {}, drafts: {}, tab: {} },
    timeline: { entries: [], after: 0, reads: new Set(), readOrder: [], interactions: new Set(), workItems: new Set() },
  };

  // -- small helpers ----------------------------------------------------------------------------------------
  const $ = (selector, root = document) => root.querySelector(selector);
  const norm = (text) => String(text || "").replace(/[ _]/g, "").toLowerCase();
  const id15 = (id) => String(id || "").slice(0, 15);
  const sameSfId = (a, b) => Boolean(a) && Boolean(b) && id15(a) === id15(b);

  function h(tag, attrs = {}, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "testid") el.dataset.testid = value;
      else if (key === "class") el.className = value;
      else if (key === "dataset") Object.assign(el.dataset, value);
      else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
      else if (key === "value" || key === "checked" || key === "selected" || key === "disabled") el[key] = value;
      else el.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : String(child));
    }
    return el;
  }

  function option(value, label, selected = false) {
    return h("option", { value, selected }, label);
  }

  function uuid() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    const b = window.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  function pretty(body) {
    if (body === null || body === undefined || body === "") return "(no body)";
    return typeof body === "string" ? body : JSON.stringify(body, null, 2);
  }

  // -- HTTP -------------------------------------------------------------------------------------------------
  class ApiFailure extends Error {
    constructor(result) {
      super(`${result.method} ${result.path} answered ${result.status}`);
      this.result = result;
    }
  }

  // One request to a fake through this page's origin. `read` marks the page's own refresh reads, so the timeline
  // can hide them (they carry a correlation id the page remembers).
  async function call(platform, method, path, { token = null, body, read = false } = {}) {
    const headers = { Accept: "application/json" };
    if (token) headers.Authorization = `Bearer ${token}`;
    let payload;
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
    if (read) {
      const id = uuid();
      headers["inin-correlation-id"] = id;
      rememberRead(id);
    }
    let response;
    try {
      response = await fetch(`/${platform}${path}`, { method, headers, body: payload, cache: "no-store" });
    } catch (err) {
      return { ok: false, status: 0, body: `the page could not reach its server: ${err}`, method, path, platform };
    }
    const text = await response.text();
    let parsed = null;
    if (text) {
      try { parsed = JSON.parse(text); } catch (_) { parsed = text; }
    }
    return { ok: response.ok, status: response.status, body: parsed, method, path, platform };
  }

  function rememberRead(id) {
    const t = state.timeline;
    t.reads.add(id);
    t.readOrder.push(id);
    if (t.readOrder.length > READS_KEEP) t.reads.delete(t.readOrder.shift());
  }

  // The agent's own token: `POST /_fake/tokens` on each fake (a Genesys user token; a Salesforce console session).
  async function mint(agent, platform) {
    const key = platform === "genesys" ? { email: agent.email } : { userId: agent.email };
    const result = await call(platform, "POST", "/_fake/tokens", { body: key });
    if (!result.ok) throw new ApiFailure(result);
    agent[platform].token = result.body.access_token;
    if (platform === "salesforce" && result.body.id) agent.salesforce.userId = String(result.body.id).split("/").pop();
    return agent[platform].token;
  }

  // A call with the agent's token; a 401 (expired, revoked, or the fakes were reset) mints a new one once.
  async function asAgent(agent, platform, method, path, options = {}) {
    if (!agent[platform].token) await mint(agent, platform);
    let result = await call(platform, method, path, { ...options, token: agent[platform].token });
    if (result.status === 401) {
      await mint(agent, platform);
      result = await call(platform, method, path, { ...options, token: agent[platform].token });
    }
    return result;
  }

  async function ensureAgent(agent) {
    if (!agent.genesys.token) await mint(agent, "genesys");
    if (!agent.salesforce.token) await mint(agent, "salesforce");
    if (!agent.genesys.userId) {
      const me = await asAgent(agent, "genesys", "GET", "/api/v2/users/me", { read: true });
      if (!me.ok) throw new ApiFailure(me);
      agent.genesys.userId = me.body.id;
    }
  }

  const bridge = (agent, method, args = {}) =>
    asAgent(agent, "salesforce", "POST", `/omni-toolkit/v1/users/${encodeURIComponent(agent.salesforce.userId)}/${method}`,
      { body: args });

  const soql = (agent, query) =>
    asAgent(agent, "salesforce", "GET", `${state.sfVersionPath}/query?q=${encodeURIComponent(query)}`, { read: true });

  function decodeWorks(value) {
    let works = value && typeof value === "object" && !Array.isArray(value) ? value.works : value;
    if (typeof works === "string") works = JSON.parse(works || "[]");
    return Array.isArray(works) ? works : [];
  }

  // -- errors ---------------------------------------------------------------------------------------------------
  function showError(area, result) {
    area.replaceChildren(
      h("p", { class: "error-head" }, `${result.method} ${result.path} was refused: ${result.status || "no answer"}`),
      h("pre", { testid: "error-body" }, pretty(result.body)),
      h("button", { type: "button", class: "quiet", onclick: () => clearError(area) }, "Dismiss"),
    );
    area.hidden = false;
  }

  function clearError(area) {
    area.replaceChildren();
    area.hidden = true;
  }

  // Runs one click: the call, then the error area shows the platform's own error body or is cleared.
  async function act(area, button, run) {
    if (button) button.disabled = true;
    try {
      const result = await run();
      if (result && !result.ok) showError(area, result);
      else clearError(area);
    } catch (err) {
      if (err instanceof ApiFailure) showError(area, err.result);
      else showError(area, { method: "", path: "", status: 0, body: String(err) });
    } finally {
      if (button && button.isConnected) button.disabled = false;
      scheduleRefresh();
    }
  }

  // -- keyed lists: an item is rebuilt only when its data changed, so focus and choices survive refreshes --------
  function reconcile(container, items, keyOf, render) {
    const existing = new Map();
    for (const child of [...container.children]) existing.set(child.dataset.key, child);
    let previous = null;
    for (const item of items) {
      const key = String(keyOf(item));
      const signature = JSON.stringify(item);
      let el = existing.get(key);
      if (!el || el.dataset.signature !== signature) {
        const fresh = render(item);
        fresh.dataset.key = key;
        fresh.dataset.signature = signature;
        if (el) {
          const focused = el.contains(document.activeElement) ? document.activeElement.dataset.testid : null;
          el.replaceWith(fresh);
          if (focused) {
            const again = fresh.querySelector(`[data-testid="${focused}"]`);
            if (again) again.focus();
          }
        }
        el = fresh;
      }
      existing.delete(key);
      const next = previous ? previous.nextElementSibling : container.firstElementChild;
      if (el !== next) container.insertBefore(el, next);
      previous = el;
    }
    for (const stale of existing.values()) stale.remove();
    const empty = document.querySelector(`[data-empty-for="${container.id}"]`);
    if (empty) empty.hidden = items.length > 0;
  }

  // -- directory: people, queues, statuses, read through the platforms' APIs with an agent's token -------------
  function personByGenesysId(id) {
    return state.people.find((p) => p.genesys.userId && p.genesys.userId === id) || null;
  }

  function personBySalesforceId(id) {
    return state.people.find((p) => sameSfId(p.salesforce.userId, id)) || null;
  }

  async function loadDirectory() {
    const agent = state.people[0];
    await ensureAgent(agent);
    const versions = await asAgent(agent, "salesforce", "GET", "/services/data", { read: true });
    if (versions.ok && Array.isArray(versions.body) && versions.body.length) {
      state.sfVersionPath = versions.body[versions.body.length - 1].url;
    }
    const reads = await Promise.all([
      asAgent(agent, "genesys", "GET", "/api/v2/presence/definitions", { read: true }),
      asAgent(agent, "genesys", "GET", "/api/v2/routing/queues?pageSize=100", { read: true }),
      asAgent(agent, "genesys", "GET", "/api/v2/users?pageSize=100", { read: true }),
      soql(agent, "SELECT Id, DeveloperName, MasterLabel FROM ServicePresenceStatus"),
      soql(agent, "SELECT Id, DeveloperName, Name FROM Group WHERE Type = 'Queue'"),
      soql(agent, "SELECT Id, Name, Email FROM User"),
    ]);
    const failed = reads.find((r) => !r.ok);
    if (failed) throw new ApiFailure(failed);
    const [definitions, queues, users, statuses, sfQueues, sfUsers] = reads.map((r) => r.body);
    for (const d of definitions.entities || []) {
      if ((d.type || "System") === "System") {
        const key = norm(d.systemPresence);
        if (!state.presenceIds[key]) state.presenceIds[key] = d.id;
      }
    }
    state.genesysQueues = (queues.entities || []).map((q) => ({ id: q.id, name: q.name }));
    state.genesysQueueNames = Object.fromEntries(state.genesysQueues.map((q) => [q.id, q.name]));
    const gByEmail = Object.fromEntries((users.entities || []).map((u) => [String(u.email || "").toLowerCase(), u.id]));
    const sByEmail = Object.fromEntries((sfUsers.records || []).map((u) => [String(u.Email || "").toLowerCase(), u.Id]));
    state.sfUserNames = Object.fromEntries((sfUsers.records || []).map((u) => [id15(u.Id), u.Name]));
    for (const p of state.people) {
      p.genesys.userId = p.genesys.userId || gByEmail[p.email.toLowerCase()] || null;
      p.salesforce.userId = p.salesforce.userId || sByEmail[p.email.toLowerCase()] || null;
    }
    state.omniStatuses = (statuses.records || []).map((s) => ({ id: s.Id, name: s.MasterLabel, apiName: s.DeveloperName }));
    state.sfQueues = (sfQueues.records || []).map((q) => ({ id: q.Id, name: q.Name, apiName: q.DeveloperName }));
  }

  // -- agent picker -------------------------------------------------------------------------------------------
  function initialShown() {
    const match = /agents=([\d,]+)/.exec(window.location.hash);
    const wanted = match ? match[1].split(",").map(Number) : [1, 2];
    return state.people.filter((p) => wanted.includes(p.index)).map((p) => p.index);
  }

  function renderPicker() {
    const box = $("#agent-picker");
    box.replaceChildren(...state.people.map((p) => h("label", { class: "pick" },
      h("input", {
        type: "checkbox", value: String(p.index), checked: state.shown.has(p.index), testid: "show-agent",
        onchange: (ev) => {
          if (ev.target.checked) state.shown.add(p.index); else state.shown.delete(p.index);
          window.history.replaceState(null, "", `#agents=${[...state.shown].sort((a, b) => a - b).join(",")}`);
          renderAgents();
          scheduleRefresh();
        },
      }), ` ${p.name}`)));
    const filter = $('select[name="agent"]', $("#timeline-filters"));
    for (const p of state.people) filter.append(option(String(p.index), p.name));
  }

  // -- agent cards ------------------------------------------------------------------------------------------
  function renderAgents() {
    const box = $("#agents");
    const shown = state.people.filter((p) => state.shown.has(p.index));
    for (const p of state.people) {
      if (!state.shown.has(p.index) && p.view) { p.view.root.remove(); p.view = null; }
    }
    for (const p of shown) {
      if (!p.view) p.view = buildAgentCard(p);
      box.append(p.view.root);
    }
    if (!shown.length) box.replaceChildren(h("p", { class: "empty" }, "Pick an agent above to show their screens."));
    else for (const el of [...box.children]) if (!el.classList.contains("agent")) el.remove();
  }

  function buildAgentCard(agent) {
    const headingId = `agent-${agent.index}-h`;
    const v = {};
    v.presence = h("strong", { testid: "presence" }, "…");
    v.routing = h("strong", { testid: "routing-status" }, "…");
    v.gError = h("div", { class: "error", role: "alert", testid: "error", hidden: true });
    v.interactions = h("ul", { class: "items", id: `agent-${agent.index}-interactions`, testid: "interactions" });
    v.omniStatus = h("strong", { testid: "omni-status" }, "…");
    v.statusSelect = h("select", { testid: "omni-status-select", onchange: (ev) => setOmniStatus(agent, ev.target) });
    v.sError = h("div", { class: "error", role: "alert", testid: "error", hidden: true });
    v.incoming = h("ul", { class: "items", id: `agent-${agent.index}-incoming`, testid: "incoming-work" });
    v.openWork = h("ul", { class: "items", id: `agent-${agent.index}-open-work`, testid: "open-work" });
    v.tabs = h("div", { class: "tabs", id: `agent-${agent.index}-tabs`, role: "tablist", "aria-label": `Conversation tabs of ${agent.name}`, testid: "tabs" });
    v.tabPanels = h("div", { class: "tab-panels", id: `agent-${agent.index}-tab-panels` });

    const presenceButtons = PRESENCE_ACTIONS.map(([presence, label, testid]) => h("button", {
      type: "button", testid, onclick: (ev) => act(v.gError, ev.currentTarget, () => setPresence(agent, presence)),
    }, label));

    v.genesys = h("section", { class: "screen genesys", testid: "genesys-client", "aria-label": `Genesys Cloud client of ${agent.name}` },
      h("h4", { class: "screen-title" }, "Genesys Cloud client"),
      h("p", { class: "status-line" }, "Presence ", v.presence, " · Routing ", v.routing),
      h("div", { class: "actions", role: "group", "aria-label": "Set your status" }, presenceButtons),
      v.gError,
      h("h5", {}, "Interactions"),
      v.interactions,
      h("p", { class: "empty", dataset: { emptyFor: v.interactions.id } }, "No interactions."));

    v.salesforce = h("section", { class: "screen salesforce", testid: "salesforce-console", "aria-label": `Salesforce console of ${agent.name}` },
      h("h4", { class: "screen-title" }, "Salesforce console"),
      h("div", { class: "omni", testid: "omni-widget", role: "group", "aria-label": "Omni-Channel" },
        h("p", { class: "status-line" }, "Omni-Channel ", v.omniStatus, " ",
          h("label", {}, "Change status ", v.statusSelect)),
        v.sError,
        h("h5", {}, "Incoming work"),
        v.incoming,
        h("p", { class: "empty", dataset: { emptyFor: v.incoming.id } }, "Nothing incoming."),
        h("h5", {}, "My work"),
        v.openWork,
        h("p", { class: "empty", dataset: { emptyFor: v.openWork.id } }, "No open work items.")),
      h("h5", {}, "Conversation tabs"),
      v.tabs,
      h("p", { class: "empty", dataset: { emptyFor: v.tabs.id } }, "No open tabs."),
      v.tabPanels);

    v.root = h("article", { class: "agent", testid: "agent", "aria-labelledby": headingId, dataset: { agent: String(agent.index) } },
      h("h3", { id: headingId, class: "agent-name" }, agent.name, " ", h("span", { class: "sub" }, agent.email)),
      h("div", { class: "screens" }, v.genesys, v.salesforce));
    return v;
  }

  // -- Genesys client -----------------------------------------------------------------------------------------
  function setPresence(agent, systemPresence) {
    const id = state.presenceIds[norm(systemPresence)];
    if (!id) return Promise.resolve({ ok: false, status: 0, method: "PATCH", path: "presence", body: `Genesys has no presence ${systemPresence}` });
    return asAgent(agent, "genesys", "PATCH", `/api/v2/users/${agent.genesys.userId}/presences/purecloud`,
      { body: { presenceDefinition: { id } } });
  }

  function participantPath(conv) {
    return `/api/v2/conversations/${MEDIA[conv.medium].genesysCollection}/${conv.id}/participants/${conv.participantId}`;
  }

  function interactionView(agent, conv) {
    const area = agent.view.gError;
    const patch = (body) => (ev) => act(area, ev.currentTarget, () => asAgent(agent, "genesys", "PATCH", participantPath(conv), { body }));
    const live = conv.state === "alerting" || conv.state === "connected";
    const acw = conv.acw;
    const actions = [];
    if (conv.state === "alerting") {
      actions.push(h("button", { type: "button", class: "primary", testid: "pick-up", onclick: patch({ state: "connected" }) }, "Pick Up"));
      actions.push(h("button", { type: "button", testid: "decline", onclick: patch({ state: "disconnected" }) }, "Decline"));
    }
    if (conv.state === "connected") {
      actions.push(h("button", { type: "button", testid: "disconnect", onclick: patch({ state: "disconnected" }) }, "Disconnect"));
    }
    if (live) {
      const key = conv.participantId;
      const target = h("select", { testid: "genesys-transfer-target", onchange: (ev) => { state.ui.gTransfer[key] = ev.target.value; } },
        h("optgroup", { label: "Queues" }, state.genesysQueues.map((q) => option(`queue:${q.id}`, q.name))),
        h("optgroup", { label: "Agents" }, state.people.filter((p) => p !== agent && p.genesys.userId)
          .map((p) => option(`user:${p.genesys.userId}`, p.name))));
      if (state.ui.gTransfer[key]) target.value = state.ui.gTransfer[key];
      actions.push(h("span", { class: "transfer" },
        h("label", {}, "Transfer to ", target),
        h("button", {
          type: "button", testid: "genesys-transfer",
          onclick: (ev) => act(area, ev.currentTarget, () => {
            const [kind, id] = target.value.split(":");
            return asAgent(agent, "genesys", "POST", `${participantPath(conv)}/replace`,
              { body: kind === "queue" ? { queueId: id } : { userId: id } });
          }),
        }, "Transfer")));
    }
    let wrapup = null;
    if (acw) {
      const key = conv.participantId;
      const codes = conv.codes || [];
      const select = h("select", { testid: "wrapup-code", required: true, onchange: (ev) => { state.ui.wrapup[key] = ev.target.value; } },
        option("", "Select a wrap-up code", !state.ui.wrapup[key]),
        codes.map((c) => option(c.id, c.name, state.ui.wrapup[key] === c.id)));
      const notes = h("input", { testid: "wrapup-notes", value: state.ui.notes[key] || "", autocomplete: "off",
        oninput: (ev) => { state.ui.notes[key] = ev.target.value; } });
      wrapup = h("fieldset", { class: "wrapup", testid: "wrapup" },
        h("legend", {}, "Wrap-up"),
        h("label", {}, "Wrap-up code ", select),
        h("label", {}, "Notes ", notes),
        h("button", {
          type: "button", class: "primary", testid: "wrapup-done",
          onclick: (ev) => act(area, ev.currentTarget, () => asAgent(agent, "genesys", "PATCH", participantPath(conv),
            { body: { wrapup: { code: select.value, notes: notes.value } } })),
        }, "Done"));
    }
    const stateText = acw ? "wrap-up" : conv.state;
    return h("li", {
      class: `item interaction state-${conv.state}${acw ? " acw" : ""}`, testid: "interaction",
      dataset: { conversationId: conv.id, participantId: conv.participantId, workItemId: conv.workItemId || "", state: stateText },
    },
    h("p", { class: "line" },
      h("span", { class: `badge state-${acw ? "acw" : conv.state}`, testid: "interaction-state" }, stateText), " ",
      h("strong", {}, MEDIA[conv.medium].label), " from ", h("span", { testid: "interaction-customer" }, conv.customerName || "a customer"),
      conv.queueName ? [" · ", conv.queueName] : null),
    h("p", { class: "meta" },
      conv.workItemId ? ["Salesforce work item ", h("code", { testid: "interaction-work-item" }, conv.workItemId), " · "] : null,
      "interaction ", h("code", {}, conv.id)),
    actions.length ? h("div", { class: "actions" }, actions) : null,
    wrapup);
  }

  async function readGenesys(agent) {
    const g = agent.genesys;
    const reads = await Promise.all([
      asAgent(agent, "genesys", "GET", `/api/v2/users/${g.userId}?expand=presence,routingStatus`, { read: true }),
      ...Object.entries(MEDIA).map(([medium, m]) =>
        asAgent(agent, "genesys", "GET", `/api/v2/conversations/${m.genesysCollection}`, { read: true })
          .then((r) => ({ medium, result: r }))),
    ]);
    const [user, ...listings] = reads;
    const out = { presence: null, routing: null, conversations: [] };
    if (user.ok) {
      out.presence = ((user.body.presence || {}).presenceDefinition || {}).systemPresence || null;
      out.routing = (user.body.routingStatus || {}).status || null;
    }
    for (const { medium, result } of listings) {
      if (!result.ok) continue;
      for (const c of result.body.entities || []) {
        const mine = (c.participants || []).filter((p) => p.purpose === "agent" && (p.user || {}).id === g.userId);
        const me = mine[mine.length - 1];
        if (!me) continue;
        const customer = (c.participants || []).find((p) => p.purpose === "customer") || {};
        const acd = (c.participants || []).find((p) => p.purpose === "acd") || {};
        const queueId = (me.queue || {}).id || (acd.queue || {}).id || null;
        const acw = me.state === "disconnected" && Boolean(me.wrapupRequired) && !me.wrapup;
        out.conversations.push({
          id: c.id, medium, participantId: me.id, state: me.state, acw,
          customerName: customer.name || null, workItemId: (customer.attributes || {}).workItemId || null,
          queueId, queueName: state.genesysQueueNames[queueId] || (acd.queue || {}).name || null,
        });
      }
    }
    // The wrap-up window lists the codes of the interaction's queue (`GET .../participants/{id}/wrapupcodes`).
    await Promise.all(out.conversations.filter((c) => c.acw && !state.codes.has(c.participantId)).map(async (c) => {
      const r = await asAgent(agent, "genesys", "GET", `${participantPath(c)}/wrapupcodes`, { read: true });
      if (r.ok) state.codes.set(c.participantId, (Array.isArray(r.body) ? r.body : r.body.entities || []).map((x) => ({ id: x.id, name: x.name })));
    }));
    for (const c of out.conversations) if (c.acw) c.codes = state.codes.get(c.participantId) || [];
    return out;
  }

  function renderGenesys(agent, g) {
    const v = agent.view;
    v.presence.textContent = g.presence || "unknown";
    v.presence.dataset.value = norm(g.presence);
    v.routing.textContent = g.routing || "unknown";
    v.routing.dataset.value = g.routing || "";
    reconcile(v.interactions, g.conversations, (c) => `${c.id}/${c.participantId}`, (c) => interactionView(agent, c));
  }

  // -- Salesforce console --------------------------------------------------------------------------------------
  function setOmniStatus(agent, select) {
    const value = select.value;
    // The select shows the platform's status again after the call, whether it was taken or refused.
    delete select.dataset.signature;
    act(agent.view.sError, select, () => (value === "" ? bridge(agent, "logout") : bridge(agent, "setServicePresenceStatus", { statusId: value })));
  }

  async function readSalesforce(agent) {
    const [status, works] = await Promise.all([
      asAgent(agent, "salesforce", "POST", `/omni-toolkit/v1/users/${encodeURIComponent(agent.salesforce.userId)}/getServicePresenceStatusId`, { body: {}, read: true }),
      asAgent(agent, "salesforce", "POST", `/omni-toolkit/v1/users/${encodeURIComponent(agent.salesforce.userId)}/getAgentWorks`, { body: {}, read: true }),
    ]);
    const out = { status: null, works: [], chats: {} };
    // The toolkit rejects getServicePresenceStatusId while the agent is logged out of Omni-Channel.
    if (status.ok && status.body && status.body.statusId) out.status = status.body;
    if (works.ok) out.works = decodeWorks(works.body);
    await Promise.all(out.works.filter((w) => w.isEngaged && mediumOf(w.workItemId)).map(async (w) => {
      out.chats[w.workItemId] = await readCustomerChat(mediumOf(w.workItemId), w.workItemId);
    }));
    return out;
  }

  function renderSalesforce(agent, s) {
    const v = agent.view;
    v.omniStatus.textContent = s.status ? s.status.statusName : "Offline";
    v.omniStatus.dataset.value = s.status ? s.status.statusApiName : "Offline";
    const options = [option("", "Offline", !s.status),
      ...state.omniStatuses.map((st) => option(st.id, st.name, Boolean(s.status) && sameSfId(s.status.statusId, st.id)))];
    const signature = JSON.stringify([s.status && s.status.statusId, state.omniStatuses]);
    if (v.statusSelect.dataset.signature !== signature) {
      v.statusSelect.replaceChildren(...options);
      v.statusSelect.dataset.signature = signature;
    }
    const incoming = s.works.filter((w) => !w.isEngaged);
    const open = s.works.filter((w) => w.isEngaged).map((w) => ({ ...w, chat: s.chats[w.workItemId] || null }));
    reconcile(v.incoming, incoming, (w) => w.workId, (w) => incomingView(agent, w));
    reconcile(v.openWork, open, (w) => w.workId, (w) => h("li", {
      class: "item work", testid: "work-item", dataset: { workId: w.workId, workItemId: w.workItemId },
    }, h("strong", {}, mediumLabel(w.workItemId)), " ", h("code", { testid: "work-item-id" }, w.workItemId),
    w.chat ? [" · ", w.chat.customerName || "", " · ", h("span", { testid: "work-item-status" }, w.chat.status)] : null));
    renderTabs(agent, open);
  }

  function incomingView(agent, w) {
    const area = agent.view.sError;
    return h("li", { class: "item incoming", testid: "incoming", dataset: { workId: w.workId, workItemId: w.workItemId } },
      h("p", { class: "line" }, h("span", { class: "badge state-alerting" }, "incoming"), ` ${mediumLabel(w.workItemId)} `, h("code", {}, w.workItemId)),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "primary", testid: "accept-work",
          onclick: (ev) => act(area, ev.currentTarget, () => bridge(agent, "acceptAgentWork", { workId: w.workId })) }, "Accept"),
        h("button", { type: "button", testid: "decline-work",
          onclick: (ev) => act(area, ev.currentTarget, () => bridge(agent, "declineAgentWork", { workId: w.workId })) }, "Decline")));
  }

  function renderTabs(agent, open) {
    const v = agent.view;
    const ui = state.ui.tab;
    if (!open.some((w) => w.workId === ui[agent.index])) ui[agent.index] = open.length ? open[0].workId : null;
    const selected = ui[agent.index];
    reconcile(v.tabs, open.map((w) => ({ workId: w.workId, workItemId: w.workItemId, name: (w.chat || {}).customerName, selected: w.workId === selected })),
      (t) => t.workId,
      (t) => h("button", {
        type: "button", role: "tab", class: "tab", testid: "conversation-tab", id: `tab-${t.workId}`,
        "aria-selected": t.selected ? "true" : "false", "aria-controls": t.selected ? `panel-${t.workId}` : null,
        dataset: { workItemId: t.workItemId },
        onclick: () => { ui[agent.index] = t.workId; renderSalesforce(agent, agent.lastSalesforce); },
      }, t.name || mediumLabel(t.workItemId), " ", h("small", {}, id15(t.workItemId))));
    const panelItems = open.filter((w) => w.workId === selected);
    reconcile(v.tabPanels, panelItems, (w) => w.workId, (w) => tabPanel(agent, w));
  }

  function tabPanel(agent, w) {
    const area = agent.view.sError;
    const chat = w.chat || { status: "unknown", messages: [] };
    const draftKey = `agent:${w.workItemId}`;
    const input = h("input", { testid: "agent-message", value: state.ui.drafts[draftKey] || "", autocomplete: "off",
      oninput: (ev) => { state.ui.drafts[draftKey] = ev.target.value; } });
    const target = h("select", { testid: "sf-transfer-target", onchange: (ev) => { state.ui.sTransfer[w.workId] = ev.target.value; } },
      h("optgroup", { label: "Agents" }, state.people.filter((p) => p !== agent && p.salesforce.userId)
        .map((p) => option(`user:${p.salesforce.userId}`, p.name))),
      h("optgroup", { label: "Queues" }, state.sfQueues.map((q) => option(`queue:${q.apiName}`, q.name))));
    if (state.ui.sTransfer[w.workId]) target.value = state.ui.sTransfer[w.workId];
    return h("section", { role: "tabpanel", class: "tab-panel", id: `panel-${w.workId}`, "aria-labelledby": `tab-${w.workId}`,
      testid: "conversation", dataset: { workId: w.workId, workItemId: w.workItemId } },
    h("p", { class: "line" }, `${mediumLabel(w.workItemId)} `, h("code", {}, w.workItemId), " · ", h("span", { testid: "conversation-status" }, chat.status)),
    h("ol", { class: "transcript", "aria-label": "Transcript" }, (chat.messages || []).map((m) =>
      h("li", { class: `msg from-${m.from}` }, h("span", { class: "who" }, m.from), " ", m.text))),
    h("form", { class: "send", onsubmit: (ev) => {
      ev.preventDefault();
      const text = input.value;
      act(area, null, async () => {
        const r = await bridge(agent, "sendMessage", { workItemId: w.workItemId, text });
        if (r.ok) state.ui.drafts[draftKey] = "";
        return r;
      });
    } }, h("label", {}, "Message ", input), h("button", { type: "submit", testid: "agent-send" }, "Send")),
    h("div", { class: "actions" },
      h("button", { type: "button", testid: "end-chat",
        onclick: (ev) => act(area, ev.currentTarget, () => bridge(agent, "endChat", { workItemId: w.workItemId })) }, "End chat"),
      h("button", { type: "button", class: "primary", testid: "close-tab",
        onclick: (ev) => act(area, ev.currentTarget, () => bridge(agent, "closeTab", { workId: w.workId })) }, "Close"),
      h("span", { class: "transfer" }, h("label", {}, "Transfer to ", target),
        h("button", { type: "button", testid: "sf-transfer",
          onclick: (ev) => act(area, ev.currentTarget, () => {
            const [kind, id] = target.value.split(":");
            return bridge(agent, "transferChat", kind === "queue" ? { workItemId: w.workItemId, toQueue: id } : { workItemId: w.workItemId, toUserId: id });
          }) }, "Transfer"))));
  }

  // -- customer ---------------------------------------------------------------------------------------------
  async function readCustomerChat(medium, workItemId) {
    const r = await call("salesforce", "GET", `/_fake/customers/${MEDIA[medium].customerCollection}/${encodeURIComponent(workItemId)}`);
    return r.ok ? r.body : { status: `unreadable (${r.status})`, messages: [] };
  }

  function saveCustomerChats() {
    try {
      window.sessionStorage.setItem(CUSTOMER_STORE, JSON.stringify(state.customerChats.map(({ medium, workItemId, queue, customerName }) => ({ medium, workItemId, queue, customerName }))));
    } catch (_) { /* storage is a convenience only */ }
  }

  function loadCustomerChats() {
    try {
      const saved = JSON.parse(window.sessionStorage.getItem(CUSTOMER_STORE) || "[]");
      state.customerChats = saved.filter((c) => c && MEDIA[c.medium] && c.workItemId);
    } catch (_) { state.customerChats = []; }
  }

  function initCustomer() {
    const form = $("#customer-open");
    const medium = $('select[name="medium"]', form);
    medium.replaceChildren(...Object.entries(MEDIA).map(([key, m]) => option(key, m.label)));
    const queue = $('select[name="queue"]', form);
    // Each medium has its own externally routed queues (chat queues, messaging queues).
    const showQueues = () => {
      const pairs = medium.value === "messaging" ? (state.plan.messagingQueuePairs || []) : state.plan.queuePairs;
      queue.replaceChildren(...pairs.map((q) => option(q.salesforce_developer_name, q.salesforce_label || q.salesforce_developer_name)));
    };
    medium.addEventListener("change", showQueues);
    showQueues();
    const area = $("#customer .error");
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const data = new FormData(form);
      const chosen = String(data.get("medium"));
      const body = { queue: String(data.get("queue")), customerName: String(data.get("customerName")) };
      const text = String(data.get("text") || "");
      if (text.trim()) body.text = text;
      act(area, $('button[type="submit"]', form), async () => {
        const r = await call("salesforce", "POST", `/_fake/customers/${MEDIA[chosen].customerCollection}`, { body });
        if (r.ok) {
          state.customerChats.unshift({ medium: chosen, workItemId: r.body.workItemId, queue: body.queue, customerName: body.customerName });
          saveCustomerChats();
          addFilterOption("workItem", r.body.workItemId, `${body.customerName} ${id15(r.body.workItemId)}`);
        }
        return r;
      });
    });
  }

  async function readCustomer() {
    await Promise.all(state.customerChats.map(async (c) => { c.detail = await readCustomerChat(c.medium, c.workItemId); }));
  }

  function renderCustomer() {
    const area = $("#customer .error");
    reconcile($("#customer-chats"), state.customerChats, (c) => c.workItemId, (c) => {
      const detail = c.detail || { status: "…", messages: [] };
      const draftKey = `customer:${c.workItemId}`;
      const input = h("input", { testid: "customer-message", value: state.ui.drafts[draftKey] || "", autocomplete: "off",
        oninput: (ev) => { state.ui.drafts[draftKey] = ev.target.value; } });
      const base = `/_fake/customers/${MEDIA[c.medium].customerCollection}/${encodeURIComponent(c.workItemId)}`;
      const ended = ["Completed", "Missed", "Ended", "Blocked"].includes(detail.status);
      return h("li", { class: "item customer-chat", testid: "customer-chat", dataset: { workItemId: c.workItemId, status: detail.status } },
        h("p", { class: "line" }, h("strong", {}, MEDIA[c.medium].label), " in ", c.queue, " · ",
          h("span", { class: "badge", testid: "customer-chat-status" }, detail.status)),
        h("p", { class: "meta" }, "work item ", h("code", { testid: "customer-work-item" }, c.workItemId)),
        h("ol", { class: "transcript", "aria-label": "Transcript" }, (detail.messages || []).map((m) =>
          h("li", { class: `msg from-${m.from}` }, h("span", { class: "who" }, m.from), " ", m.text))),
        ended ? null : h("form", { class: "send", onsubmit: (ev) => {
          ev.preventDefault();
          const text = input.value;
          act(area, null, async () => {
            const r = await call("salesforce", "POST", `${base}/messages`, { body: { text } });
            if (r.ok) state.ui.drafts[draftKey] = "";
            return r;
          });
        } }, h("label", {}, "Message ", input), h("button", { type: "submit", testid: "customer-send" }, "Send")),
        h("div", { class: "actions" },
          ended ? null : h("button", { type: "button", testid: "customer-leave",
            onclick: (ev) => act(area, ev.currentTarget, () => call("salesforce", "POST", `${base}/leave`, { body: {} })) }, "Leave"),
          h("button", { type: "button", class: "quiet", testid: "customer-forget",
            onclick: () => { state.customerChats = state.customerChats.filter((x) => x !== c); saveCustomerChats(); renderCustomer(); } },
          "Remove from list")));
    });
  }

  // -- refresh: after state changes on the event feed, read each shown agent's screens again ----------------------
  let refreshing = false;
  let dirty = false;

  function scheduleRefresh() {
    dirty = true;
    if (!refreshing) runRefresh();
  }

  async function runRefresh() {
    refreshing = true;
    try {
      while (dirty) {
        dirty = false;
        await refreshAll();
      }
    } finally {
      refreshing = false;
    }
  }

  async function refreshAll() {
    const agents = state.people.filter((p) => state.shown.has(p.index) && p.view);
    await Promise.all([
      readCustomer().then(renderCustomer),
      ...agents.map(async (agent) => {
        try {
          await ensureAgent(agent);
          const [g, s] = await Promise.all([readGenesys(agent), readSalesforce(agent)]);
          if (!agent.view) return;
          agent.lastGenesys = g;
          agent.lastSalesforce = s;
          renderGenesys(agent, g);
          renderSalesforce(agent, s);
          for (const c of g.conversations) {
            addFilterOption("interaction", c.id, `${c.customerName || "interaction"} ${c.id.slice(0, 8)}`);
            if (c.workItemId) addFilterOption("workItem", c.workItemId, `${c.customerName || "work item"} ${id15(c.workItemId)}`);
          }
          for (const w of s.works) addFilterOption("workItem", w.workItemId, `work item ${id15(w.workItemId)}`);
        } catch (err) {
          if (agent.view) showError(agent.view.gError, err instanceof ApiFailure ? err.result : { method: "", path: "", status: 0, body: String(err) });
        }
      }),
    ]);
    document.body.dataset.refreshed = String(Number(document.body.dataset.refreshed || 0) + 1);
  }

  // -- timeline ---------------------------------------------------------------------------------------------
  function addFilterOption(name, value, label) {
    const set = name === "interaction" ? state.timeline.interactions : state.timeline.workItems;
    const key = name === "workItem" ? id15(value) : value;
    if (!value || set.has(key)) return;
    set.add(key);
    $(`select[name="${name}"]`, $("#timeline-filters")).append(option(value, label));
  }

  function actorLabel(actor) {
    if (!actor) return null;
    if (typeof actor === "string") {
      if (actor.startsWith("user:")) {
        const p = personByGenesysId(actor.slice(5));
        return p ? p.name : actor;
      }
      return actor.startsWith("client:") ? "integration (client credentials)" : actor;
    }
    if (typeof actor === "object") {
      const p = personBySalesforceId(actor.userId);
      const known = state.sfUserNames[id15(actor.userId)];
      const who = p ? p.name : known ? `${known} (${actor.kind || "session"})` : `${actor.kind || "session"} ${actor.userId || ""}`.trim();
      const forWhom = actor.actingFor && !sameSfId(actor.actingFor, actor.userId) ? personBySalesforceId(actor.actingFor) : null;
      return forWhom ? `${who} for ${forWhom.name}` : who;
    }
    return String(actor);
  }

  function summary(entry) {
    const d = entry.data || {};
    if (entry.kind === "request") {
      return `${d.method} ${d.path}${d.query ? `?${decodeURIComponent(String(d.query).replace(/\+/g, " "))}` : ""} → ${d.status}`;
    }
    const parts = [];
    for (const [key, value] of Object.entries(d)) {
      if (value === null || typeof value === "object") continue;
      parts.push(`${key}=${value}`);
      if (parts.length >= 4) break;
    }
    return `${entry.type}${parts.length ? ` ${parts.join(" ")}` : ""}`;
  }

  function entryText(entry) {
    if (entry._text === undefined) entry._text = JSON.stringify(entry);
    return entry._text;
  }

  function filters() {
    const form = $("#timeline-filters");
    return {
      agent: state.people.find((p) => String(p.index) === form.elements.agent.value) || null,
      interaction: form.elements.interaction.value,
      workItem: form.elements.workItem.value,
      requests: form.elements.requests.checked,
      events: form.elements.events.checked,
      reads: form.elements.reads.checked,
    };
  }

  function matches(entry, f) {
    if (entry.kind === "request" && !f.requests) return false;
    if (entry.kind === "event" && !f.events) return false;
    if (!f.reads && state.timeline.reads.has(entry.correlationId)) return false;
    const text = entryText(entry);
    if (f.agent) {
      const g = f.agent.genesys.userId;
      const s = f.agent.salesforce.userId;
      if (!((g && text.includes(g)) || (s && text.includes(id15(s))))) return false;
    }
    if (f.interaction && !text.includes(f.interaction)) return false;
    if (f.workItem && !text.includes(id15(f.workItem))) return false;
    return true;
  }

  function entryView(entry) {
    const d = entry.data || {};
    const actor = entry.kind === "request" ? actorLabel(d.actor) : null;
    const time = String(entry.time || "").slice(11, 23);
    const details = h("details", {},
      h("summary", {},
        h("span", { class: "seq" }, `#${entry.seq}`), " ",
        h("time", {}, time), " ",
        h("span", { class: `src src-${entry.source}` }, entry.source === "genesys" ? "Genesys" : entry.source === "salesforce" ? "Salesforce" : entry.source), " ",
        h("span", { class: `kind kind-${entry.kind}${entry.kind === "request" && d.status >= 400 ? " refused" : ""}` }, summary(entry)),
        actor ? h("span", { class: "actor" }, ` by ${actor}`) : null));
    // Bodies are built on first open: the list stays light however long the run.
    details.addEventListener("toggle", () => {
      if (!details.open || details.dataset.filled) return;
      details.dataset.filled = "1";
      const body = entry.kind === "request"
        ? [h("h4", {}, "Request body"), h("pre", { testid: "request-body" }, pretty(d.requestBody)),
          h("h4", {}, "Response body"), h("pre", { testid: "response-body" }, pretty(d.responseBody)),
          h("p", { class: "meta" }, `correlation id ${entry.correlationId || "none"} · ${d.durationMs ?? "?"} ms`, d.fault ? ` · fault ${d.fault}` : "")]
        : [h("pre", { testid: "event-data" }, pretty(d)), h("p", { class: "meta" }, `correlation id ${entry.correlationId || "none"}`)];
      details.append(h("div", { class: "entry-body" }, body));
    });
    return h("li", { class: `entry kind-${entry.kind}`, testid: "timeline-entry",
      dataset: { seq: String(entry.seq), kind: entry.kind, source: entry.source, type: entry.type } }, details);
  }

  function addEntries(entries) {
    const t = state.timeline;
    const list = $("#timeline-list");
    const f = filters();
    const fresh = [];
    for (const entry of entries) {
      if (entry.seq <= (t.entries.length ? t.entries[t.entries.length - 1].seq : 0)) continue;
      t.entries.push(entry);
      if (matches(entry, f)) fresh.push(entryView(entry));
    }
    if (t.entries.length > TIMELINE_KEEP) t.entries.splice(0, t.entries.length - TIMELINE_KEEP);
    if (fresh.length) list.prepend(...fresh.reverse());
    while (list.children.length > TIMELINE_SHOW) list.lastElementChild.remove();
  }

  function renderTimeline() {
    const f = filters();
    const rows = [];
    const entries = state.timeline.entries;
    for (let i = entries.length - 1; i >= 0 && rows.length < TIMELINE_SHOW; i -= 1) {
      if (matches(entries[i], f)) rows.push(entryView(entries[i]));
    }
    $("#timeline-list").replaceChildren(...rows);
  }

  function setFeedStatus(text, status) {
    const el = $("#feed-status");
    el.textContent = text;
    el.dataset.state = status;
  }

  // The live part: `/_fake/events` (both fakes share one journal) held open until something is appended.
  async function feed() {
    const health = await call("genesys", "GET", "/_fake/health");
    if (!health.ok) throw new ApiFailure(health);
    const last = Number(health.body.lastSeq || 0);
    const history = await call("genesys", "GET", `/_fake/journal?since=${Math.max(0, last - HISTORY)}`);
    if (history.ok) addEntries(history.body.entries || []);
    state.timeline.after = last;
    for (;;) {
      setFeedStatus(`Live · journal #${state.timeline.after}`, "live");
      const r = await call("genesys", "GET", `/_fake/events?after=${state.timeline.after}&wait=${FEED_WAIT_SECONDS}&kind=all&limit=500`);
      if (!r.ok) {
        setFeedStatus(`Event feed interrupted (${r.status}); reconnecting…`, "retrying");
        await new Promise((resolve) => { window.setTimeout(resolve, FEED_RETRY_MS); });
        continue;
      }
      const events = r.body.events || [];
      state.timeline.after = Math.max(state.timeline.after, Number(r.body.lastSeq || 0));
      if (!events.length) continue;
      addEntries(events);
      if (events.some((e) => e.kind === "event")) scheduleRefresh();
    }
  }

  // -- start ------------------------------------------------------------------------------------------------
  async function boot() {
    const st = await call("genesys", "GET", "/_fake/state");
    if (!st.ok) throw new ApiFailure(st);
    state.plan = st.body.plan;
    state.people = state.plan.people.map((p) => ({
      index: p.index, name: p.name, email: p.email,
      genesys: { token: null, userId: null }, salesforce: { token: null, userId: null }, view: null,
    }));
    if (!state.people.length) throw new Error("the fakes hold no agents");
    state.shown = new Set(initialShown());
    await loadDirectory();
    renderPicker();
    loadCustomerChats();
    initCustomer();
    renderAgents();
    const form = $("#timeline-filters");
    form.addEventListener("change", renderTimeline);
    form.addEventListener("submit", (ev) => ev.preventDefault());
    for (const c of state.customerChats) addFilterOption("workItem", c.workItemId, `${c.customerName} ${id15(c.workItemId)}`);
    document.body.dataset.ready = "true";
    scheduleRefresh();
    await feed();
  }

  function bootFailed(err) {
    const el = $("#boot-error");
    const result = err instanceof ApiFailure ? err.result : null;
    el.replaceChildren(h("strong", {}, "The desktop could not start: "),
      result ? `${result.method} /${result.platform}${result.path} answered ${result.status}` : String(err),
      result ? h("pre", {}, pretty(result.body)) : null);
    el.hidden = false;
    setFeedStatus("Not connected", "failed");
  }

  document.addEventListener("DOMContentLoaded", () => { boot().catch(bootFailed); });
})();
