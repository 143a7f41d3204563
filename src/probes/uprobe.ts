// uprobe:PATH:FUNCTION / uretprobe (aliases u, ur): user-space function entry and return,
// through the uprobe PMU (kernel/links/uprobe.ts resolves the symbol's file offset from the
// ELF file). The context is the task's struct pt_regs: argN are the x86-64 argument registers,
// retval is rax. `func` is the probed function's name.
import { UserError } from '../diagnostics.js';
import { ProbeInstance, ProbeProvider } from './provider.js';

export const PROG_TYPE_KPROBE = 2;

/** Offsets of the x86-64 argument registers in struct pt_regs (arch/x86/include/asm/ptrace.h). */
export const PT_REGS_ARGS = [112 /* di */, 104 /* si */, 96 /* dx */, 88 /* cx */, 72 /* r8 */, 64 /* r9 */];
export const PT_REGS_RAX = 80;

function provider(kind: 'uprobe' | 'uretprobe'): ProbeProvider {
  return {
    names: kind === 'uprobe' ? ['uprobe', 'u'] : ['uretprobe', 'ur'],
    builtins: kind === 'uprobe' ? ['arg0', 'arg1', 'arg2', 'arg3', 'arg4', 'arg5', 'func'] : ['retval', 'func'],
    expand(parts: readonly string[], raw: string): ProbeInstance[] {
      if (parts.length !== 2 || !parts[0] || !parts[1]) throw new UserError(`${raw}: ${kind} probes are ${kind}:PATH:FUNCTION`);
      const [path, symbol] = parts;
      if (/[*?]/.test(symbol)) throw new UserError(`${raw}: wildcards in ${kind} function names are not supported yet`);
      return [{
        provider: kind, name: `${kind}:${path}:${symbol}`, progType: PROG_TYPE_KPROBE,
        attach: { kind, path, symbol }, argsAddrSpace: 'user',
      }];
    },
  };
}

export const uprobeProvider = provider('uprobe');
export const uretprobeProvider = provider('uretprobe');
