// hanoiwatch dashboard: the pages work without this file; it only saves a click.
"use strict";

// A filter menu submits its form as soon as it changes, so the "Filter" button can hide.
document.documentElement.classList.add("js");
document.addEventListener("change", (e) => {
  const el = e.target;
  if (el instanceof HTMLSelectElement && el.hasAttribute("data-autosubmit") && el.form) {
    el.form.requestSubmit();
  }
});
