import { randomBytes } from 'node:crypto';
import { UserError, errorMessage } from '../../core/errors.js';
import type { Log, Producer, RecordInput } from '../../log/index.js';
import type { Sink, SinkWriter } from '../../runtime/sink.js';
import { leaseLog } from './shared-log.js';
import type { LogLocation } from './shared-log.js';

export interface LogSinkOptions<T> extends LogLocation {
  topic: string;
  /** The record key (default null). Keys pick the partition unless `partitioner` is given. */
  key?: (value: T) => string | null;
  /** The record value. Default: strings as they are, anything else as JSON. */
  encode?: (value: T) => string | Buffer;
  /** The partition of a record (default: CRC-32 of the key, round robin for null keys, as `log.append`). */
  partitioner?: (value: T, key: string | null, partitions: number) => number;
  /**
   * `exactly-once` (default): one log transaction per checkpoint and subtask, prepared at the barrier and
   * committed when the checkpoint completes; needs checkpointing for unbounded jobs. `at-least-once`:
   * plain idempotent appends, visible at once, made durable at each barrier; replays after a restore
   * write records again.
   */
  deliveryGuarantee?: 'exactly-once' | 'at-least-once';
  /**
   * Names the prepared transactions of subtask i `<prefix>-<i>`; a starting subtask aborts the leftover
   * prepared transactions of its name that its restored checkpoint does not know. Two sinks (or jobs)
   * writing through one log must use different prefixes. Default `weir-<topic>`.
   */
  transactionalIdPrefix?: string;
}

/** What a pre-commit hands to `commit`: one prepared transaction of one subtask. */
interface Committable { producerId: number; txnId: string; owner: string }

interface WriterState { version: 1; owner: string; prepared: string[] }

/**
 * Writes records to a topic of the embedded log, exactly once with checkpoints. Each subtask writes the
 * records of one checkpoint epoch into one log transaction; at the barrier the transaction is made
 * durable and prepared (a prepared transaction survives a crash and a reopen of the log), and it is
 * committed when the checkpoint completes. After a crash the restored job commits the transactions its
 * checkpoint holds (committing twice is a no-op) and aborts the other prepared transactions of its
 * subtasks: those of checkpoints that never completed. Read the topic with `read_committed` to see each
 * record once.
 *
 * Without checkpoints the transaction spans the whole run and is committed when the input ends
 * (bounded jobs; the output appears all at once). It must end within the log's `transactionTimeoutMs`;
 * unbounded jobs without checkpoints need `deliveryGuarantee: 'at-least-once'`. With checkpoints, keep
 * the checkpoint interval well below `transactionTimeoutMs` and the longest downtime of the job below
 * `preparedTransactionTimeoutMs`.
 *
 * @example
 * stream.sinkTo(logSink({ dir: './.weir/log', topic: 'totals', key: (t) => t.card, encode: JSON.stringify }));
 */
