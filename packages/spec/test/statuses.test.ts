import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { objectiveModes } from '../src/objective.js';
import { endedSweepStatuses, sweepStatuses, trialStatuses } from '../src/statuses.js';

/** The values of `enum <name> { ... }` in prisma/schema.prisma, the database's own declaration, in order. */
function prismaEnum(name: string): string[] {
  const schema = readFileSync(
    fileURLToPath(new URL('../../../prisma/schema.prisma', import.meta.url)),
    'utf8',
  );
  const body = new RegExp(`^enum ${name} \\{([^}]*)\\}`, 'm').exec(schema)?.[1];
  if (body === undefined) throw new Error(`prisma/schema.prisma has no enum ${name}`);
  return body
    .split('\n')
    .map((line) => line.replace(/\/\/.*$/, '').trim())
    .filter((line) => line !== '');
}

describe('the status lists are the database enums', () => {
  it('sweepStatuses is enum SweepStatus', () => {
    expect([...sweepStatuses]).toEqual(prismaEnum('SweepStatus'));
  });

  it('trialStatuses is enum TrialStatus', () => {
    expect([...trialStatuses]).toEqual(prismaEnum('TrialStatus'));
  });

  it('objectiveModes is enum ObjectiveMode', () => {
    expect([...objectiveModes]).toEqual(prismaEnum('ObjectiveMode'));
  });

  it('a sweep ends in one of its statuses, and neither queued nor running is an end', () => {
    for (const status of endedSweepStatuses) expect(sweepStatuses).toContain(status);
    expect(endedSweepStatuses).not.toContain('queued');
    expect(endedSweepStatuses).not.toContain('running');
  });
});
