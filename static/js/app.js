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
