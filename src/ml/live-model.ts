import { WeirError, errorMessage } from '../core/errors.js';
import type { ModelRegistry, ModelVersion, ModelWatch } from './model-registry.js';
import type { OnnxModel, OnnxModelOptions, ScoreMapping, ScoredRow } from './onnx-model.js';

/** Options of {@link LiveModel.open}. */
export interface LiveModelOptions extends OnnxModelOptions {
  /** How often to look for a promotion, in ms; default 200. */
  intervalMs?: number;
  /** Called after a newly promoted version took over. */
  onSwap?: (current: ModelVersion, previous: ModelVersion) => void;
  /** Called when a promoted version could not take over (it stays on the old one). */
  onError?: (err: unknown, version: ModelVersion) => void;
}

interface Slot {
  version: ModelVersion;
  model: OnnxModel;
  inflight: number;
  retired: boolean;
}

/**
 * The production version of a registered model that follows promotions: when another process
 * promotes (or rolls back) the model, the new version is loaded, checked against every mapping used
 * so far, and swapped in; batches already scoring finish on the old version, which is then closed.
 * A version that fails to load or does not fit a mapping is not swapped in (`onError`).
 *
 * @example
 * const live = await LiveModel.open(registry, 'fraud', { onSwap: (v) => log(`now v${v.version}`) });
 * const out = await live.score(rows, mapping);
 */
export class LiveModel {
  private slot: Slot;
  private readonly mappings = new Set<ScoreMapping>();
  private readonly watch: ModelWatch;
  private swapping: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly registry: ModelRegistry,
    private readonly options: LiveModelOptions,
    first: { version: ModelVersion; model: OnnxModel },
    name: string,
  ) {
    this.slot = { ...first, inflight: 0, retired: false };
    this.watch = registry.watch(
      name,
      (current) => {
        if (current) this.swapping = this.swapping.then(() => this.swapTo(current));
      },
      { intervalMs: options.intervalMs ?? 200, initial: first.version.version },
    );
  }

  /** Loads the production version of `name` and starts following promotions. */
  static async open(registry: ModelRegistry, name: string, options: LiveModelOptions = {}): Promise<LiveModel> {
    const first = await registry.load(name, undefined, options);
    return new LiveModel(registry, options, first, name);
  }

  /** The version scoring new batches. */
  get version(): ModelVersion {
    return this.slot.version;
  }

  /** Like {@link OnnxModel.score}, on the current version. */
  score(rows: readonly Record<string, unknown>[], mapping: ScoreMapping): Promise<Record<string, unknown>[]> {
    return this.use(mapping, (m) => m.score(rows, mapping));
  }

  /** Like {@link OnnxModel.scoreSettled}, on the current version. */
  scoreSettled(rows: readonly Record<string, unknown>[], mapping: ScoreMapping): Promise<ScoredRow[]> {
    return this.use(mapping, (m) => m.scoreSettled(rows, mapping));
  }

  /** Resolves once any swap under way has finished; for tests and orderly shutdown. */
  settled(): Promise<void> {
    return this.swapping;
  }

  /** Stops following promotions and closes the model once its batches are done. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.watch.close();
    await this.swapping;
    await this.retire(this.slot);
  }

  private async use<T>(mapping: ScoreMapping, fn: (m: OnnxModel) => Promise<T>): Promise<T> {
    if (this.closed) throw new WeirError(`live model ${this.slot.version.name} is closed`, { origin: `model:${this.slot.version.name}` });
    const slot = this.slot;
    slot.inflight++;
    try {
      const result = await fn(slot.model);
      this.mappings.add(mapping);
      return result;
    } finally {
      slot.inflight--;
      if (slot.retired && slot.inflight === 0) await slot.model.close();
    }
  }

  private async swapTo(version: ModelVersion): Promise<void> {
    if (this.closed || version.version === this.slot.version.version) return;
    let loaded: { version: ModelVersion; model: OnnxModel };
    try {
      loaded = await this.registry.load(version.name, version.version, this.options);
    } catch (err) {
      this.options.onError?.(err, version);
      return;
    }
    try {
      for (const m of this.mappings) loaded.model.check(m);
    } catch (err) {
      await loaded.model.close();
      this.options.onError?.(new WeirError(`${version.name} v${version.version} was promoted but does not fit a mapping in use: ${errorMessage(err)}`, {
        domain: 'user', cause: err, origin: `model:${version.name}`, hint: 'roll back, or change the job to the new signature',
      }), version);
      return;
    }
    if (this.closed) {
      await loaded.model.close();
      return;
    }
    const previous = this.slot;
    this.slot = { ...loaded, inflight: 0, retired: false };
    await this.retire(previous);
    this.options.onSwap?.(loaded.version, previous.version);
  }

  private async retire(slot: Slot): Promise<void> {
    slot.retired = true;
    if (slot.inflight === 0) await slot.model.close();
  }
}
