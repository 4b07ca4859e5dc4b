import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { writeNexmarkFile, type NexmarkWriteProgress } from './file-writer.js';
import { NexmarkGenerator } from './generator.js';
import { parseNexmarkJson } from './json.js';

describe('writeNexmarkFile', () => {
  it('streams every event as one JSON line, reports progress and leaves no partial file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weir-nexmark-'));
    try {
      const path = join(dir, 'sub', 'events.ndjson');
      const progress: NexmarkWriteProgress[] = [];
      const config = { seed: 21, numEvents: 2500, firstEventRate: 100 };
      const result = await writeNexmarkFile(path, config, { format: 'ndjson', chunkEvents: 1000, onProgress: (p) => progress.push(p) });
      const text = await readFile(path, 'utf8');
      const lines = text.split('\n');
      assert.equal(lines.pop(), '');
      assert.equal(lines.length, 2500);
      const gen = new NexmarkGenerator(config);
      lines.forEach((line, n) => {
        const o = JSON.parse(line) as { dateTime: string };
        assert.match(o.dateTime, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/);
        assert.deepEqual(parseNexmarkJson(line), gen.eventAt(n));
      });
      assert.deepEqual(progress.map((p) => p.events), [1000, 2000, 2500]);
      assert.ok(progress.every((p) => p.total === 2500));
      assert.equal(result.events, 2500);
      assert.equal(result.bytes, (await stat(path)).size);
      assert.equal(progress.at(-1)!.bytes, result.bytes);
      assert.deepEqual(await readdir(join(dir, 'sub')), ['events.ndjson']);

      // The same config writes the same bytes.
      const again = join(dir, 'again.ndjson');
      await writeNexmarkFile(again, new NexmarkGenerator(config));
      assert.equal(await readFile(again, 'utf8'), text);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('passes an exception of onProgress through unchanged and removes the partial file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weir-nexmark-'));
    try {
      const boom = new Error('stop here');
      await assert.rejects(
        writeNexmarkFile(join(dir, 'e.ndjson'), { numEvents: 3000 }, { chunkEvents: 1000, onProgress: () => { throw boom; } }),
        (e: unknown) => e === boom,
      );
      assert.deepEqual(await readdir(dir), []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses unbounded streams and unknown formats', async () => {
    await assert.rejects(writeNexmarkFile('/tmp/never.ndjson', { numEvents: 0 }), UserError);
    await assert.rejects(writeNexmarkFile('/tmp/never.ndjson', { numEvents: 5 }, { format: 'csv' as never }), /unsupported/);
  });

  it('reports a file that cannot be written as an ExternalError naming it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weir-nexmark-'));
    try {
      // A folder where the partial file should go makes opening it fail.
      const path = join(dir, 'x.ndjson');
      await import('node:fs/promises').then((fs) => fs.mkdir(`${path}.partial`));
      await assert.rejects(writeNexmarkFile(path, { numEvents: 10 }), (e: unknown) => e instanceof Error && e.name === 'ExternalError' && e.message.includes(path));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
