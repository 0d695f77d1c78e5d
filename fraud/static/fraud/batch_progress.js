// Reload a batch scoring job's admin page while the job runs (the progress
// bar says so with data-refresh-seconds); a static file, as the
// Content-Security-Policy allows no inline script. Loaded in the page's head.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var running = document.querySelector("progress[data-refresh-seconds]");
  if (running) {
    window.setTimeout(function () {
      window.location.reload();
    }, Number(running.dataset.refreshSeconds) * 1000);
  }
});
