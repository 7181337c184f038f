import { readdirSync } from 'node:fs';
import type { Scenario } from './scenario.js';

const SCENARIO_DIR = new URL('./scenarios/', import.meta.url);

/** File names of bench/scenarios/*.ts, sorted; the scenario name is its `name`, not the file name. */
export function scenarioFiles(): string[] {
  return readdirSync(SCENARIO_DIR)
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && !file.endsWith('.d.ts'))
    .sort();
}

export async function loadScenario(file: string): Promise<Scenario> {
  const module = (await import(new URL(file, SCENARIO_DIR).href)) as { default?: Scenario };
  if (!module.default?.name || !Array.isArray(module.default.cases)) {
    throw new Error(`bench/scenarios/${file} must default-export a Scenario (see bench/scenario.ts)`);
  }
  return module.default;
}

/** Every scenario, or only those named (unknown names are an error listing the known ones). */
export async function loadScenarios(names: readonly string[] = []): Promise<Scenario[]> {
  const all = await Promise.all(scenarioFiles().map(loadScenario));
  if (names.length === 0) return all;
  const unknown = names.filter((name) => !all.some((s) => s.name === name));
  if (unknown.length > 0) {
    throw new Error(`unknown scenario ${unknown.join(', ')}; known: ${all.map((s) => s.name).join(', ')}`);
  }
  return all.filter((s) => names.includes(s.name));
}
