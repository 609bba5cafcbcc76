import { closeSync, fsyncSync, openSync, renameSync, writeSync } from "node:fs";

/** Write to `<file>.tmp-<pid>`, fsync, then rename over `file`: readers see the old or the new file. */
export function writeFileAtomic(file: string, content: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, "w");
  try {
    const buf = Buffer.from(content, "utf8");
    let written = 0;
    while (written < buf.length) written += writeSync(fd, buf, written);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}
