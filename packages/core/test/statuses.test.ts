import { describe, expect, it } from 'vitest';
import {
  assertSweepMove,
  assertTrialMove,
  canSweepMove,
  canTrialMove,
  endedSweepStatuses,
  finishedTrialStatuses,
  IllegalTransitionError,
  liveSweepStatuses,
  sqlStatusList,
  sweepStatuses,
  sweepStatusesBefore,
  trialStatuses,
  trialStatusesBefore,
  unfinishedTrialStatuses,
} from '../src/statuses.js';

// Every legal change, written out once more by hand: the table in statuses.ts must say exactly this.
const legalSweepMoves = new Set([
  'queued>running',
  'queued>completed',
  'queued>cancelled',
  'queued>failed',
  'running>completed',
  'running>cancelled',
  'running>failed',
  'completed>running',
]);
const legalTrialMoves = new Set([
  'queued>running',
  'queued>cancelled',
  'running>queued',
  'running>completed',
  'running>failed',
  'running>cancelled',
  'running>pruned',
]);

describe('sweep transitions', () => {
  for (const from of sweepStatuses) {
    for (const to of sweepStatuses) {
      const legal = from === to || legalSweepMoves.has(`${from}>${to}`);
      it(`${from} -> ${to} is ${legal ? 'allowed' : 'refused'}`, () => {
        expect(canSweepMove(from, to)).toBe(legal);
        if (legal) expect(() => assertSweepMove(from, to)).not.toThrow();
        else expect(() => assertSweepMove(from, to)).toThrow(IllegalTransitionError);
      });
    }
  }
  it('ended sweeps never run again, except a completed one that grows', () => {
    for (const from of endedSweepStatuses)
      for (const to of liveSweepStatuses)
        expect(canSweepMove(from, to)).toBe(from === 'completed' && to === 'running');
  });
});

describe('trial transitions', () => {
  for (const from of trialStatuses) {
    for (const to of trialStatuses) {
      const legal = from === to || legalTrialMoves.has(`${from}>${to}`);
      it(`${from} -> ${to} is ${legal ? 'allowed' : 'refused'}`, () => {
        expect(canTrialMove(from, to)).toBe(legal);
        if (legal) expect(() => assertTrialMove(from, to)).not.toThrow();
        else expect(() => assertTrialMove(from, to)).toThrow(/a trial cannot go from/);
      });
    }
  }
  it('a finished trial is final', () => {
    for (const from of finishedTrialStatuses)
      for (const to of trialStatuses) expect(canTrialMove(from, to)).toBe(from === to);
  });
});

describe('derived lists', () => {
  it('the statuses a change may start from', () => {
    expect(trialStatusesBefore('cancelled')).toEqual(['queued', 'running', 'cancelled']);
    expect(trialStatusesBefore('running')).toEqual(['queued', 'running']);
    expect(sweepStatusesBefore('cancelled')).toEqual(['queued', 'running', 'cancelled']);
    expect(sweepStatusesBefore('running')).toEqual(['queued', 'running', 'completed']);
  });
  it('live and unfinished are the statuses with a way forward', () => {
    expect(sqlStatusList(liveSweepStatuses)).toBe("'queued', 'running'");
    expect([...unfinishedTrialStatuses]).toEqual(
      trialStatuses.filter((s) => !finishedTrialStatuses.includes(s as never)),
    );
  });
});
