import { WeirError } from '../core/errors.js';
import type { Namespace } from '../state/heap-backend.js';
import type { MergingWindowAssigner } from './assigners.js';
import type { Window } from './window.js';

/**
 * Called when windows merged: `mergeResult` replaces `mergedWindows`; the contents of `mergedStateWindows`
 * must be folded into `stateWindowResult`.
 */
export type MergeFunction<W> = (mergeResult: W, mergedWindows: W[], stateWindowResult: W, mergedStateWindows: W[]) => void;

/**
 * The in-flight windows of one key of a merging assigner (Flink's `MergingWindowSet`). Each window maps to
 * its *state window*: the window whose namespace holds the contents. When windows merge, the result keeps
 * the state window of one of them, so only the others' contents move, and a window that merges again and
 * again keeps its state in place.
 */
export class MergingWindowSet<W extends Window> {
  /** namespace of window → [window, state window] */
  private readonly mapping = new Map<Namespace, [W, W]>();

  constructor(private readonly assigner: MergingWindowAssigner<any, W>, entries?: [W, W][]) {
    if (entries) for (const [w, s] of entries) this.mapping.set(assigner.namespaceOf(w), [w, s]);
  }

  get size(): number {
    return this.mapping.size;
  }

  /** The state window of an in-flight window, or undefined when the window is not in flight. */
  getStateWindow(window: W): W | undefined {
    return this.mapping.get(this.assigner.namespaceOf(window))?.[1];
  }

  /** Forgets a window that was cleaned up or turned out late. */
  retireWindow(window: W): void {
    if (!this.mapping.delete(this.assigner.namespaceOf(window))) {
      throw new WeirError(`window ${String(window)} is not in the in-flight window set`, { domain: 'internal' });
    }
  }

  entries(): [W, W][] {
    return [...this.mapping.values()].map(([w, s]) => [w, s]);
  }

  /**
   * Adds a new window, merging it with in-flight windows as the assigner decides. Returns the window the
   * new one now belongs to: itself, or the result of a merge.
   */
  addWindow(newWindow: W, mergeFunction: MergeFunction<W>): W {
    const ns = this.assigner.namespaceOf.bind(this.assigner);
    const newNs = ns(newWindow);
    // Flink would reset an equal in-flight window to be its own state window and orphan merged contents;
    // an element for a window that is already in flight simply belongs to it.
    if (this.mapping.has(newNs)) return newWindow;

    const windows: W[] = [];
    for (const [w] of this.mapping.values()) windows.push(w);
    windows.push(newWindow);
    const results: [W, W[]][] = [];
    this.assigner.mergeWindows(windows, (toMerge, mergeResult) => results.push([mergeResult, toMerge]));

    let resultWindow = newWindow;
    let mergedNewWindow = false;
    for (const [mergeResult, group] of results) {
      const mergedWindows = group.filter((w) => ns(w) !== newNs);
      if (mergedWindows.length < group.length) {
        mergedNewWindow = true;
        resultWindow = mergeResult;
      }
      // The result keeps the state window of one of the windows that were in flight before.
      const mergedStateWindow = this.mapping.get(ns(mergedWindows[0]!))![1];
      const mergedStateWindows: W[] = [];
      for (const w of mergedWindows) {
        const entry = this.mapping.get(ns(w));
        if (entry !== undefined) {
          this.mapping.delete(ns(w));
          if (ns(entry[1]) !== ns(mergedStateWindow)) mergedStateWindows.push(entry[1]);
        }
      }
      this.mapping.set(ns(mergeResult), [mergeResult, mergedStateWindow]);
      // The new window alone falling inside one in-flight window changes nothing.
      const unchanged = mergedWindows.length === 1 && ns(mergedWindows[0]!) === ns(mergeResult);
      if (!unchanged) mergeFunction(mergeResult, mergedWindows, mergedStateWindow, mergedStateWindows);
    }
    if (!mergedNewWindow) this.mapping.set(newNs, [newWindow, newWindow]);
    return resultWindow;
  }
}
