// The GraphQL-over-HTTP reference audit (graphql-http's `auditServer`) against a real
// `patron serve` on an empty database: every check, whatever its level (MUST, SHOULD or MAY),
// has to come back 'ok'. Each request carries an admin token. A check that is not 'ok' is
// printed with what the server was sent and what it answered.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { auditServer } from 'graphql-http';
import { startServer } from './server.mjs';

let server;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.stop();
});

const EXCERPT = 300;

/** Up to EXCERPT characters of a body, on one line. */
function excerpt(text) {
  const flat = String(text).replace(/\s+/g, ' ');
  return flat.length > EXCERPT ? `${flat.slice(0, EXCERPT)}…` : flat;
}

test('graphql-http auditServer: every check ok', async () => {
  // The request and response behind each Response the audits see (clones included: a failed
  // body check reports a clone of the response it read).
  const exchanges = new WeakMap();
  const fetchFn = async (input, init = {}) => {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${server.admin}`);
    const method = init.method ?? 'GET';
    // What goes on the wire: Node's fetch adds `Accept: */*` when the audit sets none, and
    // `Content-Type: text/plain;charset=UTF-8` to a string body without one.
    const body = init.body === undefined ? undefined : String(init.body);
    const sent = {
      method,
      url: String(input),
      accept: headers.get('accept') ?? '*/* (added by fetch; the audit set none)',
      contentType:
        headers.get('content-type') ??
        (body === undefined ? null : 'text/plain;charset=UTF-8 (added by fetch; the audit set none)'),
      body,
    };
    const response = await fetch(input, { ...init, headers });
    const exchange = {
      sent,
      received: {
        status: response.status,
        contentType: response.headers.get('content-type'),
        body: await response.clone().text(),
      },
    };
    const register = (res) => {
      exchanges.set(res, exchange);
      const clone = res.clone.bind(res);
      res.clone = () => register(clone());
      return res;
    };
    return register(response);
  };

  const results = await auditServer({ url: `${server.base}/graphql`, fetchFn });
  assert.ok(results.length > 0, 'the audit ran no checks');

  const failures = results.filter((result) => result.status !== 'ok');
  const report = failures.map((result) => {
    const lines = [`[${result.status}] ${result.id} ${result.name}: ${result.reason}`];
    const exchange = result.response && exchanges.get(result.response);
    if (exchange) {
      const { sent, received } = exchange;
      const url = new URL(sent.url);
      const params = url.search ? ` params=${JSON.stringify(Object.fromEntries(url.searchParams))}` : '';
      lines.push(
        `    sent: ${sent.method} ${url.pathname}${params}` +
          ` accept=${sent.accept ?? '(none)'} content-type=${sent.contentType ?? '(none)'}` +
          (sent.body === undefined ? ' body=(none)' : ` body=${excerpt(sent.body)}`),
        `    got:  ${received.status} content-type=${received.contentType ?? '(none)'} body=${excerpt(received.body)}`,
      );
    } else {
      lines.push('    (no response recorded for this check)');
    }
    return lines.join('\n');
  });
  for (const entry of report) console.log(entry);
  console.log(`graphql-http audit: ${results.length - failures.length} of ${results.length} checks ok`);

  assert.equal(
    failures.length,
    0,
    `${failures.length} of ${results.length} graphql-http checks are not ok:\n${report.join('\n')}`,
  );
});
