import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CheckpointMetrics } from './checkpoint-coordinator.js';
import type { NodeMetrics } from './messages.js';

/** Escapes a label value for Prometheus' text format. */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
const esc = escapeLabelValue;

const SOURCES = new Set<() => string>();

/**
 * Adds metrics kept outside the job graph (e.g. model scoring in `src/ml`) to every Prometheus page of
 * this process: `render` returns complete metric families in the text format, each family from one
 * source only. Returns the function that removes the source again.
 */
export function addMetricsSource(render: () => string): () => void {
  SOURCES.add(render);
  return () => SOURCES.delete(render);
}

/**
 * The job's metrics in Prometheus' text format: records in and out per operator subtask, late records
 * dropped, and the checkpoint figures (count, duration, size, alignment).
 */
export function prometheusText(job: string, nodes: NodeMetrics[], checkpoints: CheckpointMetrics | undefined): string {
  const lines: string[] = [];
  const metric = (name: string, type: 'counter' | 'gauge', help: string, rows: [Record<string, string>, number | undefined][]) => {
    const present = rows.filter((r): r is [Record<string, string>, number] => r[1] !== undefined);
    if (present.length === 0) return;
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, v] of present) {
      const l = Object.entries({ job, ...labels }).map(([k, x]) => `${k}="${esc(x)}"`).join(',');
      lines.push(`${name}{${l}} ${v}`);
    }
  };
  const per = (f: (m: NodeMetrics) => number | undefined) =>
    nodes.map((m) => [{ operator: m.name, node: String(m.node), subtask: String(m.subtask) }, f(m)] as [Record<string, string>, number | undefined]);
  metric('weir_operator_records_in_total', 'counter', 'Records that entered an operator subtask.', per((m) => m.recordsIn));
  metric('weir_operator_records_out_total', 'counter', 'Records an operator subtask emitted.', per((m) => m.recordsOut));
  metric('weir_operator_late_records_dropped_total', 'counter', 'Late records counted and dropped because no late-data output was given.', per((m) => m.lateDropped));
  if (checkpoints) {
    metric('weir_checkpoints_completed_total', 'counter', 'Checkpoints written.', [[{}, checkpoints.completed]]);
    metric('weir_checkpoints_abandoned_total', 'counter', 'Checkpoints given up.', [[{}, checkpoints.abandoned]]);
    metric('weir_checkpoint_last_duration_ms', 'gauge', 'Trigger to durable, last checkpoint.', [[{}, checkpoints.lastDurationMs]]);
    metric('weir_checkpoint_last_size_bytes', 'gauge', 'Size of the last checkpoint.', [[{}, checkpoints.lastSizeBytes]]);
    metric('weir_checkpoint_last_alignment_ms', 'gauge', 'Longest barrier alignment in the last checkpoint.', [[{}, checkpoints.lastAlignmentMs]]);
  }
  let text = lines.join('\n') + '\n';
  for (const render of SOURCES) text += render();
  return text;
}

/** Serves `GET /metrics` on 127.0.0.1 (port 0 picks a free port). */
export async function serveMetrics(port: number, render: () => string): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.url === '/metrics' || req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(render());
    } else {
      res.writeHead(404).end('try /metrics\n');
    }
  });
  await new Promise<void>((r, j) => { server.once('error', j); server.listen(port, '127.0.0.1', () => r()); });
  server.unref();
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
