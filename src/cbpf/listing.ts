// Classic BPF listings in the three formats of `tcpdump -d`, `-dd` and `-ddd` (libpcap's
// bpf_image / bpf_dump), character for character, so that our output can be diffed with tcpdump's.
import {
  type CbpfInstruction, CClass, CSize, CMode, COp, CJmp, CSrc, CMisc, SKF_AD_OFF, SkfAd,
  cClass, cSize, cMode, cOp, cSrc,
} from './instruction.js';

/** libpcap's names for the Linux ancillary loads (SKF_AD_OFF + n). */
const ANCILLARY_NAMES: Record<number, string> = {
  [SkfAd.PROTOCOL]: 'proto', [SkfAd.PKTTYPE]: 'type', [SkfAd.IFINDEX]: 'ifidx', [SkfAd.NLATTR]: 'nla',
  [SkfAd.NLATTR_NEST]: 'nlan', [SkfAd.MARK]: 'mark', [SkfAd.QUEUE]: 'queue', [SkfAd.HATYPE]: 'hatype',
  [SkfAd.RXHASH]: 'rxhash', [SkfAd.CPU]: 'cpu', [SkfAd.ALU_XOR_X]: 'xor_x', [SkfAd.VLAN_TAG]: 'vlan_tci',
  [SkfAd.VLAN_TAG_PRESENT]: 'vlanp', [SkfAd.PAY_OFFSET]: 'poff', [SkfAd.RANDOM]: 'random',
  [SkfAd.VLAN_TPID]: 'vlan_tpid',
};

const AD_BASE = SKF_AD_OFF >>> 0;
const hex = (k: number): string => `#0x${(k >>> 0).toString(16)}`;
const dec = (k: number): string => `#${k | 0}`;

function absOperand(k: number): string {
  const u = k >>> 0;
  if (u >= AD_BASE && u - AD_BASE in ANCILLARY_NAMES) return `[${ANCILLARY_NAMES[u - AD_BASE]}]`;
  return `[${k | 0}]`;
}

const ALU_NAMES: Record<number, [string, (k: number) => string]> = {
  [COp.ADD]: ['add', dec], [COp.SUB]: ['sub', dec], [COp.MUL]: ['mul', dec], [COp.DIV]: ['div', dec],
  [COp.MOD]: ['mod', dec], [COp.AND]: ['and', hex], [COp.OR]: ['or', hex], [COp.XOR]: ['xor', hex],
  [COp.LSH]: ['lsh', dec], [COp.RSH]: ['rsh', dec],
};
const JMP_NAMES: Record<number, string> = { [CJmp.JEQ]: 'jeq', [CJmp.JGT]: 'jgt', [CJmp.JGE]: 'jge', [CJmp.JSET]: 'jset' };
const SIZE_SUFFIX: Record<number, string> = { [CSize.W]: '', [CSize.H]: 'h', [CSize.B]: 'b' };

