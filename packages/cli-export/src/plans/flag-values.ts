/** Typed reads of commander's raw flag values, shared by every plan. */

/** commander's parsed flags of one command, keyed by camelCase name. */
export type Flags = Record<string, unknown>;

/** A flag's string value; undefined when absent (or not a string). */
export const stringFlag = (flags: Flags, key: string): string | undefined => {
  const v = flags[key];
  return typeof v === 'string' ? v : undefined;
};

/** A repeatable flag's values (one value given once is a list of one). */
export const listFlag = (flags: Flags, key: string): string[] => {
  const v = flags[key];
  return Array.isArray(v) ? (v as string[]) : typeof v === 'string' ? [v] : [];
};

/** True only when a boolean flag was given. */
export const booleanFlag = (flags: Flags, key: string): boolean => flags[key] === true;

/** The command-line spelling of a camelCase flag key: `startingToken` -> `--starting-token`. */
export const flagName = (key: string): string => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
