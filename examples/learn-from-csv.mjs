// Learns a rule from a CSV of labelled strings (columns input,label), offline with the enumerator:
// the file is read and split exactly as `llm-erm run --data FILE --train-size 50 --val-size 50` reads it.
// Usage: node examples/learn-from-csv.mjs words.csv
import { learn, loadDataFile } from "llm-erm";

const file = process.argv[2];
if (!file) {
  console.error("usage: node examples/learn-from-csv.mjs FILE.csv");
  process.exit(2);
}
const { facts, splits } = loadDataFile(file, { trainSize: 50, valSize: 50 });
console.error(
  `${facts.file}: ${facts.examples} examples (${facts.labelKind}), lengths ${facts.minLength}..${facts.maxLength}`,
);
const result = await learn({ ...splits, attempts: 3 });
console.log(result.code);
console.log({ train_acc: result.train_acc, val_acc: result.val_acc, test_acc: result.test_acc });
