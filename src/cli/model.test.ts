import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ModelRegistry } from '../ml/model-registry.js';
import { testModel } from '../ml/testdata.js';
import { modelCommand } from './model.js';

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await modelCommand(args, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } });
  return { code, out, err };
}

describe('weir model', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weir-cli-models-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('registers, lists, promotes and rolls back', async () => {
    const r1 = await cli(['register', 'fraud', testModel('logreg'), '--registry', dir, '--notes', 'first', '--metric', 'auc=0.9', '--metric=owner=ml-team']);
    assert.equal(r1.code, 0, r1.err);
    assert.match(r1.out, /^registered fraud v1 sha256:[0-9a-f]{64}\n$/);
    assert.equal((await cli(['register', 'fraud', testModel('mlp'), `--registry=${dir}`])).code, 0);
    assert.match((await cli(['promote', 'fraud', '1', '--registry', dir])).out, /promoted fraud v1 to production/);
    assert.equal((await cli(['promote', 'fraud', '2', '--registry', dir])).code, 0);
    const list = await cli(['list', '--registry', dir]);
    assert.equal(list.code, 0);
    assert.match(list.out, /^fraud {2}\(2 versions, production v2\)/);
    assert.match(list.out, /v1 {2}\S+ {2}sha256:[0-9a-f]{12} {2}559 bytes {2}auc=0.9 owner=ml-team {2}"first"/);
    assert.match(list.out, /v2 \(production\)/);
    assert.match(list.out, /in: features:float32\[\?,6\]/);
    assert.match((await cli(['rollback', 'fraud', '--registry', dir])).out, /rolled fraud back to v1/);
    const reg = await ModelRegistry.open(dir);
    assert.equal((await reg.resolve('fraud')).version, 1);
    assert.deepEqual((await reg.get('fraud', 1)).metrics, { auc: 0.9, owner: 'ml-team' });
  });

  it('reports usage errors with exit code 2 and other errors with 1', async () => {
    const none = await cli([]);
    assert.equal(none.code, 2);
    assert.match(none.err, /usage: weir model/);
    assert.equal((await cli(['promote', 'fraud', 'x', '--registry', dir])).code, 2);
    assert.equal((await cli(['register', 'fraud', '--registry', dir])).code, 2);
    assert.equal((await cli(['list', '--bogus', '--registry', dir])).code, 2);
    const missing = await cli(['rollback', 'nope', '--registry', dir]);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /no model "nope"/);
    assert.match((await cli(['list', '--registry', dir])).out, /no models in/);
  });

  it('stages A/B and shadow versions, lists them, and ends them', async () => {
    for (const f of ['logreg', 'mlp', 'forest']) assert.equal((await cli(['register', 'fraud', testModel(f), '--registry', dir])).code, 0);
    assert.equal((await cli(['promote', 'fraud', '1', '--registry', dir])).code, 0);
    assert.match((await cli(['promote', 'fraud', '2', '--ab', '0.1', '--registry', dir])).out, /A\/B test: fraud v2 scores 10% of the keys/);
    assert.match((await cli(['shadow', 'fraud', '3', '--registry', dir])).out, /fraud v3 shadows production/);
    const list = (await cli(['list', 'fraud', '--registry', dir])).out;
    assert.match(list, /^fraud {2}\(3 versions, production v1, A\/B v2 on 10% of keys, shadow v3\)/);
    assert.match(list, /v1 \(production\)/);
    assert.match(list, /v2 \(A\/B 0.1\)/);
    assert.match(list, /v3 \(shadow\)/);
    assert.equal((await cli(['promote', 'fraud', '2', '--ab', '2', '--registry', dir])).code, 2);
    assert.equal((await cli(['ab', 'fraud', '--registry', dir])).code, 2);
    assert.match((await cli(['rollback', 'fraud', '--registry', dir])).out, /ended the A\/B test of fraud v2; production stays v1/);
    assert.match((await cli(['promote', 'fraud', '2', '--ab=0.5', '--registry', dir])).out, /50%/);
    assert.match((await cli(['ab', 'fraud', '--off', '--registry', dir])).out, /ended the A\/B test of fraud v2/);
    assert.match((await cli(['shadow', 'fraud', '--off', '--registry', dir])).out, /no shadow now/);
    assert.match((await cli(['list', '--registry', dir])).out, /^fraud {2}\(3 versions, production v1\)\n/);
  });
});
