// Filled by the optimizer work (issue 3).
export {};
