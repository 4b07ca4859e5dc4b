import { after } from 'node:test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LmdbKeyedStateBackend } from './lmdb-backend.js';
import { runKeyedStateBackendContract } from './backend-contract.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-lmdb-test-'));
let n = 0;
after(() => fs.rmSync(root, { recursive: true, force: true }));

runKeyedStateBackendContract('lmdb', ({ clock, maxParallelism }) =>
  new LmdbKeyedStateBackend(path.join(root, `b${n++}`), { clock, maxParallelism }));
// A cache of 16 entries flushes and empties it all the time, so every path reads back from LMDB.
runKeyedStateBackendContract('lmdb (16-entry cache)', ({ clock, maxParallelism }) =>
  new LmdbKeyedStateBackend(path.join(root, `b${n++}`), { clock, maxParallelism, cacheEntries: 16 }));
