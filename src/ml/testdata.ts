import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Locates the committed test models. The build copies no non-TS files into dist, so this walks up
 * from the running module (src/ml or dist/src/ml) to the folder with package.json.
 */
export function testdataDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'src', 'ml', 'testdata');
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the weir repository root (a folder with package.json) above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** Path of a test model, e.g. `testModel('logreg')`. */
export function testModel(name: string): string {
  return join(testdataDir(), `${name}.onnx`);
}

/** What `scripts/models/make_models.py` recorded from python onnxruntime. */
export interface TestInputs {
  features: string[];
  rows: number[][];
  models: Record<string, { label?: (number | string)[]; probabilities?: number[][]; features?: string[]; values?: number[]; classes?: string[] }>;
}

let cached: TestInputs | undefined;

/** The rows and reference outputs of inputs.json (read once). */
export function testInputs(): TestInputs {
  cached ??= JSON.parse(readFileSync(join(testdataDir(), 'inputs.json'), 'utf8')) as TestInputs;
  return cached;
}

/** The test rows as records keyed by feature name. */
export function testRows(): Record<string, number>[] {
  const { features, rows } = testInputs();
  return rows.map((r) => Object.fromEntries(features.map((f, i) => [f, r[i]!])));
}
