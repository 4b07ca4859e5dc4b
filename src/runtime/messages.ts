import type { Key } from '../core/keys.js';
import type { StoredSubtask } from './checkpoint-storage.js';

/**
 * Messages between the workers of one job. An edge is named by its consumer node and input index
 * (`edge = consumerId * 8 + inputIndex`); `s` is the sending subtask. Every channel (edge, sender,
 * receiver) is FIFO, so a watermark never overtakes the records before it.
 */
export type ExchangeMessage =
  | { t: 'b'; e: number; s: number; v: unknown[]; ts: number[]; k: Key[] | undefined }
  | { t: 'w'; e: number; s: number; wm: number }
  | { t: 'i'; e: number; s: number; idle: boolean }
  | { t: 'end'; e: number; s: number }
  /** A checkpoint barrier: everything before it on this channel belongs to checkpoint `id`. */
  | { t: 'cb'; e: number; s: number; id: number }
  | { t: 'ack'; e: number; s: number };

export function edgeId(consumerId: number, inputIndex: number): number {
  return consumerId * 8 + inputIndex;
}

/** Moves exchange messages between workers; `send` must keep per-target order. */
export interface Transport {
  send(targetWorker: number, message: ExchangeMessage): void;
  onMessage(handler: (fromWorker: number, message: ExchangeMessage) => void): void;
}

/** Messages from a worker to the coordinating thread. */
export type WorkerReport =
  | { t: 'collect'; sink: string; v: unknown[]; ts: number[] }
  | { t: 'done'; worker: number; metrics: NodeMetrics[] }
  | { t: 'error'; worker: number; message: string; stack?: string | undefined; domain?: string | undefined; origin?: string | undefined; hint?: string | undefined }
  | { t: 'log'; level: string; message: string }
  /** A subtask's part of checkpoint `id`. */
  | { t: 'ack'; id: number; state: StoredSubtask; alignMs: number }
  /** Every subtask of the worker has finished; their final states, for the final checkpoint. */
  | { t: 'drained'; worker: number; states: StoredSubtask[] };

/** Messages from the coordinating thread to a worker. */
export type CoordinatorCommand =
  | { t: 'cancel' }
  | { t: 'checkpoint'; id: number }
  | { t: 'complete'; id: number }
  | { t: 'finish' };

export interface NodeMetrics {
  node: number;
  name: string;
  subtask: number;
  recordsIn: number;
  recordsOut: number;
  lateDropped?: number | undefined;
}
