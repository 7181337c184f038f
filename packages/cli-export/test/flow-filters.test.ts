/**
 * --flow-filters: the AWS CLI's shorthand, JSON and file:// forms. Expected values were produced by the
 * AWS CLI's own parser (awscli.shorthand.ShorthandParser, then its list back-compat step); the interop
 * suite (interop/) compares against it live where python3 and the AWS CLI exist.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { parseFlowFilters } from '../src/flow-filters.js';
import { captureFilters } from '../src/plans/capture-filters.js';
import { UsageError } from '../src/usage-error.js';

const dir = mkdtempSync(path.join(tmpdir(), 'nfw-filters-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error('no UsageError');
}

describe('--flow-filters shorthand, as the AWS CLI parses it', () => {
  test.each([
    [
      'SourceAddress={AddressDefinition=10.0.0.0/8},DestinationAddress={AddressDefinition=192.0.2.0/24},SourcePort=ANY,DestinationPort=443,Protocols=6,17',
      {
        SourceAddress: { AddressDefinition: '10.0.0.0/8' },
        DestinationAddress: { AddressDefinition: '192.0.2.0/24' },
        SourcePort: 'ANY',
        DestinationPort: '443',
        Protocols: ['6', '17'],
      },
    ],
    ['DestinationPort=1024:65535,Protocols=6', { DestinationPort: '1024:65535', Protocols: ['6'] }],
    ["Protocols=[6,17],DestinationPort='443'", { Protocols: ['6', '17'], DestinationPort: '443' }],
    [
      'SourceAddress = {AddressDefinition = 2001:db8::/32} , Protocols=58',
      { SourceAddress: { AddressDefinition: '2001:db8::/32' }, Protocols: ['58'] },
    ],
    ['DestinationPort="80",SourcePort=ANY', { DestinationPort: '80', SourcePort: 'ANY' }],
  ])('%s', (text, expected) => {
    expect(parseFlowFilters([text])).toEqual([expected]);
  });

  test('one filter per value, as the AWS CLI takes a list parameter', () => {
    expect(parseFlowFilters(['DestinationPort=443', 'SourcePort=53,Protocols=17'])).toEqual([
      { DestinationPort: '443' },
      { SourcePort: '53', Protocols: ['17'] },
    ]);
  });

  test.each([
    ['DestinationPort=443,DestinationPort=80'],
    ['SourceAddress={AddressDefinition=10.0.0.0/8'],
    ["Protocols='6"],
  ])('syntax errors are usage errors naming the flag: %s', (text) => {
    expect(usageError(() => parseFlowFilters([text])).flag).toBe('--flow-filters');
  });
});

describe('--flow-filters JSON and file://', () => {
  test('a JSON array, JSON objects, and a file holding either', () => {
    const filters = [{ DestinationPort: '443', Protocols: ['6'] }, { SourcePort: 'ANY' }];
    expect(parseFlowFilters([JSON.stringify(filters)])).toEqual(filters);
    expect(parseFlowFilters(filters.map((f) => JSON.stringify(f)))).toEqual(filters);
    const file = path.join(dir, 'filters.json');
    writeFileSync(file, JSON.stringify(filters));
    expect(parseFlowFilters([`file://${file}`])).toEqual(filters);
  });

  test.each([
    ['[]', 'no filter'],
    [JSON.stringify(Array.from({ length: 21 }, () => ({ SourcePort: 'ANY' }))), '21 filters'],
    ['[{"DestinationPort":443}]', 'a number where the API takes a string'],
    ['[{"Ports":"443"}]', 'an unknown key'],
    ['[{"SourceAddress":"10.0.0.0/8"}]', 'an address that is not an AddressDefinition structure'],
    ['[{"DestinationPort":"443"}', 'broken JSON'],
    ['file:///nonexistent/filters.json', 'a file that cannot be read'],
  ])('%s is a usage error (%s)', (text) => {
    expect(usageError(() => parseFlowFilters([text])).flag).toBe('--flow-filters');
  });
});

describe('the AWS CLI names beside ours', () => {
  test('--flow-filters and --minimum-flow-age-in-seconds reach the request', () => {
    expect(captureFilters({ flowFilters: ['DestinationPort=443'], minimumFlowAgeInSeconds: '30' })).toEqual({
      filters: [{ DestinationPort: '443' }],
      minimumFlowAge: 30,
    });
    expect(captureFilters({ destinationPort: '443' }).minimumFlowAge).toBe(60);
  });

  test.each([
    [{ flowFilters: ['DestinationPort=443'], destinationPort: '443' }, '--flow-filters'],
    [{ flowFilters: ['DestinationPort=443'], filtersJson: '[{"SourcePort":"ANY"}]' }, '--flow-filters'],
    [
      { destinationPort: '443', minimumFlowAge: '60', minimumFlowAgeInSeconds: '60' },
      '--minimum-flow-age-in-seconds',
    ],
    [{ destinationPort: '443', minimumFlowAgeInSeconds: '-1' }, '--minimum-flow-age-in-seconds'],
  ])('%j: usage error on %s', (flags, flag) => {
    expect(usageError(() => captureFilters(flags)).flag).toBe(flag);
  });
});
