import { describe, expect, it } from 'vitest';
import { checkValue } from '../src/catalog/check-value.js';
import type { JsonSchema } from '../src/catalog/types.js';
import { OptimError } from '../src/errors.js';
import { schedulerCatalog, schedulerJsonSchema, schedulerTypes } from '../src/index.js';

/** Options whose one value is a list: the sweep spec must see an array type to not read them as sweeps. */
const LIST_VALUED: Record<string, string[]> = {
  LambdaLR: ['lr_lambda'],
  MultiplicativeLR: ['lr_lambda'],
  MultiStepLR: ['milestones'],
  SequentialLR: ['schedulers', 'milestones'],
  ChainedScheduler: ['schedulers'],
  ReduceLROnPlateau: ['min_lr'],
  CyclicLR: ['base_lr', 'max_lr', 'base_momentum', 'max_momentum'],
  OneCycleLR: ['max_lr', 'base_momentum', 'max_momentum'],
};

function acceptsArray(schema: JsonSchema): boolean {
  return schema.type === 'array' || (schema.anyOf ?? []).some((branch) => branch.type === 'array');
}

describe('scheduler catalog', () => {
  it.each(schedulerTypes)(
    '%s: every option has a schema, a description and a default unless required',
    (type) => {
      const entry = schedulerCatalog[type]!;
      expect(entry.type).toBe(type);
      expect(entry.kind).toBe('scheduler');
      expect(entry.description).not.toMatch(/\n/);
      expect(entry.reference).toBe(
        `https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.${type}.html`,
      );
      for (const [name, schema] of Object.entries(entry.options)) {
        expect(schema.type ?? schema.anyOf, `${type}.${name} has no type`).toBeDefined();
        expect(schema.description, `${type}.${name}`).toMatch(/\S/);
        if (entry.required.includes(name)) {
          expect(schema.default, `${type}.${name} is required`).toBeUndefined();
        } else {
          expect(Object.hasOwn(schema, 'default'), `${type}.${name} has no default`).toBe(true);
          expect(checkValue(schema, schema.default, name)).toEqual([]);
        }
        expect(acceptsArray(schema), `${type}.${name}`).toBe((LIST_VALUED[type] ?? []).includes(name));
      }
    },
  );

  it('marks the metric-driven scheduler, the per-batch ones and the derived option', () => {
    const monitors = schedulerTypes.filter((type) => schedulerCatalog[type]!['x-monitors-metric'] === true);
    expect(monitors).toEqual(['ReduceLROnPlateau']);
    const perBatch = schedulerTypes.filter((type) => schedulerCatalog[type]!['x-steps-per'] === 'batch');
    expect(perBatch).toEqual(['CyclicLR', 'OneCycleLR']);
    expect(schedulerCatalog['OneCycleLR']!.options['total_steps']!['x-derived']).toBe(
      'epochs * steps_per_epoch',
    );
  });

  it('range constraints reject what torch rejects', () => {
    const factor = schedulerCatalog['ReduceLROnPlateau']!.options['factor']!;
    expect(checkValue(factor, 0.5, 'factor')).toEqual([]);
    expect(checkValue(factor, 1, 'factor')).toEqual([{ pointer: '', message: 'Factor should be < 1.0.' }]);
    const milestones = schedulerCatalog['MultiStepLR']!.options['milestones']!;
    expect(checkValue(milestones, [3, 'x'], 'milestones')).toEqual([
      { pointer: '/1', message: 'Invalid milestones[1] value: expected an integer >= 0, got "x"' },
    ]);
  });
});

describe('schedulerJsonSchema', () => {
  it.each(schedulerTypes)('%s: a flat {type, ...options} object', (type) => {
    const schema = schedulerJsonSchema(type);
    const entry = schedulerCatalog[type]!;
    expect(schema.type).toBe('object');
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties!['type']).toMatchObject({ const: type });
    expect(Object.keys(schema.properties!).sort()).toEqual(['type', ...Object.keys(entry.options)].sort());
    expect(schema.required).toEqual(['type', ...entry.required]);
    expect(schema['x-monitors-metric']).toBe(type === 'ReduceLROnPlateau' ? true : undefined);
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
  });

  it('rejects unknown types', () => {
    expect(() => schedulerJsonSchema('Warmup')).toThrow(OptimError);
  });
});
