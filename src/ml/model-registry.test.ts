import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { UserError, WeirError } from '../core/errors.js';
import { ModelRegistry, type ModelVersion } from './model-registry.js';
import { testInputs, testModel, testRows } from './testdata.js';

const run = promisify(execFile);

async function hash(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

describe('ModelRegistry', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weir-models-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('registers versions with sha256, signature, metrics and notes', async () => {
    const reg = await ModelRegistry.open(dir);
    const v1 = await reg.register('fraud', testModel('logreg'), { notes: 'baseline', metrics: { auc: 0.81, data: '2026-11' } });
    const v2 = await reg.register('fraud', testModel('forest_zipmap'));
    assert.equal(v1.version, 1);
    assert.equal(v2.version, 2);
    assert.equal(v1.sha256, await hash(testModel('logreg')));
    assert.equal(await hash(reg.pathOf(v1)), v1.sha256);
    assert.equal(v1.file, 'fraud/v1.onnx');
    assert.deepEqual(v1.metrics, { auc: 0.81, data: '2026-11' });
    assert.equal(v1.notes, 'baseline');
    assert.ok(!Number.isNaN(Date.parse(v1.createdAt)));
    assert.deepEqual(v1.signature.inputs, [{ name: 'features', isTensor: true, type: 'float32', shape: ['', 6] }]);
    assert.deepEqual(v2.signature.outputs.map((o) => o.name), ['output_label', 'output_probability']);
    assert.deepEqual(v2.signature.zipMapOutputs, ['output_probability']);

    // A second registry object on the same directory sees the same manifest.
    const again = await ModelRegistry.open(dir);
    const [entry] = await again.list();
    assert.equal(entry!.name, 'fraud');
    assert.deepEqual(entry!.versions.map((v) => v.version), [1, 2]);
    assert.equal(entry!.production, null);
    assert.deepEqual(await again.get('fraud'), v2);
    assert.deepEqual(await again.get('fraud', 1), v1);
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
    assert.equal(manifest.format, 1);
  });

  it('promotes, resolves and rolls back', async () => {
    const reg = await ModelRegistry.open(dir);
    for (const f of ['logreg', 'mlp', 'forest']) await reg.register('fraud', testModel(f));
    await assert.rejects(reg.resolve('fraud'), /has no production version/);
    await reg.promote('fraud', 1);
    assert.equal((await reg.resolve('fraud')).version, 1);
    await reg.promote('fraud', 3);
    await reg.promote('fraud', 2);
    assert.equal((await reg.resolve('fraud')).version, 2);
    assert.equal((await reg.rollback('fraud')).version, 3);
    assert.equal((await reg.resolve('fraud')).version, 3);
    assert.equal((await reg.rollback('fraud')).version, 1);
    await assert.rejects(reg.rollback('fraud'), (e: unknown) => e instanceof UserError && /no earlier promoted version/.test(e.message));
    assert.equal((await reg.resolve('fraud')).version, 1);
    await assert.rejects(reg.promote('fraud', 9), /has no version 9/);
    await assert.rejects(reg.get('nope'), (e: unknown) => e instanceof UserError && /no model "nope"/.test(e.message) && /known models: fraud/.test(e.hint ?? ''));
  });

  it('rejects bad names and files that are not models, and keeps nothing of them', async () => {
    const reg = await ModelRegistry.open(dir);
    await assert.rejects(reg.register('../evil', testModel('logreg')), /invalid model name/);
    const junk = join(dir, 'junk.onnx');
    await writeFile(junk, 'not a model');
    await assert.rejects(reg.register('fraud', junk), UserError);
    await assert.rejects(reg.register('fraud', join(dir, 'missing.onnx')), /cannot read model file/);
    assert.deepEqual(await reg.list(), []);
  });

  it('loads the production version after a sha256 check and refuses a changed file', async () => {
    const reg = await ModelRegistry.open(dir);
    const v = await reg.register('fraud', testModel('logreg'));
    await reg.promote('fraud', v.version);
    const { version, model } = await reg.load('fraud');
    assert.equal(version.version, 1);
    const [out] = await model.score(testRows().slice(0, 1), { inputs: testInputs().features, outputs: 'label BIGINT' });
    assert.equal(out!.label, testInputs().models.logreg!.label![0]);
    await model.close();
    await writeFile(reg.pathOf(v), await readFile(testModel('mlp')));
    await assert.rejects(reg.load('fraud'), (e: unknown) => e instanceof WeirError && /was changed after registration/.test(e.message));
  });

  it('concurrent registrations get distinct versions', async () => {
    const reg = await ModelRegistry.open(dir);
    const versions = await Promise.all(['logreg', 'mlp', 'logreg', 'mlp'].map((f) => reg.register('fraud', testModel(f))));
    assert.deepEqual(versions.map((v) => v.version).sort(), [1, 2, 3, 4]);
    assert.equal((await reg.list('fraud'))[0]!.versions.length, 4);
  });

  it('watch sees a promotion made by another process', async () => {
    const reg = await ModelRegistry.open(dir);
    await reg.register('fraud', testModel('logreg'));
    await reg.register('fraud', testModel('mlp'));
    await reg.promote('fraud', 1);
    const seen: [number | null, number | null][] = [];
    let notify: (v: ModelVersion | null) => void = () => {};
    const changed = new Promise<ModelVersion | null>((res) => (notify = res));
    const watch = reg.watch('fraud', (current, previous) => {
      seen.push([current?.version ?? null, previous]);
      notify(current);
    }, { intervalMs: 50, initial: 1 });
    try {
      const moduleUrl = new URL('./model-registry.js', import.meta.url).href;
      const script = `const { ModelRegistry } = await import(${JSON.stringify(moduleUrl)});
        const reg = await ModelRegistry.open(${JSON.stringify(dir)});
        await reg.promote('fraud', 2);`;
      await run(process.execPath, ['--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('.', import.meta.url)) });
      // The watch timer is unref'd so it never keeps a process alive; this timer keeps the test alive.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error('watch did not fire within 5 s')), 5000)));
      const current = await Promise.race([changed, timeout]).finally(() => clearTimeout(timer));
      assert.equal(current?.version, 2);
      assert.deepEqual(seen, [[2, 1]]);
    } finally {
      watch.close();
    }
  });

  it('stages A/B and shadow versions beside production, and rollback ends the A/B test first', async () => {
    const reg = await ModelRegistry.open(dir);
    for (const f of ['logreg', 'mlp', 'forest']) await reg.register('fraud', testModel(f));
    await assert.rejects(reg.promote('fraud', 2, { ab: 0.1 }), (e: unknown) => e instanceof UserError && /no production version/.test(e.message));
    await reg.promote('fraud', 1);
    await assert.rejects(reg.promote('fraud', 2, { ab: 1.5 }), /between 0 and 1/);
    await assert.rejects(reg.promote('fraud', 1, { ab: 0.5 }), /already the production version/);
    await assert.rejects(reg.shadow('fraud', 1), /compares it with itself/);
    await reg.promote('fraud', 2, { ab: 0.3 });
    await reg.shadow('fraud', 3);
    const r = await reg.routing('fraud');
    assert.deepEqual([r.production?.version, r.ab?.version.version, r.ab?.share, r.shadow?.version], [1, 2, 0.3, 3]);
    // A/B staging does not move production.
    assert.equal((await reg.resolve('fraud')).version, 1);
    // rollback ends the A/B test and keeps production and the shadow.
    assert.equal((await reg.rollback('fraud')).version, 1);
    assert.deepEqual(await reg.routing('fraud').then((x) => [x.production?.version, x.ab, x.shadow?.version]), [1, null, 3]);
    // Promoting the B side (or the shadow) to production ends its stage.
    await reg.promote('fraud', 2, { ab: 0.5 });
    await reg.promote('fraud', 2);
    await reg.promote('fraud', 3);
    const after = await reg.routing('fraud');
    assert.deepEqual([after.production?.version, after.ab, after.shadow], [3, null, null]);
    assert.equal(await reg.endAb('fraud'), null);
    await reg.promote('fraud', 1, { ab: 0.2 });
    assert.equal(await reg.endAb('fraud'), 1);
    await reg.shadow('fraud', 2);
    assert.equal(await reg.shadow('fraud', null), null);
    assert.equal((await reg.routing('fraud')).shadow, null);
  });

  it('watchRouting reports A/B share and shadow changes, not unrelated writes', async () => {
    const reg = await ModelRegistry.open(dir);
    await reg.register('fraud', testModel('logreg'));
    await reg.register('fraud', testModel('mlp'));
    await reg.promote('fraud', 1);
    const seen: string[] = [];
    let wake: () => void = () => {};
    const watch = reg.watchRouting('fraud', (r) => {
      seen.push(`${r.production?.version}|${r.ab ? `${r.ab.version.version}@${r.ab.share}` : '-'}|${r.shadow?.version ?? '-'}`);
      wake();
    }, { intervalMs: 20, initial: await reg.routing('fraud') });
    const nextChange = async (): Promise<void> => {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([new Promise<void>((r) => (wake = r)), new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error('no change within 5 s')), 5000)))])
        .finally(() => clearTimeout(timer));
    };
    try {
      let change = nextChange();
      await reg.promote('fraud', 2, { ab: 0.1 });
      await change;
      change = nextChange();
      await reg.register('fraud', testModel('logreg'));
      await reg.promote('fraud', 2, { ab: 0.4 });
      await change;
      change = nextChange();
      await reg.shadow('fraud', 3);
      await change;
      assert.deepEqual(seen, ['1|2@0.1|-', '1|2@0.4|-', '1|2@0.4|3']);
    } finally {
      watch.close();
    }
  });
});
