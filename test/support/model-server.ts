// An OpenAI-compatible model server on 127.0.0.1 for the AI tests: POST /v1/chat/completions answers with the
// scripted reply at the head of the queue (or the default one), and keeps every request body it received.
import http from 'node:http';
import { listenOnLoopback } from './loopback-server.js';

export type Reply =
  | { kind: 'answer'; content: string; delayMs?: number; model?: string }
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: unknown }
  | { kind: 'hang' }
  | { kind: 'reset' };

export interface ModelServer {
  url: string;
  /** Request bodies received, as text, in order. */
  bodies: string[];
  queue: Reply[];
  fallback: Reply;
  close(): Promise<void>;
}

export function findingsAnswer(findings: unknown[], delayMs?: number): Reply {
  return { kind: 'answer', content: JSON.stringify({ findings }), ...(delayMs ? { delayMs } : {}) };
}

export async function startModelServer(fallback: Reply = findingsAnswer([])): Promise<ModelServer> {
  const state = { bodies: [] as string[], queue: [] as Reply[], fallback };
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res.writeHead(404).end();
        return;
      }
      state.bodies.push(body);
      const reply = state.queue.shift() ?? api.fallback;
      if (reply.kind === 'hang') return;
      if (reply.kind === 'reset') {
        req.socket.destroy();
        return;
      }
      if (reply.kind === 'status') {
        res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
        res.end(JSON.stringify(reply.body ?? { error: { message: 'scripted failure', type: 'server_error' } }));
        return;
      }
      const send = () => {
        const model = reply.model ?? (JSON.parse(body) as { model: string }).model;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            id: 'chatcmpl-test',
            object: 'chat.completion',
            created: Math.floor(Date.now() / 1000),
            model,
            choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: reply.content } }],
            usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
          }),
        );
      };
      if (reply.delayMs) {
        const t = setTimeout(() => {
          timers.delete(t);
          send();
        }, reply.delayMs);
        timers.add(t);
      } else send();
    });
  });
  const listening = await listenOnLoopback(server);
  const api: ModelServer = {
    url: `http://127.0.0.1:${listening.port}/v1`,
    bodies: state.bodies,
    queue: state.queue,
    fallback,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      await listening.close();
    },
  };
  return api;
}
