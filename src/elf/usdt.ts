// USDT probes (systemtap <sys/sdt.h>, also what bcc/bpftrace/libbpf use): each probe is an ELF
// note in .note.stapsdt, owner "stapsdt", type 3, whose descriptor is
//   u64 pc; u64 base; u64 semaphore; char provider[]; char name[]; char args[];
// `base` is the link-time address of .stapsdt.base: if the file was prelinked, pc and semaphore
// move by (actual .stapsdt.base address - base). Arguments are GNU as operands with a size
// prefix: "-4@%edi", "8@-16(%rbp)", "4@$42" (negative size = signed).
import { ElfFile, ElfError } from './elf.js';

export interface UsdtArg {
  /** Size in bytes (1, 2, 4, 8). */
  size: number;
  signed: boolean;
  kind: 'register' | 'memory' | 'constant';
  /** Register name without % (register and memory kinds), e.g. "rdi", "edi", "rbp". */
  register?: string;
  /** Memory: displacement from the register. Constant: the value. */
  offset?: bigint;
  /** The operand as written. */
  text: string;
}

export interface UsdtProbe {
  provider: string;
  name: string;
  /** Address of the probe's nop (after prelink adjustment). */
  pc: bigint;
  /** File offset of the probe, for the uprobe. */
  offset: number;
  /** Address of the is-enabled semaphore (0n if none). */
  semaphore: bigint;
  /** File offset of the semaphore (the uprobe's ref_ctr_offset), 0 if none. */
  semaphoreOffset: number;
  /** Argument string as in the note ("-4@%edi 8@%rsi"). */
  argText: string;
  args: UsdtArg[];
}

/** Parse one operand "SIZE@OPERAND". */
export function parseUsdtArg(text: string): UsdtArg {
  const m = /^(-?\d+)@(.+)$/.exec(text);
  if (!m) throw new ElfError(`unsupported USDT argument '${text}'`);
  const n = Number(m[1]);
  const size = Math.abs(n), signed = n < 0, op = m[2];
  let r: RegExpExecArray | null;
  if ((r = /^%([a-z0-9]+)$/.exec(op))) return { size, signed, kind: 'register', register: r[1], text };
  if ((r = /^\$(-?(?:0x[0-9a-f]+|\d+))$/i.exec(op))) return { size, signed, kind: 'constant', offset: BigInt(r[1]), text };
  if ((r = /^(-?(?:0x[0-9a-f]+|\d+))?\(%([a-z0-9]+)\)$/i.exec(op))) {
    return { size, signed, kind: 'memory', register: r[2], offset: BigInt(r[1] ?? 0), text };
  }
  throw new ElfError(`unsupported USDT argument '${text}'`);
}

/** Split the argument string; operands are separated by spaces. */
export const parseUsdtArgs = (s: string): UsdtArg[] => (s.trim() === '' ? [] : s.trim().split(/\s+/).map(parseUsdtArg));

/**
 * x86_64 struct pt_regs offset of a register as USDT operands name it (any width: eax, ax and
 * al all live in the rax slot), for code that reads arguments from a uprobe's context.
 */
export function ptRegsOffset(register: string): number | undefined {
  const slots: Record<string, number> = {
    r15: 0, r14: 8, r13: 16, r12: 24, rbp: 32, rbx: 40, r11: 48, r10: 56, r9: 64, r8: 72,
    rax: 80, rcx: 88, rdx: 96, rsi: 104, rdi: 112, rip: 128, rsp: 152,
  };
  const r = register.toLowerCase();
  if (r in slots) return slots[r];
  const legacy: Record<string, string> = {
    eax: 'rax', ax: 'rax', al: 'rax', ebx: 'rbx', bx: 'rbx', bl: 'rbx', ecx: 'rcx', cx: 'rcx', cl: 'rcx',
    edx: 'rdx', dx: 'rdx', dl: 'rdx', esi: 'rsi', si: 'rsi', sil: 'rsi', edi: 'rdi', di: 'rdi', dil: 'rdi',
    ebp: 'rbp', bp: 'rbp', bpl: 'rbp', esp: 'rsp', sp: 'rsp', spl: 'rsp',
  };
  if (r in legacy) return slots[legacy[r]];
  const m = /^(r\d+)[dwb]$/.exec(r);
  return m ? slots[m[1]] : undefined;
}

/** Every USDT probe of an ELF file. */
export function usdtProbes(elf: ElfFile): UsdtProbe[] {
  const notes = elf.section('.note.stapsdt');
  if (!notes) return [];
  const baseSec = elf.section('.stapsdt.base');
  const data = elf.sectionData(notes);
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: UsdtProbe[] = [];
  const align4 = (n: number) => (n + 3) & ~3;
  for (let at = 0; at + 12 <= data.length;) {
    const namesz = v.getUint32(at, true), descsz = v.getUint32(at + 4, true), type = v.getUint32(at + 8, true);
    const owner = Buffer.from(data.subarray(at + 12, at + 12 + namesz)).toString('latin1').replace(/\0+$/, '');
    const descAt = at + 12 + align4(namesz);
    at = descAt + align4(descsz);
    if (owner !== 'stapsdt' || type !== 3) continue;
    let pc = v.getBigUint64(descAt, true);
    const base = v.getBigUint64(descAt + 8, true);
    let semaphore = v.getBigUint64(descAt + 16, true);
    const strings = Buffer.from(data.subarray(descAt + 24, descAt + descsz)).toString('latin1').split('\0');
    if (baseSec && base !== 0n) {
      const delta = baseSec.addr - base;
      pc += delta;
      if (semaphore !== 0n) semaphore += delta;
    }
    const offset = elf.vaddrToOffset(pc);
    if (offset === undefined) throw new ElfError(`${elf.path}: USDT probe ${strings[0]}:${strings[1]} at 0x${pc.toString(16)} is in no loaded segment`);
    const semaphoreOffset = semaphore === 0n ? 0 : elf.vaddrToOffset(semaphore) ?? 0;
    out.push({ provider: strings[0], name: strings[1], pc, offset, semaphore, semaphoreOffset, argText: strings[2] ?? '', args: parseUsdtArgs(strings[2] ?? '') });
  }
  return out;
}
