// USDT argument specs, as <sys/sdt.h> writes them into .note.stapsdt on x86-64:
//   "-4@%eax"  "8@%rdx"  "-4@-16(%rbp)"  "8@8(%rax,%rdx,8)"  "4@$5"  "8@counter(%rip)"
// SIZE@OPERAND: |SIZE| is the width in bytes, a negative size means signed. The operand is
// resolved against struct pt_regs at the probe (offsets from arch/x86/include/asm/ptrace.h,
// identical in the uapi header for x86_64).
import { UserError } from '../../diagnostics.js';

export class UsdtArgumentError extends UserError {
  constructor(message: string) { super(message); this.name = 'UsdtArgumentError'; }
}

/** Byte offset of each 64-bit register in x86-64 struct pt_regs. */
export const PT_REGS_OFFSET: Readonly<Record<string, number>> = {
  r15: 0, r14: 8, r13: 16, r12: 24, rbp: 32, rbx: 40, r11: 48, r10: 56, r9: 64, r8: 72,
  rax: 80, rcx: 88, rdx: 96, rsi: 104, rdi: 112, orig_rax: 120, rip: 128, cs: 136, eflags: 144,
  rsp: 152, ss: 160,
};

/** Sub-register names -> [64-bit register, width in bytes]. */
const SUBREGS: Record<string, [string, number]> = (() => {
  const out: Record<string, [string, number]> = {};
  for (const r of Object.keys(PT_REGS_OFFSET)) out[r] = [r, 8];
  for (const [l, [e, x, h]] of Object.entries({ a: ['eax', 'ax', 'al'], b: ['ebx', 'bx', 'bl'], c: ['ecx', 'cx', 'cl'], d: ['edx', 'dx', 'dl'] })) {
    out[e] = [`r${l}x`, 4]; out[x] = [`r${l}x`, 2]; out[h] = [`r${l}x`, 1];
  }
  for (const [r, [e, x, l]] of Object.entries({ rsi: ['esi', 'si', 'sil'], rdi: ['edi', 'di', 'dil'], rbp: ['ebp', 'bp', 'bpl'], rsp: ['esp', 'sp', 'spl'] })) {
    out[e] = [r, 4]; out[x] = [r, 2]; out[l] = [r, 1];
  }
  for (let n = 8; n <= 15; n++) {
    out[`r${n}d`] = [`r${n}`, 4]; out[`r${n}w`] = [`r${n}`, 2]; out[`r${n}b`] = [`r${n}`, 1];
  }
  out.ip = ['rip', 8];
  return out;
})();

export type UsdtArgument =
  | { kind: 'const'; size: number; signed: boolean; value: bigint }
  /** The value is in a register (its pt_regs offset). */
  | { kind: 'reg'; size: number; signed: boolean; reg: string; regOffset: number }
  /**
   * The value is in memory at base + index*scale + displacement (+ a symbol's address for
   * %rip-relative operands, resolved by the loader).
   */
  | { kind: 'mem'; size: number; signed: boolean; base: string; baseOffset: number; index?: string; indexOffset?: number; scale: number; displacement: bigint; symbol?: string };

function register(name: string, spec: string): { reg: string; offset: number } {
  const sub = SUBREGS[name];
  if (!sub) throw new UsdtArgumentError(`USDT argument '${spec}': unknown register %${name}`);
  return { reg: sub[0], offset: PT_REGS_OFFSET[sub[0]] };
}

/** Parse one argument spec. */
export function parseUsdtArgument(spec: string): UsdtArgument {
  const m = /^(-?)(1|2|4|8)@(.+)$/.exec(spec.trim());
  if (!m) throw new UsdtArgumentError(`USDT argument '${spec}': expected SIZE@OPERAND`);
  const signed = m[1] === '-';
  const size = Number(m[2]);
  const op = m[3];
  if (op.startsWith('$')) {
    const v = op.slice(1);
    if (!/^-?(0x[0-9a-fA-F]+|\d+)$/.test(v)) throw new UsdtArgumentError(`USDT argument '${spec}': bad constant`);
    return { kind: 'const', size, signed, value: v.startsWith('-') ? -BigInt(v.slice(1)) : BigInt(v) };
  }
  if (op.startsWith('%')) {
    const r = register(op.slice(1), spec);
    return { kind: 'reg', size, signed, reg: r.reg, regOffset: r.offset };
  }
  const mem = /^([^(]*)\(%([a-z0-9]+)(?:,%([a-z0-9]+)(?:,(\d))?)?\)$/.exec(op);
  if (!mem) throw new UsdtArgumentError(`USDT argument '${spec}': unsupported operand '${op}'`);
  const [, disp, baseName, indexName, scaleText] = mem;
  let displacement = 0n;
  let symbol: string | undefined;
  if (/^-?(0x[0-9a-fA-F]+|\d+)$/.test(disp)) displacement = disp.startsWith('-') ? -BigInt(disp.slice(1)) : BigInt(disp);
  else if (/^[A-Za-z_.$][\w.$@]*([+-]\d+)?$/.test(disp)) {
    const sm = /^(.*?)([+-]\d+)?$/.exec(disp)!;
    symbol = sm[1];
    displacement = sm[2] ? BigInt(sm[2]) : 0n;
  } else if (disp !== '') throw new UsdtArgumentError(`USDT argument '${spec}': bad displacement '${disp}'`);
  const base = register(baseName, spec);
  const index = indexName ? register(indexName, spec) : undefined;
  return {
    kind: 'mem', size, signed, base: base.reg, baseOffset: base.offset,
    index: index?.reg, indexOffset: index?.offset, scale: scaleText ? Number(scaleText) : 1, displacement, symbol,
  };
}

/** Parse the space-separated argument string of a stapsdt note. */
export function parseUsdtArguments(text: string): UsdtArgument[] {
  return text.trim() === '' ? [] : text.trim().split(/\s+/).map(parseUsdtArgument);
}
