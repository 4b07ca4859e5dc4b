import { UserError } from '../../core/errors.js';

/**
 * Redis layout of the feature store, in one place so the feature sink, the feature lookup and history
 * (`src/features`) and the SQL `redis` connector agree: `NS:f:KEY` is the hash of an entity's current
 * values with their event time in {@link TIME_FIELD}, `NS:h:KEY` the sorted set of past values by event
 * time. It lives under the connector because `src/features` builds on the connector, not the reverse.
 */

/** Hash field holding the event time of the values; feature names may not start with `__`. */
export const TIME_FIELD = '__ts';

/** The common prefix of a namespace's online hashes: the entity key follows it. */
export function onlinePrefix(namespace: string): string {
  return `${namespace}:f:`;
}

/** The hash of an entity's current values. */
export function onlineKey(namespace: string, key: string): string {
  return onlinePrefix(namespace) + key;
}

/** The sorted set of an entity's past values, scored by event time. */
export function historyKey(namespace: string, key: string): string {
  return `${namespace}:h:${key}`;
}

/** Returns `namespace` when usable in the key layout; a `UserError` naming `origin` otherwise. */
export function checkNamespace(namespace: string, origin: string): string {
  if (typeof namespace !== 'string' || namespace === '' || /\s/.test(namespace)) {
    throw new UserError(`${origin}: namespace must be a non-empty word without spaces, got ${JSON.stringify(namespace)}`, {
      hint: 'name it after the feature group, e.g. namespace: "card_features"',
    });
  }
  return namespace;
}
