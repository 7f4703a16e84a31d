// A Node module hook for test/openapi.test.ts: @hey-api/openapi-ts prints its client with TypeScript's
// compiler API, which the workspace's TypeScript 7 (a native compiler) does not have. npm hoists the
// generator next to TypeScript 7, so its `import ts from 'typescript'` is pointed here at the TypeScript 5
// that services/api pins as a devDependency. Nothing else is redirected.
const TYPESCRIPT_5 = new URL('../../node_modules/typescript/lib/typescript.js', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'typescript' && context.parentURL?.includes('/node_modules/@hey-api/')) {
    return { url: TYPESCRIPT_5, format: 'commonjs', shortCircuit: true };
  }
  return nextResolve(specifier, context);
}
