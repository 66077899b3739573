// The project's own script. htmx reads the CSRF token from <body hx-headers>.
// Forms submit with their buttons only: nothing acts on "change", so keyboard users can
// move through a select without triggering anything.

// htmx 2 does not swap 4xx responses by default; our forms answer refused input with a
// 400/409 fragment that says why, so swap those too.
if (window.htmx) {
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "4..", swap: true, error: false },
    { code: "...", swap: false, error: true },
  ];
}

// Autosaving forms (hx-post + hx-sync) carry the version they were read at. A full
// Save or Submit must not race an autosave still in flight (it would be refused as a
// conflict), so it waits for the autosave to land, which updates the version, and then
// submits with the same button.
document.addEventListener("htmx:beforeRequest", (event) => {
  const form = event.detail.elt.closest("form");
  if (form) form.dataset.saving = String(Number(form.dataset.saving || 0) + 1);
});
document.addEventListener("htmx:afterRequest", (event) => {
  const form = event.detail.elt.closest("form");
  if (!form) return;
  form.dataset.saving = String(Math.max(0, Number(form.dataset.saving || 0) - 1));
  if (form.dataset.saving === "0" && form._waitingSubmitter) {
    const submitter = form._waitingSubmitter;
    form._waitingSubmitter = null;
    form.requestSubmit(submitter);
  }
});
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.hasAttribute("hx-post") || Number(form.dataset.saving || 0) === 0) return;
  event.preventDefault();
  form._waitingSubmitter = event.submitter || null;
}, true);
