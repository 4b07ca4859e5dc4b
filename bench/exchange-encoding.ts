/**
 * How fast can batches of records cross between worker threads? Compares the encodings the runtime could
 * use for its exchanges: structured clone of the batch arrays (what weir uses), a JSON string, and a V8
 * serialisation into a transferred ArrayBuffer.
 *
 *   npm run build && node dist/bench/exchange-encoding.js [records] [batch]
 */
import { Worker, isMainThread, parentPort, workerData, MessageChannel } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { serialize, deserialize } from 'node:v8';

type Mode = 'structured-clone' | 'json' | 'v8-transfer' | 'columnar';
interface Rec { auction: number; bidder: number; price: number; channel: string; dateTime: number }

const rec = (n: number): Rec => ({ auction: 1000 + (n % 997), bidder: 2000 + (n % 1013), price: (n * 7919) % 100_000, channel: `channel-${n % 100}`, dateTime: 1_700_000_000_000 + n });

/** Flat records as columns: numbers in a transferred Float64Array per field, everything else as an array. */
interface Columnar { fields: string[]; num: (Float64Array | null)[]; other: (unknown[] | null)[]; ts: Float64Array; n: number }

function encodeColumnar(values: Rec[], ts: number[]): { msg: Columnar; transfer: ArrayBuffer[] } {
  const n = values.length;
  const fields = Object.keys(values[0]!);
  const num: (Float64Array | null)[] = [];
  const other: (unknown[] | null)[] = [];
  const transfer: ArrayBuffer[] = [];
  for (const f of fields) {
    const first = (values[0] as unknown as Record<string, unknown>)[f];
    if (typeof first === 'number') {
      const col = new Float64Array(n);
      for (let i = 0; i < n; i++) col[i] = (values[i] as unknown as Record<string, number>)[f]!;
      num.push(col); other.push(null); transfer.push(col.buffer);
    } else {
      const col = new Array<unknown>(n);
      for (let i = 0; i < n; i++) col[i] = (values[i] as unknown as Record<string, unknown>)[f];
      num.push(null); other.push(col);
    }
  }
  const tsa = Float64Array.from(ts);
  transfer.push(tsa.buffer);
  return { msg: { fields, num, other, ts: tsa, n }, transfer };
}

const makers = new Map<string, (cols: unknown[][], i: number) => Rec>();
function decodeColumnar(c: Columnar): { v: Rec[] } {
  const sig = c.fields.join(',');
  let make = makers.get(sig);
  if (!make) {
    const body = `return {${c.fields.map((f, j) => `${JSON.stringify(f)}: cols[${j}][i]`).join(', ')}};`;
    make = new Function('cols', 'i', body) as (cols: unknown[][], i: number) => Rec;
    makers.set(sig, make);
  }
  const cols = c.fields.map((_f, j) => (c.num[j] ?? c.other[j]) as unknown[]);
  const v = new Array<Rec>(c.n);
  for (let i = 0; i < c.n; i++) v[i] = make(cols, i);
  return { v };
}

if (isMainThread) {
  const records = Number(process.argv[2] ?? 2_000_000);
  const batch = Number(process.argv[3] ?? 512);
  for (const mode of ['structured-clone', 'json', 'v8-transfer', 'columnar'] as Mode[]) {
    const sender = new Worker(new URL(import.meta.url), { workerData: { role: 'send', mode, records, batch } });
    const receiver = new Worker(new URL(import.meta.url), { workerData: { role: 'recv', mode, records, batch } });
    const { port1, port2 } = new MessageChannel();
    const t0 = process.hrtime.bigint();
    const cpu0 = process.cpuUsage();
    sender.postMessage(port1, [port1 as never]);
    receiver.postMessage(port2, [port2 as never]);
    const got = await new Promise<number>((r) => receiver.once('message', r));
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    await sender.terminate();
    await receiver.terminate();
    const cpuSec = (cpu.user + cpu.system) / 1e6;
    console.log(`${mode.padEnd(17)} ${(got / secs / 1e6).toFixed(2)} M records/s wall, ${(got / cpuSec / 1e6).toFixed(2)} M records/s per core (batch ${batch})`);
  }
} else {
  const { role, mode, records, batch } = workerData as { role: string; mode: Mode; records: number; batch: number };
  parentPort!.once('message', (port: MessagePort) => {
    if (role === 'send') {
      let n = 0;
      let credits = 8;
      const pump = () => {
        while (credits > 0 && n < records) {
          const values: Rec[] = [];
          const ts: number[] = [];
          for (let i = 0; i < batch && n < records; i++, n++) { const r = rec(n); values.push(r); ts.push(r.dateTime); }
          credits--;
          if (mode === 'structured-clone') port.postMessage({ v: values, ts });
          else if (mode === 'json') port.postMessage(JSON.stringify({ v: values, ts }));
          else if (mode === 'columnar') {
            const { msg, transfer } = encodeColumnar(values, ts);
            port.postMessage(msg, transfer);
          } else {
            const buf = serialize({ v: values, ts });
            const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
            port.postMessage(ab, [ab as ArrayBuffer]);
          }
        }
      };
      port.on('message', () => { credits++; pump(); });
      pump();
    } else {
      let got = 0;
      port.on('message', (data: unknown) => {
        const m = data;
        const b = (mode === 'structured-clone' ? m : mode === 'json' ? JSON.parse(m as string) : mode === 'columnar' ? decodeColumnar(m as Columnar) : deserialize(Buffer.from(m as ArrayBuffer))) as { v: Rec[] };
        for (const r of b.v) got += r.price >= 0 ? 1 : 0;
        port.postMessage(1);
        if (got >= records) parentPort!.postMessage(got);
      });
    }
  });
}
