/**
 * Environment variables, passed in rather than read from `process.env`: the commands read it once, at
 * the edge, and hand it down (tests hand their own).
 */
export type Env = Readonly<Record<string, string | undefined>>;
