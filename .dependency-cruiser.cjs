// The import order of docs/architecture.md, checked by `npm run check:imports` (part of npm run lint).
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'No import circles.', from: {}, to: { circular: true } },
    {
      name: 'model-is-pure',
      severity: 'error',
      comment:
        'model/ turns facts and labels into desired services: no daemon, no I/O, nothing outside model/ but timings and nearest-name.',
      from: { path: '^src/model/' },
      to: { pathNot: ['^src/model/', '^src/timings\\.ts$', '^src/nearest-name\\.ts$'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'model-no-io',
      severity: 'error',
      comment: 'model/ may use node:net and node:path (pure helpers), nothing that touches the machine.',
      from: { path: '^src/model/' },
      to: { dependencyTypes: ['core'], pathNot: ['^(node:)?(net|path)$'] },
    },
    {
      name: 'edges-know-no-policy',
      severity: 'error',
      comment: 'docker/, consul/ and status/ talk to daemons and serve status; they never import the layers that decide.',
      from: { path: '^src/(docker|consul|status)/' },
      to: { path: '^src/(reconcile|checks)/|^src/(registrar|run-context|config|cli)\\.ts$' },
    },
    {
      name: 'reconcile-takes-interfaces',
      severity: 'error',
      comment: 'reconcile/ works on interfaces it declares: no concrete Docker or Consul client, no checks/.',
      from: { path: '^src/reconcile/' },
      to: { path: '^src/(docker/|checks/|consul/(agent|client|http|agent-watch)\\.ts$)' },
    },
    {
      name: 'parts-not-wiring',
      severity: 'error',
      comment: 'Only the entry points import the wiring.',
      from: { path: '^src/(model|docker|consul|status|reconcile|checks)/' },
      to: { path: '^src/(registrar|run-context|cli)\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
