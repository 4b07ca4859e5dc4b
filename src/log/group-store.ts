import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../core/errors.js';
import { writeFileDurably } from './segment.js';
import type { TopicPartition } from './txn-log.js';

/** A committed position: the offset of the next record the group will read. */
export interface CommittedOffset extends TopicPartition {
  offset: number;
}

const NAME = /^[A-Za-z0-9._-]{1,200}$/;

/** Checks a topic or group name: letters, digits, `.`, `_`, `-`, at most 200 characters. */
export function checkName(kind: 'topic' | 'group', name: string): void {
  if (typeof name !== 'string' || !NAME.test(name) || name === '.' || name === '..') {
    throw new UserError(`invalid ${kind} name ${JSON.stringify(name)}`, {
      origin: 'log', hint: `a ${kind} name has 1 to 200 letters, digits, '.', '_' or '-'`,
    });
  }
}

/**
 * Committed offsets of consumer groups, one JSON file per group under `groups/`, replaced whole
 * through a temp file and a rename so a crash leaves the old or the new offsets, never a mix.
 */
export class GroupStore {
  private readonly dir: string;
  private readonly cache = new Map<string, Map<string, number>>();
  private chain: Promise<void> = Promise.resolve();

  constructor(logDir: string, private readonly sync: boolean) {
    this.dir = path.join(logDir, 'groups');
    fs.mkdirSync(this.dir, { recursive: true });
  }

  /** Committed offsets of `group`, keyed `topic/partition`. */
  committed(group: string): Map<string, number> {
    checkName('group', group);
    let m = this.cache.get(group);
    if (m) return m;
    m = new Map();
    try {
      const data = JSON.parse(fs.readFileSync(this.file(group), 'utf8')) as { offsets: Record<string, number> };
      for (const [k, v] of Object.entries(data.offsets)) m.set(k, v);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new UserError(`cannot read committed offsets of group "${group}": ${(err as Error).message}`, { origin: 'log', cause: err });
    }
    this.cache.set(group, m);
    return m;
  }

  /** Merges `offsets` into the group's committed offsets and writes them durably. */
  commit(group: string, offsets: readonly CommittedOffset[]): Promise<void> {
    const m = this.committed(group);
    for (const o of offsets) m.set(`${o.topic}/${o.partition}`, o.offset);
    const data = JSON.stringify({ version: 1, offsets: Object.fromEntries(m) });
    // Serialised, so two commits never share the temp file.
    this.chain = this.chain.catch(() => undefined).then(() => writeFileDurably(this.file(group), data, this.sync));
    return this.chain;
  }

  groups(): string[] {
    return fs.readdirSync(this.dir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
  }

  private file(group: string): string {
    return path.join(this.dir, `${group}.json`);
  }
}
