// A fake chat client: it embeds the sidebar and talks to it with window.postMessage, like a real one would.
(function () {
  "use strict";
  var frame = document.getElementById("sidebar");
  var conversation = document.getElementById("conversation").textContent;
  // The key comes in this page's URL fragment (make run prints the link), which browsers never send to a
  // server, and goes to the sidebar by postMessage, as a real chat client would hand over its agent's key.
  var key = new URLSearchParams(window.location.hash.slice(1)).get("key");
  if (!key) document.getElementById("no-key").hidden = false;
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
  function bubble(text, cls) { var li = document.createElement("li"); li.textContent = text; if (cls) li.className = cls; document.getElementById("messages").appendChild(li); }
  function send() {
    var input = document.getElementById("buyer"), text = input.value;
    if (!text.trim()) return;
    bubble(text, "buyer"); input.value = "";
    ready.then(function () {
      frame.contentWindow.postMessage({ type: "buyer_message", conversation_id: conversation, message: text }, window.location.origin);
    });
  }
  document.getElementById("send").addEventListener("click", send);
  document.getElementById("buyer").addEventListener("keydown", function (e) { if (e.key === "Enter") send(); });
  window.addEventListener("message", function (e) {
    if (e.origin !== window.location.origin || e.source !== frame.contentWindow) return;
    if (e.data && e.data.type === "sidebar_ready") markReady();
    if (e.data && e.data.type === "insert_reply") {
      document.getElementById("reply").value = String(e.data.text);
      window.__inserted = String(e.data.text);  // lets the end-to-end test read what the host received
    }
  });
})();