export function logSink<T>(options: LogSinkOptions<T>): Sink<T> {
  const name = `log:${options.topic}`;
  if (typeof options.topic !== 'string' || options.topic === '') throw new UserError('logSink needs a topic', { origin: name });
  const guarantee = options.deliveryGuarantee ?? 'exactly-once';
  if (guarantee !== 'exactly-once' && guarantee !== 'at-least-once') {
    throw new UserError(`logSink deliveryGuarantee must be 'exactly-once' or 'at-least-once', got ${JSON.stringify(guarantee)}`, { origin: name });
  }
  const prefix = options.transactionalIdPrefix ?? `weir-${options.topic}`;
  const encode = options.encode ?? ((v: T) => (typeof v === 'string' ? v : JSON.stringify(v)));
  return {
    name,
    createWriter({ subtaskIndex }): SinkWriter<T> {
      const owner = `${prefix}-${subtaskIndex}`;
      const lease = leaseLog(options, name);
      // Every attempt names its transactions anew, so a commit from an older attempt never hits a newer one.
      const attempt = randomBytes(4).toString('hex');
      let log: Log | undefined;
      let initialising: Promise<void> | undefined;
      let ready = false;
      let waiting = 0;
      let chain: Promise<void> = Promise.resolve();
      let open: Producer | undefined;
      let plain: Producer | undefined;
      const idle: Producer[] = [];
      const prepared = new Map<string, Producer>();
      const pendingSends = new Set<Promise<unknown>>();
      let sendError: unknown;
      let keep = new Set<string>();
      let closed = false;

      const init = () => (initialising ??= (async () => {
        log = await lease.log;
        if (!log.hasTopic(options.topic)) {
          throw new UserError(`logSink: topic "${options.topic}" does not exist in ${log.dir}`, { origin: name, hint: `create it first, e.g. \`weir topic create ${options.topic} --partitions N\`` });
        }
        if (guarantee !== 'exactly-once') {
          ready = true;
          return;
        }
        // Prepared transactions of this subtask that its restored checkpoint does not name belong to
        // checkpoints that never completed: abort them, or they would hold read-committed readers back.
        for (const t of log.preparedTransactions(owner)) {
          if (keep.has(t.txnId)) continue;
          await log.abortPrepared(t);
          process.stderr.write(`weir: ${name}: aborted the prepared transaction ${t.txnId} of ${owner}: its checkpoint never completed\n`);
        }
        ready = true;
      })());

      const timedOutHint = 'the transaction ran past the log\'s transactionTimeoutMs: enable checkpointing with an interval well below it, or use deliveryGuarantee: \'at-least-once\'';
      const checkSends = () => {
        if (sendError === undefined) return;
        const err = sendError;
        throw new UserError(`logSink: writing to "${options.topic}" failed: ${errorMessage(err)}`, {
          origin: name, cause: err, hint: /no open transaction/.test(errorMessage(err)) ? timedOutHint : 'see the cause',
        });
      };

      const doWrite = (values: T[], timestamps: number[]) => {
        checkSends();
        const l = log!;
        let producer: Producer;
        if (guarantee === 'exactly-once') {
          if (!open) {
            open = idle.pop() ?? l.producer({ transactional: true });
            open.beginTransaction();
          }
          producer = open;
        } else producer = plain ??= l.producer();
        const n = l.partitionCount(options.topic);
        const byPartition = new Map<number, RecordInput[]>();
        for (let i = 0; i < values.length; i++) {
          const v = values[i]!;
          const key = options.key ? options.key(v) : null;
          const ts = timestamps[i]!;
          const record: RecordInput = { key, value: encode(v) };
          if (Number.isFinite(ts)) record.timestamp = ts;
          const p = options.partitioner ? options.partitioner(v, key, n) : l.partitionFor(options.topic, key);
          if (!Number.isInteger(p) || p < 0 || p >= n) {
            throw new UserError(`logSink: the partitioner returned ${p} for a record of "${options.topic}", which has ${n} partitions`, { origin: name });
          }
          let list = byPartition.get(p);
          if (!list) byPartition.set(p, (list = []));
          list.push(record);
        }
        // The frames are written now; only their fsync is awaited later (at the barrier), and a failure
        // also fails the transaction.
        for (const [p, records] of byPartition) {
          const sent = producer.send(options.topic, records, { partition: p }).catch((err: unknown) => { sendError ??= err; });
          if (guarantee === 'at-least-once') {
            pendingSends.add(sent);
            void sent.then(() => pendingSends.delete(sent));
          }
        }
      };

      const settle = async () => {
        await init();
        await chain;
        if (guarantee === 'at-least-once') {
          await Promise.all([...pendingSends]);
          await log!.flush();
        }
        checkSends();
      };

      return {
        write(batch) {
          if (closed) throw new UserError(`logSink: write after close`, { origin: name });
          if (ready && waiting === 0) {
            doWrite(batch.values, batch.timestamps);
            return;
          }
          // The log is still opening: queue, in order.
          waiting++;
          chain = chain.then(init).then(() => {
            waiting--;
            doWrite(batch.values, batch.timestamps);
          });
          return chain;
        },
        async preCommit(checkpointId): Promise<Committable | undefined> {
          await settle();
          if (guarantee !== 'exactly-once' || !open) return undefined;
          const producer = open;
          open = undefined;
          let t;
          try {
            t = await producer.prepareTransaction({ owner, txnId: `${owner}@${attempt}.${checkpointId}` });
          } catch (err) {
            throw new UserError(`logSink: preparing the transaction of checkpoint ${checkpointId} failed: ${errorMessage(err)}`, {
              origin: name, cause: err, hint: /no open transaction/.test(errorMessage(err)) ? timedOutHint : 'see the cause',
            });
          }
          prepared.set(t.txnId, producer);
          return { producerId: t.producerId, txnId: t.txnId, owner };
        },
        async commit(committables) {
          await init();
          for (const c of committables as (Committable | undefined)[]) {
            if (!c) continue;
            await log!.commitPrepared(c);
            const producer = prepared.get(c.txnId);
            if (producer) {
              prepared.delete(c.txnId);
              idle.push(producer);
            }
          }
        },
        snapshotState(): WriterState {
          return { version: 1, owner, prepared: [...prepared.keys()] };
        },
        restoreState(state) {
          const s = state as WriterState | undefined;
          if (s === undefined) return;
          if (s.version !== 1 || !Array.isArray(s.prepared)) {
            throw new UserError(`${name}: cannot restore the sink state ${JSON.stringify(state)?.slice(0, 200)}`, { origin: name, hint: 'the checkpoint was written by another sink or version' });
          }
          keep = new Set(s.prepared);
        },
        async finish() {
          await settle();
          if (open) {
            const producer = open;
            open = undefined;
            try {
              await producer.commitTransaction();
            } catch (err) {
              throw new UserError(`logSink: committing the output to "${options.topic}" failed: ${errorMessage(err)}`, {
                origin: name, cause: err, hint: /no open transaction/.test(errorMessage(err)) ? timedOutHint : 'see the cause',
              });
            }
          }
        },
        async close() {
          if (closed) return;
          closed = true;
          try {
            // Prepared transactions stay for the restore; an open one can never be committed now.
            if (open) await open.abortTransaction().catch(() => undefined);
            await chain.catch(() => undefined);
          } finally {
            await lease.release();
          }
        },
      };
    },
  };
}
