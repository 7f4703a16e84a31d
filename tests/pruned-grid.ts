import { insertSweep } from '@hypersweep/db';
import { configHash, type TrialConfig, validateSweepSpec, type WorkloadInfo } from '@hypersweep/spec';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';

// A hand-built grid with pruned trials, for the comparison's tests (tests/pruning.test.ts, the dashboard's):
// Adam and SGD at two learning rates, two seeds each, objective train_loss (min). Every trial's outcome is
// set here: completed ones ran the 4 epochs, pruned ones stopped after `epochs`, their train_loss falling by
// 1 an epoch to `value` (their best, at the epoch where they stopped), their loss by 0.1 a step (10 an epoch). The sweep is inserted without a job,
// so no worker ever runs it.

export const PRUNED_SPEC = {
  name: 'pruned grid',
  workload: 'rosenbrock',
  training: { epochs: 4 },
  optimizers: [
    { type: 'Adam', lr: [0.01, 0.1] },
    { type: 'SGD', lr: [0.01, 0.1] },
  ],
  seeds: [0, 1],
  objective: { metric: 'train_loss', mode: 'min' },
  pruner: { type: 'MedianPruner', n_startup_trials: 2, n_warmup_steps: 0 },
};

export interface Outcome {
  status: 'completed' | 'pruned';
  /** Epochs trained (4 for a completed trial). */
  epochs: number;
  /** Best train_loss over those epochs (the last one's). */
  value: number;
}

/** By "type lr seed". */
export const OUTCOMES: Record<string, Outcome> = {
  // Adam lr 0.01: both completed, 1.0 and 1.2
  'Adam 0.01 0': { status: 'completed', epochs: 4, value: 1.0 },
  'Adam 0.01 1': { status: 'completed', epochs: 4, value: 1.2 },
  // Adam lr 0.1: seed 0 completed at 0.8, seed 1 pruned after 2 epochs at 2.5
  'Adam 0.1 0': { status: 'completed', epochs: 4, value: 0.8 },
  'Adam 0.1 1': { status: 'pruned', epochs: 2, value: 2.5 },
  // SGD lr 0.01: all pruned, seed 1 got furthest (3 epochs, 4.0)
  'SGD 0.01 0': { status: 'pruned', epochs: 1, value: 5.0 },
  'SGD 0.01 1': { status: 'pruned', epochs: 3, value: 4.0 },
  // SGD lr 0.1: all pruned after 2 epochs, seed 0 the better (3.0)
  'SGD 0.1 0': { status: 'pruned', epochs: 2, value: 3.0 },
  'SGD 0.1 1': { status: 'pruned', epochs: 2, value: 3.5 },
};

export const outcomeKey = (config: {
  optimizer: { type: string; options: Record<string, unknown> };
  seed: number;
}) => `${config.optimizer.type} ${config.optimizer.options['lr']} ${config.seed}`;

/** Inserts the sweep and its trials' outcomes; returns the sweep id and trial ids by outcome key. */
export async function insertPrunedGrid(
  app: FastifyInstance,
  databaseUrl: string,
): Promise<{ sweepId: string; trialIds: Map<string, string> }> {
  const { workloads } = (app as unknown as { hypersweep: { workloads: WorkloadInfo[] } }).hypersweep;
  const checked = validateSweepSpec(PRUNED_SPEC, { workloads });
  if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
  const trials: TrialConfig[] = checked.trials;
  const pool = new pg.Pool({ connectionString: databaseUrl });
  try {
    const { sweepId, trialIds } = await insertSweep(pool, {
      name: checked.spec.name,
      spec: PRUNED_SPEC,
      objective: checked.spec.objective,
      pruner: checked.spec.pruner,
      seeds: 2,
      trials: trials.map((config) => ({ config, configHash: configHash(config) })),
    });
    const byKey = new Map(trials.map((config, i) => [outcomeKey(config), trialIds[i]!]));
    const keys = Object.keys(OUTCOMES);
    if (byKey.size !== keys.length || keys.some((k) => !byKey.has(k))) {
      throw new Error(`the grid's trials are ${[...byKey.keys()].join(', ')}`);
    }
    const ids = keys.map((k) => byKey.get(k)!);
    const o = keys.map((k) => OUTCOMES[k]!);
    await pool.query(
      `UPDATE trials t SET status = u.status::"TrialStatus", best_value = u.value, best_step = u.epochs * 10,
         steps_done = u.epochs * 10, final_loss = u.value, started_at = now() - interval '1 minute',
         finished_at = now(),
         prune_rung = CASE WHEN u.status = 'pruned' THEN u.epochs - 1 END,
         prune_value = CASE WHEN u.status = 'pruned' THEN u.value END,
         prune_cutoff = CASE WHEN u.status = 'pruned' THEN u.value - 1 END
       FROM unnest($1::uuid[], $2::text[], $3::int[], $4::float8[]) AS u(id, status, epochs, value)
       WHERE t.id = u.id`,
      [ids, o.map((x) => x.status), o.map((x) => x.epochs), o.map((x) => x.value)],
    );
    // epochs 0 .. epochs - 1 (stored from 0), train_loss falling by 1 an epoch to the value at the last
    await pool.query(
      `INSERT INTO epoch_metrics (trial_id, epoch, train_loss, val_loss, val_accuracy, lr)
       SELECT u.id, e, u.value + (u.epochs - 1 - e), NULL, NULL, 0.1
       FROM unnest($1::uuid[], $2::int[], $3::float8[]) AS u(id, epochs, value), generate_series(0, u.epochs - 1) e`,
      [ids, o.map((x) => x.epochs), o.map((x) => x.value)],
    );
    // 10 steps an epoch, the loss falling to the value at the trial's last step
    await pool.query(
      `INSERT INTO step_metrics (trial_id, step, epoch, loss, lr, lrs)
       SELECT u.id, s, (s - 1) / 10, u.value + (u.epochs * 10 - s) / 10.0, 0.1, ARRAY[0.1]
       FROM unnest($1::uuid[], $2::int[], $3::float8[]) AS u(id, epochs, value), generate_series(1, u.epochs * 10) s`,
      [ids, o.map((x) => x.epochs), o.map((x) => x.value)],
    );
    await pool.query(
      `UPDATE sweeps SET status = 'completed', started_at = now() - interval '1 minute', finished_at = now()
       WHERE id = $1`,
      [sweepId],
    );
    return { sweepId, trialIds: byKey };
  } finally {
    await pool.end();
  }
}
