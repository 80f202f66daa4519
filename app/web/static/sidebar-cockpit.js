// The case cockpit: what can happen next on the case (GET /v1/cases/{id}/next), one button per step. Each click
// writes the case with the version the agent saw, then reads /next again and shows the script the case is now at.
(function () {
  "use strict";
  var SH = window.SH, state = SH.state, $ = SH.$, el = SH.el, clear = SH.clear;
  var REMEDIES = Object.keys(SH.REMEDY_NAMES);
  // Before /next exists (or on an older server) the legal moves come from the case's status, as app/cases/service.py.
  var TRANSITIONS = { open: ["waiting_buyer", "waiting_courier", "resolved"],
                      waiting_buyer: ["open", "waiting_courier", "resolved"],
                      waiting_courier: ["open", "waiting_buyer", "resolved"],
                      waiting_approval: ["open", "waiting_buyer", "waiting_courier", "resolved"], resolved: ["closed", "open"], closed: [] };
  var FOLLOW_UP_HOURS = [["2小时", 2], ["24小时", 24], ["3天", 72]];
  var poller = null, loading = 0;
  var cockpit = SH.cockpit = {};

  function actor() { return SH.actor(); }
  function caseUrl(rest) { return "/v1/cases/" + state.caseId + (rest || ""); }

  // Reads the case's next steps and draws them; the script it answers with becomes the card's script, except
  // when ``keepEdits`` (the load that follows a new suggestion, which may answer after the agent began typing)
  // and the agent has changed the card's text. After the agent's own click the case's new step always shows.
  cockpit.load = function (keepEdits) {
    if (!state.caseId) { cockpit.hide(); return Promise.resolve(); }
    var mine = ++loading, id = state.caseId;
    return SH.api("GET", caseUrl("/next")).then(function (next) {
      if (mine !== loading || id !== state.caseId) return;
      if (next.script && !(keepEdits && SH.edited())) SH.showScript(next.script);
      draw(next.case, next.steps);
    }, function (err) {
      if (err.status !== 404) throw err;
      // No /next route on this server (a missing case 404s again just below): draw what the case itself says.
      return SH.api("GET", caseUrl()).then(function (c) { if (mine === loading) draw(c, fallbackSteps(c)); });
    }).then(cockpit.refreshTimeline).catch(function (e) { SH.toast("出错了:" + e.message); });
  };

  cockpit.hide = function () {
    $("cockpit").hidden = true; state.kase = null; state.steps = null;
    clear($("timeline")); stopPolling(); SH.tick("follow-ups", null); SH.tick("approval", null);
  };

  function fallbackSteps(c) {
    var script = state.script || { actions: [], next: [] };
    return {
      assessments: (script.next || []).filter(function (n) { return n.when && n.when.assessment; })
        .map(function (n) { return { id: n.when.assessment, name: n.name, script_id: n.script_id }; }),
      evidence: c.evidence.map(function (e) { return { id: e.id, name: e.name, received: !!e.received_at }; }),
      remedies: script.actions.filter(function (a) { return REMEDIES.indexOf(a.id) >= 0; })
        .map(function (a) { return { id: a.id, name: a.name, min: null, max: null, needs_amount: a.id === "compensate" || a.id === "partial_refund" }; }),
      actions: script.actions.filter(function (a) { return REMEDIES.indexOf(a.id) < 0; }),
      statuses: TRANSITIONS[c.status] || []
    };
  }

  // One write: the click's request, then the case read again. A stale version (someone else wrote first)
  // redraws the case as it now is, so the agent decides again on what is really there.
  function write(promise, done) {
    setBusy(true);
    return promise.then(function () { if (done) SH.toast(done); return cockpit.load(); })
      .catch(function (e) { SH.toast(e.message); if (e.status === 409) return cockpit.load(); })
      .then(function () { setBusy(false); });
  }
  function setBusy(on) { $("cockpit").classList.toggle("busy", on); }

  function draw(c, steps) {
    state.kase = c; state.steps = steps;
    $("cockpit").hidden = false;
    $("case").textContent = "案件 #" + c.id;
    var status = $("case-status"); clear(status);
    status.appendChild(el("span", SH.STATUS_NAMES[c.status] || c.status, "chip status-" + c.status));
    if (c.remedy) status.appendChild(el("span", (SH.REMEDY_NAMES[c.remedy] || c.remedy) + (c.amount ? " " + c.amount + " 元" : ""), "chip"));
    drawApproval(c);
    // A closed case is read, not worked: its evidence and follow-ups stay in view, the controls go.
    var closed = c.status === "closed";
    drawAssessments(c, closed ? [] : steps.assessments || []);
    drawEvidence(steps.evidence || []);
    drawRemedies(c, closed ? [] : steps.remedies || []);
    section("actions-box", !closed);
    if (!closed) drawActions(steps.actions || []);
    drawFollowUps(c.follow_ups || [], closed);
    // While the 店长 decides, resolving or closing is refused (409 approval_pending): no button offers it.
    // waiting_approval is reached by asking for an amount above the range, never by a status button.
    var pending = c.approval && c.approval.status === "pending";
    drawStatuses((steps.statuses || []).filter(function (s) {
      return s !== "waiting_approval" && (!pending || (s !== "resolved" && s !== "closed"));
    }));
  }

  function drawApproval(c) {
    var box = $("approval-wait"), a = c.approval;
    stopPolling(); SH.tick("approval", null);
    box.hidden = !a; box.className = a ? "approval-" + a.status : "";
    if (!a) return;
    clear(box);
    if (a.status === "pending") {
      box.appendChild(el("strong", "等待店长审批"));
      box.appendChild(el("span", " " + (SH.REMEDY_NAMES[c.remedy] || "") + " " + a.amount + " 元 · "));
      var left = box.appendChild(el("span", "", "countdown"));
      SH.tick("approval", function () {
        if (!a.answer_by) return;
        var cd = SH.countdown(a.answer_by);
        left.textContent = "答复时限" + cd.text; left.classList.toggle("overdue", cd.overdue);
      });
      startPolling(a.id);
    } else if (a.status === "approved") {
      box.appendChild(el("strong", "店长已批准 " + a.amount + " 元"));
      if (a.decided_by && a.decided_by.indexOf("key:") !== 0) box.appendChild(el("span", " · " + a.decided_by, "muted"));
    } else {
      box.appendChild(el("strong", "店长未批准 " + a.amount + " 元"));
      if (a.reason) box.appendChild(el("span", ":" + a.reason));
    }
  }

  // While the 店长 decides, the case is read every 10 s; a decision redraws everything (the script then
  // states the approved amount).
  function startPolling(approvalId) {
    poller = setInterval(function () {
      if (!state.caseId) return stopPolling();
      SH.api("GET", caseUrl()).then(function (c) {
        if (!c.approval || c.approval.id !== approvalId || c.approval.status !== "pending") {
          SH.toast(c.approval && c.approval.status === "approved" ? "店长已批准" : "店长已答复");
          cockpit.load();
        }
      }).catch(function () {});
    }, 10000);
  }
  function stopPolling() { if (poller) clearInterval(poller); poller = null; }

  function section(id, show) { var s = $(id); s.hidden = !show; var body = s.querySelector(".body"); clear(body); return body; }

  function drawAssessments(c, list) {
    var body = section("assessments", list.length);
    list.forEach(function (a) {
      assessmentNames[a.id] = a.name;
      var b = SH.button(a.name, "step assessment" + (c.assessment === a.id ? " chosen" : ""), function () {
        write(SH.api("PATCH", caseUrl(), { version: state.kase.version, actor: actor(), assessment: a.id }), "已记录判断:" + a.name);
      });
      b.dataset.assessment = a.id;
      body.appendChild(b);
    });
  }

  function drawEvidence(list) {
    var body = section("evidence-box", list.length);
    var ul = body.appendChild(el("ul"));
    list.forEach(function (e) {
      var li = ul.appendChild(el("li")), label = li.appendChild(el("label"));
      var box = label.appendChild(document.createElement("input"));
      box.type = "checkbox"; box.dataset.evidence = e.id; box.checked = !!e.received; box.disabled = !!e.received;
      label.appendChild(document.createTextNode(" " + e.name + (e.received ? "(已收到)" : "")));
      if (e.received) li.className = "done";
      box.addEventListener("change", function () {
        if (!box.checked) return;
        write(SH.api("POST", caseUrl("/evidence/" + encodeURIComponent(e.id) + "/received"), { by: actor() }), "已标记收到:" + e.name);
      });
    });
  }

  // A remedy with an amount shows the agent's range; above it the button asks the 店长 instead of granting.
  function drawRemedies(c, list) {
    var body = section("remedies", list.length), plain = null;
    var a = c.approval, pending = a && a.status === "pending";
    var approved = a && a.status === "approved" ? Number(a.amount) : null;
    list.forEach(function (r) {
      var row = r.needs_amount ? body.appendChild(el("div", null, "row remedy"))
        : (plain = plain || body.appendChild(el("div", null, "row wrap remedy")));
      var input = null;
      var b = SH.button(r.name, "step remedy" + (c.remedy === r.id ? " chosen" : ""), function () {
        var data = { version: state.kase.version, actor: actor(), remedy: r.id };
        if (input) {
          if (!input.value || !(Number(input.value) >= 0)) { SH.toast("请先填写金额"); input.focus(); return; }
          data.amount = input.value;
        }
        var over = input && r.max != null && Number(input.value) > Number(r.max);
        write(SH.api("PATCH", caseUrl(), data), over ? "已提交店长审批" : "已记录:" + r.name);
      });
      b.dataset.remedy = r.id;
      if (pending) { b.disabled = true; b.title = "等待店长审批"; }  // one question to the 店长 at a time
      if (r.needs_amount) {
        input = el("input", null, "amount"); input.type = "number"; input.min = "0"; input.step = "0.01";
        input.dataset.remedy = r.id; input.setAttribute("aria-label", r.name + "金额(元)");
        input.placeholder = r.min != null && r.max != null ? r.min + "–" + r.max + " 元" : "金额 元";
        if (c.remedy === r.id) input.value = c.amount || (c.approval && c.approval.status === "pending" ? c.approval.amount : "");
        // Above the range the button asks; the amount the 店长 approved for this case is no longer a question.
        var relabel = function () {
          var value = Number(input.value), granted = approved !== null && c.remedy === r.id && value === approved;
          var over = r.max != null && input.value !== "" && value > Number(r.max) && !granted;
          b.textContent = over ? "申请" + r.name : r.name;
          hint.textContent = granted ? "店长已批准 " + a.amount + " 元" : over ? "超过客服权限(" + r.max + " 元),需店长审批"
            : (r.max != null ? "客服可直接给 " + r.min + "–" + r.max + " 元" : "");
          hint.classList.toggle("warn", over);
        };
        row.appendChild(input);
        row.appendChild(b);
        var hint = body.appendChild(el("div", "", "muted hint"));
        input.addEventListener("input", relabel);
        input.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); b.click(); } });
        relabel();
      } else {
        row.appendChild(b);
      }
    });
  }

  // 备注 takes the agent's words; 登记 and the other actions are recorded as done.
  function drawActions(list) {
    var body = section("actions-box", true);
    var note = body.appendChild(el("div", null, "row"));
    var text = note.appendChild(el("input")); text.id = "note-text"; text.maxLength = 500; text.placeholder = "备注内容,例如:已联系仓库";
    var add = note.appendChild(SH.button("备注", "step", function () {
      var words = text.value.trim();
      if (!words) { SH.toast("请先写备注内容"); text.focus(); return; }
      write(event("note", { text: words }), "已备注");
    }));
    add.id = "note-add";
    text.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); add.click(); } });
    var row = body.appendChild(el("div", null, "row wrap"));
    list.filter(function (a) { return a.id !== "note"; }).forEach(function (a) {
      var b = SH.button(a.name, "step secondary action", function () {
        var done = a.id === "register" ? event("registered", {}) : a.id === "escalate_manager"
          ? event("approval_asked", { text: a.name }) : event("action_done", { action: a.id, name: a.name });
        write(done, "已记录:" + a.name);
      });
      b.dataset.action = a.id;
      row.appendChild(b);
    });
  }

  function event(type, data) {
    return SH.api("POST", caseUrl("/events"), { type: type, actor: actor(), script_id: state.script ? state.script.script_id : null, data: data });
  }

  // Follow-ups: the open ones with a live countdown (red once overdue) and 完成; the agent can add one.
  function drawFollowUps(list, closed) {
    var body = section("follow-ups", list.length || !closed);
    var open = list.filter(function (f) { return !f.done_at; }), done = list.filter(function (f) { return f.done_at; });
    var ul = body.appendChild(el("ul"));
    var clocks = [];
    open.sort(function (a, b) { return new Date(a.due_at) - new Date(b.due_at); }).forEach(function (f) {
      var li = ul.appendChild(el("li", null, "follow-up")); li.dataset.followUp = f.id;
      li.appendChild(el("span", f.what + " "));
      if (f.kind) li.appendChild(el("span", "话术承诺", "chip promised"));  // from a deadline a shown script stated
      var clock = li.appendChild(el("span", "", "countdown"));
      clocks.push({ f: f, li: li, clock: clock });
      var b = li.appendChild(SH.button("完成", "small", function () {
        write(SH.api("POST", "/v1/follow-ups/" + f.id + "/done", { by: actor() }), "跟进已完成");
      }));
      b.dataset.followUpDone = f.id;
    });
    done.forEach(function (f) { ul.appendChild(el("li", f.what + "(已完成)", "done")); });
    SH.tick("follow-ups", function () {
      clocks.forEach(function (x) {
        var cd = SH.countdown(x.f.due_at);
        x.clock.textContent = cd.text; x.li.classList.toggle("overdue", cd.overdue);
      });
    });
    if (closed) return;
    var form = body.appendChild(el("div", null, "row"));
    var what = form.appendChild(el("input")); what.id = "follow-up-what"; what.maxLength = 500; what.placeholder = "新跟进,例如:回访买家";
    var hours = form.appendChild(el("select")); hours.id = "follow-up-hours";
    FOLLOW_UP_HOURS.forEach(function (h) { var o = hours.appendChild(el("option", h[0])); o.value = String(h[1]); });
    form.appendChild(SH.button("加跟进", "secondary", function () {
      if (!what.value.trim()) { SH.toast("请先写要跟进的事"); what.focus(); return; }
      var due = new Date(Date.now() + Number(hours.value) * 3600 * 1000).toISOString();
      write(SH.api("POST", caseUrl("/follow-ups"), { what: what.value.trim(), due_at: due, actor: actor() }), "已加跟进");
    })).id = "follow-up-add";
  }

  function drawStatuses(list) {
    var body = section("statuses", list.length);
    list.forEach(function (s) {
      var b = SH.button(s === "closed" ? "关闭案件" : "改为" + (SH.STATUS_NAMES[s] || s), "step secondary status", function () {
        write(SH.api("POST", caseUrl("/status"), { status: s, version: state.kase.version, actor: actor() }), "状态:" + (SH.STATUS_NAMES[s] || s));
      });
      b.dataset.status = s;
      body.appendChild(b);
    });
  }

  // Several clicks may each refresh the timeline; only the latest request's answer is drawn, so a slow,
  // older answer can never overwrite a newer one.
  var timelineRequest = 0;
  cockpit.refreshTimeline = function () {
    if (!state.caseId) return Promise.resolve();
    var mine = ++timelineRequest;
    return SH.api("GET", caseUrl("/timeline")).then(function (events) {
      if (mine === timelineRequest) drawTimeline(events);
    });
  };

  var EVENT_NAMES = { message_received: "买家消息", suggestion_shown: "显示建议", script_used: "使用话术", script_edited: "修改后使用",
    script_rejected: "话术不合适", note: "备注", registered: "登记", evidence_requested: "请求凭证", evidence_received: "凭证已收到",
    action_done: "操作", follow_up_set: "设置跟进", follow_up_done: "完成跟进", status_changed: "状态变更",
    approval_asked: "请示店长", approval_given: "审批通过", approval_rejected: "审批未通过", assessment: "判断",
    script_chosen: "选用话术", remedy_proposed: "提出方案", remedy_agreed: "买家同意方案" };

  function evidenceName(id) {
    var hit = (state.steps && state.steps.evidence || []).filter(function (e) { return e.id === id; })[0];
    return hit ? hit.name : id;
  }

  var assessmentNames = {};  // every judgement shown so far: the timeline names them after the buttons are gone
  function assessmentName(id) { return assessmentNames[id] || id; }

  function drawTimeline(events) {
    var ol = $("timeline"); clear(ol);
    events.slice(-30).forEach(function (e) {
      var d = e.data || {}, ev = d.evidence;
      if (ev) ev = [].concat(ev).map(evidenceName).join("、");
      var to = d.to ? (SH.STATUS_NAMES[d.to] || d.to) : "";
      var judged = d.assessment ? assessmentName(d.assessment) : "";
      if (e.type === "message_received" && !d.message) d = { message: "[附件]" };  // a photo without words
      var detail = d.name || d.text || d.what || ev || judged || d.message || to || (d.amount ? d.amount + " 元" : "") || d.branch || "";
      ol.appendChild(el("li", new Date(e.at).toLocaleTimeString() + " " + (EVENT_NAMES[e.type] || e.type) +
        (detail ? ":" + String(detail).slice(0, 40) : ""), "event-" + e.type));
    });
  }

  // Alt+N: the first button of the next step, so the keyboard reaches the cockpit without the mouse.
  cockpit.focusNext = function () {
    var first = document.querySelector("#cockpit .step:not(:disabled)");
    if (first) { first.focus(); first.scrollIntoView({ block: "nearest" }); }
  };
})();
