/**
 * Silences exactly one warning: Node's DEP0040 "The `punycode` module is deprecated", which Deno
 * prints when `vega` loads. vega-loader's Node build requires node-fetch 2, whose whatwg-url 5
 * requires tr46 0.0.3, which requires the `punycode` built-in; none of it runs here (Deno has
 * `fetch`), and the warning is noise on every script. Every other warning, deprecations included,
 * still goes through `process.emitWarning` untouched.
 *
 * Import it for its effect before the first import of `vega` or `vega-lite` (ES modules evaluate
 * their imports in order; `charts/render.ts` is the only module that loads them at run time).
 *
 * @module
 */
import process from "node:process";

const emitWarning = process.emitWarning;

/** Whether `process.emitWarning(warning, ...rest)` is the punycode deprecation. */
export function isPunycodeDeprecation(warning: unknown, rest: readonly unknown[]): boolean {
  const [typeOrOptions, code] = rest;
  const codeOf = typeof typeOrOptions === "object" && typeOrOptions !== null
    ? (typeOrOptions as { code?: unknown }).code
    : code;
  const withCode = warning as { code?: unknown } | null;
  const actual = typeof warning === "object" && warning !== null ? withCode!.code : codeOf;
  return actual === "DEP0040";
}

process.emitWarning = function (this: unknown, warning: unknown, ...rest: unknown[]): void {
  if (isPunycodeDeprecation(warning, rest)) return;
  // deno-lint-ignore no-explicit-any
  return (emitWarning as (...args: any[]) => void).call(process, warning, ...rest);
} as typeof process.emitWarning;