/** Mnemonic and operand of one instruction as bpf_image prints them; null for an unknown opcode. */
function mnemonic(p: CbpfInstruction, pc: number): { op: string; operand: string; cond?: boolean } {
  const unimp = { op: 'unimp', operand: `0x${p.code.toString(16)}` };
  const k = p.k;
  switch (cClass(p.code)) {
    case CClass.RET:
      if (p.code === (CClass.RET | CSrc.K)) return { op: 'ret', operand: dec(k) };
      if (p.code === (CClass.RET | CSrc.A)) return { op: 'ret', operand: '' };
      return unimp;
    case CClass.LD: {
      const size = cSize(p.code);
      if (!(size in SIZE_SUFFIX)) return unimp;
      const op = `ld${SIZE_SUFFIX[size]}`;
      switch (cMode(p.code)) {
        case CMode.ABS: return { op, operand: absOperand(k) };
        case CMode.IND: return { op, operand: `[x + ${k | 0}]` };
        case CMode.LEN: return size === CSize.W ? { op: 'ld', operand: '#pktlen' } : unimp;
        case CMode.IMM: return size === CSize.W ? { op: 'ld', operand: hex(k) } : unimp;
        case CMode.MEM: return size === CSize.W ? { op: 'ld', operand: `M[${k | 0}]` } : unimp;
        default: return unimp;
      }
    }
    case CClass.LDX:
      if (p.code === (CClass.LDX | CSize.B | CMode.MSH)) return { op: 'ldxb', operand: `4*([${k | 0}]&0xf)` };
      if (p.code === (CClass.LDX | CSize.W | CMode.IMM)) return { op: 'ldx', operand: hex(k) };
      if (p.code === (CClass.LDX | CSize.W | CMode.MEM)) return { op: 'ldx', operand: `M[${k | 0}]` };
      if (p.code === (CClass.LDX | CSize.W | CMode.LEN)) return { op: 'ldx', operand: '#pktlen' };
      return unimp;
    case CClass.ST:
      return p.code === CClass.ST ? { op: 'st', operand: `M[${k | 0}]` } : unimp;
    case CClass.STX:
      return p.code === CClass.STX ? { op: 'stx', operand: `M[${k | 0}]` } : unimp;
    case CClass.ALU: {
      const op = cOp(p.code);
      if (op === COp.NEG) return p.code === (CClass.ALU | COp.NEG) ? { op: 'neg', operand: '' } : unimp;
      const entry = ALU_NAMES[op];
      if (!entry || (p.code & 0x07) !== CClass.ALU) return unimp;
      return { op: entry[0], operand: cSrc(p.code) === CSrc.X ? 'x' : entry[1](k) };
    }
    case CClass.JMP: {
      const op = cOp(p.code);
      if (op === CJmp.JA) return p.code === (CClass.JMP | CJmp.JA) ? { op: 'ja', operand: `${pc + 1 + (k | 0)}` } : unimp;
      const name = JMP_NAMES[op];
      if (!name) return unimp;
      return { op: name, operand: cSrc(p.code) === CSrc.X ? 'x' : hex(k), cond: true };
    }
    case CClass.MISC:
      if (p.code === (CClass.MISC | CMisc.TAX)) return { op: 'tax', operand: '' };
      if (p.code === (CClass.MISC | CMisc.TXA)) return { op: 'txa', operand: '' };
      return unimp;
  }
  return unimp;
}

/** One line of `tcpdump -d`. */
export function imageLine(p: CbpfInstruction, pc: number): string {
  const m = mnemonic(p, pc);
  const head = `(${String(pc).padStart(3, '0')}) ${m.op.padEnd(8)} `;
  if (m.cond) return `${head}${m.operand.padEnd(16)} jt ${pc + 1 + p.jt}\tjf ${pc + 1 + p.jf}`;
  return head + m.operand;
}

/** `tcpdump -d`: human-readable listing. */
export const formatListing = (program: readonly CbpfInstruction[]): string =>
  program.map((p, i) => imageLine(p, i) + '\n').join('');

/** `tcpdump -dd`: a C array initialiser. */
export const formatC = (program: readonly CbpfInstruction[]): string =>
  program
    .map((p) => `{ 0x${p.code.toString(16)}, ${p.jt}, ${p.jf}, 0x${(p.k >>> 0).toString(16).padStart(8, '0')} },\n`)
    .join('');

/** `tcpdump -ddd`: decimal numbers, the count first (the format of `iptables -m bpf --bytecode`). */
export const formatDecimal = (program: readonly CbpfInstruction[]): string =>
  `${program.length}\n` + program.map((p) => `${p.code} ${p.jt} ${p.jf} ${p.k >>> 0}\n`).join('');

/** Parse `-dd` or `-ddd` text back into instructions (for tests and `bpfkit filter --program`). */
export function parseDump(text: string): CbpfInstruction[] {
  const out: CbpfInstruction[] = [];
  const c = /\{\s*(0x[0-9a-f]+|\d+),\s*(\d+),\s*(\d+),\s*(0x[0-9a-f]+|\d+)\s*\}/gi;
  let m: RegExpExecArray | null;
  while ((m = c.exec(text))) out.push({ code: Number(m[1]), jt: Number(m[2]), jf: Number(m[3]), k: Number(m[4]) >>> 0 });
  if (out.length) return out;
  const lines = text.trim().split('\n').map((l) => l.trim()).filter(Boolean);
  for (const line of lines.slice(1)) {
    const [code, jt, jf, k] = line.split(/\s+/).map(Number);
    out.push({ code: code!, jt: jt!, jf: jf!, k: k! >>> 0 });
  }
  return out;
}

