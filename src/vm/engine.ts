// The shape every userspace execution engine offers (the interpreter, the WebAssembly JIT), so
// callers, tests and benchmarks can swap one for the other.
import type { Instruction } from '../isa/instruction.js';
import type { HelperRegistry } from './helpers.js';
import type { Region, VmMemory } from './memory.js';

export interface EngineOptions {
  /** Address space to run in; shared with maps and other engines. Default: a fresh one. */
  memory?: VmMemory;
  /** Helper functions by kernel id. Default: defaultHelpers(). Looked up when the engine is built. */
  helpers?: HelperRegistry;
  /** Abort with a `budget-exceeded` VmError after this many instructions (default 100 million). */
  maxInstructions?: number;
  /**
   * The 64-bit value of an `lddw` whose src is a pseudo source (map fd, map value, ...), e.g. a map
   * handle or the address of a map value in `memory`. Called once per such lddw when the engine
   * is built; without it those instructions fault when executed.
   */
  resolvePseudo?: (insn: Instruction) => bigint;
  /** Sink for bpf_trace_printk output. Default: stderr. */
  trace?: (line: string) => void;
}

export interface ExecutionEngine {
  readonly memory: VmMemory;
  /**
   * Run with r1 = address of the input and r2 = its length (the conformance suite's convention;
   * a program's context pointer in r1 for everything else). A Uint8Array is copied into a
   * writable region of exactly its length (an engine may keep that region for its next run of
   * the same size; dispose() releases it); a Region is used in place. Returns r0.
   */
  run(input?: Uint8Array | Region): bigint;
  /** Run with r1-r5 set to `args` (missing ones are 0). Returns r0. */
  call(args: readonly bigint[]): bigint;
  /** Instructions executed by the last run, if the engine counts them. */
  readonly executed: number | undefined;
  /** Release the engine's own regions (stack). */
  dispose(): void;
}

export const DEFAULT_MAX_INSTRUCTIONS = 100_000_000;
/** Frames of bpf-to-bpf calls, as the kernel's MAX_CALL_FRAMES. */
export const MAX_CALL_FRAMES = 8;
