// BTF type kinds and record layouts (Documentation/bpf/btf.rst, include/uapi/linux/btf.h).

export const BtfKind = {
  UNKN: 0, INT: 1, PTR: 2, ARRAY: 3, STRUCT: 4, UNION: 5, ENUM: 6, FWD: 7, TYPEDEF: 8,
  VOLATILE: 9, CONST: 10, RESTRICT: 11, FUNC: 12, FUNC_PROTO: 13, VAR: 14, DATASEC: 15,
  FLOAT: 16, DECL_TAG: 17, TYPE_TAG: 18, ENUM64: 19,
} as const;
export type BtfKindName = keyof typeof BtfKind;

export const BTF_MAGIC = 0xeb9f;
/** struct btf_type: name_off, info, size_or_type. */
export const TYPE_HEADER_SIZE = 12;

/** Bytes that follow the 12-byte header of a type of `kind` with `vlen` entries. */
export function trailingBytes(kind: number, vlen: number): number {
  switch (kind) {
    case BtfKind.INT: return 4;
    case BtfKind.ARRAY: return 12;
    case BtfKind.STRUCT:
    case BtfKind.UNION: return vlen * 12;
    case BtfKind.ENUM: return vlen * 8;
    case BtfKind.FUNC_PROTO: return vlen * 8;
    case BtfKind.VAR: return 4;
    case BtfKind.DATASEC: return vlen * 12;
    case BtfKind.DECL_TAG: return 4;
    case BtfKind.ENUM64: return vlen * 12;
    default: return 0;
  }
}
