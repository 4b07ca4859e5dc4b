import { WeirError, errorMessage } from '../core/errors.js';
import { type ModelEntry, ModelRegistry, type ModelVersion } from '../ml/model-registry.js';
import type { ValueSignature } from '../ml/onnx-model.js';

/** Where `weir model` writes: anything with a `write(text)`, such as `process.stdout`. */
export interface ModelCommandIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

const USAGE = `usage: weir model <command> [--registry DIR]
  register NAME FILE [--notes TEXT] [--metric KEY=VALUE]...   add FILE as the next version of NAME
  list [NAME]                                                  models, versions, production, A/B and shadow
  promote NAME VERSION                                         make VERSION the production version
  promote NAME VERSION --ab SHARE                              A/B test: VERSION scores SHARE (0..1) of the keys
  ab NAME --off                                                end the A/B test: every key back to production
  shadow NAME VERSION                                          VERSION scores every row beside production, logged only
  shadow NAME --off                                            stop the shadow
  rollback NAME                                                end a running A/B test, else go back to the
                                                               previously promoted version
options:
  --registry DIR   the registry directory (default ./.weir/models)
`;

class UsageError extends Error {}

interface Parsed {
  positional: string[];
  registry: string;
  notes: string | undefined;
  metrics: Record<string, number | string>;
  ab: number | undefined;
  off: boolean;
}

function parse(argv: readonly string[]): Parsed {
  const out: Parsed = { positional: [], registry: './.weir/models', notes: undefined, metrics: {}, ab: undefined, off: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.indexOf('=');
    const [flag, inline] = a.startsWith('--') && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === '--registry') out.registry = value();
    else if (flag === '--notes') out.notes = value();
    else if (flag === '--off') out.off = true;
    else if (flag === '--ab') {
      const raw = value();
      const share = Number(raw);
      if (raw.trim() === '' || !(share >= 0 && share <= 1)) throw new UsageError(`--ab takes a share between 0 and 1, got "${raw}"`);
      out.ab = share;
    }
    else if (flag === '--metric') {
      const kv = value();
      const at = kv.indexOf('=');
      if (at <= 0) throw new UsageError(`--metric takes KEY=VALUE, got "${kv}"`);
      const raw = kv.slice(at + 1);
      const n = Number(raw);
      out.metrics[kv.slice(0, at)] = raw.trim() !== '' && Number.isFinite(n) ? n : raw;
    } else if (flag === '-h' || flag === '--help') throw new UsageError('');
    else if (flag.startsWith('--')) throw new UsageError(`unknown option ${flag}`);
    else out.positional.push(a);
  }
  return out;
}

function version(text: string | undefined): number {
  const n = Number(text);
  if (text === undefined || !Number.isInteger(n) || n < 1) throw new UsageError(`VERSION must be a positive integer, got "${text ?? ''}"`);
  return n;
}

function sig(values: ValueSignature[]): string {
  return values.map((v) => (v.isTensor ? `${v.name}:${v.type}[${(v.shape ?? []).map((d) => (d === '' ? '?' : d)).join(',')}]` : `${v.name}:non-tensor`)).join(' ');
}

function describeVersion(v: ModelVersion, e: ModelEntry): string {
  const metrics = Object.entries(v.metrics).map(([k, x]) => `${k}=${x}`).join(' ');
  const marks: string[] = [];
  if (v.version === e.production) marks.push('production');
  if (e.ab?.version === v.version) marks.push(`A/B ${e.ab.share}`);
  if (e.shadow === v.version) marks.push('shadow');
  const mark = marks.length > 0 ? ` (${marks.join(', ')})` : '';
  return `  v${v.version}${mark}  ${v.createdAt}  sha256:${v.sha256.slice(0, 12)}  ${v.bytes} bytes` +
    `${metrics ? `  ${metrics}` : ''}${v.notes ? `  "${v.notes}"` : ''}\n` +
    `      in: ${sig(v.signature.inputs)}\n      out: ${sig(v.signature.outputs)}\n`;
}

