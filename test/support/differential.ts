// Differential execution of one XDP program on the userspace engines (interpreter, WebAssembly
// JIT) and in the kernel (BPF_PROG_TEST_RUN), comparing the 32-bit return value and the packet
// bytes afterwards.
import { Instruction } from '../../src/isa/instruction.js';
import { VmMemory } from '../../src/vm/memory.js';
import { ExecutionEngine } from '../../src/vm/engine.js';
import { Interpreter } from '../../src/vm/interpreter.js';
import { JitProgram } from '../../src/vm/jit/jit.js';
import { FUZZ_MAP, generateProgram, Random, randomPacket, xdpContext } from '../../src/vm/fuzz/generate.js';
import { bindMaps } from '../../src/isa/builder.js';
import { defaultHelpers } from '../../src/vm/helpers.js';
import { registerMapHelpers } from '../../src/vm/helpers-maps.js';
import { VmMaps } from '../../src/vm/maps.js';
import { BpfMap, MapType } from '../../src/kernel/maps.js';
import { verify, XDP_CONTEXT } from '../../src/vm/verifier/index.js';
import { Program, ProgramType, VerifierError } from '../../src/kernel/programs.js';

export interface Outcome {
  /** r0 truncated to 32 bits, as XDP reports it. */
  retval?: number;
  packet?: Uint8Array;
  /** The FUZZ_MAP values afterwards, concatenated (programs that use it). */
  map?: Uint8Array;
  error?: string;
}

const usesMap = (program: readonly Instruction[]): boolean => program.some((i) => i.ref === FUZZ_MAP.name);
const key = (k: number): Uint8Array => new Uint8Array(new Uint32Array([k]).buffer);
function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** `jit-verified`: the JIT without bounds checks on the accesses our verifier proved safe. */
export type EngineName = 'interpreter' | 'jit' | 'jit-verified';

const memory = new VmMemory(16);

/** Run on a userspace engine with an XDP context over a copy of `packet`. */
export function runXdp(engine: EngineName, source: readonly Instruction[], packet: Uint8Array): Outcome {
  let e: ExecutionEngine | undefined;
  const maps = new VmMaps(memory);
  const map = usesMap(source) ? maps.create({ name: FUZZ_MAP.name, kind: 'array', keySize: FUZZ_MAP.keySize, valueSize: FUZZ_MAP.valueSize, maxEntries: FUZZ_MAP.entries }) : undefined;
  const program = bindMaps(source, maps.handleOf);
  const options = { memory, helpers: registerMapHelpers(defaultHelpers(), maps), resolvePseudo: maps.resolvePseudo };
  const pkt = memory.map(packet.length, 'packet', true, 'packet');
  const ctx = memory.map(24, 'ctx', false, 'xdp_md');
  try {
    memory.write(pkt, packet);
    memory.write(ctx, xdpContext(pkt.start, packet.length));
    let r0: bigint;
    if (engine === 'jit' || engine === 'jit-verified') {
      let provenSafe: ((pc: number) => boolean) | undefined;
      if (engine === 'jit-verified') {
        const proofs = verify(program, { context: XDP_CONTEXT, maps: maps.info }).safeAccesses;
        provenSafe = (pc) => proofs.has(pc);
      }
      const jit = new JitProgram(program, { ...options, provenSafe });
      e = jit;
      r0 = jit.runWith(ctx.start, 0, [pkt, ctx], ctx);
    } else {
      e = new Interpreter(program, options);
      r0 = e.run(ctx);
    }
    const values = map ? concat([...Array(FUZZ_MAP.entries).keys()].map((k) => map.lookup(key(k))!)) : undefined;
    return { retval: Number(r0 & 0xffffffffn), packet: memory.read(pkt), map: values };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  } finally {
    e?.dispose();
    maps.close();
    memory.unmap(pkt);
    memory.unmap(ctx);
  }
}

