// The server's HTTP API as the app uses it: session cookies, the CSRF header, JSON errors.

export class HttpError extends Error {
  constructor(status, body, retryAfter) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
    this.retryAfter = retryAfter; // seconds, from Retry-After (429/503)
  }
}

export class NetworkError extends Error {}

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

function retryAfterSeconds(response) {
  const raw = response.headers.get("Retry-After");
  if (!raw) return null;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? null : Math.max(0, (date - Date.now()) / 1000);
}

/** fetch() with the session; resolves {data, response}; rejects HttpError or NetworkError. */
export async function call(method, url, { json, form, timeout = 60000 } = {}) {
  const headers = { Accept: "application/json" };
  let body;
  if (json !== undefined) { headers["Content-Type"] = "application/json"; body = JSON.stringify(json); }
  if (form) body = form;
  if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeout);
  let response;
  try {
    response = await fetch(url, { method, headers, body, credentials: "same-origin", signal: controller.signal, cache: "no-store" });
  } catch (error) {
    throw new NetworkError(error.message || "network");
  } finally {
    clearTimeout(timer);
  }
  let data = null;
  const type = response.headers.get("Content-Type") || "";
  if (type.includes("json")) {
    try { data = await response.json(); } catch { throw new NetworkError("truncated reply"); }
  }
  if (!response.ok) throw new HttpError(response.status, data, retryAfterSeconds(response));
  return { data, response };
}

/** The server's clock from a reply (the Date header), else the phone's. */
export function serverTime(response) {
  const date = response && Date.parse(response.headers.get("Date") || "");
  return date && !Number.isNaN(date) ? new Date(date).toISOString() : new Date().toISOString();
}
