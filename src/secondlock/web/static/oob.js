// "Didn't get it? Resend in 0:29": a live countdown next to the resend button.
// Progressive enhancement only: without this file the button is always there and the
// server refuses an early resend with a friendly message.
"use strict";
const slText = (key, english) => document.getElementById("sl-text")?.dataset[key] || english;
document.querySelectorAll("[data-resend-in]").forEach((box) => {
  const button = box.querySelector("button");
  const label = box.querySelector("[data-countdown]");
  if (!button || !label) return;
  const until = Date.now() + (parseInt(box.dataset.resendIn, 10) || 0) * 1000;
  const clock = (s) => `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  // The label is a polite live region: screen readers hear the server's sentence once and
  // "Didn't get it?" when the button comes back, never a clock ticking every second.
  const spoken = document.createElement("span");
  spoken.className = "visually-hidden";
  spoken.textContent = label.textContent;
  const shown = document.createElement("span");
  shown.setAttribute("aria-hidden", "true");
  const tick = () => {
    const left = Math.ceil((until - Date.now()) / 1000);
    if (left > 0) {
      shown.textContent = slText("resendIn", "Didn't get it? Resend in {clock}")
        .replace("{clock}", clock(left));
      button.disabled = true;
      window.setTimeout(tick, 250);
    } else {
      label.textContent = slText("didntGetIt", "Didn't get it?");
      button.disabled = false;
    }
  };
  if (until > Date.now()) label.replaceChildren(spoken, shown);
  tick();
});
