// Child process for the kill -9 test: starts a verifier and verifies a candidate that sleeps for an hour
// (naming itself argv[2]), so the test can kill this process mid-candidate.
import { createVerifier } from "../../src/verify/sandbox-verifier.js";

const marker = process.argv[2] ?? "llmerm-hang";
const verifier = await createVerifier({ limits: { wallMs: 600_000, cpuSeconds: 600 }, concurrency: 1 });
process.stdout.write(`ready ${String(verifier.protections.cgroup)}\n`);
await verifier.verify({
  code: `open('/proc/self/comm', 'w').write(${JSON.stringify(marker)})\nimport time\ndef f(x):\n    time.sleep(3600)\n`,
  splits: { train: [{ x: "a", y: 1 }] },
});
