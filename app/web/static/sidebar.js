// 售后助手 sidebar. Every value from the buyer or the server is written with textContent, never as HTML.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("config").textContent);
  var allowed = config.allowed_origins.concat([window.location.origin]);
  var state = { conversationId: config.conversation_id, shopId: config.shop_id, order: null, suggestion: null,
                script: null, caseId: null, hostOrigin: config.host_origin || null, timer: null, buyerName: null,
                // A token, never a cookie: third-party cookies do not reach a cross-site iframe. It comes in the URL
                // fragment (never sent to any server) or from the host by postMessage.
                token: new URLSearchParams(window.location.hash.slice(1)).get("token") };
  var ACTION_EVENTS = { note: "note", register: "registered", escalate_manager: "approval_asked" };
  var STATUS_NAMES = { matched: "", ambiguous: "不确定", no_match: "无售后意图" };

  function $(id) { return document.getElementById(id); }
  function el(tag, text, cls) { var e = document.createElement(tag); if (text != null) e.textContent = text; if (cls) e.className = cls; return e; }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function toast(text) { var t = $("toast"); t.textContent = text; t.hidden = false; setTimeout(function () { t.hidden = true; }, 2500); }

  function api(method, path, body) {
    var headers = body ? { "content-type": "application/json" } : {};
    if (state.token) headers.authorization = "Bearer " + state.token;
    return fetch(path, { method: method, headers: headers, credentials: "omit", body: body ? JSON.stringify(body) : undefined })
      .then(function (r) { return r.json().then(function (j) { if (!r.ok) throw new Error((j.error && j.error.message) || r.status); return j; }); });
  }

  // context: the conversation's earlier turns when the host has them (Chatwoot does); without them the service
  // reads the conversation it kept itself (conversation_id). chosen: the intent the agent picked after a question.
  function analyse(message, context, chosen) {
    if (!message || !message.trim()) return;
    state.lastMessage = message; state.lastContext = context || null;
    var body = { message: message.slice(0, 2000) };
    if (state.conversationId) body.conversation_id = state.conversationId;
    if (state.shopId) body.shop_id = state.shopId;
    if (state.order) body.order = state.order;
    if (context && context.length) body.context = context.slice(-20);
    if (chosen) body.intent = chosen;
    return api("POST", "/v1/suggest", body).then(render).catch(function (e) { toast("出错了:" + e.message); });
  }

  // Unsure: the question to ask instead of a script (nothing is promised, no case is opened), and one button
  // per candidate so the agent who knows better picks it: then the case opens and its script shows.
  function clarify(s) {
    state.script = { name: "先问清楚 · 不确定时不承诺", script_id: s.clarify.source, text: s.clarify.text, asks: [],
                     evidence: [], actions: [], notes: [], question: true };
    var alts = $("alternatives");
    s.intents.forEach(function (i) {
      var b = el("button", "就是:" + i.name, "alt pick"); b.type = "button"; b.dataset.intent = i.id;
      b.addEventListener("click", function () { analyse(state.lastMessage, state.lastContext, i.id); });
      alts.appendChild(b);
    });
  }

  function render(s) {
    state.suggestion = s;
    state.script = s.suggestions[0] || null;
    state.caseId = s.cases && s.cases.length ? s.cases[0].id : null;
    $("empty").hidden = true; $("result").hidden = false;
    $("case").textContent = state.caseId ? "案件 #" + state.caseId : "";
    var intents = $("intents"); clear(intents);
    if (s.status !== "matched") intents.appendChild(el("span", STATUS_NAMES[s.status], "chip unsure"));
    s.intents.forEach(function (i) { intents.appendChild(el("span", i.name + " " + Math.round(i.score * 100) + "%", "chip intent")); });
    if (!s.intents.length && s.runner_up) intents.appendChild(el("span", "最接近:" + s.runner_up.name, "muted"));
    var asks = $("asks"); clear(asks);
    (state.script ? state.script.asks : []).forEach(function (a) { asks.appendChild(el("div", "⚠ " + a, "warn")); });
    var approval = $("approval");
    approval.hidden = !s.needs_approval;
    approval.textContent = s.needs_approval ? "需" + s.approval.approver + "审批:" + s.approval.why : "";
    $("script-name").textContent = state.script ? state.script.name : "";
    $("script-id").textContent = state.script ? state.script.script_id : "";
    $("script").value = state.script ? fill(state.script.text) : "";
    $("insert").disabled = $("reject").disabled = !state.script;
    checkPlaceholders();
    var alts = $("alternatives"); clear(alts);
    s.suggestions.slice(1).forEach(function (x) { alts.appendChild(altButton(x.name, x)); });
    if (!state.script && s.clarify) {
      clarify(s);
      $("script-name").textContent = state.script.name; $("script-id").textContent = state.script.script_id;
      $("script").value = fill(state.script.text); $("insert").disabled = false; $("reject").disabled = true;
    }
    var ev = $("evidence"); clear(ev);
    (state.script ? state.script.evidence : []).forEach(function (e) { ev.appendChild(evidenceItem(e)); });
    renderDeadlines(s.deadlines);
    var acts = $("actions"); clear(acts);
    (state.script ? state.script.actions : []).forEach(function (a) {
      var b = el("button", a.name, "secondary action"); b.type = "button"; b.dataset.action = a.id;
      b.addEventListener("click", function () { recordAction(a); }); acts.appendChild(b);
    });
    var notes = $("notes"); clear(notes);
    (state.script ? state.script.notes : []).forEach(function (n) { notes.appendChild(el("div", "· " + n, "note")); });
    loadCase();
  }

  function altButton(label, script) {
    var b = el("button", "备选:" + label, "alt"); b.type = "button";
    b.addEventListener("click", function () { state.script = script; $("script").value = fill(script.text); $("script-id").textContent = script.script_id; checkPlaceholders(); });
    return b;
  }

  function evidenceItem(e) {
    var li = el("li"); var box = document.createElement("input"); box.type = "checkbox"; box.dataset.evidence = e.id;
    var label = el("label", " " + e.name); label.prepend(box); li.appendChild(label);
    box.addEventListener("change", function () {
      if (!state.caseId || !box.checked) return;
      api("POST", "/v1/cases/" + state.caseId + "/evidence/" + encodeURIComponent(e.id) + "/received", { by: config.agent })
        .then(function (c) { toast("已标记收到:" + e.name); renderCase(c); return refreshTimeline(); })
        .catch(function (err) { box.checked = false; toast(err.message); });
    });
    return li;
  }

  function renderDeadlines(deadlines) {
    var list = $("deadlines"); clear(list);
    if (state.timer) clearInterval(state.timer);
    var items = deadlines.map(function (d) { var li = el("li"); li.dataset.due = d.due_at; li.title = d.why; list.appendChild(li); return { li: li, d: d }; });
    function tick() {
      items.forEach(function (x) {
        var left = (new Date(x.d.due_at) - new Date()) / 1000, abs = Math.abs(left);
        var h = Math.floor(abs / 3600), m = Math.floor(abs % 3600 / 60);
        var span = (h >= 48 ? Math.floor(h / 24) + "天" + (h % 24) + "小时" : h + "小时" + m + "分");
        x.li.textContent = x.d.why + " · " + (left >= 0 ? "还剩 " + span : "已超时 " + span);
        x.li.className = left >= 0 ? "" : "warn";
      });
    }
    tick(); state.timer = setInterval(tick, 1000);
  }

  function loadCase() {
    if (!state.caseId) { clear($("timeline")); return; }
    api("GET", "/v1/cases/" + state.caseId).then(renderCase);
    refreshTimeline();
  }

  // Several clicks may each refresh the timeline; only the latest request's answer is drawn, so a slow,
  // older answer can never overwrite a newer one.
  var timelineRequest = 0;
  function refreshTimeline() {
    if (!state.caseId) return Promise.resolve();
    var mine = ++timelineRequest;
    return api("GET", "/v1/cases/" + state.caseId + "/timeline").then(function (events) {
      if (mine === timelineRequest) renderTimeline(events);
    });
  }

  function renderCase(c) {
    c.evidence.forEach(function (e) {
      var box = document.querySelector('input[data-evidence="' + CSS.escape(e.id) + '"]');
      if (box && e.received_at) { box.checked = true; box.disabled = true; box.parentNode.classList.add("done"); }
    });
  }

  var EVENT_NAMES = { message_received: "买家消息", suggestion_shown: "显示建议", script_used: "使用话术", script_edited: "修改后使用",
    script_rejected: "话术不合适", note: "备注", registered: "登记", evidence_requested: "请求凭证", evidence_received: "凭证已收到",
    action_done: "操作", follow_up_set: "设置跟进", follow_up_done: "完成跟进", status_changed: "状态变更",
    approval_asked: "请示店长", approval_given: "审批通过", assessment: "判断" };

  function evidenceName(id) {
    var all = state.suggestion ? [].concat.apply([], state.suggestion.suggestions.map(function (x) { return x.evidence; })) : [];
    var hit = all.filter(function (e) { return e.id === id; })[0];
    return hit ? hit.name : id;
  }

  function renderTimeline(events) {
    var ol = $("timeline"); clear(ol);
    events.slice(-20).forEach(function (e) {
      var ev = e.data && e.data.evidence;
      if (ev) ev = [].concat(ev).map(evidenceName).join("、");
      var detail = e.data && (e.data.name || e.data.text || ev || e.data.message || e.data.to || "");
      ol.appendChild(el("li", new Date(e.at).toLocaleTimeString() + " " + (EVENT_NAMES[e.type] || e.type) + (detail ? ":" + String(detail).slice(0, 40) : ""), "event-" + e.type));
    });
  }

  function event(type, data, scriptId) {
    if (!state.caseId) return Promise.resolve();
    return api("POST", "/v1/cases/" + state.caseId + "/events", { type: type, actor: config.agent, script_id: scriptId || null, data: data || {} })
      .then(refreshTimeline);
  }

  function recordAction(a) {
    var type = ACTION_EVENTS[a.id] || "action_done";
    var data = type === "action_done" ? { action: a.id, name: a.name } : { text: a.name };
    event(type, data, state.script && state.script.script_id).then(function () { toast("已记录:" + a.name); });
  }

  // The server fills what it knows (tracking number, amount, deadline); the host knows the buyer's name.
  function fill(text) { return state.buyerName ? text.split("【买家称呼】").join(state.buyerName) : text; }

  var MISSING = /【[^】]{1,12}】/g;
  function checkPlaceholders() {
    var found = $("script").value.match(MISSING) || [];
    var warning = $("placeholder-warning");
    warning.hidden = !found.length;
    warning.textContent = found.length ? "请先填写:" + found.join("、") + "(不能带着占位符发给买家)" : "";
    $("script").classList.toggle("has-missing", found.length > 0);
    return !found.length;
  }

  function insert() {
    if (!state.script) return;
    if (!checkPlaceholders()) { toast("还有未填写的占位符"); return; }
    var text = $("script").value;
    var edited = text !== fill(state.script.text);
    if (navigator.clipboard) navigator.clipboard.writeText(text).catch(function () {});
    if (window.parent !== window && state.hostOrigin) window.parent.postMessage({ type: "insert_reply", text: text }, state.hostOrigin);
    if (state.script.question) { toast("已插入问题"); return; }  // no case yet: nothing to record on
    event(edited ? "script_edited" : "script_used", { text: text }, state.script.script_id).then(function () { toast("已插入"); });
  }

  $("script").addEventListener("input", checkPlaceholders);
  $("insert").addEventListener("click", insert);
  $("reject").addEventListener("click", function () {
    if (state.script) event("script_rejected", {}, state.script.script_id).then(function () { toast("已记录:话术不合适"); });
  });
  document.addEventListener("keydown", function (e) { if ((e.ctrlKey || e.metaKey) && e.key === "Enter") { e.preventDefault(); insert(); } });
  $("paste-go").addEventListener("click", function () { analyse($("paste-text").value); });

  // The host chat client: Chatwoot dashboard apps receive {"event": "appContext", "data": {conversation, contact}};
  // our own hosts send {"type": "buyer_message", ...}. Anything from an origin not on the list is ignored.
  window.addEventListener("message", function (e) {
    if (allowed.indexOf(e.origin) < 0) return;
    var msg = e.data;
    if (typeof msg === "string") { try { msg = JSON.parse(msg); } catch (err) { return; } }
    if (!msg || typeof msg !== "object") return;
    if (!state.hostOrigin) state.hostOrigin = e.origin;
    if (msg.type === "host_ping") { e.source.postMessage({ type: "sidebar_ready" }, e.origin); return; }
    if (msg.type === "auth" && typeof msg.token === "string") { state.token = msg.token; return; }
    if (msg.event === "appContext" && msg.data && msg.data.conversation) {
      var conv = msg.data.conversation;
      if (msg.data.contact && msg.data.contact.name) state.buyerName = String(msg.data.contact.name).slice(0, 32);
      state.conversationId = "chatwoot-" + conv.id;
      // Chatwoot message_type: 0/incoming from the buyer, 1/outgoing from the agent; private notes are not the
      // conversation. The newest buyer message is read with the turns before it as context.
      var said = (conv.messages || []).filter(function (m) {
        return !m.private && (m.message_type === 0 || m.message_type === "incoming" || m.message_type === 1 || m.message_type === "outgoing");
      }).map(function (m) {
        return { role: (m.message_type === 0 || m.message_type === "incoming") ? "buyer" : "agent", text: String(m.content || "").slice(0, 2000) };
      }).filter(function (m) { return m.text.trim(); });
      var last = -1;
      said.forEach(function (m, i) { if (m.role === "buyer") last = i; });
      if (last >= 0) analyse(said[last].text, said.slice(0, last));
    } else if (msg.type === "buyer_message") {
      if (msg.conversation_id) state.conversationId = String(msg.conversation_id);
      if (msg.buyer_name) state.buyerName = String(msg.buyer_name).slice(0, 32);
      if (msg.shop_id) state.shopId = String(msg.shop_id);
      if (msg.order && typeof msg.order === "object") state.order = msg.order;
      analyse(String(msg.message || ""));
    }
  });
  // Tell the host we are listening (a load event can fire before the host's script looks for it), and ask
  // for the context the way Chatwoot dashboard apps do.
  if (window.parent !== window && state.hostOrigin) {
    window.parent.postMessage({ type: "sidebar_ready" }, state.hostOrigin);
    window.parent.postMessage("chatwoot-dashboard-app:fetch-info", state.hostOrigin);
  }
  if (config.message) analyse(config.message);
})();
