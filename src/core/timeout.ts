/**
 * `p`, or a rejection with `timeoutError()` once `ms` pass first (no limit when `ms` is undefined). The
 * timer is cleared as soon as `p` settles, so a finished call leaves nothing pending.
 */
export function withTimeout<T>(p: Promise<T>, ms: number | undefined, timeoutError: () => unknown): Promise<T> {
  if (ms === undefined) return p;
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(timeoutError()), ms);
    p.then((v) => { clearTimeout(t); resolve(v); }, (e: unknown) => { clearTimeout(t); reject(e); });
  });
}
