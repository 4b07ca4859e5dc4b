import type { Source } from '../runtime/source.js';
import { fromGenerator } from '../runtime/source.js';

/** How a fraudulent transaction came about; `none` for legitimate ones. */
export type FraudPattern = 'none' | 'country_burst' | 'velocity_spike' | 'unusual_amount';

/** One card transaction with its ground truth (`isFraud`, `pattern`, `incidentId`) for evaluating a model. */
export interface CardTransaction {
  txn_id: string;
  card_id: string;
  merchant_id: string;
  /** Amount in `currency`, rounded to cents. */
  amount: number;
  currency: string;
  /** ISO 3166 alpha-2 of the merchant. */
  country: string;
  /** Merchant category code (ISO 18245), e.g. `5411` groceries. */
  mcc: string;
  /** Event time, epoch ms. */
  ts: number;
  isFraud: boolean;
  pattern: FraudPattern;
  /** Groups the transactions of one fraud incident (`e<episode>-<i>`); null when legitimate. */
  incidentId: string | null;
}

export interface FraudGeneratorConfig {
  seed: number;
  cards: number;
  /** Event rate that spaces the timestamps: event n happens at `startTime + n * 1000 / eventsPerSecond`. */
  eventsPerSecond: number;
  startTime: number;
  /** Target share of fraudulent transactions (default 0.01; realistic data sits around 0.005–0.02). */
  fraudRate: number;
  /** Share of legitimate transactions made abroad (travel), so country alone does not give fraud away. */
  travelRate: number;
}

export const DEFAULT_FRAUD_CONFIG: FraudGeneratorConfig = {
  seed: 42,
  cards: 10_000,
  eventsPerSecond: 100,
  startTime: Date.UTC(2026, 0, 1),
  fraudRate: 0.01,
  travelRate: 0.02,
};

/** Country, currency and weight of card holders living there. */
const COUNTRIES: readonly { code: string; currency: string; weight: number }[] = [
  { code: 'US', currency: 'USD', weight: 35 }, { code: 'GB', currency: 'GBP', weight: 12 },
  { code: 'DE', currency: 'EUR', weight: 12 }, { code: 'FR', currency: 'EUR', weight: 10 },
  { code: 'ES', currency: 'EUR', weight: 6 }, { code: 'IT', currency: 'EUR', weight: 6 },
  { code: 'NL', currency: 'EUR', weight: 4 }, { code: 'CA', currency: 'CAD', weight: 5 },
  { code: 'BR', currency: 'BRL', weight: 3 }, { code: 'IN', currency: 'INR', weight: 3 },
  { code: 'JP', currency: 'JPY', weight: 2 }, { code: 'NG', currency: 'NGN', weight: 1 },
  { code: 'RU', currency: 'RUB', weight: 1 },
];
/** Everyday categories with weights: groceries, restaurants, fuel, fast food, drug stores, clothing, taxis, digital. */
const EVERYDAY_MCC: readonly { mcc: string; weight: number }[] = [
  { mcc: '5411', weight: 30 }, { mcc: '5812', weight: 15 }, { mcc: '5541', weight: 12 }, { mcc: '5814', weight: 12 },
  { mcc: '5912', weight: 8 }, { mcc: '5651', weight: 8 }, { mcc: '4121', weight: 7 }, { mcc: '5815', weight: 8 },
];
/** What stolen cards are cashed out on: electronics, jewellery, money transfer. */
const CASH_OUT_MCC = ['5732', '5944', '4829'] as const;
/** Small card-testing purchases: digital goods, misc. retail. */
const TESTING_MCC = ['5816', '5999'] as const;
const MERCHANTS_PER_COUNTRY = 500;
const EPISODE_MS = 5 * 60_000;

interface Incident {
  pattern: Exclude<FraudPattern, 'none'>;
  card: number;
  id: string;
}

interface EpisodePlan {
  /** Position in the episode → incident and the transaction's index within it. */
  slots: Map<number, { incident: Incident; index: number }>;
}

/**
 * A seeded generator of card transactions with injected fraud, random-access by event number like the
 * Nexmark generator: `event(n)` depends only on the seed and n, so parallel readers can split the
 * stream by n and a checkpoint only needs the next n.
 *
 * Time is cut into 5-minute episodes. Each episode's fraud incidents are planned from (seed, episode)
 * alone, which is what lets an incident span many events and still be generated out of order:
 * - `country_burst`: a stolen card used in 3–6 foreign countries within 1–4 minutes;
 * - `velocity_spike`: 8–15 small card-testing purchases within 30–90 s;
 * - `unusual_amount`: 1–2 purchases at 8–30× the card's usual amount on electronics or jewellery.
 *
 * @example
 * const gen = new FraudGenerator({ seed: 7 });
 * gen.event(0); // { txn_id: 'txn-0', card_id: 'card-…', amount: 23.4, …, isFraud: false, pattern: 'none' }
 */
