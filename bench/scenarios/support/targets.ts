/** Target builders shared by the scenarios (see Target in bench/scenario.ts). */
import type { Target } from '../../scenario.js';

const x = (value: number) => `${value.toFixed(2)}x`;
/** maxRSS is in KiB; targets speak of MB (10^6 bytes), as the issue does. */
export const megabytes = (mib: number) => (mib * 2 ** 20) / 1e6;

/** `subject` takes at most `max` times the wall time of `reference` (same run, interleaved). */
export function timeRatio(subject: string, reference: string, max: number, whenMissed?: string): Target {
  return {
    target: `${subject}: time <= ${max}x ${reference}`,
    max,
    ...(whenMissed === undefined ? {} : { whenMissed }),
    measure(stats) {
      const s = stats(subject);
      const r = stats(reference);
      const value = s.ms / r.ms;
      const cpu = Number.isNaN(s.cpuMs) || Number.isNaN(r.cpuMs) ? '' : ` (CPU ${x(s.cpuMs / r.cpuMs)})`;
      return { value, text: `${x(value)}${cpu}` };
    },
  };
}

/** `subject`'s peak RSS (the largest of its runs) is at most `maxMB` MB. */
export function peakRss(subject: string, maxMB: number, whenMissed?: string): Target {
  return {
    target: `${subject}: peak RSS <= ${maxMB} MB`,
    max: maxMB,
    ...(whenMissed === undefined ? {} : { whenMissed }),
    measure(stats) {
      const value = megabytes(stats(subject).maxRssMiB);
      return { value, text: `${value.toFixed(0)} MB` };
    },
  };
}

/** `subject` is faster than `peer` and peaks lower: the larger of the two ratios must stay below 1. */
export function fasterAndLighter(subject: string, peer: string, whenMissed?: string): Target {
  return {
    target: `${subject}: faster and lighter than ${peer}`,
    max: 1,
    ...(whenMissed === undefined ? {} : { whenMissed }),
    measure(stats) {
      const s = stats(subject);
      const p = stats(peer);
      const time = s.ms / p.ms;
      const rss = s.maxRssMiB / p.maxRssMiB;
      return { value: Math.max(time, rss), text: `time ${x(time)}, peak RSS ${x(rss)}` };
    },
  };
}

/** `reference` takes at least `min` times as long as `subject` (a speedup). */
export function speedup(subject: string, reference: string, min: number, whenMissed?: string): Target {
  return {
    target: `${subject}: at least ${min}x faster than ${reference}`,
    min,
    ...(whenMissed === undefined ? {} : { whenMissed }),
    measure(stats) {
      const value = stats(reference).ms / stats(subject).ms;
      return { value, text: `${x(value)} faster` };
    },
  };
}
