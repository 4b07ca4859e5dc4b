import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ExternalError, UserError, WeirError } from '../core/errors.js';
import { sleep } from '../core/retry.js';
import { type ModelSignature, OnnxModel, type OnnxModelOptions } from './onnx-model.js';

/**
 * A directory of versioned ONNX models:
 *
 * ```
 * DIR/manifest.json        every model, version, the production pointer and the A/B and shadow stages
 * DIR/NAME/v1.onnx         copies of registered files, never changed after registration
 * ```
 *
 * The manifest is rewritten whole (temp file + rename) under a lock file, so readers never see half
 * a manifest and two processes registering at once do not lose each other's versions.
 */

/** One registered version of a model. */
export interface ModelVersion {
  name: string;
  version: number;
  /** Path of the model file relative to the registry directory. */
  file: string;
  sha256: string;
  bytes: number;
  signature: ModelSignature;
  metrics: Record<string, number | string>;
  notes: string;
  /** ISO-8601 time of registration. */
  createdAt: string;
  /** The path the file was registered from. */
  source: string;
}

/** A model with its versions and which one is in production. */
export interface ModelEntry {
  name: string;
  versions: ModelVersion[];
  /** The promoted version, or null before the first promotion. */
  production: number | null;
  /** Promoted versions, oldest first; the last one is `production`. `rollback` pops it. */
  promotions: number[];
  /** A version scoring a stable share of keys beside production (an A/B test); absent or null when none. */
  ab?: AbStage | null;
  /** A version scoring every row for comparison only; absent or null when none. */
  shadow?: number | null;
}

/** An A/B stage: `version` scores the keys whose hash falls in the first `share` (0..1) of the hash range. */
export interface AbStage {
  version: number;
  share: number;
}

/** What scores a model's rows now: production, and the A/B and shadow versions when staged. */
export interface ModelRouting {
  production: ModelVersion | null;
  ab: { version: ModelVersion; share: number } | null;
  shadow: ModelVersion | null;
}

/** Options of {@link ModelRegistry.promote}. */
export interface PromoteOptions {
  /** Stage the version as the B side of an A/B test on this share of keys (0..1) instead of making it production. */
  ab?: number;
}

interface Manifest {
  format: 1;
  models: Record<string, ModelEntry>;
}

/** Options of {@link ModelRegistry.register}. */
export interface RegisterOptions {
  notes?: string;
  metrics?: Record<string, number | string>;
}

/** Options of {@link ModelRegistry.watch}. */
export interface WatchOptions {
  /** Poll period in ms; default 200. */
  intervalMs?: number;
  /** The production version the caller already knows (null: none); changes are reported from it. */
  initial?: number | null;
}

/** A running {@link ModelRegistry.watch} or {@link ModelRegistry.watchRouting}; `close()` stops it. */
export interface ModelWatch {
  close(): void;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;
const LOCK_STALE_MS = 30_000;
const LOCK_WAIT_MS = 10_000;

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function routingKey(r: ModelRouting): string {
  return `${r.production?.version ?? '-'}|${r.ab ? `${r.ab.version.version}@${r.ab.share}` : '-'}|${r.shadow?.version ?? '-'}`;
}

function checkName(name: string): void {
  if (!NAME.test(name)) {
    throw new UserError(`invalid model name "${name}"`, {
      origin: 'model-registry', hint: 'use letters, digits, _, . and -, starting with a letter or _',
    });
  }
}

/**
 * Versioned ONNX models in a directory, with a production pointer per model.
 *
 * @example
 * const reg = await ModelRegistry.open('.weir/models');
 * const v = await reg.register('fraud', 'out/fraud.onnx', { notes: 'weekly retrain', metrics: { auc: 0.91 } });
 * await reg.promote('fraud', v.version);
 * const model = await reg.load('fraud'); // the production version, sha256-checked
 */
export class ModelRegistry {
  readonly dir: string;
  private readonly manifestPath: string;

  private constructor(dir: string) {
    this.dir = dir;
    this.manifestPath = join(dir, 'manifest.json');
  }

  /** Opens (and creates, when missing) the registry in `dir`. */
  static async open(dir: string): Promise<ModelRegistry> {
    const abs = resolve(dir);
    try {
      await mkdir(abs, { recursive: true });
    } catch (err) {
      throw new ExternalError(`cannot create model registry ${abs}: ${(err as Error).message}`, { cause: err, origin: 'model-registry', retriable: false });
    }
    return new ModelRegistry(abs);
  }

