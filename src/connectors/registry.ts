import { UserError } from '../core/errors.js';
import { blackholeConnector } from './blackhole/index.js';
import { datagenConnector } from './datagen/index.js';
import { filesystemConnector } from './filesystem/index.js';
import { nexmarkConnector } from './nexmark/table.js';
import { logConnector } from './log/table.js';
import { validateOptions } from './options.js';
import type { ResolvedOptions } from './options.js';
import { printConnector } from './print/index.js';
import { redisConnector } from './redis/table.js';
import type { TableConnector } from './schema.js';

export type { TableConnector, ConnectorContext, SinkContext, LookupContext, LookupSource, ColumnSchema, Row, ChangeRow, RowKind } from './schema.js';
export { LOOKUP_OPTIONS, lookupConfig } from './lookup-options.js';
export type { LookupConfig, LookupCacheConfig } from './lookup-options.js';
export type { OptionSpec, OptionSchema, ResolvedOptions } from './options.js';
export { validateOptions } from './options.js';
export { printTarget } from './print/index.js';

const registered = new Map<string, TableConnector>(
  [filesystemConnector, datagenConnector, printConnector, blackholeConnector, nexmarkConnector, logConnector, redisConnector].map((c) => [c.name, c]),
);

/** Every SQL connector, by the name used in `'connector' = '…'`. */
export const connectors: ReadonlyMap<string, TableConnector> = registered;

/**
 * Adds a connector that is not built in (an application's own store, a test double); returns a function
 * that removes it again. Tables created afterwards may name it in `'connector' = '…'`.
 */
export function registerConnector(connector: TableConnector): () => void {
  if (registered.has(connector.name)) throw new UserError(`a connector named '${connector.name}' is already registered`, { hint: 'pick another name' });
  registered.set(connector.name, connector);
  return () => { if (registered.get(connector.name) === connector) registered.delete(connector.name); };
}

/** The connector named in a table's options, with the options checked against its schema. */
export function resolveConnector(table: string, options: ReadonlyMap<string, string>): { connector: TableConnector; options: ResolvedOptions } {
  const name = options.get('connector');
  if (name === undefined) {
    throw new UserError(`table "${table}" has no 'connector' option`, { hint: `add 'connector' = '…' to WITH (…); available: ${[...connectors.keys()].join(', ')}` });
  }
  const connector = connectors.get(name);
  if (!connector) {
    throw new UserError(`table "${table}": unknown connector '${name}'`, { hint: `available connectors: ${[...connectors.keys()].join(', ')}` });
  }
  return { connector, options: validateOptions(table, name, options, connector.schema) };
}
