// 售后助手 sidebar, main part: reads the buyer's message (POST /v1/suggest), shows the script card and its
// alternatives, hands the reply to the host or the clipboard, and listens to the host. The case's next steps are
// in sidebar-cockpit.js, script search in sidebar-search.js, Chatwoot in sidebar-chatwoot.js, helpers in
// sidebar-core.js.
(function () {
  "use strict";
  var SH = window.SH, config = SH.config, state = SH.state, $ = SH.$, el = SH.el, clear = SH.clear, toast = SH.toast;
  var allowed = config.allowed_origins.concat([window.location.origin]);
  var STATUS_NAMES = { matched: "", ambiguous: "不确定", no_match: "无售后意图" };
  var ATTACHMENT_TYPES = ["image", "video", "file"];

  // context: the conversation's earlier turns when the host has them (Chatwoot does); without them the service
  // reads the conversation it kept itself (conversation_id). chosen: the intent the agent picked after a question.
  // attachments: the host's files on the buyer's message ([{type: "image"}]); with them the text may be empty.
  // messageId: the host's id of the buyer's message: the server records it once, whoever sends it how often.
  // Resolves to whether the suggestion came.
  function analyse(message, context, chosen, attachments, messageId) {
    message = message || "";
    attachments = (attachments || []).slice(0, 20);
    if (!message.trim() && !attachments.length) return Promise.resolve(false);
    state.lastMessage = message; state.lastContext = context || null;
    state.lastAttachments = attachments; state.lastMessageId = messageId || null;
    var body = { message: message.slice(0, 2000) };
    if (attachments.length) body.attachments = attachments;
    if (messageId) body.message_id = String(messageId).slice(0, 128);
    if (state.conversationId) body.conversation_id = state.conversationId;
    if (state.shopId) body.shop_id = state.shopId;
    if (state.order) body.order = state.order;
    if (context && context.length) body.context = context.slice(-20);
    if (chosen) body.intent = chosen;
    return SH.api("POST", "/v1/suggest", body).then(function (s) {
      render(s);
      return true;
    }).catch(function (e) {
      if (e.status === 401) SH.signin.show();
      toast("出错了:" + e.message);
      return false;
    });
  }
  SH.analyse = analyse;

  SH.attachmentsOf = attachmentsOf;
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
      var b = SH.button("就是:" + i.name, "alt pick", function () {
        analyse(state.lastMessage, state.lastContext, i.id, state.lastAttachments, state.lastMessageId);
      });
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
    if (id) SH.cockpit.load(true); else SH.cockpit.hide();
  }

  // The script card: name, id, text, what to verify first, platform notes, and what this script asks for.
  SH.showScript = function (script) {
    state.script = script;
    pending = null; copyHelp(false);
    $("script-name").textContent = script ? script.name : "";
    $("script-id").textContent = script ? script.script_id : "";
    $("script").value = state.shownText = script ? SH.fill(script.text) : "";
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

  // Whether the agent has changed the card's text since it was shown: a late answer (the case's next steps) must
  // not wipe what they are typing.
  SH.edited = function () { return $("script").value !== (state.shownText || ""); };

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

  function record(type, data, scriptId, caseId) {
    caseId = caseId || state.caseId;
    if (!caseId) return Promise.resolve();
    return SH.api("POST", "/v1/cases/" + caseId + "/events",
      { type: type, actor: SH.actor(), script_id: scriptId || state.script.script_id, data: data || {} })
      .then(function () { if (caseId === state.caseId) return SH.cockpit.refreshTimeline(); });
  }

  // "Used" is recorded only when the text really left the page: the clipboard took it, the host said it put it in
  // its reply box ({type: "reply_inserted"}), or the agent copied it by hand. Chatwoot frames the app without an
  // `allow` attribute, so the Clipboard API is refused there and Chatwoot ignores insert_reply: the text is then
  // selected for Ctrl+C, and the copy event records it.
  var pending = null;
  var BLOCKED = "复制被浏览器拦截,已选中文字,请按 Ctrl+C";
  function copyHelp(on) {
    $("copy-help").hidden = !on;
    $("copy-help").textContent = on ? BLOCKED : "";
    $("script").classList.toggle("manual-copy", on);
  }

  function used(how) {
    if (!pending || pending.done) return;
    var p = pending; p.done = true;
    copyHelp(false);
    var words = how === "inserted" ? "已插入" : how === "clipboard" ? "已复制,请粘贴到回复框" : "已复制";
    if (p.question) { toast(words); return; }  // a question opens no case: nothing to record on
    record(p.edited ? "script_edited" : "script_used", { text: p.text, via: how }, p.scriptId, p.caseId)
      .then(function () { toast(words); }, function (e) { toast("出错了:" + e.message); });
  }

  function insert() {
    if (!state.script) return;
    if (!checkPlaceholders()) { toast("还有未填写的占位符"); return; }
    var text = $("script").value;
    var mine = pending = { text: text, edited: text !== SH.fill(state.script.text), question: !!state.script.question,
                           scriptId: state.script.script_id, caseId: state.caseId, done: false };
    if (window.parent !== window && state.hostOrigin) window.parent.postMessage({ type: "insert_reply", text: text }, state.hostOrigin);
    var copied = navigator.clipboard && navigator.clipboard.writeText
      ? navigator.clipboard.writeText(text).then(function () { return true; }, function () { return false; })
      : Promise.resolve(false);
    copied.then(function (ok) {
      if (mine !== pending || mine.done) return;
      if (ok) { used("clipboard"); return; }
      // A host that inserts answers at once; only without its answer is the agent asked to copy by hand.
      setTimeout(function () {
        if (mine !== pending || mine.done) return;
        var box = $("script");
        box.focus(); box.select();
        copyHelp(true);
        toast(BLOCKED);
      }, 300);
    });
  }

  // The agent's own copy of the selected script (Ctrl+C, or the context menu) after the clipboard was refused.
  document.addEventListener("copy", function () {
    var box = $("script");
    if (!pending || pending.done || document.activeElement !== box || box.selectionEnd <= box.selectionStart) return;
    pending.text = box.value; pending.edited = box.value !== SH.fill(state.script.text);
    used("manual");
  });

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
    state.conversationId = id; state.suggestion = null; state.lastMessageId = null;
    switchCase(null); SH.showScript(null);
    $("result").hidden = true; $("empty").hidden = false;
  }
  SH.newConversation = newConversation;

  // The host chat client: Chatwoot dashboard apps receive {"event": "appContext", "data": {conversation, contact,
  // currentAgent}} (sidebar-chatwoot.js); our own hosts send {"type": "buyer_message", ...}. Anything from an
  // origin not on the list is ignored.
  window.addEventListener("message", function (e) {
    if (allowed.indexOf(e.origin) < 0) return;
    var msg = e.data;
    if (typeof msg === "string") { try { msg = JSON.parse(msg); } catch (err) { return; } }
    if (!msg || typeof msg !== "object") return;
    if (!state.hostOrigin) state.hostOrigin = e.origin;
    if (msg.type === "host_ping") { e.source.postMessage({ type: "sidebar_ready" }, e.origin); return; }
    if (msg.type === "auth" && typeof msg.token === "string") { state.token = msg.token; SH.signin.hide(); return; }
    if (msg.type === "reply_inserted") { if (e.origin === state.hostOrigin) used("inserted"); return; }
    if (msg.event === "appContext" && msg.data && typeof msg.data === "object") {
      SH.chatwoot.handle(msg.data);
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
    SH.chatwoot.ask();
  }
  if (config.message) analyse(config.message);
})();
