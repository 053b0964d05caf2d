// The API key, for a deployment that asks for one (API Gateway with a usage plan answers 403
// without it). Locally the API needs no key and nothing here ever shows. The key is kept in
// sessionStorage (this tab only, gone when it closes), sent as the x-api-key header, and never
// put in the URL: the form's input has no name, so even a native submit could not carry it.
const STORE = "duffbeer.apiKey";
const PRINTABLE = /^[\x21-\x7E]{1,256}$/;
const $ = (selector) => document.querySelector(selector);

let memory = ""; // used when the browser refuses sessionStorage
let pending = null; // the open form, shared by every call refused meanwhile

export function apiKey() {
  try {
    return sessionStorage.getItem(STORE) || "";
  } catch (err) {
    return memory;
  }
}

function remember(key) {
  memory = key;
  try {
    if (key) sessionStorage.setItem(STORE, key);
    else sessionStorage.removeItem(STORE);
  } catch (err) {
    // storage disabled: the key lasts as long as this page
  }
}

/**
 * The API refused a call sent with `refused` ("" = no key): show the key form and resolve once
 * a key is entered. If a newer key than `refused` is already stored, resolve at once (retry).
 */
export function askForKey(refused) {
  if (pending) return pending;
  if (apiKey() !== refused) return Promise.resolve();
  remember("");
  const form = $("#key-form");
  const input = $("#k-key");
  const note = $("#key-message");
  note.textContent = refused
    ? "The API refused this API key. Check it and enter it again."
    : "This API needs an API key. Enter it to load the dashboard.";
  form.hidden = false;
  input.value = "";
  input.focus();
  pending = new Promise((resolve) => {
    const submit = (event) => {
      event.preventDefault();
      const key = input.value.trim();
      if (!PRINTABLE.test(key)) {
        note.textContent = "An API key is letters, digits and symbols, without spaces.";
        return;
      }
      form.removeEventListener("submit", submit);
      remember(key);
      input.value = "";
      form.hidden = true;
      pending = null;
      resolve();
    };
    form.addEventListener("submit", submit);
  });
  return pending;
}
