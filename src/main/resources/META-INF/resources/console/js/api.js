// Every call to the API goes through here, with the tab's bearer token; problem+json answers
// become ApiError with the API's own detail and field errors.
import { token } from './session.js';

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem && problem.detail ? problem.detail : 'HTTP ' + status);
    this.status = status;
    this.problem = problem || {};
  }

  /** The detail and, if any, each field error, for a person to read. */
  describe() {
    const errors = (this.problem.errors || []).map(e => e.field + ': ' + e.message);
    return [this.message, ...errors].join('; ');
  }
}

let onUnauthorized = () => {};

/** What to do when the API refuses the token (expired, or signed by another key). */
export function whenUnauthorized(handler) {
  onUnauthorized = handler;
}

function headers(extra) {
  return Object.assign({ 'Authorization': 'Bearer ' + token(), 'Accept': 'application/json' }, extra || {});
}

async function problemOf(response) {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch (e) {
    return { detail: text || response.statusText };
  }
}

export async function call(method, path, body, extraHeaders) {
  const init = { method, headers: headers(extraHeaders) };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (method === 'POST' && !init.headers['Idempotency-Key']) {
    // A repeated click or a retried request is answered with the first response, not a second thing.
    init.headers['Idempotency-Key'] = crypto.randomUUID();
  }
  const response = await fetch(path, init);
  if (response.status === 401) {
    onUnauthorized();
  }
  if (!response.ok) {
    throw new ApiError(response.status, await problemOf(response));
  }
  return response.status === 204 ? null : response.json();
}

export const get = path => call('GET', path);
export const post = (path, body) => call('POST', path, body);
export const del = path => call('DELETE', path);

/** Every item of a paged list, following nextCursor (bounded, for the console's small views). */
export async function all(path, maxPages = 20) {
  const items = [];
  let cursor = null;
  for (let i = 0; i < maxPages; i++) {
    const sep = path.includes('?') ? '&' : '?';
    const page = await get(path + sep + 'limit=100' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
    items.push(...page.items);
    cursor = page.nextCursor;
    if (!cursor) {
      break;
    }
  }
  return items;
}

/**
 * Reads a server-sent-event stream of JSON. EventSource cannot send an Authorization header, so
 * the stream is read with fetch, which can; the token stays out of the URL and out of cookies.
 * Calls onData with each event's JSON; stops early when it returns true. Resolves when the stream
 * ends (or was stopped); rejects if it cannot be opened or breaks.
 */
export async function readStream(path, onData, signal) {
  const response = await fetch(path, { headers: headers({ 'Accept': 'text/event-stream' }), signal });
  if (response.status === 401) {
    onUnauthorized();
  }
  if (!response.ok) {
    throw new ApiError(response.status, await problemOf(response));
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) {
      return;
    }
    buffer += value;
    let end;
    while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const event = buffer.substring(0, end);
      buffer = buffer.substring(end).replace(/^\r?\n\r?\n/, '');
      const data = event.split(/\r?\n/).filter(l => l.startsWith('data:')).map(l => l.substring(5)).join('\n');
      if (data.trim() && onData(JSON.parse(data)) === true) {
        reader.cancel().catch(() => {});
        return;
      }
    }
  }
}

const FINISHED = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

/**
 * Follows /v1/operations/{id}/stream, calling onChange with each operation state until it
 * finishes; falls back to polling if the stream breaks. Resolves with the last state.
 */
export async function follow(operationId, onChange, signal) {
  let last = null;
  try {
    await readStream('/v1/operations/' + operationId + '/stream', op => {
      last = op;
      onChange(op);
      return FINISHED.includes(op.state);
    }, signal);
  } catch (e) {
    if (signal && signal.aborted) {
      return last;
    }
  }
  while (!last || !FINISHED.includes(last.state)) {
    if (signal && signal.aborted) {
      return last;
    }
    await new Promise(r => setTimeout(r, 1000));
    last = await get('/v1/operations/' + operationId);
    onChange(last);
  }
  return last;
}

/**
 * Sends a file as the raw request body (as the bill-import API wants), reporting upload progress;
 * fetch cannot report upload progress, XMLHttpRequest can.
 */
export function upload(path, file, contentType, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.setRequestHeader('Authorization', 'Bearer ' + token());
    xhr.setRequestHeader('Content-Type', contentType);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.onprogress = e => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch (e) {
        body = { detail: xhr.responseText };
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(file.size, file.size);
        resolve({ body, repeated: xhr.getResponseHeader('Skydeck-Import-Repeated') === 'true' });
      } else {
        if (xhr.status === 401) {
          onUnauthorized();
        }
        reject(new ApiError(xhr.status, body));
      }
    };
    xhr.onerror = () => reject(new ApiError(0, { detail: 'the upload did not reach the service' }));
    xhr.send(file);
  });
}
