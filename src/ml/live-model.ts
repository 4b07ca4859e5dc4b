import { WeirError, errorMessage } from '../core/errors.js';
import { type Key, normalizeKey } from '../core/keys.js';
import type { ModelRegistry, ModelRouting, ModelVersion, ModelWatch } from './model-registry.js';
import type { OnnxModel, OnnxModelOptions, PositionalRows, ScoreMapping, ScoredColumns, ScoredRow } from './onnx-model.js';
import { type ScoringGroup, type ScoringPath, ScoringTimeout, abBucket, allRows, runGroup, withTimeout } from './scoring-group.js';

/** The shadow's time limit when neither the call nor the route gives one, in ms. */
export const SHADOW_TIMEOUT_MS = 1000;

/** Options of {@link LiveModel.open}. */
export interface LiveModelOptions extends OnnxModelOptions {
  /** How often to look for a promotion, in ms; default 200. */
  intervalMs?: number;
  /** Called after a newly promoted version took over production. */
  onSwap?: (current: ModelVersion, previous: ModelVersion) => void;
  /** Called after the A/B or shadow version changed (null: the stage ended). */
  onStage?: (variant: 'ab' | 'shadow', current: ModelVersion | null, previous: ModelVersion | null) => void;
  /** Called when a promoted or staged version could not take over (production stays; the stage stays off). */
  onError?: (err: unknown, version: ModelVersion, variant: ScoringPath) => void;
}

/** Options of {@link LiveModel.scoreRouted}. */
export interface RouteOptions {
  /**
   * The A/B key of the row at an index (null/undefined: production); asked only while an A/B test
   * runs. Without it every row goes to production.
   */
  key?: (row: number) => Key | undefined;
  /** Time limit of each model call. */
  timeoutMs?: number;
  /**
   * Time limit of the shadow's call; default `timeoutMs`, else {@link SHADOW_TIMEOUT_MS}. The batch
   * waits for the shadow (so outputs come in a fixed order), so a hung shadow always has a limit and
   * costs a batch at most this long; a shadow that runs out of time is a timed-out group.
   */
  shadowTimeoutMs?: number;
}

interface Slot {
  version: ModelVersion;
  model: OnnxModel;
  /** Model calls running on this version, counted until each settles (not until its time limit). */
  inflight: number;
  /** Calls that ran out of time but are still running; while any is, new batches skip this version. */
  hung: number;
  retired: boolean;
}

interface Routes {
  prod: Slot;
  ab: { slot: Slot; share: number } | null;
  shadow: Slot | null;
}

/**
 * The production version of a registered model that follows promotions, plus the versions staged
 * beside it: an A/B candidate scoring a stable share of keys and a shadow scoring every row for
 * comparison. When another process promotes, stages or rolls back, the new version is loaded,
 * checked against every mapping used so far, and swapped in; a batch is routed once, when it
 * starts, and finishes on the versions it started with, which are closed after their last batch. So
 * a swap neither loses nor re-scores a row. A version that fails to load or does not fit a mapping
 * is not swapped in (`onError`).
 *
 * @example
 * const live = await LiveModel.open(registry, 'fraud', { onSwap: (v) => log(`now v${v.version}`) });
 * const out = await live.score(rows, mapping);
 * const groups = await live.scoreRouted(rows, mapping, { key: (i) => rows[i].card_id });
 */
