// The project's own script. htmx reads the CSRF token from <body hx-headers>.
// Forms submit with their buttons only: nothing acts on "change", so keyboard users can
// move through a select without triggering anything.
