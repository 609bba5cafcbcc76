/**
 * The layer order of src/ (docs/ARCHITECTURE.md), checked by `npm run lint`: a folder imports only
 * folders below it, and no module imports itself back through others.
 *
 *   core < primes < tasks < dataset < prompt < proposer < enumerate < audit < verify < artifacts < runner < report < lib < cli
 */
const LAYERS = [
  "core",
  "primes",
  "tasks",
  "dataset",
  "prompt",
  "proposer",
  "enumerate",
  "audit",
  "verify",
  "artifacts",
  "runner",
  "report",
  "lib",
  "cli",
];

const layerRules = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `layer-${layer}`,
  comment: `src/${layer}/ may import only ${LAYERS.slice(0, i).join(", ") || "no other folder of src/"}`,
  severity: "error",
  from: { path: `^src/${layer}/` },
  to: { path: `^src/(${LAYERS.slice(i + 1).join("|")})/` },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: "primes-through-index",
      comment: "outside src/primes/, the prime machinery is imported through src/primes/index.ts only",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/primes/" },
      to: { path: "^src/primes/", pathNot: "^src/primes/index\\.ts$" },
    },
    {
      name: "no-circular",
      comment: "no module imports itself back through others",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "not-to-unresolvable",
      comment: "every import resolves",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // TypeScript 7 has no compiler API dependency-cruiser can use; swc parses the sources (type-only
    // imports included).
    parser: "swc",
    doNotFollow: { path: "node_modules" },
    tsConfig: { fileName: "tsconfig.json" },
    // package subpaths (pure-rand/..., csv-stringify/sync) resolve through their "exports"
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "node", "default"] },
  },
};