export class LiveModel {
  private routes: Routes;
  private readonly mappings = new Set<ScoreMapping>();
  private readonly watch: ModelWatch;
  private swapping: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly registry: ModelRegistry,
    private readonly options: LiveModelOptions,
    routes: Routes,
    initial: ModelRouting,
    name: string,
  ) {
    this.routes = routes;
    this.watch = registry.watchRouting(
      name,
      (routing) => {
        // Caught per link: a swap that throws (in onSwap, say) must not stop later changes being followed.
        this.swapping = this.swapping.then(() => this.swapTo(routing)).catch((err: unknown) => {
          const v = routing.production ?? this.routes.prod.version;
          if (this.options.onError) this.options.onError(err, v, 'prod');
          else console.warn(`live model ${v.name}: cannot follow a routing change: ${errorMessage(err)}`);
        });
      },
      { intervalMs: options.intervalMs ?? 200, initial },
    );
  }

  /** Loads the production version of `name` (and its staged A/B and shadow versions) and starts following changes. */
  static async open(registry: ModelRegistry, name: string, options: LiveModelOptions = {}): Promise<LiveModel> {
    const first = await registry.load(name, undefined, options);
    const routing = await registry.routing(name);
    const routes: Routes = { prod: slotOf(first), ab: null, shadow: null };
    // A staged version that does not load leaves its stage off rather than failing the job.
    const stage = async (v: ModelVersion, variant: ScoringPath): Promise<Slot | null> => {
      try {
        return slotOf(await registry.load(name, v.version, options));
      } catch (err) {
        options.onError?.(err, v, variant);
        return null;
      }
    };
    if (routing.ab) {
      const slot = await stage(routing.ab.version, 'ab');
      if (slot) routes.ab = { slot, share: routing.ab.share };
    }
    if (routing.shadow) routes.shadow = await stage(routing.shadow, 'shadow');
    const initial: ModelRouting = { production: first.version, ab: routes.ab ? { version: routes.ab.slot.version, share: routes.ab.share } : null, shadow: routes.shadow?.version ?? null };
    return new LiveModel(registry, options, routes, initial, name);
  }

  /** The production version, which scores new batches (all rows outside an A/B test). */
  get version(): ModelVersion {
    return this.routes.prod.version;
  }

  /** The versions scoring new batches: production, the A/B side and share, the shadow. */
  get routing(): ModelRouting {
    const r = this.routes;
    return { production: r.prod.version, ab: r.ab ? { version: r.ab.slot.version, share: r.ab.share } : null, shadow: r.shadow?.version ?? null };
  }

  /** Like {@link OnnxModel.score}, on the production version. */
  async score(rows: readonly Record<string, unknown>[], mapping: ScoreMapping): Promise<Record<string, unknown>[]> {
    return this.use(this.open().prod, mapping, (s) => s.model.score(rows, mapping));
  }

  /** Like {@link OnnxModel.scoreSettled}, on the production version. */
  async scoreSettled(rows: readonly Record<string, unknown>[], mapping: ScoreMapping): Promise<ScoredRow[]> {
    return this.use(this.open().prod, mapping, (s) => s.model.scoreSettled(rows, mapping));
  }

  /**
   * Scores a batch on every path at once: each row by production or, when an A/B test runs and the
   * row's key falls in its share ({@link abBucket}), by the B version; and every row again by the
   * shadow when one is staged. Returns one settled group per model call (never rejects for a
   * failing call: the group carries the error), the shadow's last.
   *
   * A call that runs out of time keeps its version busy until the call itself ends (a retired version
   * is closed only then); meanwhile new batches are not sent to that version but get a timed-out
   * group at once, so a slow model never has more than one call past its limit. The shadow always has
   * a time limit ({@link RouteOptions.shadowTimeoutMs}) so a hung shadow cannot stall the job.
   */
  async scoreRouted(rows: readonly Record<string, unknown>[], mapping: ScoreMapping, options: RouteOptions = {}): Promise<ScoringGroup[]> {
    return this.route(rows.length, mapping, options, (model, part) => model.scoreSettled(part.length === rows.length ? rows : part.map((i) => rows[i]!), mapping));
  }

  /**
   * {@link scoreRouted} for positional rows ({@link OnnxModel.scoreBatch}): the same routing, with
   * each group's results column by column.
   */
  async scoreRoutedBatch(input: PositionalRows, mapping: ScoreMapping, options: RouteOptions = {}): Promise<ScoringGroup<ScoredColumns>[]> {
    const rows = input.rows;
    return this.route(rows.length, mapping, options, (model, part) =>
      model.scoreBatch(part.length === rows.length ? input : { rows: part.map((i) => rows[i]!), indexes: input.indexes }, mapping));
  }

  private async route<R extends ScoredRow[] | ScoredColumns>(
    n: number, mapping: ScoreMapping, options: RouteOptions, call: (model: OnnxModel, part: number[]) => Promise<R>,
  ): Promise<ScoringGroup<R>[]> {
    const routes = this.open();
    const ab = routes.ab;
    const keyOf = options.key;
    const all = allRows(n);
    let prodRows = all;
    const abRows: number[] = [];
    // Keys are asked only while an A/B test runs; otherwise every row is production's.
    if (ab && keyOf) {
      prodRows = [];
      for (let i = 0; i < n; i++) {
        const key = keyOf(i);
        if (key !== null && key !== undefined && abBucket(normalizeKey(key)) < ab.share) abRows.push(i);
        else prodRows.push(i);
      }
    }
    const calls: [Slot, Pick<ScoringGroup, 'variant' | 'rows'>][] = [];
    if (prodRows.length > 0) calls.push([routes.prod, { variant: 'prod', rows: prodRows }]);
    if (ab && abRows.length > 0) calls.push([ab.slot, { variant: 'ab', rows: abRows }]);
    if (routes.shadow) calls.push([routes.shadow, { variant: 'shadow', rows: all }]);
    const groups = await Promise.all(calls.map(([slot, g]) => {
      const version = slot.version.version;
      const group = { ...g, version: String(version), label: `model:v${version}` };
      const ms = g.variant === 'shadow' ? options.shadowTimeoutMs ?? options.timeoutMs ?? SHADOW_TIMEOUT_MS : options.timeoutMs;
      if (slot.hung > 0) {
        const error = new ScoringTimeout(`version ${version} is still running a call that ran out of time; this batch was not sent to it`);
        return Promise.resolve({ ...group, error, timedOut: true, seconds: 0 });
      }
      return runGroup(group, () => this.run(slot, () => call(slot.model, g.rows), ms), undefined);
    }));
    this.mappings.add(mapping);
    return groups;
  }

  /** Resolves once any swap under way has finished; for tests and orderly shutdown. */
  settled(): Promise<void> {
    return this.swapping;
  }

  /** Stops following promotions and closes the models once their batches are done. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.watch.close();
    await this.swapping;
    for (const slot of slotsOf(this.routes)) await this.retire(slot);
  }

  private open(): Routes {
    if (this.closed) throw new WeirError(`live model ${this.routes.prod.version.name} is closed`, { origin: `model:${this.routes.prod.version.name}` });
    return this.routes;
  }

  /** Runs `fn` on `slot`, keeping it open until `fn` settles even when a swap retires it meanwhile. */
  private async use<T>(slot: Slot, mapping: ScoreMapping, fn: (slot: Slot) => Promise<T>): Promise<T> {
    const result = await this.run(slot, () => fn(slot), undefined);
    this.mappings.add(mapping);
    return result;
  }

  /**
   * Runs one model call on `slot` within `ms`. The slot counts the call until the call itself
   * settles, not until the limit: closing a model (releasing its native session) under a running
   * call could crash the process. A call past its limit marks the slot hung until it settles.
   */
  private run<T>(slot: Slot, fn: () => Promise<T>, ms: number | undefined): Promise<T> {
    slot.inflight++;
    let p: Promise<T>;
    try {
      p = fn();
    } catch (err) {
      p = Promise.reject(err);
    }
    let done = false;
    let late = false;
    const settle = (): void => {
      done = true;
      slot.inflight--;
      if (late) slot.hung--;
      if (slot.retired && slot.inflight === 0) void this.closeSlot(slot);
    };
    p.then(settle, settle);
    if (ms === undefined) return p;
    return withTimeout(p, ms).catch((err: unknown) => {
      if (err instanceof ScoringTimeout && !done) {
        late = true;
        slot.hung++;
      }
      throw err;
    });
  }

  /** Closes a retired version's model; a failure is reported, never thrown (its callers have moved on). */
  private async closeSlot(slot: Slot): Promise<void> {
    try {
      await slot.model.close();
    } catch (err) {
      this.options.onError?.(err, slot.version, 'prod');
    }
  }

  private async swapTo(routing: ModelRouting): Promise<void> {
    if (this.closed) return;
    const old = this.routes;
    const loaded: Slot[] = [];
    // A version already open on another path (B promoted to production) is reused, not loaded again.
    const acquire = async (v: ModelVersion, variant: ScoringPath): Promise<Slot | null> => {
      const have = [...slotsOf(old), ...loaded].find((s) => s.version.version === v.version);
      if (have) return have;
      const slot = await this.load(v, variant);
      if (slot) loaded.push(slot);
      return slot;
    };
    let prod = old.prod;
    if (routing.production && routing.production.version !== old.prod.version.version) prod = (await acquire(routing.production, 'prod')) ?? old.prod;
    let ab: Routes['ab'] = null;
    if (routing.ab) {
      const slot = routing.ab.version.version === old.ab?.slot.version.version ? old.ab.slot : await acquire(routing.ab.version, 'ab');
      if (slot) ab = { slot, share: routing.ab.share };
    }
    let shadow: Slot | null = null;
    if (routing.shadow) shadow = routing.shadow.version === old.shadow?.version.version ? old.shadow : await acquire(routing.shadow, 'shadow');
    if (this.closed) {
      for (const s of loaded) await s.model.close();
      return;
    }
    const next: Routes = { prod, ab, shadow };
    this.routes = next;
    const keep = new Set(slotsOf(next));
    for (const s of [...slotsOf(old), ...loaded]) if (!keep.has(s)) await this.retire(s);
    if (prod !== old.prod) this.options.onSwap?.(prod.version, old.prod.version);
    if (ab?.slot !== old.ab?.slot) this.options.onStage?.('ab', ab?.slot.version ?? null, old.ab?.slot.version ?? null);
    if (shadow !== old.shadow) this.options.onStage?.('shadow', shadow?.version ?? null, old.shadow?.version ?? null);
  }

  /** Loads a version and checks it fits every mapping used so far; null (and `onError`) when not. */
  private async load(version: ModelVersion, variant: ScoringPath): Promise<Slot | null> {
    let loaded: { version: ModelVersion; model: OnnxModel };
    try {
      loaded = await this.registry.load(version.name, version.version, this.options);
    } catch (err) {
      this.options.onError?.(err, version, variant);
      return null;
    }
    try {
      for (const m of this.mappings) loaded.model.check(m);
    } catch (err) {
      await loaded.model.close();
      this.options.onError?.(new WeirError(`${version.name} v${version.version} was promoted but does not fit a mapping in use: ${errorMessage(err)}`, {
        domain: 'user', cause: err, origin: `model:${version.name}`, hint: 'roll back, or change the job to the new signature',
      }), version, variant);
      return null;
    }
    return slotOf(loaded);
  }

  private async retire(slot: Slot): Promise<void> {
    if (slot.retired) return;
    slot.retired = true;
    if (slot.inflight === 0) await this.closeSlot(slot);
  }
}

function slotOf(loaded: { version: ModelVersion; model: OnnxModel }): Slot {
  return { ...loaded, inflight: 0, hung: 0, retired: false };
}

function slotsOf(r: Routes): Slot[] {
  const out = [r.prod];
  if (r.ab && !out.includes(r.ab.slot)) out.push(r.ab.slot);
  if (r.shadow && !out.includes(r.shadow)) out.push(r.shadow);
  return out;
}
