// 售后助手 sidebar, shared part: the page's state, DOM helpers and the API client. Plain scripts, no build step:
// each file adds to window.SH. Every value from the buyer or the server is written with textContent, never as HTML.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("config").textContent);
  var SH = window.SH = {
    config: config,
    state: { conversationId: config.conversation_id, shopId: config.shop_id, order: null, suggestion: null,
             script: null, caseId: null, hostOrigin: config.host_origin || null, buyerName: null,
             kase: null, steps: null,
             // A token, never a cookie: third-party cookies do not reach a cross-site iframe. It comes in the URL
             // fragment (never sent to any server) or from the host by postMessage.
             token: new URLSearchParams(window.location.hash.slice(1)).get("token") }
  };

  SH.$ = function (id) { return document.getElementById(id); };
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
})();
