// Reading an eBPF program named on the command line: assembly text (.s/.asm, conformance syntax)
// or raw bytecode (8 bytes per slot, as `bpfkit asm` writes and the kernel takes).
import { readFileSync } from 'node:fs';
import { UserError } from '../diagnostics.js';
import { assemble } from '../isa/assembler.js';
import { decode, EncodingError } from '../isa/encoding.js';
import { Instruction } from '../isa/instruction.js';

export interface LoadedProgram {
  program: Instruction[];
  kind: 'assembly' | 'bytecode';
}

export function readInput(file: string): Buffer {
  try {
    return readFileSync(file === '-' ? 0 : file);
  } catch (e) {
    throw new UserError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
}

/** True when the bytes look like text rather than bytecode. */
function looksLikeText(file: string, data: Buffer): boolean {
  if (/\.(s|S|asm)$/.test(file)) return true;
  if (/\.(bin|o|bpf)$/.test(file)) return false;
  // Bytecode is full of zero bytes (unused fields); text has none.
  return data.length % 8 !== 0 || !data.includes(0);
}

export function loadProgram(file: string): LoadedProgram {
  const data = readInput(file);
  if (data.length >= 4 && data[0] === 0x7f && data.toString('latin1', 1, 4) === 'ELF') {
    throw new UserError(`${file}: ELF object files are not supported here; give assembly text or raw bytecode`);
  }
  if (looksLikeText(file, data)) {
    return { program: assemble(data.toString('utf8'), { file, locations: true }), kind: 'assembly' };
  }
  try {
    return { program: decode(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)), kind: 'bytecode' };
  } catch (e) {
    if (e instanceof EncodingError) throw new UserError(`${file}: not valid eBPF bytecode: ${e.message}`);
    throw e;
  }
}

/** Parse `--mem` bytes: hex, optionally separated by spaces, commas or colons ("01 02", "0102"). */
export function parseHexBytes(text: string): Uint8Array {
  const clean = text.replace(/0x/gi, '').replace(/[\s,:]/g, '');
  if (!/^[0-9a-fA-F]*$/.test(clean) || clean.length % 2 !== 0) {
    throw new UserError(`--mem: expected hex bytes like "01 02 ff" or "0102ff", got '${text}'`);
  }
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}
