import { createServer, connect } from 'node:net';
import type { Server } from 'node:net';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { UserError, ExternalError, errorMessage } from '../core/errors.js';

/** What a running job answers on its control socket. */
export interface ControlHandlers {
  savepoint(targetDir: string): Promise<{ path: string; id: number }>;
  status(): unknown;
  cancel(): Promise<void>;
}

type Request = { cmd: 'savepoint'; target: string } | { cmd: 'status' } | { cmd: 'cancel' };

/**
 * A job with a checkpoint directory listens on a local socket so `weir savepoint DIR` (and `status`,
 * `cancel`) can reach it. The socket's path is written to `DIR/control`; one JSON line in, one out.
 */
export class ControlServer {
  private constructor(private readonly server: Server, readonly socketPath: string, private readonly pointer: string) {}

  static async start(checkpointDir: string, handlers: ControlHandlers): Promise<ControlServer> {
    // Unix socket paths are short (about 107 bytes): name the socket by a hash of the directory.
    const socketPath = join(tmpdir(), `weir-${createHash('sha1').update(resolve(checkpointDir)).digest('hex').slice(0, 16)}.sock`);
    rmSync(socketPath, { force: true });
    const server = createServer((conn) => {
      let buf = '';
      conn.setEncoding('utf8');
      conn.on('data', (d: string) => {
        buf += d;
        const nl = buf.indexOf('\n');
        if (nl < 0) return;
        const line = buf.slice(0, nl);
        buf = '';
        void (async () => {
          let reply: unknown;
          try {
            const req = JSON.parse(line) as Request;
            if (req.cmd === 'savepoint') reply = { ok: true, ...(await handlers.savepoint(resolve(req.target))) };
            else if (req.cmd === 'status') reply = { ok: true, status: handlers.status() };
            else if (req.cmd === 'cancel') { await handlers.cancel(); reply = { ok: true }; }
            else reply = { ok: false, error: `unknown command ${JSON.stringify((req as { cmd: unknown }).cmd)}` };
          } catch (err) {
            reply = { ok: false, error: errorMessage(err) };
          }
          conn.end(JSON.stringify(reply) + '\n');
        })();
      });
      conn.on('error', () => {});
    });
    await new Promise<void>((res, rej) => {
      server.once('error', rej);
      server.listen(socketPath, () => res());
    });
    server.unref();
    const pointer = join(checkpointDir, 'control');
    writeFileSync(pointer, JSON.stringify({ socket: socketPath, pid: process.pid }));
    return new ControlServer(server, socketPath, pointer);
  }

  async close(): Promise<void> {
    await new Promise<void>((r) => this.server.close(() => r()));
    rmSync(this.socketPath, { force: true });
    rmSync(this.pointer, { force: true });
  }
}

/** Sends one command to the job running on `checkpointDir` and returns its answer. */
export async function sendControl(checkpointDir: string, request: Request, timeoutMs = 60_000): Promise<Record<string, unknown>> {
  const pointer = join(checkpointDir, 'control');
  if (!existsSync(pointer)) {
    throw new UserError(`no running job uses the checkpoint directory ${checkpointDir}`, {
      hint: 'start the job with this --checkpoint-dir (savepoints need a running job with checkpoints)',
    });
  }
  const { socket } = JSON.parse(readFileSync(pointer, 'utf8')) as { socket: string };
  return new Promise((res, rej) => {
    const conn = connect(socket);
    let buf = '';
    const timer = setTimeout(() => { conn.destroy(); rej(new ExternalError(`the job did not answer within ${timeoutMs} ms`)); }, timeoutMs);
    conn.setEncoding('utf8');
    conn.on('connect', () => conn.write(JSON.stringify(request) + '\n'));
    conn.on('data', (d: string) => { buf += d; });
    conn.on('end', () => {
      clearTimeout(timer);
      try { res(JSON.parse(buf) as Record<string, unknown>); } catch { rej(new ExternalError(`unreadable answer from the job: ${buf.slice(0, 200)}`)); }
    });
    conn.on('error', (err) => {
      clearTimeout(timer);
      rej(new ExternalError(`cannot reach the job on ${socket}: ${err.message}`, {
        hint: 'the job may have stopped; its last checkpoint is still in the directory', cause: err,
      }));
    });
  });
}
