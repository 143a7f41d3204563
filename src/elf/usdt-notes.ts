// USDT probes as <sys/sdt.h> records them: one ELF note per probe in `.note.stapsdt`, owner
// "stapsdt", type 3, whose descriptor is
//   u64 pc; u64 base; u64 semaphore; "provider\0" "name\0" "args\0"
// `base` is the link-time address of `.stapsdt.base`; if the file was prelinked the section moved
// and pc/semaphore move with it by the same amount (sdt.h's documented adjustment).
import { parseUsdtArguments, UsdtArgument } from '../probes/usdt/arguments.js';

export const NT_STAPSDT = 3;

export interface UsdtProbe {
  provider: string;
  name: string;
  /** Virtual address of the probe point (adjusted). */
  pc: bigint;
  /** Virtual address of the semaphore (a u16 counter), 0n when the probe has none. */
  semaphore: bigint;
  /** The raw argument string ("-4@%eax -8@%rdx"). */
  argText: string;
  arguments: UsdtArgument[];
}

/**
 * Parse the contents of `.note.stapsdt`. `stapsdtBase` is the address of the `.stapsdt.base`
 * section in this file, when present, for the prelink adjustment.
 */
export function parseStapsdtNotes(section: Uint8Array, stapsdtBase?: bigint): UsdtProbe[] {
  const v = new DataView(section.buffer, section.byteOffset, section.byteLength);
  const text = new TextDecoder();
  const out: UsdtProbe[] = [];
  const align4 = (n: number) => (n + 3) & ~3;
  for (let at = 0; at + 12 <= section.length;) {
    const namesz = v.getUint32(at, true);
    const descsz = v.getUint32(at + 4, true);
    const type = v.getUint32(at + 8, true);
    const nameStart = at + 12;
    const descStart = nameStart + align4(namesz);
    const next = descStart + align4(descsz);
    if (next > section.length) break;
    const owner = text.decode(section.subarray(nameStart, nameStart + Math.max(0, namesz - 1)));
    if (owner === 'stapsdt' && type === NT_STAPSDT && descsz >= 24) {
      let pc = v.getBigUint64(descStart, true);
      const base = v.getBigUint64(descStart + 8, true);
      let semaphore = v.getBigUint64(descStart + 16, true);
      if (stapsdtBase !== undefined && base !== 0n && stapsdtBase !== base) {
        pc += stapsdtBase - base;
        if (semaphore !== 0n) semaphore += stapsdtBase - base;
      }
      const strings = text.decode(section.subarray(descStart + 24, descStart + descsz)).split('\0');
      const [provider = '', name = '', argText = ''] = strings;
      out.push({ provider, name, pc, semaphore, argText, arguments: parseUsdtArguments(argText) });
    }
    at = next;
  }
  return out;
}
