// Starts GOV.UK Frontend's components. Loaded as a module from our own origin (no inline script).
import { initAll } from "/static/vendor/govuk-frontend/govuk-frontend.min.js";

initAll();

// htmx swaps in new HTML: start the components inside it too.
document.body.addEventListener("htmx:afterSwap", (event) => {
  initAll({ scope: event.detail.elt });
});
