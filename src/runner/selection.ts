/** Moved to artifacts/ (selection belongs with the records); kept here for the runner modules that import it. */
export { type Scored, selectByTestAccuracy, selectErm } from "../artifacts/selection.js";
