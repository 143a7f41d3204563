// What R1 points to when a program starts, per program kind. The verifier checks every context
// access against this description; the runtime must then supply a context of that shape.
export type PacketFieldKind = 'pkt' | 'pkt_end' | 'pkt_meta';

export interface ContextSpec {
  /** For messages and tests. */
  readonly name: string;
  /**
   * 'ctx': a structure with rules (fixed offsets only, listed pointer fields, the kernel's
   * context rules). 'mem': a plain block of bytes (the conformance suite's input memory; R2 holds
   * its length).
   */
  readonly type: 'ctx' | 'mem';
  readonly size: number;
  readonly writable: boolean;
  /** ctx fields whose load yields a packet pointer; such loads must be 4 bytes, as in xdp_md. */
  readonly pointerFields?: readonly { offset: number; kind: PacketFieldKind }[];
}

/** struct xdp_md: data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex. */
export const XDP_CONTEXT: ContextSpec = {
  name: 'xdp',
  type: 'ctx',
  size: 24,
  writable: false,
  pointerFields: [{ offset: 0, kind: 'pkt' }, { offset: 4, kind: 'pkt_end' }, { offset: 8, kind: 'pkt_meta' }],
};

/** A read-only record of `size` bytes (trace events: the filter's view of an emitted event). */
export const recordContext = (size: number, name = 'record'): ContextSpec => ({ name, type: 'ctx', size, writable: false });

/** The conformance suite's convention: R1 = input memory (writable), R2 = its length. */
export const memoryContext = (size: number): ContextSpec => ({ name: 'memory', type: 'mem', size, writable: true });
