// Calls to the API's JSON endpoints, by relative URL (works under an API Gateway stage prefix).

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

/** GET a JSON endpoint; a non-2xx answer becomes an ApiError with the API's own message. */
export async function getJSON(path, params = {}) {
  let response;
  try {
    response = await fetch(`${path}${query(params)}`, { headers: { Accept: "application/json" } });
  } catch (err) {
    throw new ApiError("the API could not be reached; check the server and try again", 0, "network");
  }
  let body = null;
  try {
    body = await response.json();
  } catch (err) {
    body = null;
  }
  if (!response.ok) {
    const detail = body && body.error ? body.error : {};
    const message = detail.message || `the API answered ${response.status}`;
    throw new ApiError(message, response.status, detail.code || "http_error");
  }
  if (body === null) throw new ApiError("the API answered something that is not JSON", 0, "bad_body");
  return body;
}
