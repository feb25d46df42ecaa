/**
 * The reference ceiling: a minimal pass-through proxy on undici that only parses the JSON body,
 * sets `model` and forwards. What any Node proxy on this machine can at best do.
 */
import { createServer, type Server } from 'node:http';
import { Pool } from 'undici';

export function startMinimalProxy(upstream: string, port: number, model: string): Promise<Server> {
  const pool = new Pool(upstream, { connections: 256, keepAliveTimeout: 30_000 });
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    body.model = model;
    const answer = await pool.request({
      path: '/v1/chat/completions',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    response.writeHead(answer.statusCode, { 'content-type': String(answer.headers['content-type']) });
    for await (const chunk of answer.body) response.write(chunk);
    response.end();
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}
