// Encode to and decode from the kernel's wire format: 8 bytes per slot, little-endian,
// { u8 code; u8 dst:4, src:4; s16 off; s32 imm }; lddw takes a second slot with only imm set.
import { Instruction, slots, signExtend } from './instruction.js';
import { LDDW } from './opcodes.js';

export class EncodingError extends Error {
  constructor(message: string, readonly index?: number) {
    super(message);
    this.name = 'EncodingError';
  }
}

function checkFields(insn: Instruction, i: number): void {
  if (insn.ref !== undefined && insn.code !== LDDW) {
    throw new EncodingError(`instruction ${i}: unresolved reference '${insn.ref}'`, i);
  }
  if (insn.dst < 0 || insn.dst > 15 || insn.src < 0 || insn.src > 15) {
    throw new EncodingError(`instruction ${i}: register out of range (dst=${insn.dst}, src=${insn.src})`, i);
  }
  if (insn.off < -32768 || insn.off > 32767) {
    throw new EncodingError(`instruction ${i}: offset ${insn.off} does not fit in 16 bits`, i);
  }
}

/** Encode instructions. Map references on lddw must already be resolved (the loader does it). */
export function encode(program: readonly Instruction[]): Uint8Array {
  const total = program.reduce((n, insn) => n + slots(insn), 0);
  const bytes = new Uint8Array(total * 8);
  const view = new DataView(bytes.buffer);
  let at = 0;
  program.forEach((insn, i) => {
    checkFields(insn, i);
    view.setUint8(at, insn.code);
    view.setUint8(at + 1, (insn.src << 4) | insn.dst);
    view.setInt16(at + 2, insn.off, true);
    if (insn.code === LDDW) {
      const value = BigInt.asUintN(64, insn.imm64 ?? BigInt(insn.imm >>> 0));
      view.setUint32(at + 4, Number(value & 0xffffffffn), true);
      view.setUint32(at + 12, Number(value >> 32n), true);
      at += 16;
    } else {
      view.setInt32(at + 4, insn.imm | 0, true);
      at += 8;
    }
  });
  return bytes;
}

/** Decode the wire format. A truncated trailing lddw is an error. */
export function decode(bytes: Uint8Array): Instruction[] {
  if (bytes.length % 8 !== 0) throw new EncodingError(`program length ${bytes.length} is not a multiple of 8`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Instruction[] = [];
  for (let at = 0; at < bytes.length; at += 8) {
    const code = view.getUint8(at);
    const regs = view.getUint8(at + 1);
    const insn: Instruction = {
      code,
      dst: regs & 0x0f,
      src: regs >> 4,
      off: view.getInt16(at + 2, true),
      imm: view.getInt32(at + 4, true),
    };
    if (code === LDDW) {
      if (at + 16 > bytes.length) throw new EncodingError(`lddw at slot ${at / 8} is missing its second half`, out.length);
      const hi = BigInt(view.getUint32(at + 12, true));
      insn.imm64 = (hi << 32n) | BigInt(view.getUint32(at + 4, true));
      at += 8;
    }
    out.push(insn);
  }
  return out;
}

export { signExtend };
