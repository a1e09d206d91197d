// Security keys and passkeys: the little JavaScript WebAuthn needs (no framework).
//
// Forms marked data-webauthn="register" | "get" get their options from data-options-url
// (POST JSON with the page's CSRF token), ask the browser, put the answer into the form's
// hidden "credential" field and submit the form as usual; the server does every check.
// The login page also offers passkeys in the email field's autofill (conditional UI).
"use strict";
(() => {
  const supported = typeof window.PublicKeyCredential === "function" &&
    !!navigator.credentials && window.isSecureContext;

  // English here; the page's language from the #sl-text element when it has one.
  const WORDS = document.getElementById("sl-text")?.dataset || {};
  const MESSAGES = {
    NotAllowedError: WORDS.notAllowed || "The request was cancelled or timed out. Try again, and touch or unlock your key when the browser asks.",
    InvalidStateError: WORDS.invalidState || "This security key is already registered to your account. Use it to sign in, or add a different key.",
    NotSupportedError: WORDS.notSupported || "This key or this browser does not support what is needed. Try another key or a current browser.",
    SecurityError: WORDS.security || "Your browser refused the request for this site. Open the site at its usual address and try again.",
    AbortError: WORDS.abort || "The request was cancelled. Try again.",
    unsupported: WORDS.unsupported || "This browser cannot use security keys or passkeys. Use a current browser, or another way to sign in.",
    network: WORDS.network || "We could not reach the server. Check your connection and try again.",
  };

  // base64url <-> ArrayBuffer, for browsers without the JSON helpers.
  const toBuffer = (text) => {
    const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const padded = b64 + "===".slice((b64.length + 3) % 4);
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0)).buffer;
  };
  const toText = (buffer) => {
    let binary = "";
    new Uint8Array(buffer).forEach((b) => { binary += String.fromCharCode(b); });
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  };
  const withIds = (list) => (list || []).map((c) => ({ ...c, id: toBuffer(c.id) }));

  const creationOptions = (json) => {
    if (typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function") {
      return PublicKeyCredential.parseCreationOptionsFromJSON(json);
    }
    return { ...json, challenge: toBuffer(json.challenge),
      user: { ...json.user, id: toBuffer(json.user.id) },
      excludeCredentials: withIds(json.excludeCredentials) };
  };
  const requestOptions = (json) => {
    if (typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function") {
      return PublicKeyCredential.parseRequestOptionsFromJSON(json);
    }
    return { ...json, challenge: toBuffer(json.challenge),
      allowCredentials: withIds(json.allowCredentials) };
  };
  const credentialJSON = (cred) => {
    if (typeof cred.toJSON === "function") return cred.toJSON();
    const r = cred.response;
    const response = { clientDataJSON: toText(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toText(r.attestationObject);
      response.transports = typeof r.getTransports === "function" ? r.getTransports() : [];
    } else {
      response.authenticatorData = toText(r.authenticatorData);
      response.signature = toText(r.signature);
      if (r.userHandle) response.userHandle = toText(r.userHandle);
    }
    return { id: cred.id, rawId: toText(cred.rawId), type: cred.type, response,
      authenticatorAttachment: cred.authenticatorAttachment || null,
      clientExtensionResults: cred.getClientExtensionResults() };
  };

  const csrfOf = (form) => form.querySelector('input[name="csrf_token"]').value;

  async function fetchOptions(form, body) {
    let response;
    try {
      response = await fetch(form.dataset.optionsUrl, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfOf(form) },
        body: JSON.stringify(body || {}),
      });
    } catch (err) {
      throw Object.assign(new Error(MESSAGES.network), { friendly: true });
    }
    const data = await response.json().catch(() => ({}));
    if (data.redirect) { window.location.assign(data.redirect); throw Object.assign(new Error(""), { quiet: true }); }
    if (!response.ok) {
      throw Object.assign(new Error(data.detail || MESSAGES.network), { friendly: true });
    }
    return data;
  }

  function showError(form, err) {
    if (err && err.quiet) return;
    const box = document.getElementById(form.dataset.errorBox || "") ||
      form.querySelector("[data-webauthn-error]");
    if (!box) return;
    const text = err && err.friendly ? err.message : (MESSAGES[err && err.name] || MESSAGES.NotAllowedError);
    box.querySelector("p:last-of-type").textContent = text;
    box.hidden = false;
    box.focus();
  }

  function submitWith(form, credential) {
    form.querySelector('input[name="credential"]').value = JSON.stringify(credentialJSON(credential));
    form.submit();
  }

  let conditional = null;  // the pending autofill request on the login page, if any

  async function run(form, button) {
    if (!supported) { showError(form, { friendly: true, message: MESSAGES.unsupported }); return; }
    const box = form.querySelector("[data-webauthn-error]");
    if (box) box.hidden = true;
    button.disabled = true;
    try {
      if (form.dataset.webauthn === "register") {
        const name = form.querySelector('input[name="name"]');
        const json = await fetchOptions(form, { name: name ? name.value : null });
        submitWith(form, await navigator.credentials.create({ publicKey: creationOptions(json) }));
      } else {
        if (conditional) { conditional.abort(); conditional = null; }
        const json = await fetchOptions(form, {});
        submitWith(form, await navigator.credentials.get({ publicKey: requestOptions(json) }));
      }
    } catch (err) {
      showError(form, err);
    } finally {
      button.disabled = false;
    }
  }

  document.querySelectorAll("[data-webauthn-only]").forEach((el) => { el.hidden = !supported; });
  document.querySelectorAll("[data-webauthn-unsupported]").forEach((el) => { el.hidden = supported; });
  document.querySelectorAll("form[data-webauthn]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (form.querySelector('input[name="credential"]').value) return;  // ours, resubmitted
      event.preventDefault();
      run(form, event.submitter || form.querySelector("button"));
    });
  });

  // Conditional UI: the browser offers passkeys in the email field's autofill.
  const passkeyForm = document.querySelector('form[data-webauthn-conditional]');
  if (supported && passkeyForm &&
      typeof PublicKeyCredential.isConditionalMediationAvailable === "function") {
    PublicKeyCredential.isConditionalMediationAvailable().then(async (available) => {
      if (!available) return;
      conditional = new AbortController();
      const signal = conditional.signal;
      try {
        const json = await fetchOptions(passkeyForm, {});
        const credential = await navigator.credentials.get({
          publicKey: requestOptions(json), mediation: "conditional", signal });
        if (credential) submitWith(passkeyForm, credential);
      } catch (err) {
        if (!signal.aborted && err.name !== "AbortError") showError(passkeyForm, err);
      }
    }).catch(() => {});
  }
})();
