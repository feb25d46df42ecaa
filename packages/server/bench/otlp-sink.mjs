/**
 * OTLP/HTTP trace sink for telemetry-overhead-bench.ts, run as a child process so that the
 * collector's CPU time is not the host's: accepts `POST /v1/traces` on any path, in JSON (as
 * `@opentelemetry/exporter-trace-otlp-http` sends it; spans counted from their `spanId` keys) or
 * protobuf (the builtin pipeline; spans counted by walking the message's length-delimited
 * fields), counts the spans received per path and answers an empty `ExportTraceServiceResponse`. Sends `{ port }` over IPC
 * once listening; on the IPC message `count` it answers `{ spans: { [path]: count } }`.
 */
import { createServer } from 'node:http';

const spans = {};
/** The key of every span's own id in OTLP/JSON (links, which also carry one, are not used). */
const SPAN_ID = Buffer.from('"spanId":');
/** Reads a varint at `at`: [value, next offset]. */
function varint(bytes, at) {
  let value = 0;
  let multiplier = 1;
  for (;;) {
    const byte = bytes[at++];
    value += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) return [value, at];
    multiplier *= 128;
  }
}

/** The length-delimited entries of `field` in a message (other wire types skipped). */
function entries(bytes, field) {
  const found = [];
  let at = 0;
  while (at < bytes.length) {
    const [key, afterKey] = varint(bytes, at);
    const wire = key & 7;
    at = afterKey;
    if (wire === 0) at = varint(bytes, at)[1];
    else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else if (wire === 2) {
      const [length, start] = varint(bytes, at);
      if (Math.floor(key / 8) === field) found.push(bytes.subarray(start, start + length));
      at = start + length;
    } else throw new Error(`wire type ${wire}`);
  }
  return found;
}

/** ExportTraceServiceRequest.resource_spans(1) → ResourceSpans.scope_spans(2) → ScopeSpans.spans(2). */
function protobufSpanCount(body) {
  let count = 0;
  for (const resourceSpans of entries(body, 1))
    for (const scopeSpans of entries(resourceSpans, 2)) count += entries(scopeSpans, 2).length;
  return count;
}

const server = createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    // Counting the span ids is enough to tell what arrived, and far cheaper than parsing: the
    // sink shares the machine with the host under test, and a slow sink holds up the exporter.
    const body = Buffer.concat(chunks);
    const protobuf = request.headers['content-type'] === 'application/x-protobuf';
    let count = 0;
    if (protobuf) count = protobufSpanCount(body);
    else
      for (let at = body.indexOf(SPAN_ID); at !== -1; at = body.indexOf(SPAN_ID, at + SPAN_ID.length))
        count++;
    spans[request.url] = (spans[request.url] ?? 0) + count;
    response.writeHead(200, { 'content-type': protobuf ? 'application/x-protobuf' : 'application/json' });
    response.end(protobuf ? '' : '{}');
  });
});
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
process.on('message', (message) => {
  if (message === 'count') process.send?.({ spans });
});
process.on('disconnect', () => server.close());
