// A fake chat client: it embeds the sidebar and talks to it with window.postMessage, like a real one would.
// Its order panel is sent as `order` with each message, so the order-aware branches can be tried.
(function () {
  "use strict";
  var frame = document.getElementById("sidebar");
  function $(id) { return document.getElementById(id); }
  var conversation = $("conversation").textContent;
  // The key comes in this page's URL fragment (make run prints the link), which browsers never send to a
  // server, and goes to the sidebar by postMessage, as a real chat client would hand over its agent's key.
  var key = new URLSearchParams(window.location.hash.slice(1)).get("key");
  if (!key) $("no-key").hidden = false;
  // Send only once the sidebar says it is listening. Either page may start first, so the host pings until
  // the sidebar answers (a one-off "load" or "ready" could fire before the other side listens).
  var markReady;
  var ready = new Promise(function (resolve) { markReady = resolve; });
  var pinger = setInterval(function () {
    if (frame.contentWindow) frame.contentWindow.postMessage({ type: "host_ping" }, window.location.origin);
  }, 100);
  ready.then(function () {
    clearInterval(pinger);
    if (key) frame.contentWindow.postMessage({ type: "auth", token: key }, window.location.origin);
  });

  // Times: the panel starts with a plausible order (paid 3 days ago, shipped 2, signed today).
  function local(d) { var z = new Date(d.getTime() - d.getTimezoneOffset() * 60000); return z.toISOString().slice(0, 16); }
  var day = 24 * 3600 * 1000, now = Date.now();
  $("order-paid").value = local(new Date(now - 3 * day));
  $("order-shipped").value = local(new Date(now - 2 * day));
  $("order-signed").value = local(new Date(now - 2 * 3600 * 1000));
  function iso(id) { var v = $(id).value; return v ? new Date(v).toISOString() : undefined; }

  function order() {
    if ($("order-off").checked) return undefined;
    var o = { id: $("order-id").value.trim() || undefined, status: $("order-status").value || undefined,
              paid_at: iso("order-paid"), shipped_at: iso("order-shipped"),
              signed_at: $("order-status").value === "signed" ? iso("order-signed") : undefined,
              signed_by: $("order-status").value === "signed" ? ($("order-signer").value || undefined) : undefined,
              shipping_insurance: $("order-insurance").checked, amount: $("order-amount").value || undefined, items: [] };
    var name = $("order-item").value.trim();
    if (name) o.items.push({ name: name, price: $("order-amount").value || "0", quantity: Number($("order-qty").value) || 1 });
    return o;
  }

  function bubble(text, cls) {
    var li = document.createElement("li"); li.textContent = text; if (cls) li.className = cls;
    $("messages").appendChild(li); li.scrollIntoView({ block: "end" });
  }
  function post(message, attachments) {
    var data = { type: "buyer_message", conversation_id: conversation, message: message, order: order() };
    if (attachments) data.attachments = attachments;
    ready.then(function () { frame.contentWindow.postMessage(data, window.location.origin); });
  }
  function send() {
    var input = $("buyer"), text = input.value;
    if (!text.trim()) return;
    bubble(text, "buyer"); input.value = "";
    post(text);
  }
  // A photo from the buyer: the message carries the file as an attachment, with whatever text is typed.
  function sendImage() {
    var input = $("buyer"), text = input.value;
    bubble("[图片] " + (text || "photo.jpg"), "buyer image"); input.value = "";
    post(text, [{ type: "image", name: "photo.jpg" }]);
  }
  // A new conversation: a new id, an empty chat; the sidebar forgets the previous case.
  function newConversation() {
    conversation = "demo-" + Math.random().toString(16).slice(2, 10);
    $("conversation").textContent = conversation;
    var list = $("messages"); while (list.firstChild) list.removeChild(list.firstChild);
    $("reply").value = "";
    ready.then(function () {
      frame.contentWindow.postMessage({ type: "new_conversation", conversation_id: conversation }, window.location.origin);
    });
  }
  $("send").addEventListener("click", send);
  $("send-image").addEventListener("click", sendImage);
  $("new-conversation").addEventListener("click", newConversation);
  $("buyer").addEventListener("keydown", function (e) { if (e.key === "Enter") send(); });
  window.addEventListener("message", function (e) {
    if (e.origin !== window.location.origin || e.source !== frame.contentWindow) return;
    if (e.data && e.data.type === "sidebar_ready") markReady();
    if (e.data && e.data.type === "insert_reply") {
      $("reply").value = String(e.data.text);
      bubble(String(e.data.text), "agent");
      window.__inserted = String(e.data.text);  // lets the end-to-end test read what the host received
      // The sidebar records "used" only when the host says it inserted the text (or a copy really happened).
      e.source.postMessage({ type: "reply_inserted" }, e.origin);
    }
  });
})();
