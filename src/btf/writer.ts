// A BTF writer: builds the small type blobs a program loader hands the kernel (BPF_BTF_LOAD) so a
// program can carry func_info, which the verifier demands for bpf-to-bpf subprograms used as
// callbacks (bpf_for_each_map_elem, bpf_loop). Layout per Documentation/bpf/btf.rst: a 24-byte
// header, the type section (type ids count from 1 in order of addition), then the string section
// (starting with the empty string at offset 0).
import { BTF_MAGIC, BtfKind } from './kinds.js';

const HEADER_SIZE = 24;
/** BTF_INT_ENCODING bits. */
export const BtfIntEncoding = { SIGNED: 1, CHAR: 2, BOOL: 4 } as const;
/** enum btf_func_linkage. */
export const BtfFuncLinkage = { STATIC: 0, GLOBAL: 1, EXTERN: 2 } as const;

export class BtfWriter {
  private readonly types: number[][] = [];
  private readonly strings: string[] = [''];
  private readonly stringOffsets = new Map<string, number>([['', 0]]);
  private stringBytes = 1;

  /** Offset of `s` in the string section (each distinct string stored once). */
  string(s: string): number {
    const known = this.stringOffsets.get(s);
    if (known !== undefined) return known;
    const off = this.stringBytes;
    this.strings.push(s);
    this.stringOffsets.set(s, off);
    this.stringBytes += Buffer.byteLength(s, 'utf8') + 1;
    return off;
  }

  /** Add a type record (u32 words) and return its id. */
  private add(words: number[]): number {
    this.types.push(words);
    return this.types.length;
  }
  private static info(kind: number, vlen = 0, kindFlag = false): number {
    return ((kindFlag ? 1 : 0) << 31 | kind << 24 | vlen) >>> 0;
  }

  int(name: string, bytes: number, encoding = 0): number {
    return this.add([this.string(name), BtfWriter.info(BtfKind.INT), bytes, (encoding << 24 | bytes * 8) >>> 0]);
  }
  ptr(target: number): number {
    return this.add([0, BtfWriter.info(BtfKind.PTR), target]);
  }
  funcProto(ret: number, params: { name?: string; type: number }[]): number {
    const words = [0, BtfWriter.info(BtfKind.FUNC_PROTO, params.length), ret];
    for (const p of params) words.push(this.string(p.name ?? ''), p.type);
    return this.add(words);
  }
  func(name: string, proto: number, linkage: number = BtfFuncLinkage.STATIC): number {
    return this.add([this.string(name), BtfWriter.info(BtfKind.FUNC, linkage), proto]);
  }

  /** The finished blob. */
  build(): Uint8Array {
    const typeLen = this.types.reduce((n, t) => n + t.length * 4, 0);
    const out = new Uint8Array(HEADER_SIZE + typeLen + this.stringBytes);
    const v = new DataView(out.buffer);
    v.setUint16(0, BTF_MAGIC, true);
    v.setUint8(2, 1); // version
    v.setUint8(3, 0); // flags
    v.setUint32(4, HEADER_SIZE, true);
    v.setUint32(8, 0, true);
    v.setUint32(12, typeLen, true);
    v.setUint32(16, typeLen, true);
    v.setUint32(20, this.stringBytes, true);
    let at = HEADER_SIZE;
    for (const t of this.types) for (const w of t) { v.setUint32(at, w, true); at += 4; }
    for (const s of this.strings) { const b = Buffer.from(s, 'utf8'); out.set(b, at); at += b.length + 1; }
    return out;
  }
}

/** Bytes of one func_info record (struct bpf_func_info: insn_off, type_id). */
export const FUNC_INFO_REC_SIZE = 8;

/**
 * BTF and func_info for a program made of subprograms that each take up to five 64-bit arguments
 * and return a 64-bit integer (what every bpfkit-generated function looks like to the verifier).
 * `functions` are the entry points in instruction slots; the first must be at slot 0.
 */
export function functionsBtf(functions: readonly { name: string; insnOffset: number; params: number }[]): { btf: Uint8Array; funcInfo: Uint8Array } {
  const w = new BtfWriter();
  const long = w.int('long', 8, BtfIntEncoding.SIGNED);
  const voidPtr = w.ptr(0);
  const info = new Uint8Array(functions.length * FUNC_INFO_REC_SIZE);
  const v = new DataView(info.buffer);
  functions.forEach((f, i) => {
    const params = Array.from({ length: f.params }, (_, j) => ({ name: `a${j}`, type: j === 0 ? voidPtr : long }));
    const id = w.func(f.name, w.funcProto(long, params));
    v.setUint32(i * 8, f.insnOffset, true);
    v.setUint32(i * 8 + 4, id, true);
  });
  return { btf: w.build(), funcInfo: info };
}
