// Kernel enums for the language, from BTF: what makes `args.state == TCP_FIN_WAIT1` and
// `printf("%s", args.reason)` (SKB_DROP_REASON_NO_SOCKET) work with no kernel headers. An
// enumerator is an integer constant typed with its enum's name, so printf's %s can print the
// enumerator's name instead of the number, as bpftrace does.
import { kernelBtf, type Btf } from './btf.js';

/** An enumerator: its value, and its enum's name when the enum has one (anonymous enums have none). */
export interface EnumConstant {
  value: bigint;
  enumName?: string;
}

function safeKernelBtf(): Btf | undefined {
  try {
    return kernelBtf();
  } catch {
    return undefined; // no BTF: identifiers stay unknown, and the type checker says so
  }
}

/** The kernel enumerator `name`, or undefined when no kernel enum defines it. */
export function kernelEnumConstant(name: string): EnumConstant | undefined {
  const hit = safeKernelBtf()?.enumerator(name);
  if (!hit) return undefined;
  return { value: hit.value, enumName: hit.type.name || undefined };
}

const tables = new Map<string, ReadonlyMap<bigint, string> | undefined>();

/** Value -> enumerator name for the kernel's `enum NAME` (first enumerator wins for a shared value). */
export function kernelEnumValues(enumName: string): ReadonlyMap<bigint, string> | undefined {
  if (tables.has(enumName)) return tables.get(enumName);
  const t = safeKernelBtf()?.find(enumName, 'enum');
  let table: Map<bigint, string> | undefined;
  if (t?.kind === 'enum') {
    table = new Map();
    for (const v of t.values) if (!table.has(v.value)) table.set(v.value, v.name);
  }
  tables.set(enumName, table);
  return table;
}
