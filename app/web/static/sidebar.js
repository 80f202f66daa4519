// 售后助手 sidebar, main part: reads the buyer's message (POST /v1/suggest), shows the script card and its
// alternatives, inserts the reply into the host, and listens to the host. The case's next steps are in
// sidebar-cockpit.js, script search in sidebar-search.js, helpers in sidebar-core.js.
(function () {
  "use strict";
  var SH = window.SH, config = SH.config, state = SH.state, $ = SH.$, el = SH.el, clear = SH.clear, toast = SH.toast;
  var allowed = config.allowed_origins.concat([window.location.origin]);
  var STATUS_NAMES = { matched: "", ambiguous: "不确定", no_match: "无售后意图" };
  var ATTACHMENT_TYPES = ["image", "video", "file"];

  // context: the conversation's earlier turns when the host has them (Chatwoot does); without them the service
  // reads the conversation it kept itself (conversation_id). chosen: the intent the agent picked after a question.
  // attachments: the host's files on the buyer's message ([{type: "image"}]); with them the text may be empty.
  function analyse(message, context, chosen, attachments) {
    message = message || "";
    attachments = (attachments || []).slice(0, 20);
    if (!message.trim() && !attachments.length) return;
    state.lastMessage = message; state.lastContext = context || null;
    var body = { message: message.slice(0, 2000) };
    if (attachments.length) body.attachments = attachments;
    if (state.conversationId) body.conversation_id = state.conversationId;
    if (state.shopId) body.shop_id = state.shopId;
    if (state.order) body.order = state.order;
    if (context && context.length) body.context = context.slice(-20);
    if (chosen) body.intent = chosen;
    return SH.api("POST", "/v1/suggest", body).then(render).catch(function (e) { toast("出错了:" + e.message); });
  }

  function attachmentsOf(list) {
    return (Array.isArray(list) ? list : []).map(function (a) {
      var type = String((a && (a.type || a.file_type)) || "file");
      var out = { type: ATTACHMENT_TYPES.indexOf(type) >= 0 ? type : "file" };
      if (a && a.name) out.name = String(a.name).slice(0, 200);
      return out;
    });
  }

  // Unsure: the question to ask instead of a script (nothing is promised, no case is opened), and one button
  // per candidate so the agent who knows better picks it: then the case opens and its script shows.
  function clarify(s) {
    SH.showScript({ name: "先问清楚 · 不确定时不承诺", script_id: s.clarify.source, text: s.clarify.text, asks: [],
                    evidence: [], actions: [], notes: [], question: true });
    var alts = $("alternatives");
    s.intents.forEach(function (i) {
      var b = SH.button("就是:" + i.name, "alt pick", function () { analyse(state.lastMessage, state.lastContext, i.id); });
      b.dataset.intent = i.id;
      alts.appendChild(b);
    });
  }

  function render(s) {
    state.suggestion = s;
    $("empty").hidden = true; $("result").hidden = false;
    var intents = $("intents"); clear(intents);
    // A case's script is never shown under "无售后意图": the chip only says so when there is no script.
    if (s.status !== "matched" && !(s.status === "no_match" && s.suggestions.length)) intents.appendChild(el("span", STATUS_NAMES[s.status], "chip unsure"));
    s.intents.forEach(function (i) { intents.appendChild(el("span", i.name + " " + Math.round(i.score * 100) + "%", "chip intent")); });
    if (!s.intents.length && s.runner_up) intents.appendChild(el("span", "最接近:" + s.runner_up.name, "muted"));
    var approval = $("approval");
    approval.hidden = !s.needs_approval;
    approval.textContent = s.needs_approval ? "需" + s.approval.approver + "审批:" + s.approval.why : "";
    var alts = $("alternatives"); clear(alts);
    s.suggestions.slice(1).forEach(function (x, i) { alts.appendChild(altButton(x, i + 1)); });
    if (s.suggestions.length) SH.showScript(s.suggestions[0]);
    else if (s.clarify) clarify(s);
    else SH.showScript(null);
    if (!s.suggestions.length) SH.search.open(state.lastMessage);  // nothing matched: search any script
    var caseId = s.cases && s.cases.length ? caseFor(s.suggestions[0]) : null;
    // On a case every promised deadline is one of its follow-ups (shown below with 完成); without one, here.
    renderDeadlines(caseId ? [] : s.deadlines);
    switchCase(caseId);
  }

  // The case a script belongs to: the suggestion's case for the script's intent.
  function caseFor(script) {
    var cases = (state.suggestion && state.suggestion.cases) || [];
    var hit = script && cases.filter(function (c) { return c.intent === script.intent; })[0];
    return hit ? hit.id : (cases.length ? cases[0].id : null);
  }

  function switchCase(id) {
    state.caseId = id;
    $("case").textContent = id ? "案件 #" + id : "";
    if (id) SH.cockpit.load(); else SH.cockpit.hide();
  }

  // The script card: name, id, text, what to verify first, platform notes, and what this script asks for.
  SH.showScript = function (script) {
    state.script = script;
    $("script-name").textContent = script ? script.name : "";
    $("script-id").textContent = script ? script.script_id : "";
    $("script").value = script ? SH.fill(script.text) : "";
    $("insert").disabled = !script;
    $("reject").disabled = !script || !!script.question;
    checkPlaceholders();
    var asks = $("asks"); clear(asks);
    (script ? script.asks : []).forEach(function (a) { asks.appendChild(el("div", "⚠ " + a, "warn")); });
    var notes = $("notes"); clear(notes);
    (script ? script.notes : []).forEach(function (n) { notes.appendChild(el("div", "· " + n, "note")); });
    var wants = $("script-wants"); clear(wants);
    (script ? script.evidence : []).forEach(function (e) { wants.appendChild(el("span", "要:" + e.name, "chip evidence")); });
    (script ? script.actions : []).forEach(function (a) { wants.appendChild(el("span", a.name, "chip action")); });
  };

  // An alternative switches the whole card (name, evidence, actions, notes) and, for another intent, the case.
  function altButton(script, n) {
    var b = SH.button((n <= 9 ? n + ". " : "") + "备选:" + script.name, "alt", function () {
      SH.showScript(script);
      var id = caseFor(script);
      if (id !== state.caseId) switchCase(id);
    });
    b.dataset.scriptId = script.script_id;
    return b;
  }

  function renderDeadlines(deadlines) {
    var list = $("deadlines"); clear(list);
    $("deadlines-box").hidden = !deadlines.length;
    // An approximate deadline (holidays unknown for a year it crosses) says so in its why: 节假日未知,按周末计算.
    var items = deadlines.map(function (d) {
      var li = el("li"); li.dataset.due = d.due_at;
      li.title = d.approximate_reason ? d.why + "\n" + d.approximate_reason : d.why;
      list.appendChild(li); return { li: li, d: d };
    });
    SH.tick("deadlines", function () {
      items.forEach(function (x) {
        var cd = SH.countdown(x.d.due_at);
        x.li.textContent = x.d.why + " · " + cd.text;
        x.li.className = cd.overdue ? "warn" : "";
      });
    });
  }

  var MISSING = /【[^】]{1,12}】/g;
  function checkPlaceholders() {
    var found = $("script").value.match(MISSING) || [];
    var warning = $("placeholder-warning");
    warning.hidden = !found.length;
    warning.textContent = found.length ? "请先填写:" + found.join("、") + "(不能带着占位符发给买家)" : "";
    $("script").classList.toggle("has-missing", found.length > 0);
    return !found.length;
  }

  function record(type, data) {
    if (!state.caseId) return Promise.resolve();
    return SH.api("POST", "/v1/cases/" + state.caseId + "/events",
      { type: type, actor: config.agent || undefined, script_id: state.script.script_id, data: data || {} })
      .then(SH.cockpit.refreshTimeline);
  }

  function insert() {
    if (!state.script) return;
    if (!checkPlaceholders()) { toast("还有未填写的占位符"); return; }
    var text = $("script").value;
    var edited = text !== SH.fill(state.script.text);
    if (navigator.clipboard) navigator.clipboard.writeText(text).catch(function () {});
    if (window.parent !== window && state.hostOrigin) window.parent.postMessage({ type: "insert_reply", text: text }, state.hostOrigin);
    if (state.script.question) { toast("已插入问题"); return; }  // no case yet: nothing to record on
    record(edited ? "script_edited" : "script_used", { text: text }).then(function () { toast("已插入"); });
  }

  $("script").addEventListener("input", checkPlaceholders);
  $("insert").addEventListener("click", insert);
  $("reject").addEventListener("click", function () {
    if (state.script) record("script_rejected", {}).then(function () { toast("已记录:话术不合适"); SH.search.open(""); });
  });
  $("paste-go").addEventListener("click", function () { analyse($("paste-text").value); });

  // Ctrl+Enter inserts, Alt+N goes to the next step's first button, Alt+1..9 switch to an alternative.
  document.addEventListener("keydown", function (e) {
    if ((e.ctrlKey || e.metaKey) && e.key === "Enter") { e.preventDefault(); insert(); return; }
    if (!e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.code === "KeyN") { e.preventDefault(); SH.cockpit.focusNext(); return; }
    var digit = /^Digit([1-9])$/.exec(e.code);
    if (digit) {
      var alt = document.querySelectorAll("#alternatives button")[Number(digit[1]) - 1];
      if (alt) { e.preventDefault(); alt.click(); }
    }
  });

  // A new conversation in the host: nothing of the previous one stays on screen.
  function newConversation(id) {
    if (id === state.conversationId) return;
    state.conversationId = id; state.suggestion = null;
    switchCase(null); SH.showScript(null);
    $("result").hidden = true; $("empty").hidden = false;
  }

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
      newConversation("chatwoot-" + conv.id);
      // Chatwoot message_type: 0/incoming from the buyer, 1/outgoing from the agent; private notes are not the
      // conversation. The newest buyer message is read with the turns before it as context, with its files.
      var said = (conv.messages || []).filter(function (m) {
        return !m.private && (m.message_type === 0 || m.message_type === "incoming" || m.message_type === 1 || m.message_type === "outgoing");
      }).map(function (m) {
        return { role: (m.message_type === 0 || m.message_type === "incoming") ? "buyer" : "agent",
                 text: String(m.content || "").slice(0, 2000), files: attachmentsOf(m.attachments) };
      }).filter(function (m) { return m.text.trim() || m.files.length; });
      var last = -1;
      said.forEach(function (m, i) { if (m.role === "buyer") last = i; });
      var turns = said.slice(0, last).filter(function (m) { return m.text.trim(); })
        .map(function (m) { return { role: m.role, text: m.text }; });
      if (last >= 0) analyse(said[last].text, turns, null, said[last].files);
    } else if (msg.type === "new_conversation" && msg.conversation_id) {
      newConversation(String(msg.conversation_id));
    } else if (msg.type === "buyer_message") {
      if (msg.conversation_id) newConversation(String(msg.conversation_id));
      if (msg.buyer_name) state.buyerName = String(msg.buyer_name).slice(0, 32);
      if (msg.shop_id) state.shopId = String(msg.shop_id);
      if (msg.order && typeof msg.order === "object") state.order = msg.order;
      analyse(String(msg.message || ""), null, null, attachmentsOf(msg.attachments));
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
