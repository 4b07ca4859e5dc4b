import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync, existsSync } from 'node:fs';
import { writeFile, rename, mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { serialize, deserialize } from 'node:v8';
import { WeirError } from '../core/errors.js';

/** The state of one subtask of one node in a checkpoint. */
export interface SubtaskState {
  node: number;
  name: string;
  subtask: number;
  /** Operator state (`snapshotState()`), source position, or sink writer state. */
  state?: unknown;
  /** What a sink must commit once this checkpoint is complete. */
  committables?: unknown;
  /** The last watermark the subtask sent on; after a restore it never sends a lower one. */
  watermark?: number;
}

/**
 * A subtask's part as stored: serialised once, when the subtask acknowledges the barrier, so the live
 * state can change right after and the checkpoint is written without copying it again.
 */
export interface StoredSubtask {
  node: number;
  name: string;
  subtask: number;
  blob: Uint8Array;
}

export function packSubtask(st: SubtaskState): StoredSubtask {
  return { node: st.node, name: st.name, subtask: st.subtask, blob: serialize({ state: st.state, committables: st.committables, watermark: st.watermark }) };
}

export function unpackSubtask(s: StoredSubtask): SubtaskState {
  const { state, committables, watermark } = deserialize(s.blob) as { state?: unknown; committables?: unknown; watermark?: number };
  return { node: s.node, name: s.name, subtask: s.subtask, state, committables, watermark };
}

export interface CompletedCheckpoint {
  id: number;
  timestamp: number;
  /** Written at the end of bounded input: restarting from it has nothing left to do but commit. */
  final: boolean;
  jobName: string;
  /** node id → name and parallelism, to refuse restoring a different job. */
  topology: { id: number; name: string; parallelism: number }[];
  subtasks: StoredSubtask[];
}

const MAGIC = 'weir-checkpoint-v1';

/**
 * Stores checkpoints in a directory: `chk-<id>/state` holds the snapshot (V8 serialisation, so Maps,
 * bigints and typed arrays survive) followed by a SHA-256 of it. A checkpoint directory appears under its
 * final name only after its file is fsynced (written as `.chk-<id>.tmp`, then renamed), so a crash never
 * leaves a half-written checkpoint that looks complete; a corrupt one is detected by the checksum and
 * skipped for the previous one.
 */
export class CheckpointStorage {
  constructor(readonly dir: string, private readonly retain = 3, private readonly log: (m: string) => void = (m) => process.stderr.write(`weir: ${m}\n`)) {
    mkdirSync(dir, { recursive: true });
  }

  /** Writes a checkpoint durably (asynchronously: processing goes on meanwhile) and prunes old ones. */
  async write(cp: CompletedCheckpoint): Promise<{ bytes: number }> {
    const body = serialize(cp);
    const sum = createHash('sha256').update(body).digest();
    const header = Buffer.from(`${MAGIC}\n`);
    const tmp = join(this.dir, `.chk-${cp.id}.tmp`);
    rmSync(tmp, { recursive: true, force: true });
    await mkdir(tmp, { recursive: true });
    const file = join(tmp, 'state');
    const fh = await open(file, 'w');
    try {
      await fh.write(header);
      await fh.write(body);
      await fh.write(sum);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, join(this.dir, `chk-${cp.id}`));
    syncDir(this.dir);
    await writeFile(join(this.dir, 'LATEST.tmp'), String(cp.id));
    await rename(join(this.dir, 'LATEST.tmp'), join(this.dir, 'LATEST'));
    this.prune();
    return { bytes: header.length + body.length + sum.length };
  }

  /** Checkpoint ids on disk, newest first (complete-looking ones only; validity is checked on load). */
  list(): number[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .map((n) => /^chk-(\d+)$/.exec(n))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => b - a);
  }

  /** The newest checkpoint that reads back intact; corrupt ones are reported and skipped. */
  latest(): CompletedCheckpoint | undefined {
    for (const id of this.list()) {
      try {
        return this.load(id);
      } catch (err) {
        this.log(`checkpoint ${id} in ${this.dir} is unreadable (${(err as Error).message}); falling back to the previous complete checkpoint`);
      }
    }
    return undefined;
  }

  load(id: number): CompletedCheckpoint {
    const buf = readFileSync(join(this.dir, `chk-${id}`, 'state'));
    const header = Buffer.from(`${MAGIC}\n`);
    if (buf.length < header.length + 32 || !buf.subarray(0, header.length).equals(header)) {
      throw new WeirError('not a weir checkpoint file or an unknown version', { domain: 'user' });
    }
    const body = buf.subarray(header.length, buf.length - 32);
    const sum = buf.subarray(buf.length - 32);
    if (!createHash('sha256').update(body).digest().equals(sum)) {
      throw new WeirError('checksum mismatch', { domain: 'external' });
    }
    return deserialize(body) as CompletedCheckpoint;
  }

  private prune(): void {
    const ids = this.list();
    for (const id of ids.slice(this.retain)) rmSync(join(this.dir, `chk-${id}`), { recursive: true, force: true });
    for (const n of readdirSync(this.dir)) if (n.startsWith('.chk-') && n.endsWith('.tmp')) {
      const id = Number(n.slice(5, -4));
      if (!ids.includes(id) && id < (ids[0] ?? 0)) rmSync(join(this.dir, n), { recursive: true, force: true });
    }
  }
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try { fsyncSync(fd); } finally { closeSync(fd); }
  } catch {
    // Some file systems refuse fsync on directories; the rename is still atomic.
  }
}

/** Writes a file durably and atomically (temp + fsync + rename), for small metadata. */
export function writeFileAtomicSync(path: string, data: string | Buffer): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
