// Lowering of what a probe's context and the kernel's memory hold: arg0..argN and retval (pt_regs
// slots, raw tracepoint u64 slots), USDT arguments (register, memory or constant operands per
// site), curtask, and reads through pointers and structs (`->`, `.`, `[i]`, `*p`): the address
// is computed in a register, then bpf_probe_read_kernel (or _user for user-space pointers)
// copies the bytes into the stack, and bitfields are shifted and masked out of their unit.
import * as ast from '../lang/ast.js';
import { Type, StructTypeT, StructField, sizeOf, str as strType } from '../lang/types.js';
import { Helper } from '../isa/helpers.js';
import type { SizeName } from '../isa/builder.js';
import type { ProbeInstance } from '../probes/provider.js';
import { ElfFile } from '../elf/elf.js';
import { PT_REGS_OFFSET } from '../probes/usdt/arguments.js';
import { kernelStructType } from '../btf/struct-types.js';
import type { FunctionBuilder } from './function-builder.js';
import type { VReg } from './ir.js';
import type { MapSpec } from './maps.js';
import { lowerStack, stackMapSpec } from './stacks.js';
import { kernelSymbols } from '../runtime/symbols/kallsyms.js';

const SIZE_NAMES: Record<number, SizeName> = { 1: 'b', 2: 'h', 4: 'w', 8: 'dw' };

/** What the lowering offers this module (ProgramLowering implements it). */
export interface LoweringHost {
  readonly b: FunctionBuilder;
  readonly instance: ProbeInstance;
  scalar(e: ast.Expr): VReg;
  context(): VReg;
  fail(message: string, span: ast.Span): never;
  /** Ask for a map the script's programs share (created with the script's maps). */
  useMap(spec: MapSpec): void;
}

function extend(b: FunctionBuilder, v: VReg, bytes: number, signed: boolean): void {
  if (bytes >= 8) return;
  b.alu('lsh', v, 64 - bytes * 8);
  b.alu(signed ? 'arsh' : 'rsh', v, 64 - bytes * 8);
}

/** argN, retval, curtask (undefined: not a probe value; the caller reports it). */
export function probeBuiltin(h: LoweringHost, name: string, e: ast.Expr): VReg | undefined {
  const b = h.b;
  const inst = h.instance;
  const arg = /^arg(\d+)$/.exec(name);
  if (arg) {
    const n = Number(arg[1]);
    if (inst.usdtArgs) return usdtArgument(h, n, e);
    const off = inst.argOffsets?.[n];
    if (off === undefined) return h.fail(`${name} is not available in ${inst.name}`, e.span);
    return b.ldx('dw', h.context(), off, name);
  }
  if (name === 'retval') {
    if (inst.retvalOffset === undefined) return h.fail(`retval is not available in ${inst.name}`, e.span);
    return b.ldx('dw', h.context(), inst.retvalOffset, 'retval');
  }
  if (name === 'curtask') return b.call(Helper.get_current_task, [])!;
  if (name === 'kstack' || name === 'ustack') {
    h.useMap(stackMapSpec());
    return lowerStack(b, h.context(), name === 'ustack');
  }
  return undefined;
}

/** kstack(...)/ustack(...), ksym/usym (the address; named in userspace), kaddr/uaddr. */
export function probeCall(h: LoweringHost, e: ast.CallExpr): VReg | undefined {
  switch (e.name) {
    case 'kstack': case 'ustack': return probeBuiltin(h, e.name, e);
    case 'ksym': case 'usym': return h.scalar(e.args[0]);
    case 'reg': {
      // bpftrace's register names (ip, sp, ax, di, r8, flags, ...) as x86-64 pt_regs slots; a
      // perf_event context begins with the same pt_regs.
      const name = e.args[0]?.kind === 'String' ? e.args[0].value : h.fail('reg() takes a register name', e.span);
      const slot = /^r\d+$/.test(name) || name === 'orig_ax' ? name.replace('orig_ax', 'orig_rax') : name === 'flags' ? 'eflags' : /^(cs|ss)$/.test(name) ? name : `r${name}`;
      const off = PT_REGS_OFFSET[slot];
      if (off === undefined) return h.fail(`reg(): unknown register '${name}'`, e.args[0].span);
      if (h.instance.attach.kind !== 'uprobe' && h.instance.attach.kind !== 'kprobe' && h.instance.attach.kind !== 'perf') return h.fail(`reg() is not available in ${h.instance.name}`, e.span);
      return h.b.ldx('dw', h.context(), off, name);
    }
    case 'kaddr': {
      const name = e.args[0]?.kind === 'String' ? e.args[0].value : h.fail('kaddr() takes a symbol name', e.span);
      const sym = kernelSymbols().match(name)[0];
      if (!sym) return h.fail(`kaddr(): no kernel symbol '${name}' in /proc/kallsyms`, e.args[0].span);
      return h.b.const(sym.address);
    }
    case 'uaddr': {
      const name = e.args[0]?.kind === 'String' ? e.args[0].value : h.fail('uaddr() takes a symbol name', e.span);
      const a = h.instance.attach;
      if (a.kind !== 'uprobe') return h.fail('uaddr() can only be used in uprobe and usdt probes', e.span);
      let elf = ripSymbols.get(a.path);
      if (!elf) ripSymbols.set(a.path, (elf = ElfFile.open(a.path)));
      const sym = elf.findSymbol(name);
      if (!sym) return h.fail(`uaddr(): ${a.path} has no symbol '${name}'`, e.args[0].span);
      return h.b.const(sym.value);
    }
  }
  return undefined;
}

