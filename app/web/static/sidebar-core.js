// 售后助手 sidebar, shared part: the page's state, DOM helpers and the API client. Plain scripts, no build step:
// each file adds to window.SH. Every value from the buyer or the server is written with textContent, never as HTML.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("config").textContent);
  var STORE = "shouhou.sidebar.key";
  var SH = window.SH = {
    config: config,
    state: { conversationId: config.conversation_id, shopId: config.shop_id, order: null, suggestion: null,
             script: null, caseId: null, hostOrigin: config.host_origin || null, buyerName: null,
             kase: null, steps: null,
             // A token, never a cookie: third-party cookies do not reach a cross-site iframe. It comes in the URL
             // fragment (never sent to any server), from the host by postMessage, or from the agent's own
             // sign-in on this page (kept in this browser's storage for the host's site).
             token: new URLSearchParams(window.location.hash.slice(1)).get("token") || stored(),
             // Who writes case events: the host's signed-in agent (Chatwoot's currentAgent), else ?agent=.
             actor: null }
  };
  SH.actor = function () { return SH.state.actor || config.agent || undefined; };

  SH.$ = function (id) { return document.getElementById(id); };

  // Each agent signs in with their own agent key instead of one key shared in the app's URL: checked once
  // (GET /v1/intents), then kept in localStorage, which a browser keeps per top-level site for a framed page.
  function stored() { try { return window.localStorage.getItem(STORE); } catch (e) { return null; } }
  SH.signin = {
    show: function () { SH.$("signin").hidden = false; SH.$("signout").hidden = true; },
    hide: function () { SH.$("signin").hidden = true; }
  };
  function signIn() {
    var key = SH.$("signin-key").value.trim();
    if (!key) return;
    SH.state.token = key;
    SH.api("GET", "/v1/intents").then(function () {
      var kept = true;
      // A browser that blocks third-party cookies (and every private window) denies storage to a framed page
      // of another site: the sign-in then lasts until Chatwoot reloads the frame (each conversation).
      try { window.localStorage.setItem(STORE, key); } catch (e) { kept = false; }
      SH.$("signin-key").value = "";
      SH.signin.hide(); SH.$("signout").hidden = false;
      SH.toast(kept ? "已登录" : "已登录。此浏览器不允许嵌入的页面保存登录,换会话后需重新登录");
      if (SH.chatwoot) SH.chatwoot.ask();  // the conversation again, now that it can be read
    }, function (e) {
      SH.state.token = null;
      SH.toast(e.status === 401 ? "密钥无效或已吊销" : "出错了:" + e.message);
    });
  }
  function signOut() {
    try { window.localStorage.removeItem(STORE); } catch (e) { /* nothing kept */ }
    SH.state.token = null;
    SH.signin.show();
  }
  SH.el = function (tag, text, cls) {
    var e = document.createElement(tag);
    if (text != null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  };
  SH.button = function (text, cls, onClick) {
    var b = SH.el("button", text, cls); b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  };
  SH.clear = function (node) { while (node.firstChild) node.removeChild(node.firstChild); };
  var toastTimer = null;
  SH.toast = function (text) {
    var t = SH.$("toast"); t.textContent = text; t.hidden = false;
    clearTimeout(toastTimer); toastTimer = setTimeout(function () { t.hidden = true; }, 2500);
  };

  // An error keeps the server's code (409 approval_pending, version_conflict …) so callers can react to it.
  SH.api = function (method, path, body) {
    var headers = body ? { "content-type": "application/json" } : {};
    if (SH.state.token) headers.authorization = "Bearer " + SH.state.token;
    return fetch(path, { method: method, headers: headers, credentials: "omit", body: body ? JSON.stringify(body) : undefined })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (j) {
          if (!r.ok) {
            var err = new Error((j.error && j.error.message) || ("HTTP " + r.status));
            err.status = r.status; err.code = j.error && j.error.code;
            throw err;
          }
          return j;
        });
      });
  };

  // "3小时12分" / "2天4小时": how long until (or since) a moment, for follow-ups and approvals.
  SH.span = function (seconds) {
    var abs = Math.abs(seconds), h = Math.floor(abs / 3600), m = Math.floor(abs % 3600 / 60);
    return h >= 48 ? Math.floor(h / 24) + "天" + (h % 24) + "小时" : h + "小时" + m + "分";
  };
  SH.countdown = function (iso) {
    var left = (new Date(iso) - new Date()) / 1000;
    return { overdue: left < 0, text: left >= 0 ? "还剩 " + SH.span(left) : "已超时 " + SH.span(left) };
  };

  // Countdowns on the page tick once a second; each registers a function here.
  var tickers = [];
  SH.tick = function (key, fn) { tickers = tickers.filter(function (t) { return t.key !== key; }); if (fn) { tickers.push({ key: key, fn: fn }); fn(); } };
  setInterval(function () { tickers.forEach(function (t) { t.fn(); }); }, 1000);

  // The server fills what it knows (tracking number, amount, deadline); the host knows the buyer's name.
  SH.fill = function (text) { return SH.state.buyerName ? text.split("【买家称呼】").join(SH.state.buyerName) : text; };

  SH.STATUS_NAMES = { open: "处理中", waiting_buyer: "等待买家", waiting_courier: "等待快递", waiting_approval: "等待店长审批",
                      resolved: "已解决", closed: "已关闭" };
  SH.REMEDY_NAMES = { resend: "补发", refund: "退款", partial_refund: "部分退款", exchange: "换货", compensate: "小额补偿",
                      return_refund: "退货退款" };

  SH.$("signin-go").addEventListener("click", signIn);
  SH.$("signin-key").addEventListener("keydown", function (e) { if (e.key === "Enter") signIn(); });
  SH.$("signout").addEventListener("click", signOut);
  if (SH.state.token) SH.$("signout").hidden = !stored(); else SH.signin.show();
})();
