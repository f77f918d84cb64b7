// The JSON API of the service, called with the key the user signed in with.
const STORE = 'symbiose.key';

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

export function savedKey() { return sessionStorage.getItem(STORE); }
export function saveKey(key) { sessionStorage.setItem(STORE, key); }
export function forgetKey() { sessionStorage.removeItem(STORE); }

async function request(method, path, { json, body, headers = {}, raw = false } = {}) {
  const init = { method, headers: { 'X-API-Key': savedKey() || '', ...headers } };
  if (json !== undefined) {
    init.body = JSON.stringify(json);
    init.headers['Content-Type'] = 'application/json';
  } else if (body !== undefined) {
    init.body = body;
  }
  const response = await fetch(path, init);
  if (!response.ok) {
    let problem = null;
    try { problem = await response.json(); } catch { /* not a problem document */ }
    throw new ApiError(response.status, problem);
  }
  if (raw) return response;
  const type = response.headers.get('content-type') || '';
  return type.includes('json') ? response.json() : response.text();
}

export const api = {
  get: (path) => request('GET', path),
  post: (path, json) => request('POST', path, { json }),
  raw: (path) => request('GET', path, { raw: true }),
  upload: (method, path, form, headers) => request(method, path, { body: form, headers }),
};

/** Save what `path` answers as a file called `name` (the key travels in a header, not the URL). */
export async function download(path, name) {
  const response = await api.raw(path);
  const url = URL.createObjectURL(await response.blob());
  const link = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
