import { workloadInfos as registryInfos } from '@hypersweep/trainer';
import { workloadInfos as metadataInfos } from '@hypersweep/trainer/workloads';
import { describe, expect, it } from 'vitest';

// The API lists workloads and validates specs with @hypersweep/trainer/workloads (no TF.js); the workers
// train with the registry of the trainer's index. The two must describe the same workloads.
const withoutFunctions = (infos: ReturnType<typeof metadataInfos>) =>
  infos.map(({ trainExamples: _, ...data }) => data);

/** What trainExamples answers (or the error it throws) for `options`. */
function examples(info: ReturnType<typeof metadataInfos>[number], options: Record<string, unknown>) {
  try {
    return info.trainExamples(options);
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
}

describe("the trainer's TF-free workload metadata", () => {
  it("names, describes and documents every workload as the trainer's registry does", () => {
    expect(withoutFunctions(metadataInfos())).toEqual(withoutFunctions(registryInfos()));
  });

  it('counts training examples as the registry does, also for partial and invalid options', () => {
    const registry = registryInfos();
    const cases = [{}, { trainSize: 123 }, { samples: 77, hidden: 5 }, { trainSize: 1.5 }, { nope: 1 }];
    for (const [i, info] of metadataInfos().entries()) {
      for (const options of cases) {
        const label = `${info.name} ${JSON.stringify(options)}`;
        expect(examples(info, options), label).toEqual(examples(registry[i]!, options));
      }
    }
  });
});
