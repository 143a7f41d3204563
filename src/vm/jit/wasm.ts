// A minimal writer for the WebAssembly binary format (core spec 1.0 plus sign-extension ops),
// just enough for the eBPF JIT: function types, imported functions/memory, mutable globals,
// functions with locals, exports. No dependencies: the module is a byte array we build by hand.

/** Value types. */
export const I32 = 0x7f;
export const I64 = 0x7e;
export const VOID = 0x40;
export type ValType = typeof I32 | typeof I64;

/** The opcodes the JIT uses (names follow the text format). */
export const Op = {
  unreachable: 0x00, nop: 0x01, block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b,
  br: 0x0c, br_if: 0x0d, br_table: 0x0e, return: 0x0f, call: 0x10, drop: 0x1a, select: 0x1b,
  local_get: 0x20, local_set: 0x21, local_tee: 0x22, global_get: 0x23, global_set: 0x24,
  i64_load: 0x29, i64_load8_s: 0x30, i64_load8_u: 0x31, i64_load16_s: 0x32, i64_load16_u: 0x33,
  i64_load32_s: 0x34, i64_load32_u: 0x35,
  i64_store: 0x37, i64_store8: 0x3c, i64_store16: 0x3d, i64_store32: 0x3e,
  i32_const: 0x41, i64_const: 0x42,
  i32_eqz: 0x45, i32_eq: 0x46, i32_ne: 0x47, i32_lt_s: 0x48, i32_lt_u: 0x49, i32_gt_s: 0x4a,
  i32_gt_u: 0x4b, i32_le_s: 0x4c, i32_le_u: 0x4d, i32_ge_s: 0x4e, i32_ge_u: 0x4f,
  i64_eqz: 0x50, i64_eq: 0x51, i64_ne: 0x52, i64_lt_s: 0x53, i64_lt_u: 0x54, i64_gt_s: 0x55,
  i64_gt_u: 0x56, i64_le_s: 0x57, i64_le_u: 0x58, i64_ge_s: 0x59, i64_ge_u: 0x5a,
  i32_add: 0x6a, i32_sub: 0x6b, i32_mul: 0x6c, i32_div_s: 0x6d, i32_div_u: 0x6e, i32_rem_s: 0x6f,
  i32_rem_u: 0x70, i32_and: 0x71, i32_or: 0x72, i32_xor: 0x73, i32_shl: 0x74, i32_shr_s: 0x75,
  i32_shr_u: 0x76, i32_rotl: 0x77, i32_rotr: 0x78,
  i64_add: 0x7c, i64_sub: 0x7d, i64_mul: 0x7e, i64_div_s: 0x7f, i64_div_u: 0x80, i64_rem_s: 0x81,
  i64_rem_u: 0x82, i64_and: 0x83, i64_or: 0x84, i64_xor: 0x85, i64_shl: 0x86, i64_shr_s: 0x87,
  i64_shr_u: 0x88, i64_rotl: 0x89, i64_rotr: 0x8a,
  i32_wrap_i64: 0xa7, i64_extend_i32_s: 0xac, i64_extend_i32_u: 0xad,
  i32_extend8_s: 0xc0, i32_extend16_s: 0xc1, i64_extend8_s: 0xc2, i64_extend16_s: 0xc3,
  i64_extend32_s: 0xc4,
} as const;

/** A growable byte buffer with LEB128 helpers. */
export class Bytes {
  private buf = new Uint8Array(256);
  length = 0;

