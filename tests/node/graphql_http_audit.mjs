// Runs graphql-http's auditServer (the GraphQL-over-HTTP specification's reference audit) against a URL and
// prints one JSON array of {id, name, status, reason} on stdout. Usage: node graphql_http_audit.mjs URL
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node graphql_http_audit.mjs URL');
  process.exit(2);
}
const results = await auditServer({ url });
const report = [];
for (const result of results) {
  let reason = result.reason ?? null;
  if (result.status !== 'ok' && result.response) {
    const body = await result.response.text().catch(() => '');
    reason = `${reason} (HTTP ${result.response.status}: ${body.slice(0, 300)})`;
  }
  report.push({ id: result.id, name: result.name, status: result.status, reason });
}
process.stdout.write(JSON.stringify(report, null, 1) + '\n');
