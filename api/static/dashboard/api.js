// Calls to the API's JSON endpoints, by relative URL (works under an API Gateway stage prefix).
import { apiKey, askForKey } from "./key.js";

export class ApiError extends Error {
  constructor(message, status, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

let acceptedKey = null; // a key the API has answered 2xx to: a later 403 with it is not about the key

/** One GET, with the API key when there is one; a 401/403 asks for a key and tries again. */
async function fetchWithKey(url) {
  for (;;) {
    const key = apiKey();
    const headers = { Accept: "application/json" };
    if (key) headers["x-api-key"] = key;
    let response;
    try {
      response = await fetch(url, { headers });
    } catch (err) {
      throw new ApiError("the API could not be reached; check the server and try again", 0, "network");
    }
    if (response.ok && key) acceptedKey = key;
    if ((response.status !== 401 && response.status !== 403) || (key && key === acceptedKey)) {
      return response;
    }
    await askForKey(key);
  }
}

/** GET a JSON endpoint; a non-2xx answer becomes an ApiError with the API's own message. */
export async function getJSON(path, params = {}) {
  const response = await fetchWithKey(`${path}${query(params)}`);
  let body = null;
  try {
    body = await response.json();
  } catch (err) {
    body = null;
  }
  if (!response.ok) {
    const detail = body && body.error ? body.error : {};
    // API Gateway's own answers (403, 429) are {"message": ...}, not the API's error body.
    const message = detail.message || (body && body.message) || `the API answered ${response.status}`;
    throw new ApiError(message, response.status, detail.code || "http_error");
  }
  if (body === null) throw new ApiError("the API answered something that is not JSON", 0, "bad_body");
  return body;
}