  byte(b: number): this {
    if (this.length === this.buf.length) {
      const bigger = new Uint8Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.length++] = b;
    return this;
  }
  bytes(bs: ArrayLike<number>): this {
    for (let i = 0; i < bs.length; i++) this.byte(bs[i]);
    return this;
  }
  u32(v: number): this {
    let x = v >>> 0;
    do {
      let b = x & 0x7f;
      x >>>= 7;
      if (x !== 0) b |= 0x80;
      this.byte(b);
    } while (x !== 0);
    return this;
  }
  s32(v: number): this {
    let x = v | 0;
    for (;;) {
      const b = x & 0x7f;
      x >>= 7;
      if ((x === 0 && (b & 0x40) === 0) || (x === -1 && (b & 0x40) !== 0)) return this.byte(b);
      this.byte(b | 0x80);
    }
  }
  s64(v: bigint): this {
    let x = BigInt.asIntN(64, v);
    for (;;) {
      const b = Number(x & 0x7fn);
      x >>= 7n;
      if ((x === 0n && (b & 0x40) === 0) || (x === -1n && (b & 0x40) !== 0)) return this.byte(b);
      this.byte(b | 0x80);
    }
  }
  name(s: string): this {
    const enc = new TextEncoder().encode(s);
    return this.u32(enc.length).bytes(enc);
  }
  /** A length-prefixed copy of another buffer (sections, function bodies). */
  sized(inner: Bytes): this {
    this.u32(inner.length);
    for (let i = 0; i < inner.length; i++) this.byte(inner.buf[i]);
    return this;
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** Function body code: one method per instruction shape, so callers read like the text format. */
export class Code extends Bytes {
  op(o: number): this { return this.byte(o); }
  i32(v: number): this { return this.byte(Op.i32_const).s32(v); }
  i64(v: bigint): this { return this.byte(Op.i64_const).s64(v); }
  get(local: number): this { return this.byte(Op.local_get).u32(local); }
  set(local: number): this { return this.byte(Op.local_set).u32(local); }
  tee(local: number): this { return this.byte(Op.local_tee).u32(local); }
  gget(global: number): this { return this.byte(Op.global_get).u32(global); }
  gset(global: number): this { return this.byte(Op.global_set).u32(global); }
  block(type: number = VOID): this { return this.byte(Op.block).byte(type); }
  loop(type: number = VOID): this { return this.byte(Op.loop).byte(type); }
  if_(type: number = VOID): this { return this.byte(Op.if).byte(type); }
  else_(): this { return this.byte(Op.else); }
  end(): this { return this.byte(Op.end); }
  br(depth: number): this { return this.byte(Op.br).u32(depth); }
  brIf(depth: number): this { return this.byte(Op.br_if).u32(depth); }
  brTable(depths: readonly number[], fallback: number): this {
    this.byte(Op.br_table).u32(depths.length);
    for (const d of depths) this.u32(d);
    return this.u32(fallback);
  }
  call(func: number): this { return this.byte(Op.call).u32(func); }
  /** memory.fill(dest, value, length) from the bulk-memory operations. */
  memoryFill(): this { return this.byte(0xfc).u32(11).byte(0x00); }
  /** A memory access with alignment hint 0 (eBPF allows unaligned) and offset 0. */
  mem(o: number): this { return this.byte(o).u32(0).u32(0); }
}

interface FuncType { params: ValType[]; results: ValType[] }
interface Import { module: string; name: string; type: number }
interface Func { type: number; locals: ValType[]; body: Code; export?: string }
interface Global { type: ValType; init: bigint; export?: string }

/** Assemble a module: imported functions come first in the function index space. */
export class ModuleBuilder {
  private readonly types: FuncType[] = [];
  private readonly imports: Import[] = [];
  private readonly funcs: Func[] = [];
  private readonly globals: Global[] = [];
  private memoryImport: { module: string; name: string; min: number; max?: number } | undefined;

  type(params: ValType[], results: ValType[]): number {
    const key = `${params.join(',')}>${results.join(',')}`;
    const found = this.types.findIndex((t) => `${t.params.join(',')}>${t.results.join(',')}` === key);
    if (found >= 0) return found;
    this.types.push({ params, results });
    return this.types.length - 1;
  }

  /** Import a function; must be called before any function is added. Returns its index. */
  importFunc(module: string, name: string, params: ValType[], results: ValType[]): number {
    if (this.funcs.length) throw new Error('imports must precede functions');
    this.imports.push({ module, name, type: this.type(params, results) });
    return this.imports.length - 1;
  }

  importMemory(module: string, name: string, min: number, max?: number): void {
    this.memoryImport = { module, name, min, max };
  }

  global(type: ValType, init: bigint, exportName?: string): number {
    this.globals.push({ type, init, export: exportName });
    return this.globals.length - 1;
  }

  /** Reserve a function index now (for calls between functions); fill the body later. */
  declareFunc(params: ValType[], results: ValType[], exportName?: string): number {
    this.funcs.push({ type: this.type(params, results), locals: [], body: new Code(), export: exportName });
    return this.imports.length + this.funcs.length - 1;
  }

  defineFunc(index: number, locals: ValType[], body: Code): void {
    const f = this.funcs[index - this.imports.length];
    f.locals = locals;
    f.body = body;
  }

  finish(): Uint8Array {
    const out = new Bytes().bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    const section = (id: number, body: Bytes): void => { out.byte(id).sized(body); };

    const types = new Bytes().u32(this.types.length);
    for (const t of this.types) {
      types.byte(0x60).u32(t.params.length).bytes(t.params).u32(t.results.length).bytes(t.results);
    }
    section(1, types);

    const imports = new Bytes().u32(this.imports.length + (this.memoryImport ? 1 : 0));
    for (const im of this.imports) imports.name(im.module).name(im.name).byte(0x00).u32(im.type);
    if (this.memoryImport) {
      const m = this.memoryImport;
      imports.name(m.module).name(m.name).byte(0x02);
      if (m.max === undefined) imports.byte(0x00).u32(m.min);
      else imports.byte(0x01).u32(m.min).u32(m.max);
    }
    section(2, imports);

    const funcs = new Bytes().u32(this.funcs.length);
    for (const f of this.funcs) funcs.u32(f.type);
    section(3, funcs);

    if (this.globals.length) {
      const globals = new Bytes().u32(this.globals.length);
      for (const g of this.globals) {
        globals.byte(g.type).byte(0x01);
        if (g.type === I32) globals.byte(Op.i32_const).s32(Number(g.init));
        else globals.byte(Op.i64_const).s64(g.init);
        globals.byte(Op.end);
      }
      section(6, globals);
    }

    const exported: { name: string; kind: number; index: number }[] = [];
    this.funcs.forEach((f, i) => { if (f.export) exported.push({ name: f.export, kind: 0, index: this.imports.length + i }); });
    this.globals.forEach((g, i) => { if (g.export) exported.push({ name: g.export, kind: 3, index: i }); });
    const exports = new Bytes().u32(exported.length);
    for (const e of exported) exports.name(e.name).byte(e.kind).u32(e.index);
    section(7, exports);

    const code = new Bytes().u32(this.funcs.length);
    for (const f of this.funcs) {
      // Locals are run-length encoded: (count, type) pairs.
      const runs: [number, ValType][] = [];
      for (const t of f.locals) {
        const last = runs[runs.length - 1];
        if (last && last[1] === t) last[0]++;
        else runs.push([1, t]);
      }
      const full = new Bytes();
      full.u32(runs.length);
      for (const [n, t] of runs) full.u32(n).byte(t);
      full.bytes(f.body.finish());
      full.byte(Op.end);
      code.sized(full);
    }
    section(10, code);
    return out.finish();
  }
}

