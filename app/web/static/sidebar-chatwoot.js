// 售后助手 sidebar, the Chatwoot dashboard app. Chatwoot (DashboardApp/Frame.vue) posts
// JSON.stringify({event: "appContext", data: {conversation, contact, currentAgent}}) when the frame loads and each
// time the app posts "chatwoot-dashboard-app:fetch-info" to it; it sends nothing when a new message arrives, so
// the sidebar asks again every few seconds. Payloads as Chatwoot sends them: tests/data/chatwoot/.
(function () {
  "use strict";
  var SH = window.SH, state = SH.state;
  var FETCH_INFO = "chatwoot-dashboard-app:fetch-info";
  var POLL_MS = 5000;
  var sent = {};  // conversation key → the newest buyer message id recorded from this page
  var doneSig = null, pendingSig = null;  // the newest buyer message answered, and the one being asked about

  // app/models/message.rb: incoming 0 (the buyer), outgoing 1 (an agent); activity 2 and template 3 are not
  // the conversation, nor is a private note (an outgoing message with private: true).
  function role(m) {
    if (m.private) return null;
    if (m.message_type === 0 || m.message_type === "incoming") return "buyer";
    if (m.message_type === 1 || m.message_type === "outgoing") return "agent";
    return null;
  }

  // Chatwoot's created_at is unix seconds; the API wants a moment with its zone.
  function at(seconds) {
    var n = Number(seconds);
    return isFinite(n) && n > 0 ? new Date(n * 1000).toISOString() : undefined;
  }

  // conversation.id is the display id, numbered per account: two accounts on one Chatwoot both have a #17.
  // Without account_id (a host that sends none) the old key, chatwoot-<id>, is kept.
  function conversationKey(conv) {
    var account = conv.account_id;
    return account != null && account !== "" ? "chatwoot-" + account + "-" + conv.id : "chatwoot-" + conv.id;
  }

  // The signed-in Chatwoot user, recorded as the actor of what this page writes: "小王 (chatwoot:7)".
  function actorOf(agent) {
    if (!agent || agent.id == null) return null;
    var name = String(agent.name || "").replace(/\s+/g, " ").trim().slice(0, 40);
    return (name ? name + " " : "") + "(chatwoot:" + String(agent.id).slice(0, 16) + ")";
  }

  function lastSent(key) {
    if (sent[key]) return sent[key];
    try { return window.sessionStorage.getItem("shouhou.chatwoot." + key); } catch (e) { return null; }
  }
  function markSent(key, id) {
    sent[key] = id;
    try { window.sessionStorage.setItem("shouhou.chatwoot." + key, id); } catch (e) { /* storage blocked: memory only */ }
  }

  function said(conv) {
    return (Array.isArray(conv.messages) ? conv.messages : []).filter(function (m) { return m && role(m); })
      .map(function (m) {
        return { id: m.id != null ? String(m.id).slice(0, 128) : null, role: role(m), created: Number(m.created_at) || 0,
                 text: String(m.content || "").slice(0, 2000), files: SH.attachmentsOf(m.attachments), at: at(m.created_at) };
      })
      .filter(function (m) { return m.text.trim() || m.files.length; })
      .sort(function (a, b) { return a.created - b.created || Number(a.id) - Number(b.id); });
  }

  // The buyer's messages since the agent's last reply are judged together, less those this page already sent
  // (they are the context now); the newest one's id is the record's key, so a context Chatwoot sends again, a
  // reload or a second agent's sidebar records nothing twice (the server keeps the first answer).
  function handle(data) {
    var conv = data.conversation;
    if (!conv || typeof conv !== "object" || conv.id == null) return;
    state.chatwoot = true;
    if (data.contact && data.contact.name) state.buyerName = String(data.contact.name).slice(0, 32);
    var actor = actorOf(data.currentAgent);
    if (actor) state.actor = actor;
    var key = conversationKey(conv);
    SH.newConversation(key);
    var list = said(conv), last = -1;
    list.forEach(function (m, i) { if (m.role === "buyer") last = i; });
    if (last < 0) return;
    var newest = list[last];
    // Asked again every few seconds: only a new newest buyer message is worth a request. A host that sends no
    // message ids (not Chatwoot) is told apart by the message's time and text.
    var sig = key + "|" + (newest.id !== null ? newest.id : newest.created + "|" + newest.text);
    if (sig === doneSig || sig === pendingSig) return;
    var start = last;
    while (start > 0 && list[start - 1].role === "buyer") start--;
    var done = lastSent(key), k = -1;
    list.forEach(function (m, i) { if (m.id !== null && m.id === done) k = i; });
    if (k >= start && k < last) start = k + 1;
    var part = list.slice(start, last + 1);
    var text = part.map(function (m) { return m.text.trim(); }).filter(Boolean).join("\n").slice(-2000);
    var files = [].concat.apply([], part.map(function (m) { return m.files; })).slice(0, 20);
    var context = list.slice(0, start).filter(function (m) { return m.text.trim(); }).slice(-20)
      .map(function (m) { return m.at ? { role: m.role, text: m.text, at: m.at } : { role: m.role, text: m.text }; });
    pendingSig = sig;
    SH.analyse(text, context, null, files, newest.id).then(function (ok) {
      if (pendingSig === sig) pendingSig = null;
      if (!ok) return;  // asked again at the next look (after a sign-in, a database back up)
      doneSig = sig;
      if (newest.id !== null) markSent(key, newest.id);
    });
  }

  function ask() {
    if (window.parent !== window && state.hostOrigin) window.parent.postMessage(FETCH_INFO, state.hostOrigin);
  }

  // Chatwoot keeps the frame once opened and hides it (v-show: display none) while the agent reads the
  // Messages tab: a suggestion nobody sees is not asked for, nor counted as shown; back on the tab it is. A
  // hidden frame keeps its size and visibilityState; only an IntersectionObserver sees it leave the page.
  var onPage = true;
  if ("IntersectionObserver" in window) {
    new IntersectionObserver(function (entries) {
      var was = onPage;
      onPage = entries[entries.length - 1].isIntersecting;
      if (onPage && !was && state.chatwoot) ask();
    }).observe(document.body);
  }
  SH.chatwoot = { handle: handle, ask: ask, conversationKey: conversationKey };
  setInterval(function () { if (state.chatwoot && onPage && !document.hidden) ask(); }, POLL_MS);
})();
