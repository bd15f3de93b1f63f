// Exports page: poll each unfinished job's progress endpoint every second; show the bar, the status and, when
// done, the download link. No library needed.
(function () {
  "use strict";
  var select = document.getElementById("scope-select");
  if (select) {
    var sync = function () {
      document.querySelectorAll(".js-scope").forEach(function (input) { input.value = select.value; });
    };
    select.addEventListener("change", sync);
    sync();
  }
  var classes = { done: "ok", failed: "bad", queue_failed: "bad", expired: "" };
  function update(row, s) {
    var badge = row.querySelector(".js-status");
    badge.textContent = s.status_label;
    badge.className = "badge js-status " + (s.status in classes ? classes[s.status] : "warn");
    var bar = row.querySelector(".js-bar");
    bar.hidden = s.finished;
    bar.setAttribute("aria-valuenow", s.progress);
    bar.firstElementChild.style.width = s.progress + "%";
    row.querySelector(".js-error").textContent = s.error || "";
    var link = row.querySelector(".js-download");
    if (s.download_url) { link.href = s.download_url; link.hidden = false; } else { link.hidden = true; }
    var retry = row.querySelector(".js-retry");
    if (s.retry_url) { retry.action = s.retry_url; retry.hidden = false; } else { retry.hidden = true; }
  }
  function poll(row) {
    fetch(row.dataset.progressUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (s) { update(row, s); if (!s.finished) { setTimeout(function () { poll(row); }, 1000); } })
      .catch(function () { setTimeout(function () { poll(row); }, 3000); });
  }
  document.querySelectorAll(".export-job").forEach(function (row) {
    if (row.dataset.finished !== "1") { setTimeout(function () { poll(row); }, 1000); }
  });
})();