export class FraudGenerator {
  readonly config: FraudGeneratorConfig;
  private readonly episodeEvents: number;
  private readonly incidentsPerEpisode: number;
  private readonly plans = new Map<number, EpisodePlan>();
  private readonly countryCdf: number[];
  private readonly mccCdf: number[];

  constructor(config: Partial<FraudGeneratorConfig> = {}) {
    this.config = { ...DEFAULT_FRAUD_CONFIG, ...config };
    const c = this.config;
    if (!Number.isSafeInteger(c.seed)) throw new RangeError(`fraud generator seed must be a safe integer, got ${c.seed}`);
    if (!Number.isInteger(c.cards) || c.cards < 10) throw new RangeError(`fraud generator needs at least 10 cards, got ${c.cards}`);
    if (!(c.eventsPerSecond > 0)) throw new RangeError(`eventsPerSecond must be > 0, got ${c.eventsPerSecond}`);
    if (!(c.fraudRate >= 0 && c.fraudRate < 0.5)) throw new RangeError(`fraudRate must be in [0, 0.5), got ${c.fraudRate}`);
    this.episodeEvents = Math.max(1, Math.round((EPISODE_MS * c.eventsPerSecond) / 1000));
    // Mean transactions per incident, from the pattern mix and sizes in planEpisode: 0.35·4.5 + 0.35·11.5 + 0.3·1.5.
    const meanPerIncident = 6.05;
    this.incidentsPerEpisode = (c.fraudRate * this.episodeEvents) / meanPerIncident;
    this.countryCdf = cdf(COUNTRIES.map((x) => x.weight));
    this.mccCdf = cdf(EVERYDAY_MCC.map((x) => x.weight));
  }

  /** Event time of event n. */
  timestamp(n: number): number {
    return this.config.startTime + Math.floor((n * 1000) / this.config.eventsPerSecond);
  }

  /** The card's stable profile: home country and usual purchase amount. */
  cardProfile(card: number): { country: number; usualAmount: number } {
    const r = new Rng(this.config.seed, 1, card);
    const country = pickCdf(this.countryCdf, r.next());
    // Usual amounts are log-normal across cards: median about 40, most between 10 and 150.
    const usualAmount = Math.exp(Math.log(40) + 0.7 * r.normal());
    return { country, usualAmount };
  }

  /** Event number n (a non-negative safe integer). */
  event(n: number): CardTransaction {
    const episode = Math.floor(n / this.episodeEvents);
    const slot = this.plan(episode).slots.get(n - episode * this.episodeEvents);
    const r = new Rng(this.config.seed, 2, n);
    if (slot) return this.fraudEvent(n, slot.incident, slot.index, r);
    const card = r.int(this.config.cards);
    const profile = this.cardProfile(card);
    const abroad = r.next() < this.config.travelRate;
    const country = abroad ? r.int(COUNTRIES.length) : profile.country;
    const mcc = EVERYDAY_MCC[pickCdf(this.mccCdf, r.next())]!.mcc;
    const amount = profile.usualAmount * Math.exp(0.5 * r.normal());
    return this.txn(n, card, country, mcc, amount, r, null);
  }

  private fraudEvent(n: number, incident: Incident, index: number, r: Rng): CardTransaction {
    const profile = this.cardProfile(incident.card);
    switch (incident.pattern) {
      case 'country_burst': {
        // Each step of the burst goes to another foreign country: rotate through all but home.
        const hop = new Rng(this.config.seed, 3, hashString(incident.id)).int(COUNTRIES.length - 1);
        const country = (profile.country + 1 + ((hop + index) % (COUNTRIES.length - 1))) % COUNTRIES.length;
        const mcc = CASH_OUT_MCC[r.int(CASH_OUT_MCC.length)]!;
        return this.txn(n, incident.card, country, mcc, profile.usualAmount * (1 + 3 * r.next()), r, incident);
      }
      case 'velocity_spike': {
        const mcc = TESTING_MCC[r.int(TESTING_MCC.length)]!;
        return this.txn(n, incident.card, profile.country, mcc, 1 + 14 * r.next(), r, incident);
      }
      case 'unusual_amount': {
        const mcc = CASH_OUT_MCC[r.int(2)]!;
        return this.txn(n, incident.card, profile.country, mcc, profile.usualAmount * (8 + 22 * r.next()), r, incident);
      }
    }
  }

