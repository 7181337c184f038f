/**
 * The public surface is pinned: a name added to (or dropped from) @nfw-flows/core or its engine subpath
 * fails here until this list says so, so the API grows only on purpose. Both are imported by package
 * name, as users import them, through the package's `exports`.
 */
import { describe, expect, test } from 'vitest';

const ROOT = [
  'DIFF_COLUMNS',
  'FLOW_COLUMNS',
  'METADATA_KEYS',
  'NFW_ERROR_CODES',
  'NFW_FLOWS_VERSION',
  'NfwError',
  'SCHEMA_VERSION',
  'captureFlows',
  'diffCaptureRows',
  'diffCaptures',
  'discoverScopes',
  'encodeArrow',
  'encodeCsv',
  'encodeNdjson',
  'filter',
  'filterRecords',
  'flowResults',
  'flowResultsFromFile',
  'groupBy',
  'groupByRows',
  'isNfwError',
  'normalizeFlow',
  'pages',
  'parseAddress',
  'parsePortRange',
  'parseProtocol',
  'startFlowCapture',
  'toArrow',
  'toCsv',
  'toNdjson',
  'toParquet',
  'topTalkers',
  'topTalkersRows',
];

const ENGINE = [
  'COLUMN',
  'DEFAULT_BATCH_SIZE',
  'DEFAULT_ROW_GROUP_SIZE',
  'FLOW_GETTERS',
  'FleetScheduler',
  'FlowsScanner',
  'GroupByEngine',
  'JsonNumberText',
  'PROTOCOLS',
  'UNKNOWN_STATUS',
  'arrowType',
  'buildMetadata',
  'columnsSchema',
  'createArrowEncoder',
  'createBatchBuilder',
  'createFlowNormalizer',
  'createIpcWriter',
  'csvLineFormatter',
  'filterPredicate',
  'flowSchema',
  'groupByColumns',
  'ndjsonLineFormatter',
  'runScheduled',
  'topTalkersColumns',
  'wellFormed',
];

describe('public API', () => {
  test('@nfw-flows/core exports exactly the pinned names', async () => {
    const root = await import('@nfw-flows/core');
    expect(Object.keys(root).sort()).toEqual([...ROOT].sort());
  });

  test('@nfw-flows/core/engine exports exactly the pinned names, none of them also at the root', async () => {
    const engine = await import('@nfw-flows/core/engine');
    expect(Object.keys(engine).sort()).toEqual([...ENGINE].sort());
    expect(ENGINE.filter((name) => ROOT.includes(name))).toEqual([]);
  });

  test('every exported name is defined (no re-export of a name that no longer exists)', async () => {
    const root: Record<string, unknown> = await import('@nfw-flows/core');
    const engine: Record<string, unknown> = await import('@nfw-flows/core/engine');
    expect(ROOT.filter((name) => root[name] === undefined)).toEqual([]);
    expect(ENGINE.filter((name) => engine[name] === undefined)).toEqual([]);
  });
});
