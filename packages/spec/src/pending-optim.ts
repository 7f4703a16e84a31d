// TEMPORARY until @hypersweep/optim exports validateSchedulerSpec (issue 4).
export function validateSchedulerSpec(_spec: { type: string; options: Record<string, unknown> }): void {}