function describeEntry(e: ModelEntry): string {
  const stages = [e.production === null ? 'none promoted' : `production v${e.production}`];
  if (e.ab) stages.push(`A/B v${e.ab.version} on ${(e.ab.share * 100).toFixed(1).replace(/\.0$/, '')}% of keys`);
  if (e.shadow) stages.push(`shadow v${e.shadow}`);
  return `${e.name}  (${e.versions.length} version${e.versions.length === 1 ? '' : 's'}, ${stages.join(', ')})\n${e.versions.map((v) => describeVersion(v, e)).join('')}`;
}

/**
 * `weir model register|list|promote|ab|shadow|rollback`. Returns the exit code: 0 on success, 2 on a usage
 * error, 1 on any other error (printed to stderr with its hint).
 */
export async function modelCommand(argv: string[], io: ModelCommandIo): Promise<number> {
  let p: Parsed;
  try {
    p = parse(argv);
    const [cmd, ...args] = p.positional;
    const want = (n: number, shape: string): void => {
      if (args.length !== n) throw new UsageError(`${cmd} takes ${shape}`);
    };
    if (cmd === undefined) throw new UsageError('');
    const reg = await ModelRegistry.open(p.registry);
    switch (cmd) {
      case 'register': {
        want(2, 'NAME FILE');
        const v = await reg.register(args[0]!, args[1]!, { notes: p.notes, metrics: p.metrics });
        io.stdout.write(`registered ${v.name} v${v.version} sha256:${v.sha256}\n`);
        return 0;
      }
      case 'list': {
        if (args.length > 1) throw new UsageError('list takes at most NAME');
        const entries = await reg.list(args[0]);
        if (entries.length === 0) io.stdout.write(`no models in ${reg.dir}\n`);
        for (const e of entries) io.stdout.write(describeEntry(e));
        return 0;
      }
      case 'promote': {
        want(2, 'NAME VERSION');
        if (p.ab !== undefined) {
          const v = await reg.promote(args[0]!, version(args[1]), { ab: p.ab });
          io.stdout.write(`A/B test: ${v.name} v${v.version} scores ${p.ab * 100}% of the keys, production the rest\n`);
          return 0;
        }
        const v = await reg.promote(args[0]!, version(args[1]));
        io.stdout.write(`promoted ${v.name} v${v.version} to production\n`);
        return 0;
      }
      case 'ab': {
        if (!p.off || args.length !== 1) throw new UsageError('ab takes NAME --off (start a test with: promote NAME VERSION --ab SHARE)');
        const b = await reg.endAb(args[0]!);
        io.stdout.write(b === null ? `${args[0]!} had no A/B test\n` : `ended the A/B test of ${args[0]!} v${b}: every key scored by production\n`);
        return 0;
      }
      case 'shadow': {
        if (p.off) {
          want(1, 'NAME --off');
          await reg.shadow(args[0]!, null);
          io.stdout.write(`${args[0]!} has no shadow now\n`);
          return 0;
        }
        want(2, 'NAME VERSION');
        const v = await reg.shadow(args[0]!, version(args[1]));
        io.stdout.write(`${v!.name} v${v!.version} shadows production: it scores every row, outputs unchanged\n`);
        return 0;
      }
      case 'rollback': {
        want(1, 'NAME');
        const before = (await reg.list(args[0]!))[0]!;
        const v = await reg.rollback(args[0]!);
        io.stdout.write(before.ab ? `ended the A/B test of ${v.name} v${before.ab.version}; production stays v${v.version}\n` : `rolled ${v.name} back to v${v.version}\n`);
        return 0;
      }
      default:
        throw new UsageError(`unknown command "${cmd}"`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      if (err.message) io.stderr.write(`weir model: ${err.message}\n`);
      io.stderr.write(USAGE);
      return 2;
    }
    io.stderr.write(`weir model: ${err instanceof WeirError ? err.describe() : errorMessage(err)}\n`);
    return 1;
  }
}
