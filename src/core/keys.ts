/** A key of a keyed stream, as state and exchanges see it: always a primitive. */
export type Key = string | number | bigint | boolean | null;
/** What a key selector may return: a key, or an array of them for a composite key. */
export type KeyLike = Key | readonly Key[];

/** Default number of key groups: the upper bound on parallelism, fixed for the life of a job's state. */
export const DEFAULT_MAX_PARALLELISM = 128;

// 32-bit MurmurHash3 finaliser: spreads similar keys (1, 2, 3, ...) over all key groups.
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function hashString(s: string): number {
  let h = 0x9747b28c;
  for (let i = 0; i < s.length; i++) {
    h = Math.imul(h ^ s.charCodeAt(i), 0x5bd1e995);
    h ^= h >>> 15;
  }
  return fmix(h ^ s.length);
}

/** A stable 32-bit hash of a key, equal in every thread and process. */
export function hashKey(key: Key): number {
  switch (typeof key) {
    case 'number':
      if (Number.isInteger(key) && key >= -0x80000000 && key <= 0x7fffffff) return fmix(key | 0);
      return hashString(String(key));
    case 'string':
      return hashString(key);
    case 'bigint':
      return hashString(key.toString());
    case 'boolean':
      return key ? 0x4cf5ad43 : 0x2f1a9c7b;
    default:
      return 0;
  }
}

/** The key group a key belongs to. State is stored and redistributed by key group. */
export function keyGroupOf(key: Key, maxParallelism: number = DEFAULT_MAX_PARALLELISM): number {
  return hashKey(key) % maxParallelism;
}

/** The parallel subtask that owns a key group, as Flink assigns contiguous ranges of key groups. */
export function subtaskForKeyGroup(keyGroup: number, maxParallelism: number, parallelism: number): number {
  return Math.floor((keyGroup * parallelism) / maxParallelism);
}

export function subtaskForKey(key: Key, maxParallelism: number, parallelism: number): number {
  return subtaskForKeyGroup(keyGroupOf(key, maxParallelism), maxParallelism, parallelism);
}

/** Turns what a key selector returned into a key: a composite (array) key becomes its canonical JSON text. */
export function normalizeKey(key: KeyLike): Key {
  if (!Array.isArray(key)) return key as Key;
  return JSON.stringify(key, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
}
