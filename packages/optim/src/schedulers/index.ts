// Filled by the scheduler work (issue 4).
export {};
