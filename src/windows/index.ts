export * from './window.js';
export * from './triggers.js';
export * from './assigners.js';
export * from './merging-window-set.js';
export * from './window-operator.js';
