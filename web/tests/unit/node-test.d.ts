// The little of node:test and node:assert the unit tests use (@types/node is not packaged in Debian).
declare module 'node:test' {
  export function test(name: string, body: () => void | Promise<void>): Promise<void>;
  export function describe(name: string, body: () => void): void;
}
declare module 'node:assert/strict' {
  interface Assert {
    (value: unknown, message?: string): asserts value;
    equal<T>(actual: T, expected: T, message?: string): void;
    deepEqual<T>(actual: T, expected: T, message?: string): void;
    notEqual<T>(actual: T, expected: T, message?: string): void;
    match(value: string, pattern: RegExp, message?: string): void;
    ok(value: unknown, message?: string): asserts value;
    rejects(block: Promise<unknown>, expected?: unknown): Promise<void>;
  }
  const assert: Assert;
  export default assert;
}
