// The result page while it is queued or running: asks its status every two seconds
// and reloads once the grade (and its plots) are ready. Without script, the page
// shows a link to reload by hand.
(function () {
  "use strict";
  var status = document.getElementById("status");
  var url = status && status.getAttribute("data-poll");
  if (!url) return;
  function ask() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (body && body.done) { window.location.reload(); return; }
        if (body) status.textContent = body.status;
        window.setTimeout(ask, 2000);
      })
      .catch(function () { window.setTimeout(ask, 5000); });
  }
  window.setTimeout(ask, 1000);
})();
