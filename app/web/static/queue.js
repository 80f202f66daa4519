// The team's queue over GET /v1/queue: counts, filters, and for a 店长 (permission "approve") one-click
// decisions on waiting approvals. Every value from the server is written with textContent, never as HTML.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("config").textContent);
  // The key, as in the sidebar: from the URL fragment (never sent to a server) or typed in; never a cookie.
  var token = new URLSearchParams(window.location.hash.slice(1)).get("token");
  var canApprove = false, intentNames = {}, shown = "all", refresher = null;
  var SECTIONS = ["overdue", "due_soon", "waiting_approval", "waiting_evidence"];
  var STATUS_NAMES = { open: "处理中", waiting_buyer: "等待买家", waiting_courier: "等待快递", waiting_approval: "等待店长审批",
                       resolved: "已解决", closed: "已关闭" };
  var REMEDY_NAMES = { resend: "补发", refund: "退款", partial_refund: "部分退款", exchange: "换货", compensate: "小额补偿",
                       return_refund: "退货退款" };

  function $(id) { return document.getElementById(id); }
  function el(tag, text, cls) { var e = document.createElement(tag); if (text != null) e.textContent = text; if (cls) e.className = cls; return e; }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function toast(text) { var t = $("toast"); t.textContent = text; t.hidden = false; setTimeout(function () { t.hidden = true; }, 2500); }
  function api(method, path, body) {
    var headers = body ? { "content-type": "application/json" } : {};
    if (token) headers.authorization = "Bearer " + token;
    return fetch(path, { method: method, headers: headers, credentials: "omit", body: body ? JSON.stringify(body) : undefined })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (j) {
          if (!r.ok) { var e = new Error((j.error && j.error.message) || ("HTTP " + r.status)); e.status = r.status; throw e; }
          return j;
        });
      });
  }
  function countdown(iso) {
    var left = (new Date(iso) - new Date()) / 1000, abs = Math.abs(left);
    var h = Math.floor(abs / 3600), m = Math.floor(abs % 3600 / 60);
    var span = h >= 48 ? Math.floor(h / 24) + "天" + (h % 24) + "小时" : h + "小时" + m + "分";
    return { overdue: left < 0, text: left >= 0 ? "还剩 " + span : "已超时 " + span };
  }

  function start() {
    $("key-form").hidden = true;
    // Which intents there are (for the filter), and whether this key may decide approvals.
    api("GET", "/v1/intents").then(function (answer) {
      clear($("f-intent")); $("f-intent").appendChild(el("option", "全部")).value = "";
      answer.intents.forEach(function (i) {
        intentNames[i.id] = i.name;
        var o = el("option", i.name); o.value = i.id; $("f-intent").appendChild(o);
      });
      return api("GET", "/v1/approvals?status=pending" + (config.shop_id ? "&shop_id=" + encodeURIComponent(config.shop_id) : ""))
        .then(function () { canApprove = true; $("who").textContent = "店长:可以审批"; },
              function () { canApprove = false; $("who").textContent = "只读:审批需要店长密钥"; });
    }).then(function () {
      clearInterval(refresher); refresher = setInterval(load, 30000);
      return load();
    }, failed);
  }

  function failed(e) {
    $("error").hidden = false;
    $("error").textContent = e.status === 401 ? "密钥无效,请重新输入。" : "队列读取失败:" + e.message;
    if (e.status === 401) { $("key-form").hidden = false; clearInterval(refresher); }
  }

  function params() {
    var p = new URLSearchParams({ due_within_hours: $("f-hours").value });
    [["shop_id", "f-shop"], ["intent", "f-intent"], ["assignee", "f-assignee"]].forEach(function (x) {
      var v = $(x[1]).value.trim(); if (v) p.set(x[0], v);
    });
    return p;
  }

  var asked = 0;
  function load() {
    var mine = ++asked;
    return api("GET", "/v1/queue?" + params()).then(function (q) {
      if (mine !== asked) return;
      $("error").hidden = true;
      SECTIONS.forEach(function (name) {
        $("n-" + name).textContent = String((q.counts && q.counts[name]) || 0);
        var ul = $(name).querySelector("ul"); clear(ul);
        var items = q[name] || [];
        if (!items.length) ul.appendChild(el("li", "没有", "muted"));
        items.forEach(function (item) { ul.appendChild(row(name, item)); });
      });
      show(shown);
    }).catch(failed);
  }

  function caseLine(c) {
    var parts = ["案件 #" + c.id, intentNames[c.intent] || c.intent, STATUS_NAMES[c.status] || c.status];
    if (c.assignee) parts.push("负责人 " + c.assignee);
    if (c.shop_id) parts.push(c.shop_id);
    return parts.join(" · ");
  }

  function row(section, item) {
    var c = item.case || item, li = el("li", null, "item");
    li.dataset.caseId = c.id;
    li.appendChild(el("div", caseLine(c), "case"));
    if (item.follow_up) {
      var f = item.follow_up, cd = countdown(f.due_at);
      li.appendChild(el("div", f.what + " · " + cd.text, cd.overdue ? "what overdue" : "what"));
    } else if (item.approval || section === "waiting_approval") {
      var a = item.approval || item;
      var line = (REMEDY_NAMES[a.remedy] || a.remedy || "") + " " + a.amount + " 元";
      if (a.asked_by) line += " · 申请人 " + a.asked_by;
      if (a.answer_by) { var left = countdown(a.answer_by); line += " · 答复时限" + left.text; }
      li.appendChild(el("div", line, "what"));
      if (canApprove) li.appendChild(decision(a));
    } else {
      var missing = (item.missing || (c.evidence || []).filter(function (e) { return !e.received_at; }))
        .map(function (e) { return e.name; });
      li.appendChild(el("div", "还缺:" + (missing.join("、") || "—"), "what"));
    }
    return li;
  }

  // One click approves; rejecting takes an optional reason from the box beside it.
  function decision(a) {
    var box = el("div", null, "decide");
    var approve = box.appendChild(el("button", "批准 " + a.amount + " 元", "approve")); approve.type = "button";
    var reason = box.appendChild(el("input")); reason.maxLength = 200; reason.placeholder = "拒绝理由(可选)";
    var reject = box.appendChild(el("button", "拒绝", "reject secondary")); reject.type = "button";
    approve.dataset.approval = reject.dataset.approval = a.id;
    function decide(what) {
      approve.disabled = reject.disabled = true;
      var body = { decision: what };
      if (what === "reject" && reason.value.trim()) body.reason = reason.value.trim();
      api("POST", "/v1/approvals/" + a.id + "/decision", body).then(function () {
        toast(what === "approve" ? "已批准" : "已拒绝"); load();
      }, function (e) { toast(e.message); approve.disabled = reject.disabled = false; load(); });
    }
    approve.addEventListener("click", function () { decide("approve"); });
    reject.addEventListener("click", function () { decide("reject"); });
    return box;
  }

  function show(name) {
    shown = name;
    SECTIONS.forEach(function (s) { $(s).hidden = name !== "all" && name !== s; });
    document.querySelectorAll("#counts button").forEach(function (b) { b.classList.toggle("current", b.dataset.show === name); });
  }

  document.querySelectorAll("#counts button").forEach(function (b) { b.addEventListener("click", function () { show(b.dataset.show); }); });
  $("filters").addEventListener("submit", function (e) { e.preventDefault(); load(); });
  $("key-form").addEventListener("submit", function (e) { e.preventDefault(); token = $("key").value.trim(); if (token) start(); });
  if (config.shop_id) $("f-shop").value = config.shop_id;
  if (token) start(); else $("key-form").hidden = false;
})();
