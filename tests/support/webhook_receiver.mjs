// A webhook receiver for the webhook tests, as a customer would write one: every delivery is
// verified with the Standard Webhooks reference library (npm `standardwebhooks`, installed by
// scripts/install-tools.sh into the tools folder given as WEBHOOK_RECEIVER_MODULES), against
// the secrets the test gave for its path. Control, on the same port:
//   POST /_control/secrets {"path", "secrets": ["whsec_…"]}  what verifies deliveries to path
//   POST /_control/answer  {"path", "status"}                what deliveries to path get back
//        (a 3xx redirects to /redirected; 299 is a 200 with a 1 MiB answer)
//   GET  /_control/received                                  every delivery so far, in order:
//        {"path", "headers": {webhook-*}, "body", "verified", "error"}
// Listens on WEBHOOK_RECEIVER_PORT (0: any) and prints "webhook receiver listening on <port>".
import http from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(`${process.env.WEBHOOK_RECEIVER_MODULES}/`);
const { Webhook } = require('standardwebhooks');

const secrets = new Map();
const answers = new Map();
const received = [];

function readBody(request) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

const server = http.createServer(async (request, response) => {
  const body = await readBody(request);
  const path = new URL(request.url, 'http://receiver').pathname;
  if (path === '/_control/secrets') {
    const { path: target, secrets: list } = JSON.parse(body);
    secrets.set(target, list);
    response.writeHead(204).end();
    return;
  }
  if (path === '/_control/answer') {
    const { path: target, status } = JSON.parse(body);
    answers.set(target, status);
    response.writeHead(204).end();
    return;
  }
  if (path === '/_control/received') {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(received));
    return;
  }
  const headers = {
    'webhook-id': request.headers['webhook-id'] ?? '',
    'webhook-timestamp': request.headers['webhook-timestamp'] ?? '',
    'webhook-signature': request.headers['webhook-signature'] ?? '',
  };
  let verified = false;
  let error = 'no secret for this path';
  for (const secret of secrets.get(path) ?? []) {
    try {
      new Webhook(secret).verify(body, headers);
      verified = true;
      error = null;
      break;
    } catch (e) {
      error = String(e.message ?? e);
    }
  }
  const status = answers.get(path) ?? 200;
  received.push({ path, headers, body, verified, error, status });
  if (status >= 300 && status < 400) {
    // A redirect elsewhere on this receiver: a sender that followed it would show up there.
    response.writeHead(status, { location: '/redirected' }).end();
  } else if (status === 299) {
    // A 2xx with a large answer: a sender should read only its first bytes.
    response.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(1024 * 1024));
  } else {
    response.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'thanks' : 'receiver says no');
  }
});

server.listen(Number(process.env.WEBHOOK_RECEIVER_PORT ?? 0), '127.0.0.1', () => {
  console.log(`webhook receiver listening on ${server.address().port}`);
});