  /**
   * Copies `file` into the registry as the next version of `name`, after loading it once to check it
   * is a model onnxruntime accepts and to record its signature.
   */
  async register(name: string, file: string, options: RegisterOptions = {}): Promise<ModelVersion> {
    checkName(name);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file);
    } catch (err) {
      throw new UserError(`cannot read model file ${file}: ${(err as Error).message}`, { cause: err, origin: 'model-registry' });
    }
    const model = await OnnxModel.load(bytes, { name: `${name} (${file})` });
    const signature = model.signature;
    await model.close();
    for (const [k, v] of Object.entries(options.metrics ?? {})) {
      if (typeof v !== 'number' && typeof v !== 'string') throw new UserError(`metric "${k}" must be a number or a string`, { origin: 'model-registry' });
    }
    return this.update(async (m) => {
      const entry = (m.models[name] ??= { name, versions: [], production: null, promotions: [] });
      const version = entry.versions.reduce((a, v) => Math.max(a, v.version), 0) + 1;
      const rel = `${name}/v${version}.onnx`;
      await mkdir(join(this.dir, name), { recursive: true });
      const tmp = join(this.dir, `${rel}.tmp-${process.pid}`);
      await writeFile(tmp, bytes);
      await rename(tmp, join(this.dir, rel));
      const mv: ModelVersion = {
        name, version, file: rel, sha256: sha256(bytes), bytes: bytes.length, signature,
        metrics: { ...(options.metrics ?? {}) }, notes: options.notes ?? '', createdAt: new Date().toISOString(), source: resolve(file),
      };
      entry.versions.push(mv);
      return mv;
    });
  }

  /** All models, or one model's entry in a one-element list; sorted by name. */
  async list(name?: string): Promise<ModelEntry[]> {
    const m = await this.read();
    if (name !== undefined) return [this.entry(m, name)];
    return Object.values(m.models).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** A version of a model; without `version`, the latest registered. */
  async get(name: string, version?: number): Promise<ModelVersion> {
    return this.versionOf(this.entry(await this.read(), name), version);
  }

  /** The production (promoted) version of a model. */
  async resolve(name: string): Promise<ModelVersion> {
    const entry = this.entry(await this.read(), name);
    if (entry.production === null) {
      throw new UserError(`model "${name}" has no production version`, { origin: 'model-registry', hint: `promote one: weir model promote ${name} VERSION` });
    }
    return this.versionOf(entry, entry.production);
  }

  /** Absolute path of a version's file. */
  pathOf(v: ModelVersion): string {
    return join(this.dir, v.file);
  }

  /** Checks a version's file still has the sha256 recorded at registration; throws when it does not. */
  async verify(v: ModelVersion): Promise<Uint8Array> {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(this.pathOf(v));
    } catch (err) {
      throw new ExternalError(`model file of ${v.name} v${v.version} is missing: ${(err as Error).message}`, { cause: err, origin: 'model-registry', retriable: false });
    }
    const actual = sha256(bytes);
    if (actual !== v.sha256) {
      throw new WeirError(`model file of ${v.name} v${v.version} was changed after registration: sha256 ${actual}, registered ${v.sha256}`, {
        domain: 'external', origin: 'model-registry', hint: 'register the file again as a new version instead of editing it in place',
      });
    }
    return bytes;
  }

  /** Loads a version (default: the production one) after checking its sha256. */
  async load(name: string, version?: number, options: OnnxModelOptions = {}): Promise<{ version: ModelVersion; model: OnnxModel }> {
    const v = version === undefined ? await this.resolve(name) : await this.get(name, version);
    const bytes = await this.verify(v);
    return { version: v, model: await OnnxModel.load(bytes, { name: `${v.name} v${v.version}`, ...options }) };
  }

  /**
   * Makes `version` the production version of `name`; it leaves the A/B or shadow stage if it was
   * there. With `ab`, stages it instead as the B side of an A/B test on that share of keys, beside
   * the unchanged production version (one A/B test per model; a new one replaces the old).
   */
  async promote(name: string, version: number, options: PromoteOptions = {}): Promise<ModelVersion> {
    return this.update(async (m) => {
      const entry = this.entry(m, name);
      const v = this.versionOf(entry, version);
      if (options.ab !== undefined) {
        const share = options.ab;
        if (!(share >= 0 && share <= 1)) {
          throw new UserError(`A/B share must be between 0 and 1, got ${share}`, { origin: 'model-registry', hint: 'e.g. --ab 0.1 scores 10% of the keys with the new version' });
        }
        if (entry.production === null) {
          throw new UserError(`model "${name}" has no production version to run an A/B test against`, { origin: 'model-registry', hint: `promote one first: weir model promote ${name} VERSION` });
        }
        if (entry.production === version) {
          throw new UserError(`v${version} of "${name}" is already the production version`, { origin: 'model-registry', hint: 'stage a different version as the B side' });
        }
        entry.ab = { version, share };
        return v;
      }
      if (entry.production !== version) {
        entry.promotions.push(version);
        entry.production = version;
      }
      if (entry.ab?.version === version) entry.ab = null;
      if (entry.shadow === version) entry.shadow = null;
      return v;
    });
  }

  /** Stages `version` as the shadow of `name` (scores every row, outputs untouched); null ends the shadow. */
  async shadow(name: string, version: number | null): Promise<ModelVersion | null> {
    return this.update(async (m) => {
      const entry = this.entry(m, name);
      if (version === null) {
        entry.shadow = null;
        return null;
      }
      const v = this.versionOf(entry, version);
      if (entry.production === version) {
        throw new UserError(`v${version} of "${name}" is the production version, so shadowing it compares it with itself`, { origin: 'model-registry', hint: 'shadow a version that is not in production' });
      }
      entry.shadow = version;
      return v;
    });
  }

  /** Ends the A/B test of `name`: every key goes back to production. Returns the B version, or null when none ran. */
  async endAb(name: string): Promise<number | null> {
    return this.update(async (m) => {
      const entry = this.entry(m, name);
      const b = entry.ab?.version ?? null;
      entry.ab = null;
      return b;
    });
  }

  /**
   * Undoes the newest change to what scores production traffic: a running A/B test is ended (the B
   * side is what was staged last); without one, the version promoted before the current one is put
   * back. Returns the production version afterwards.
   */
  async rollback(name: string): Promise<ModelVersion> {
    return this.update(async (m) => {
      const entry = this.entry(m, name);
      if (entry.ab) {
        entry.ab = null;
        return this.versionOf(entry, entry.production ?? undefined);
      }
      if (entry.promotions.length < 2) {
        throw new UserError(`model "${name}" has no earlier promoted version to roll back to`, {
          origin: 'model-registry', hint: `promote a version instead: weir model promote ${name} VERSION`,
        });
      }
      entry.promotions.pop();
      const back = entry.promotions[entry.promotions.length - 1]!;
      entry.production = back;
      return this.versionOf(entry, back);
    });
  }

  /** What scores `name` now: production and the staged A/B and shadow versions. */
  async routing(name: string): Promise<ModelRouting> {
    return this.routingOf(this.entry(await this.read(), name));
  }

  /**
   * Calls `onChange` when the production version of `name` changes, also when another process
   * promotes it. Polls the manifest's mtime, inode and size every `intervalMs` (default 200); polling
   * works on every file system, where fs.watch misses renames on some. Changes are counted from
   * `initial` when given (the version the caller already runs), else from the first poll.
   */
  watch(name: string, onChange: (current: ModelVersion | null, previous: number | null) => void, options: WatchOptions = {}): ModelWatch {
    let lastProduction: number | null | undefined = options.initial;
    return this.poll(options.intervalMs ?? 200, (m) => {
      const entry = m.models[name];
      const production = entry?.production ?? null;
      if (lastProduction === undefined) {
        lastProduction = production;
        return;
      }
      if (production === lastProduction) return;
      const previous = lastProduction;
      lastProduction = production;
      onChange(entry && production !== null ? this.versionOf(entry, production) : null, previous);
    });
  }

  /**
   * Like {@link watch}, for the whole routing: calls `onChange` when the production, A/B (version or
   * share) or shadow version of `name` changes. Changes are counted from `initial` when given.
   */
  watchRouting(name: string, onChange: (routing: ModelRouting) => void, options: { intervalMs?: number; initial?: ModelRouting } = {}): ModelWatch {
    let last = options.initial ? routingKey(options.initial) : undefined;
    return this.poll(options.intervalMs ?? 200, (m) => {
      const entry = m.models[name];
      const routing: ModelRouting = entry ? this.routingOf(entry) : { production: null, ab: null, shadow: null };
      const key = routingKey(routing);
      if (last === undefined) {
        last = key;
        return;
      }
      if (key === last) return;
      last = key;
      onChange(routing);
    });
  }

  /** Calls `onManifest` with the manifest each time its file changed, every `intervalMs`, until closed. */
  private poll(intervalMs: number, onManifest: (m: Manifest) => void): ModelWatch {
    let lastStamp = '';
    let busy = false;
    let closed = false;
    const tick = async (): Promise<void> => {
      if (busy || closed) return;
      busy = true;
      try {
        let stamp: string;
        try {
          const s = await stat(this.manifestPath);
          stamp = `${s.mtimeMs}:${s.ino}:${s.size}`;
        } catch {
          stamp = 'missing';
        }
        if (stamp === lastStamp) return;
        lastStamp = stamp;
        const m = await this.read();
        if (!closed) onManifest(m);
      } catch {
        // A manifest being replaced or briefly unreadable is tried again on the next tick.
        lastStamp = '';
      } finally {
        busy = false;
      }
    };
    void tick();
    const timer = setInterval(() => void tick(), intervalMs);
    timer.unref();
    return {
      close: () => {
        closed = true;
        clearInterval(timer);
      },
    };
  }

  private routingOf(entry: ModelEntry): ModelRouting {
    const find = (v: number | null | undefined): ModelVersion | null => (v === null || v === undefined ? null : entry.versions.find((x) => x.version === v) ?? null);
    const b = entry.ab ? find(entry.ab.version) : null;
    return { production: find(entry.production), ab: b && entry.ab ? { version: b, share: entry.ab.share } : null, shadow: find(entry.shadow) };
  }

  private entry(m: Manifest, name: string): ModelEntry {
    const e = m.models[name];
    if (!e) {
      const known = Object.keys(m.models);
      throw new UserError(`no model "${name}" in registry ${this.dir}`, {
        origin: 'model-registry', hint: known.length > 0 ? `known models: ${known.join(', ')}` : 'register one: weir model register NAME FILE',
      });
    }
    return e;
  }

  private versionOf(entry: ModelEntry, version: number | undefined): ModelVersion {
    if (version === undefined) {
      const last = entry.versions[entry.versions.length - 1];
      if (!last) throw new UserError(`model "${entry.name}" has no versions`, { origin: 'model-registry' });
      return last;
    }
    const v = entry.versions.find((x) => x.version === version);
    if (!v) {
      throw new UserError(`model "${entry.name}" has no version ${version}`, {
        origin: 'model-registry', hint: `versions: ${entry.versions.map((x) => x.version).join(', ') || 'none'}`,
      });
    }
    return v;
  }

  private async read(): Promise<Manifest> {
    let text: string;
    try {
      text = await readFile(this.manifestPath, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { format: 1, models: {} };
      throw new ExternalError(`cannot read ${this.manifestPath}: ${(err as Error).message}`, { cause: err, origin: 'model-registry' });
    }
    let m: Manifest;
    try {
      m = JSON.parse(text) as Manifest;
    } catch (err) {
      throw new ExternalError(`${this.manifestPath} is not valid JSON: ${(err as Error).message}`, { cause: err, origin: 'model-registry', retriable: false });
    }
    if (m.format !== 1 || typeof m.models !== 'object' || m.models === null) {
      throw new ExternalError(`${this.manifestPath} has an unknown format`, { origin: 'model-registry', retriable: false, hint: 'it was written by a newer weir?' });
    }
    return m;
  }

  /** Read-modify-write of the manifest under the lock; writes only when `fn` returns normally. */
  private async update<T>(fn: (m: Manifest) => Promise<T>): Promise<T> {
    const release = await this.lock();
    try {
      const m = await this.read();
      const result = await fn(m);
      const tmp = `${this.manifestPath}.tmp-${process.pid}-${Date.now()}`;
      await writeFile(tmp, `${JSON.stringify(m, null, 2)}\n`);
      await rename(tmp, this.manifestPath);
      return result;
    } finally {
      await release();
    }
  }

  private async lock(): Promise<() => Promise<void>> {
    const path = join(this.dir, 'manifest.lock');
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        const h = await open(path, 'wx');
        await h.writeFile(`${process.pid}\n`);
        await h.close();
        return () => rm(path, { force: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new ExternalError(`cannot lock ${path}: ${(err as Error).message}`, { cause: err, origin: 'model-registry' });
        }
      }
      // A lock left by a crashed process is taken over once it is old enough.
      try {
        const s = await stat(path);
        if (Date.now() - s.mtimeMs > LOCK_STALE_MS) {
          await rm(path, { force: true });
          continue;
        }
      } catch {
        continue;
      }
      if (Date.now() > deadline) {
        throw new ExternalError(`model registry ${this.dir} is locked by another process (${path})`, {
          origin: 'model-registry', hint: 'wait and retry; delete the lock file if no weir process is running',
        });
      }
      await sleep(20 + Math.random() * 30);
    }
  }
}
