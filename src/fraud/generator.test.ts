import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FraudGenerator, fraudSource } from './generator.js';
import type { CardTransaction } from './generator.js';
import { StreamExecutionEnvironment } from '../api/environment.js';

const N = 120_000;
const gen = new FraudGenerator({ seed: 7 });
const events: CardTransaction[] = Array.from({ length: N }, (_, n) => gen.event(n));

test('the same seed gives the same events, in any order of access', () => {
  const other = new FraudGenerator({ seed: 7 });
  // Out of order and across episodes: random access must not depend on what was generated before.
  for (const n of [119_999, 5, 60_000, 30_001, 0, 29_999, 77_777]) assert.deepEqual(other.event(n), events[n]);
  const different = new FraudGenerator({ seed: 8 });
  const same = events.slice(0, 200).filter((e, n) => JSON.stringify(different.event(n)) === JSON.stringify(e)).length;
  assert.ok(same < 5, `seed 8 reproduced ${same} of 200 events of seed 7`);
});

test('fields are well formed: cents, monotonic time, ids', () => {
  let prev = -Infinity;
  for (const e of events) {
    assert.equal(Math.round(e.amount * 100) / 100, e.amount);
    assert.ok(e.amount > 0);
    assert.ok(e.ts >= prev);
    prev = e.ts;
    assert.match(e.mcc, /^\d{4}$/);
    assert.match(e.country, /^[A-Z]{2}$/);
    assert.match(e.currency, /^[A-Z]{3}$/);
    assert.equal(e.isFraud, e.pattern !== 'none');
    assert.equal(e.isFraud, e.incidentId !== null);
  }
  assert.equal(events[100]!.ts - events[0]!.ts, 1000, '100 events per second by default');
  assert.equal(new Set(events.map((e) => e.txn_id)).size, N);
});

test('fraud rate is realistic and every pattern occurs', () => {
  const fraud = events.filter((e) => e.isFraud);
  const rate = fraud.length / N;
  assert.ok(rate > 0.005 && rate < 0.02, `fraud rate ${rate}`);
  const byPattern = new Map<string, number>();
  for (const e of fraud) byPattern.set(e.pattern, (byPattern.get(e.pattern) ?? 0) + 1);
  for (const p of ['country_burst', 'velocity_spike', 'unusual_amount']) assert.ok((byPattern.get(p) ?? 0) > 20, `${p}: ${byPattern.get(p)}`);
  const none = new FraudGenerator({ seed: 7, fraudRate: 0 });
  for (let n = 0; n < 20_000; n++) assert.equal(none.event(n).isFraud, false);
});

test('injected patterns look like what they are named', () => {
  const incidents = new Map<string, CardTransaction[]>();
  for (const e of events) if (e.incidentId) incidents.set(e.incidentId, [...(incidents.get(e.incidentId) ?? []), e]);
  let bursts = 0;
  for (const txns of incidents.values()) {
    assert.equal(new Set(txns.map((t) => t.card_id)).size, 1, 'an incident is one card');
    const card = Number(txns[0]!.card_id.slice(5));
    const profile = gen.cardProfile(card);
    const span = txns[txns.length - 1]!.ts - txns[0]!.ts;
    const p = txns[0]!.pattern;
    if (p === 'country_burst') {
      assert.ok(span <= 4 * 60_000, `burst spans ${span} ms`);
      const countries = new Set(txns.map((t) => t.country));
      assert.equal(countries.size, txns.length, 'each step in another country');
      if (txns.length >= 3) bursts++;
    } else if (p === 'velocity_spike') {
      assert.ok(span <= 90_000, `velocity spike spans ${span} ms`);
      assert.ok(txns.length >= 6, `velocity spike of ${txns.length}`);
      for (const t of txns) assert.ok(t.amount <= 15);
    } else {
      for (const t of txns) assert.ok(t.amount >= 7.9 * profile.usualAmount, `${t.amount} vs usual ${profile.usualAmount}`);
    }
  }
  assert.ok(bursts > 10);
  // Legitimate purchases stay near the card's usual amount: far fewer of them reach 8x than fraud does.
  const legit = events.filter((e) => !e.isFraud);
  const huge = legit.filter((e) => e.amount >= 8 * gen.cardProfile(Number(e.card_id.slice(5))).usualAmount).length;
  assert.ok(huge / legit.length < 0.001, `legit with 8x amount: ${huge}`);
});

test('as a source, parallel readers together produce each event once', async () => {
  const env = StreamExecutionEnvironment.create({ parallelism: 3 });
  env.fromSource(fraudSource(3000, { seed: 7 })).collect('out');
  const job = env.execute();
  await job.done;
  const got = job.collected<CardTransaction>('out');
  assert.equal(got.length, 3000);
  const byId = new Map(got.map((r) => [r.value.txn_id, r]));
  assert.equal(byId.size, 3000);
  assert.deepEqual(byId.get('txn-1234')!.value, events[1234]);
  assert.equal(byId.get('txn-1234')!.timestamp, events[1234]!.ts);
});
