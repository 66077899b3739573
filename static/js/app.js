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

// Irreversible actions ask first: a submit button with data-confirm="sentence" (the
// sentence, translated by the page, says what will happen) opens the page's
// #confirm-dialog; the form is submitted, with that button, only once it is accepted.
// A confirmed submission is remembered on the form until it really leaves, so the wait
// for an in-flight autosave below re-submits it without asking again. This listener is
// registered before the autosave's, and stops an unconfirmed submit from reaching it.
function askToConfirm(sentence, submitter, onAccept) {
  const dialog = document.getElementById("confirm-dialog");
  if (!dialog || !window.bootstrap) {
    if (window.confirm(sentence)) onAccept();
    return;
  }
  const accept = document.getElementById("confirm-dialog-accept");
  document.getElementById("confirm-dialog-text").textContent = sentence;
  accept.textContent = submitter.textContent.trim() || accept.textContent;
  let accepted = false;
  accept.onclick = () => {
    accepted = true;
    bootstrap.Modal.getOrCreateInstance(dialog).hide();
  };
  dialog.addEventListener("shown.bs.modal", () => accept.focus(), { once: true });
  dialog.addEventListener("hidden.bs.modal", () => {
    accept.onclick = null;
    if (accepted) onAccept();
    else submitter.focus();
  }, { once: true });
  bootstrap.Modal.getOrCreateInstance(dialog).show();
}
document.addEventListener("submit", (event) => {
  const form = event.target;
  const submitter = event.submitter;
  if (!submitter || !submitter.hasAttribute("data-confirm")) return;
  if (form._confirmedSubmitter === submitter) return;
  event.preventDefault();
  event.stopImmediatePropagation();
  askToConfirm(submitter.dataset.confirm, submitter, () => {
    form._confirmedSubmitter = submitter;
    form.requestSubmit(submitter);
  });
}, true);
document.addEventListener("submit", (event) => {
  // The submission leaves now (no listener held it back): forget the confirmation, so a
  // page restored from the back-forward cache asks again.
  if (!event.defaultPrevented) event.target._confirmedSubmitter = null;
});

// An autosave posts to its form's own hx-post. htmx would send it to the formaction of
// the button last clicked or focused: a person tabbing from a field onto Submit, or
// pressing Submit while the confirmation is open, would have their draft submitted by the
// autosave behind their back.
document.addEventListener("htmx:configRequest", (event) => {
  const elt = event.detail.elt;
  if (elt instanceof HTMLFormElement && elt.hasAttribute("hx-post")) {
    event.detail.path = elt.getAttribute("hx-post");
  }
});

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

// The Content-Security-Policy (settings CONTENT_SECURITY_POLICY) allows no inline script,
// handler or style attribute, so what those did is done here.
// A button with data-print prints the page.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
// A Bootstrap progress bar with data-progress="N" is N% wide: set through the DOM, which
// the policy allows, each time htmx swaps a fresh one in (and once on load).
function drawProgress(root) {
  for (const bar of root.querySelectorAll("[data-progress]")) {
    bar.style.width = `${Number(bar.dataset.progress) || 0}%`;
  }
}
if (window.htmx) htmx.onLoad(drawProgress);
else drawProgress(document);
