/**
 * The layers of core/, lowest first (README "Architecture"). A folder may import folders on its own
 * layer or below, never above; no cycles between files or between folders; renderer/ sees only the
 * ground floor. Type-only imports count: a cycle through types is still a cycle for a reader.
 */
const LAYERS = [
  ['domain', 'api'],
  ['model', 'config', 'certificates', 'threads'],
  ['redis'],
  ['ingest', 'archive', 'devices', 'api-access'],
  ['broker', 'query'],
  ['emulator', 'connections', 'console', 'replay'],
  ['server'],
  ['app'],
  ['bench', 'cli'],
];

const folders = (layers) => `^core/(${layers.flat().join('|')})(/|\\.ts$)`;

const upwardRules = LAYERS.slice(0, -1).map((layer, index) => ({
  name: `layer-${index}-not-up`,
  comment: `core/{${layer.join(',')}} is on layer ${index}: it imports only layers 0-${index}`,
  severity: 'error',
  from: { path: folders([layer]) },
  to: { path: folders(LAYERS.slice(index + 1)) },
}));

module.exports = {
  forbidden: [
    ...upwardRules,
    {
      name: 'core-files-in-a-layer',
      comment: 'every file of core/ belongs to a layer folder (or is cli.ts), so the rules above see it',
      severity: 'error',
      from: { path: '^core/', pathNot: [folders(LAYERS), '\\.d\\.ts$', '^core/threads/worker-from-source\\.mjs$'] },
      to: {},
    },
    {
      name: 'no-file-cycles',
      severity: 'error',
      from: { path: '^(core|renderer|electron)/' },
      to: { circular: true },
    },
    {
      name: 'no-folder-cycles',
      severity: 'error',
      scope: 'folder',
      from: { path: '^core/' },
      to: { circular: true },
    },
    {
      name: 'renderer-sees-only-the-ground-floor',
      severity: 'error',
      from: { path: '^renderer/' },
      to: { path: '^(core|electron)/', pathNot: '^core/(domain|api)/' },
    },
    {
      name: 'core-never-imports-electron',
      severity: 'error',
      from: { path: '^core/' },
      to: { path: '^(electron/|node_modules/electron/)' },
    },
    {
      name: 'ground-floor-imports-nothing-of-ours',
      severity: 'error',
      from: { path: '^core/(domain|api)/' },
      to: { path: '^(core|renderer|electron)/', pathNot: '^core/(domain|api)/' },
    },
    {
      name: 'domain-below-api',
      severity: 'error',
      from: { path: '^core/domain/' },
      to: { path: '^core/api/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.tsx', '.js', '.mjs'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