  private txn(n: number, card: number, country: number, mcc: string, amount: number, r: Rng, incident: Incident | null): CardTransaction {
    const c = COUNTRIES[country]!;
    return {
      txn_id: `txn-${n}`,
      card_id: `card-${card}`,
      merchant_id: `m-${c.code}-${r.int(MERCHANTS_PER_COUNTRY)}`,
      amount: Math.max(0.01, Math.round(amount * 100) / 100),
      currency: c.currency,
      country: c.code,
      mcc,
      ts: this.timestamp(n),
      isFraud: incident !== null,
      pattern: incident?.pattern ?? 'none',
      incidentId: incident?.id ?? null,
    };
  }

  /** The fraud incidents of one episode, from (seed, episode) only; the last few are memoised for sequential reads. */
  private plan(episode: number): EpisodePlan {
    let p = this.plans.get(episode);
    if (p) return p;
    p = this.planEpisode(episode);
    if (this.plans.size >= 4) this.plans.delete(this.plans.keys().next().value as number);
    this.plans.set(episode, p);
    return p;
  }

  private planEpisode(episode: number): EpisodePlan {
    const r = new Rng(this.config.seed, 4, episode);
    const E = this.episodeEvents;
    const perMs = this.config.eventsPerSecond / 1000;
    // A whole number of incidents with the right mean, so small episodes still see fraud at the set rate.
    const lambda = this.incidentsPerEpisode * (0.8 + 0.4 * r.next());
    const count = Math.floor(lambda) + (r.next() < lambda - Math.floor(lambda) ? 1 : 0);
    const slots = new Map<number, { incident: Incident; index: number }>();
    for (let i = 0; i < count; i++) {
      const u = r.next();
      const pattern: Incident['pattern'] = u < 0.35 ? 'country_burst' : u < 0.7 ? 'velocity_spike' : 'unusual_amount';
      const incident: Incident = { pattern, card: r.int(this.config.cards), id: `e${episode}-${i}` };
      let size: number;
      let spanMs: number;
      if (pattern === 'country_burst') { size = 3 + r.int(4); spanMs = 60_000 + r.int(180_000); }
      else if (pattern === 'velocity_spike') { size = 8 + r.int(8); spanMs = 30_000 + r.int(60_000); }
      else { size = 1 + r.int(2); spanMs = 60_000; }
      const span = Math.min(E, Math.max(size, Math.floor(spanMs * perMs)));
      const start = r.int(E - span + 1);
      const positions = new Set<number>();
      // Distinct positions; a busy slot taken by an earlier incident is skipped, shrinking this one a little.
      for (let tries = 0; positions.size < size && tries < size * 4; tries++) positions.add(start + r.int(span));
      let index = 0;
      for (const pos of [...positions].sort((a, b) => a - b)) {
        if (!slots.has(pos)) slots.set(pos, { incident, index: index++ });
      }
    }
    return { slots };
  }
}

/**
 * The generator as a source: `count` events (Infinity for an unbounded stream), timestamps from `ts`,
 * split across parallel readers by event number.
 */
export function fraudSource(count: number, config: Partial<FraudGeneratorConfig> = {}, options: { ratePerSecond?: number } = {}): Source<CardTransaction> {
  const gen = new FraudGenerator(config);
  return fromGenerator(count, (n) => gen.event(n), {
    name: 'fraud-transactions',
    timestamp: (n) => gen.timestamp(n),
    ...(options.ratePerSecond !== undefined ? { ratePerSecond: options.ratePerSecond } : {}),
  });
}

/**
 * A small counter-keyed random stream: the state comes from hashing (seed, salt, n), so every event,
 * card and episode draws its own numbers independent of what was generated before.
 */
class Rng {
  private s: number;
  constructor(seed: number, salt: number, n: number) {
    const hi = Math.floor(n / 4294967296);
    this.s = mix32(mix32(mix32((seed >>> 0) ^ Math.imul(salt, 0x9e3779b9)) ^ (n >>> 0)) ^ mix32(hi + Math.floor(seed / 4294967296)));
  }
  /** Uniform in [0, 1) (mulberry32 step). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) | 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(bound: number): number {
    return Math.floor(this.next() * bound);
  }
  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
}

function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function cdf(weights: readonly number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  let acc = 0;
  return weights.map((w) => (acc += w / total));
}

function pickCdf(c: readonly number[], u: number): number {
  for (let i = 0; i < c.length; i++) if (u < c[i]!) return i;
  return c.length - 1;
}