const ripSymbols = new Map<string, ElfFile>();

/** USDT argument N of this site, computed as its operand says. */
function usdtArgument(h: LoweringHost, n: number, e: ast.Expr): VReg {
  const b = h.b;
  const spec = h.instance.usdtArgs![n];
  if (!spec) return h.fail(`${h.instance.name} has ${h.instance.usdtArgs!.length} arguments; arg${n} does not exist`, e.span);
  if (spec.kind === 'const') return b.const(spec.value);
  const ctx = h.context();
  if (spec.kind === 'reg') {
    const v = b.ldx('dw', ctx, spec.regOffset);
    extend(b, v, spec.size, spec.signed);
    return v;
  }
  let addr: VReg;
  if (spec.symbol !== undefined) {
    // `sym(%rip)`: the address is sym's, relative to the probe site wherever the file is mapped:
    // at the probe, rip is the site's runtime address, so sym = rip + (sym - pc).
    const site = h.instance.usdtSite!;
    let elf = ripSymbols.get(site.path);
    if (!elf) ripSymbols.set(site.path, (elf = ElfFile.open(site.path)));
    const sym = elf.findSymbol(spec.symbol);
    if (!sym) return h.fail(`USDT argument ${n} refers to symbol '${spec.symbol}', which ${site.path} does not define`, e.span);
    addr = b.ldx('dw', ctx, PT_REGS_OFFSET.rip);
    const delta = b.const(sym.value - site.pc + spec.displacement);
    b.alu('add', addr, delta);
  } else {
    addr = b.ldx('dw', ctx, spec.baseOffset);
    if (spec.displacement !== 0n) b.alu('add', addr, b.const(spec.displacement));
    if (spec.indexOffset !== undefined) {
      const idx = b.ldx('dw', ctx, spec.indexOffset);
      if (spec.scale !== 1) b.alu('mul', idx, spec.scale);
      b.alu('add', addr, idx);
    }
  }
  return readScalar(b, addr, spec.size, spec.signed, 'user');
}

/** Read a 1/2/4/8-byte integer at `addr` in kernel or user memory. */
export function readScalar(b: FunctionBuilder, addr: VReg, size: number, signed: boolean, space: 'kernel' | 'user'): VReg {
  const buf = b.zeroed(8, 'read');
  b.call(space === 'user' ? Helper.probe_read_user : Helper.probe_read_kernel, [{ fp: buf }, { imm: size }, addr], false);
  const v = b.ldx(SIZE_NAMES[size] ?? 'dw', 'fp', buf);
  if (signed) extend(b, v, size, true);
  return v;
}

/** A struct type with its fields (a pointer's target is a stub until resolved by name). */
function structOf(t: Type): StructTypeT | undefined {
  if (t.kind !== 'struct') return undefined;
  if (t.fields.length > 0 || t.size > 0) return t;
  const [kw, name] = t.name.split(' ');
  return kernelStructType(kw as 'struct', name) ?? t;
}

interface Place { addr: VReg; type: Type; field?: StructField; space: 'kernel' | 'user' }

/**
 * Which memory a pointer points into: its type says so when it came from the kernel (curtask,
 * BTF fields) or a probe's user arguments; a cast keeps the space of what was cast (so
 * `(struct task_struct *)curtask` stays kernel in a uprobe); otherwise the probe decides.
 */
function spaceOf(h: LoweringHost, t: Type, e?: ast.Expr): 'kernel' | 'user' {
  if (t.kind === 'pointer' && t.addrSpace && t.addrSpace !== 'none') return t.addrSpace;
  if (e?.kind === 'Cast' && e.expr.type) return spaceOf(h, e.expr.type, e.expr);
  return h.instance.argsAddrSpace === 'user' ? 'user' : 'kernel';
}

