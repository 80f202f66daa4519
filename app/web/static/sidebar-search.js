// Script search: when nothing matches or the agent disagrees, any of the shop's scripts (GET /v1/scripts: intent
// and branch names, words of the text, 拼音 initials). Choosing one on a case records the choice (POST .../choose).
(function () {
  "use strict";
  var SH = window.SH, state = SH.state, $ = SH.$, el = SH.el, clear = SH.clear;
  var timer = null, asked = 0;

  SH.search = {
    open: function (query) {
      $("search").open = true;
      if (query != null) $("search-q").value = query;
      $("search-q").focus();
      if ($("search-q").value.trim()) run();
    }
  };

  function run() {
    var q = $("search-q").value.trim(), list = $("search-results");
    if (!q) { clear(list); return; }
    var mine = ++asked, params = new URLSearchParams({ q: q.slice(0, 100), limit: "10" });
    if (state.shopId) params.set("shop_id", state.shopId);
    SH.api("GET", "/v1/scripts?" + params).then(function (answer) {
      if (mine !== asked) return;
      clear(list);
      var found = answer.scripts || answer.results || [];
      if (!found.length) list.appendChild(el("li", "没有找到话术", "muted"));
      found.forEach(function (x) {
        var li = list.appendChild(el("li"));
        var b = li.appendChild(SH.button(x.intent_name + " · " + x.name, "alt found", function () { choose(x); }));
        b.dataset.scriptId = x.script_id;
        li.appendChild(el("div", x.text.slice(0, 60) + (x.text.length > 60 ? "…" : ""), "muted"));
      });
    }).catch(function (e) { if (mine === asked) { clear(list); list.appendChild(el("li", "搜索出错:" + e.message, "warn")); } });
  }

  function choose(x) {
    if (!state.caseId || !state.kase) {
      // No case yet: the script is shown to insert; nothing is recorded.
      SH.showScript({ intent: x.intent, script_id: x.script_id, name: x.name, text: x.text, evidence: x.evidence || [],
                      actions: x.actions || [], notes: [], asks: [], next: [] });
      return;
    }
    SH.api("POST", "/v1/cases/" + state.caseId + "/choose", { script_id: x.script_id, version: state.kase.version, actor: SH.config.agent || undefined })
      .then(function (next) {
        state.caseId = next.case.id;  // another intent: the conversation's case for it
        if (next.script) SH.showScript(next.script);
        SH.toast("已选用:" + x.name);
        $("search").open = false;
        return SH.cockpit.load();
      }).catch(function (e) { SH.toast(e.message); });
  }

  $("search-q").addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(run, 250); });
  $("search-q").addEventListener("keydown", function (e) {
    if (e.key === "Enter") { e.preventDefault(); clearTimeout(timer); run(); }
  });
})();
