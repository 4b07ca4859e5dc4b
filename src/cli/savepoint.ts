import { resolve } from 'node:path';
import { sendControl } from '../runtime/control-server.js';
import { errorMessage, WeirError } from '../core/errors.js';
import type { CliIO } from './main.js';

const HELP = `weir savepoint: take a savepoint of the job running on a checkpoint directory.

usage: weir savepoint CHECKPOINT_DIR [--target DIR]

  --target DIR   where the savepoint goes (default ./savepoints); it stays until you delete it

Start a job from it with --from-savepoint PATH (weir run) or checkpointing.restoreFrom (DataStream API).`;

export async function savepointCommand(argv: string[], io: CliIO): Promise<number> {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(HELP + '\n');
    return argv.length === 0 ? 2 : 0;
  }
  const dir = argv[0]!;
  const t = argv.indexOf('--target');
  const target = resolve(t >= 0 && argv[t + 1] ? argv[t + 1]! : 'savepoints');
  try {
    const reply = await sendControl(dir, { cmd: 'savepoint', target });
    if (reply.ok !== true) {
      io.stderr.write(`weir savepoint: the job refused: ${String(reply.error)}\n`);
      return 1;
    }
    io.stdout.write(`savepoint ${String(reply.id)} written to ${String(reply.path)}\n`);
    return 0;
  } catch (err) {
    io.stderr.write(`weir savepoint: ${err instanceof WeirError ? err.describe() : errorMessage(err)}\n`);
    return 1;
  }
}
