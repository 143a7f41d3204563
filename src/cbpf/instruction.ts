// Classic BPF (the original packet filter, struct sock_filter in linux/filter.h):
// { u16 code; u8 jt; u8 jf; u32 k }, 8 bytes. Jumps are forward only, relative to the next insn.

export interface CbpfInstruction {
  code: number;
  jt: number;
  jf: number;
  /** Unsigned 32-bit constant. */
  k: number;
}

/** Classes (code & 0x07). */
export const CClass = { LD: 0x00, LDX: 0x01, ST: 0x02, STX: 0x03, ALU: 0x04, JMP: 0x05, RET: 0x06, MISC: 0x07 } as const;
/** Sizes (code & 0x18). */
export const CSize = { W: 0x00, H: 0x08, B: 0x10 } as const;
/** Modes (code & 0xe0). */
export const CMode = { IMM: 0x00, ABS: 0x20, IND: 0x40, MEM: 0x60, LEN: 0x80, MSH: 0xa0 } as const;
/** ALU operations (code & 0xf0). */
export const COp = {
  ADD: 0x00, SUB: 0x10, MUL: 0x20, DIV: 0x30, OR: 0x40, AND: 0x50, LSH: 0x60, RSH: 0x70,
  NEG: 0x80, MOD: 0x90, XOR: 0xa0,
} as const;
/** Jump operations (code & 0xf0). */
export const CJmp = { JA: 0x00, JEQ: 0x10, JGT: 0x20, JGE: 0x30, JSET: 0x40 } as const;
/** Operand source (code & 0x08): K constant, X index register; for RET, A (0x10). */
export const CSrc = { K: 0x00, X: 0x08, A: 0x10 } as const;
/** MISC operations (code & 0xf8). */
export const CMisc = { TAX: 0x00, TXA: 0x80 } as const;
/** Scratch memory slots M[0..15]. */
export const BPF_MEMWORDS = 16;
/** Linux ancillary data: loads from SKF_AD_OFF + n (abs mode) read packet metadata. */
export const SKF_AD_OFF = -0x1000;
export const SkfAd = {
  PROTOCOL: 0, PKTTYPE: 4, IFINDEX: 8, NLATTR: 12, NLATTR_NEST: 16, MARK: 20, QUEUE: 24, HATYPE: 28,
  RXHASH: 32, CPU: 36, ALU_XOR_X: 40, VLAN_TAG: 44, VLAN_TAG_PRESENT: 48, PAY_OFFSET: 52, RANDOM: 56,
  VLAN_TPID: 60,
} as const;
/** Negative offsets starting here address the network header (SKF_NET_OFF) and link header (SKF_LL_OFF). */
export const SKF_NET_OFF = -0x100000;
export const SKF_LL_OFF = -0x200000;

export const cinsn = (code: number, k = 0, jt = 0, jf = 0): CbpfInstruction => ({ code, jt, jf, k: k >>> 0 });

export function encodeCbpf(program: readonly CbpfInstruction[]): Uint8Array {
  const out = new Uint8Array(program.length * 8);
  const v = new DataView(out.buffer);
  program.forEach((p, i) => {
    v.setUint16(i * 8, p.code, true);
    v.setUint8(i * 8 + 2, p.jt);
    v.setUint8(i * 8 + 3, p.jf);
    v.setUint32(i * 8 + 4, p.k >>> 0, true);
  });
  return out;
}

export const cClass = (code: number): number => code & 0x07;
export const cSize = (code: number): number => code & 0x18;
export const cMode = (code: number): number => code & 0xe0;
export const cOp = (code: number): number => code & 0xf0;
export const cSrc = (code: number): number => code & 0x08;
/** RET's value source (code & 0x18): K or A. */
export const cRval = (code: number): number => code & 0x18;

/** Bytes loaded by a BPF_W/H/B size field. */
export const cSizeBytes = (size: number): 1 | 2 | 4 => (size === CSize.B ? 1 : size === CSize.H ? 2 : 4);

/** Is this a conditional jump (one with jt/jf targets)? */
export const isCondJump = (code: number): boolean => cClass(code) === CClass.JMP && cOp(code) !== CJmp.JA;

/** Decode the 8-byte-per-instruction wire format (struct sock_filter, little endian host). */
export function decodeCbpf(bytes: Uint8Array): CbpfInstruction[] {
  if (bytes.length % 8 !== 0) throw new RangeError(`classic BPF program length ${bytes.length} is not a multiple of 8`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: CbpfInstruction[] = [];
  for (let i = 0; i < bytes.length; i += 8) {
    out.push({ code: v.getUint16(i, true), jt: v.getUint8(i + 2), jf: v.getUint8(i + 3), k: v.getUint32(i + 4, true) });
  }
  return out;
}
