import fc from "fast-check";

// Property tests explore new random cases on every local run (a failure prints its seed to replay).
// In CI (CI=true) they replay one fixed seed, so a landing is decided by the code, not by the draw;
// FC_SEED overrides it to replay a failure anywhere.
const fixed = process.env.FC_SEED ?? (process.env.CI ? "20261126" : undefined);
if (fixed !== undefined) fc.configureGlobal({ seed: Number.parseInt(fixed, 10) });
