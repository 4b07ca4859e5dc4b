import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A model server in the test process, for fault injection only (delays beyond a time limit, 5xx then
 * success, 4xx, reset connections, in-flight counting). It speaks enough KServe v2 and TF Serving REST
 * for the clients of this folder; its "model" gives `score = (sum of a row's inputs) / 10` and
 * `probabilities = [1 - score, score]`. Integration tests use a real server (MLServer) instead.
 */

/** What the server does with one inference request; undefined: score normally. */
export interface FakeAction {
  status?: number;
  /** Raw body sent with `status`. */
  body?: string;
  delayMs?: number;
  /** Destroys the connection without answering. */
  reset?: boolean;
}

export interface FakeModelServer {
  url: string;
  /** Inference requests received (every attempt). */
  requests: number;
  /** Rows received, per inference request in arrival order. */
  rowsPerRequest: number[];
  inFlight: number;
  maxInFlight: number;
  /** Decides each inference request by its 0-based number and its rows' first input values. */
  plan: (request: number, firstValues: number[]) => FakeAction | undefined;
  close(): Promise<void>;
}

/** Starts a fake server on a free loopback port with one model, `m`, version `1` (`2` answers 404). */
export async function startFakeModelServer(plan: FakeModelServer['plan'] = () => undefined): Promise<FakeModelServer> {
  const state: FakeModelServer = {
    url: '', requests: 0, rowsPerRequest: [], inFlight: 0, maxInFlight: 0, plan,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  const send = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = req.url ?? '';
    if (req.method === 'GET') {
      if (url === '/v2/models/m' || url === '/v2/models/m/versions/1') {
        send(res, 200, { name: 'm', versions: ['1'], platform: 'fake', inputs: [{ name: 'x', datatype: 'FP64', shape: [-1, 2] }], outputs: [{ name: 'score', datatype: 'FP64', shape: [-1, 1] }] });
      } else if (url === '/v1/models/m' || url === '/v1/models/m/versions/1') {
        send(res, 200, { model_version_status: [{ version: '1', state: 'AVAILABLE' }] });
      } else {
        send(res, 404, { error: `Model not found: ${url}` });
      }
      return;
    }
    const kserve = url === '/v2/models/m/infer' || url === '/v2/models/m/versions/1/infer';
    const tf = url === '/v1/models/m:predict' || url === '/v1/models/m/versions/1:predict';
    if (!kserve && !tf) {
      send(res, 404, { error: `Model not found: ${url}` });
      return;
    }
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    const rows = kserve ? kserveRows(body) : tfRows(body);
    const n = state.requests++;
    state.rowsPerRequest.push(rows.length);
    state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    try {
      const action = state.plan(n, rows.map((r) => r[0]!));
      // Unref'd, so a request the client gave up on does not keep the test process alive.
      if (action?.delayMs) await new Promise((r) => setTimeout(r, action.delayMs).unref());
      if (action?.reset) {
        req.socket.destroy();
        return;
      }
      if (action?.status !== undefined) {
        send(res, action.status, action.body ?? '');
        return;
      }
      const scores = rows.map((r) => r.reduce((a, b) => a + b, 0) / 10);
      if (kserve) {
        send(res, 200, {
          model_name: 'm', outputs: [
            { name: 'score', shape: [rows.length, 1], datatype: 'FP64', data: scores },
            { name: 'probabilities', shape: [rows.length, 2], datatype: 'FP64', data: scores.flatMap((s) => [1 - s, s]) },
          ],
        });
      } else {
        send(res, 200, { predictions: scores.map((s) => ({ score: s, probabilities: [1 - s, s] })) });
      }
    } finally {
      state.inFlight--;
    }
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => send(res, 500, { error: String(err) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

function kserveRows(body: Record<string, unknown>): number[][] {
  const input = (body.inputs as { shape: number[]; data: number[] }[])[0]!;
  const [n, k = 1] = input.shape;
  const rows: number[][] = [];
  for (let r = 0; r < n!; r++) rows.push(input.data.slice(r * k, r * k + k));
  return rows;
}

function tfRows(body: Record<string, unknown>): number[][] {
  return (body.instances as (number | number[])[]).map((r) => (Array.isArray(r) ? r : [r]));
}
