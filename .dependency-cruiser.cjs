// Layers depend one way: core -> state -> operators -> runtime -> (log, connectors, sql, ml) -> (server, cli).
// A lower layer importing an upper one fails CI.
const layers = [
  ['core'],
  ['state'],
  ['operators', 'windows'],
  ['runtime', 'api'],
  ['log'],
  ['connectors', 'sql', 'ml', 'nexmark', 'features', 'fraud', 'demo'],
  ['server', 'cli'],
];
const rank = {};
layers.forEach((names, i) => names.forEach((n) => (rank[n] = i)));
const forbidden = [];
for (const [from, r] of Object.entries(rank)) {
  const higher = Object.entries(rank).filter(([, s]) => s > r).map(([n]) => n);
  if (higher.length === 0) continue;
  forbidden.push({
    name: `${from}-not-above`,
    comment: `src/${from} is a lower layer and must not import ${higher.join(', ')}`,
    severity: 'error',
    from: { path: `^src/${from}/` },
    to: { path: `^src/(${higher.join('|')})/` },
  });
}
forbidden.push({
  name: 'no-circular',
  severity: 'error',
  from: {},
  // Type-only cycles vanish at run time (a stream type and its environment name each other).
  to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
});
module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