/** Is this expression a read of memory this module lowers (not a tracepoint `args.x`)? */
export function isMemoryAccess(e: ast.Expr): boolean {
  if (e.kind === 'FieldAccess') return !(e.expr.kind === 'Builtin' && e.expr.name === 'args') || false;
  if (e.kind === 'Index') return e.expr.type?.kind === 'pointer' || ((e.expr.type?.kind === 'array' || e.expr.type?.kind === 'string') && isMemoryAccess(e.expr));
  if (e.kind === 'Unary') return e.op === '*';
  return false;
}

/** Where an lvalue lives in kernel/user memory. */
function place(h: LoweringHost, e: ast.Expr): Place {
  const b = h.b;
  if (e.kind === 'FieldAccess') {
    const baseT = e.expr.type;
    let addr: VReg, st: StructTypeT | undefined, space: 'kernel' | 'user';
    if (baseT?.kind === 'pointer') {
      addr = h.scalar(e.expr);
      st = structOf(baseT.target);
      space = spaceOf(h, baseT, e.expr);
    } else if (baseT?.kind === 'struct') {
      const p = place(h, e.expr);
      addr = p.addr; st = structOf(baseT); space = p.space;
    } else return h.fail(`cannot access field '${e.field}' here`, e.span);
    const f = st?.fields.find((x) => x.name === e.field);
    if (!f) return h.fail(`${st?.name ?? 'this type'} has no field '${e.field}'`, e.fieldSpan);
    if (f.offset) b.alu('add', addr, f.offset);
    return { addr, type: f.type, field: f, space };
  }
  if (e.kind === 'Index') {
    const baseT = e.expr.type;
    let addr: VReg, el: Type, space: 'kernel' | 'user';
    if (baseT?.kind === 'pointer') { addr = h.scalar(e.expr); el = baseT.target; space = spaceOf(h, baseT, e.expr); }
    else if ((baseT?.kind === 'array' || baseT?.kind === 'string') && isMemoryAccess(e.expr)) {
      const p = place(h, e.expr);
      addr = p.addr; space = p.space;
      el = baseT.kind === 'array' ? baseT.element : { kind: 'int', bits: 8, signed: true };
    }
    else return h.fail('cannot index this expression', e.span);
    const size = sizeOf(el) || 1;
    if (e.index.kind === 'Integer') { if (e.index.value !== 0n) b.alu('add', addr, b.const(e.index.value * BigInt(size))); }
    else { const i = h.scalar(e.index); b.alu('mul', i, size); b.alu('add', addr, i); }
    return { addr, type: el, space };
  }
  if (e.kind === 'Unary' && e.op === '*') {
    const t = e.operand.type;
    const addr = h.scalar(e.operand);
    return { addr, type: t?.kind === 'pointer' ? t.target : { kind: 'int', bits: 64, signed: false }, space: t ? spaceOf(h, t, e.operand) : 'kernel' };
  }
  return h.fail('cannot read memory through this expression', e.span);
}

/** The integer/pointer value of a field, element or dereference. */
export function readMemoryScalar(h: LoweringHost, e: ast.Expr): VReg {
  const b = h.b;
  const p = place(h, e);
  const t = p.type;
  const bf = p.field?.bitfield;
  const size = t.kind === 'int' ? t.bits / 8 : t.kind === 'bool' ? 1 : 8;
  if (t.kind !== 'int' && t.kind !== 'bool' && t.kind !== 'pointer') return h.fail(`this ${t.kind} value must be used where a string or buffer is expected`, e.span);
  const signed = t.kind === 'int' && t.signed;
  const v = readScalar(b, p.addr, size, signed && !bf, p.space);
  if (bf) {
    if (bf.bitOffset) b.alu('rsh', v, bf.bitOffset);
    if (signed) { b.alu('lsh', v, 64 - bf.bits); b.alu('arsh', v, 64 - bf.bits); } else b.alu('and', v, b.const((1n << BigInt(bf.bits)) - 1n));
  }
  return v;
}

/** A string/array/struct field read into a zeroed stack buffer. */
export function readMemoryBuffer(h: LoweringHost, e: ast.Expr): { off: number; type: Type } {
  const b = h.b;
  const p = place(h, e);
  const size = sizeOf(p.type);
  if (!size) return h.fail('cannot read a value of unknown size', e.span);
  const off = b.zeroed(size, 'read');
  const helper = p.type.kind === 'string'
    ? (p.space === 'user' ? Helper.probe_read_user_str : Helper.probe_read_kernel_str)
    : (p.space === 'user' ? Helper.probe_read_user : Helper.probe_read_kernel);
  b.call(helper, [{ fp: off }, { imm: size }, p.addr], false);
  return { off, type: p.type.kind === 'string' ? strType(size) : p.type };
}
