/** Never in a string we flatten: only matched against, for the side effect below. */
const NUL = /\0/;

/**
 * `text` as a flat string. Text built by concatenation is a V8 cons string (a rope), which every later
 * character read walks again; running a RegExp flattens its subject in place, once.
 */
export function flattenString(text: string): string {
  NUL.test(text);
  return text;
}