/** Load as XDP and test-run once; `rejected` carries the verifier log's last lines when refused. */
export function runKernelXdp(program: readonly Instruction[], packet: Uint8Array): Outcome & { rejected?: string } {
  const map = usesMap(program)
    ? BpfMap.create({ name: FUZZ_MAP.name, type: MapType.ARRAY, keySize: FUZZ_MAP.keySize, valueSize: FUZZ_MAP.valueSize, maxEntries: FUZZ_MAP.entries })
    : undefined;
  try {
    let prog: Program;
    try {
      prog = Program.load({ name: 'bpfkit_fuzz', type: ProgramType.XDP, instructions: program }, map ? { [FUZZ_MAP.name]: map } : {});
    } catch (e) {
      if (e instanceof VerifierError) return { rejected: e.log.split('\n').filter(Boolean).slice(-3).join(' | ') };
      throw e;
    }
    try {
      const r = prog.testRun({ data: packet });
      const values = map ? concat([...Array(FUZZ_MAP.entries).keys()].map((k) => map.lookup(key(k))!)) : undefined;
      return { retval: r.retval >>> 0, packet: r.data, map: values };
    } finally {
      prog.close();
    }
  } finally {
    map?.close();
  }
}

export const samePacket = (a?: Uint8Array, b?: Uint8Array): boolean =>
  !!a && !!b && a.length === b.length && a.every((x, i) => x === b[i]);

/** The program and packet of one differential case, both derived from `seed`. */
export function caseOf(seed: number): { program: Instruction[]; packet: Uint8Array } {
  const program = generateProgram(seed);
  const rnd = new Random(seed ^ 0x9e3779b9);
  // Mostly packets that pass the program's 64-byte check; some that do not (the early exit).
  const length = rnd.chance(0.1) ? 14 + rnd.int(50) : 64 + rnd.int(200);
  return { program, packet: randomPacket(rnd, length) };
}

export interface CaseResult {
  seed: number;
  kernel?: Outcome & { rejected?: string };
  interpreter: Outcome;
  jit: Outcome;
  /** Empty when everyone agrees. */
  disagreements: string[];
}

const describe = (o: Outcome): string =>
  o.error !== undefined ? `error: ${o.error}` : `retval 0x${(o.retval ?? 0).toString(16)}`;

/** Run one case everywhere and say what differs. */
export function runCase(seed: number, withKernel: boolean): CaseResult {
  const { program, packet } = caseOf(seed);
  const interpreter = runXdp('interpreter', program, packet);
  const jit = runXdp('jit', program, packet);
  const disagreements: string[] = [];
  const compare = (name: string, a: Outcome, bName: string, b: Outcome): void => {
    if (a.error !== undefined || b.error !== undefined || a.retval !== b.retval) {
      disagreements.push(`${name} ${describe(a)} vs ${bName} ${describe(b)}`);
    } else if (!samePacket(a.packet, b.packet)) {
      disagreements.push(`${name} and ${bName} leave different packet bytes`);
    } else if ((a.map || b.map) && !samePacket(a.map, b.map)) {
      disagreements.push(`${name} and ${bName} leave different map values`);
    }
  };
  compare('jit', jit, 'interpreter', interpreter);
  let kernel: CaseResult['kernel'];
  if (withKernel) {
    kernel = runKernelXdp(program, packet);
    if (kernel.rejected !== undefined) disagreements.push(`kernel verifier rejects a generated program: ${kernel.rejected}`);
    else compare('jit', jit, 'kernel', kernel);
  }
  return { seed, kernel, interpreter, jit, disagreements };
}

/** Ethernet header the kernel's socket-filter test run strips before the program sees the packet. */
const ETH_HLEN = 14;

/** A socket filter on a userspace engine: the input (and legacy loads) see the packet past Ethernet. */
export function runSocketFilter(engine: Exclude<EngineName, 'jit-verified'>, program: readonly Instruction[], packet: Uint8Array): Outcome {
  const e: ExecutionEngine = engine === 'jit' ? new JitProgram(program, { memory }) : new Interpreter(program, { memory });
  try {
    return { retval: Number(e.run(packet.subarray(ETH_HLEN)) & 0xffffffffn) };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  } finally {
    e.dispose();
  }
}

/** The same in the kernel (BPF_PROG_TYPE_SOCKET_FILTER, BPF_PROG_TEST_RUN). */
export function runKernelSocketFilter(program: readonly Instruction[], packet: Uint8Array): Outcome & { rejected?: string } {
  let prog: Program;
  try {
    prog = Program.load({ name: 'bpfkit_fuzz_sk', type: ProgramType.SOCKET_FILTER, instructions: program });
  } catch (e) {
    if (e instanceof VerifierError) return { rejected: e.log.split('\n').filter(Boolean).slice(-3).join(' | ') };
    throw e;
  }
  try {
    return { retval: prog.testRun({ data: packet }).retval >>> 0 };
  } finally {
    prog.close();
  }
}
