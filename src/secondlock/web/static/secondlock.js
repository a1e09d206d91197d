// Progressive enhancement only: every page works without this file.
"use strict";
document.querySelectorAll("[data-password-toggle]").forEach((button) => {
  const input = document.getElementById(button.dataset.passwordToggle);
  if (!input) return;
  button.hidden = false;
  button.addEventListener("click", () => {
    const show = input.type === "password";
    input.type = show ? "text" : "password";
    const words = document.getElementById("sl-text")?.dataset || {};
    button.textContent = show ? (words.hidePassword || "Hide password")
      : (words.showPassword || "Show password");
    input.focus();
  });
  // Never let the browser remember the plain-text state.
  input.form?.addEventListener("submit", () => { input.type = "password"; });
});
// "Print" on the recovery codes page: shown only when this script runs.
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
