import { loadUserData, type UserDataOptions, type UserDataset } from "../dataset/user-data.js";

/** What `loadDataFile` accepts: every field of `run --data`'s reading, each with the CLI's default. */
export type DataFileOptions = Partial<UserDataOptions>;

/**
 * Reads a CSV, TSV or JSONL file of labelled strings exactly as `llm-erm run --data FILE` reads it
 * (docs/data.md): columns `input`, `label`, an optional `split`; without one, a seeded stratified split
 * of `trainSize` and `valSize` examples (100 and 100, seed 42, as the CLI), the rest test. Throws a
 * `UserDataError` naming the file and line for bad data. `splits` go straight into `learn`.
 */
export function loadDataFile(file: string, options: DataFileOptions = {}): UserDataset {
  return loadUserData(file, {
    inputCol: "input",
    labelCol: "label",
    splitCol: "split",
    trainSize: 100,
    valSize: 100,
    seed: 42,
    ...options,
  });
}
