// `bpfkit -e PROGRAM` / `bpfkit FILE.bt [ARGS]`: the bpftrace front end. Argument parsing only;
// the work is in lang/ (parse), ir/ (compile) and runtime/ (session).
import { parseArgs } from 'node:util';
import { readFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Command } from '../main.js';
import { UserError } from '../../diagnostics.js';
import { parse } from '../../lang/parser.js';
import { analyse } from '../../lang/semantic.js';
import { compileScript, CompiledScript } from '../../ir/compile.js';
import { Session } from '../../runtime/session.js';
import { nrPossibleCpus } from '../../kernel/sys.js';
// -l and -d load what they need on demand: every module imported here is paid by every run.
// (BTF is read only when a script names a kernel struct or a BTF-typed probe.)
import { kernelStructType } from '../../btf/struct-types.js';
import { kernelEnumConstant, kernelEnumValues } from '../../btf/enums.js';
import { probeContextResolver } from '../../probes/context-resolver.js';
import { AttachPointExpander } from '../../probes/expander.js';
import type { MissingProbes } from '../../diagnostics.js';

const USAGE = `usage: bpfkit [options] -e 'PROGRAM' | bpfkit [options] FILE.bt [ARGS...]
  -e PROGRAM      program text
  -f text|json    output format (default text)
  -o FILE         write output to FILE
  -q              quiet: no "Attached N probes" line
  -c CMD          run CMD after attaching; stop when it exits
  -p PID          target process: uprobe/usdt targets resolve in its mappings; probes fire only in it
  -l [PATTERN]    list probes matching PATTERN (tracepoint:, rawtracepoint:, software:, hardware:,
                  uprobe:PATH:GLOB, usdt:PATH:GLOB, kprobe:/fentry: where the kernel allows them)
  -d              print the AST, IR and final instructions (with script lines), then exit
  -v              verbose: full verifier log on errors
  --dry-run       compile, load and verify, attach nothing
`;

class UsageError extends UserError {
  override render(): string { return `${this.message}\n${USAGE}`; }
}

async function listProbes(pattern: string | undefined, pid?: number): Promise<string> {
  const { listProbes: listAllProbes } = await import('../../probes/list.js');
  const names = listAllProbes(pattern, { pid });
  return names.length ? names.join('\n') + '\n' : '';
}

function targetPid(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`-p expects a process id, not '${text}'`);
  return Number(text);
}

async function debugListing(script: CompiledScript, ast: unknown): Promise<string> {
  const { formatIr } = await import('../../ir/ir.js');
  const { disassembleKernel } = await import('../../isa/disassembler.js');
  const { slotOffsets } = await import('../../isa/instruction.js');
  const out: string[] = ['AST:', JSON.stringify(ast, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2), ''];
  for (const p of script.programs) {
    out.push(`IR for ${p.instance.name}:`, formatIr(p.ir), '');
    out.push(`Instructions for ${p.instance.name} (${p.insns.length} instructions, stack ${p.stackSize} bytes, ${p.alloc.spilled} spilled):`);
    const pcs = slotOffsets(p.insns);
    const text = disassembleKernel(p.insns).split('\n');
    let last = '';
    p.insns.forEach((insn, i) => {
      const loc = insn.loc;
      const here = loc ? `; ${loc.line}:${loc.column} ${loc.text ?? ''}` : '';
      if (loc && here !== last) {
        out.push(here);
        last = here;
      }
      out.push(`${String(pcs[i]).padStart(4)}: ${(text[i] ?? '').replace(/^\d+: /, '')}`);
    });
    out.push('');
  }
  return out.join('\n');
}

const trace: Command = {
  summary: 'run a bpftrace program (-e PROGRAM or FILE.bt)',
  async run(args: string[]): Promise<number> {
    let parsed;
    try {
      parsed = parseArgs({
        args,
        allowPositionals: true,
        strict: true,
        options: {
          e: { type: 'string' }, f: { type: 'string' }, o: { type: 'string' }, q: { type: 'boolean' },
          c: { type: 'string' }, p: { type: 'string' }, l: { type: 'boolean' }, d: { type: 'boolean' },
          v: { type: 'boolean' }, 'dry-run': { type: 'boolean' }, h: { type: 'boolean' }, help: { type: 'boolean' },
        },
      });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const { values: o, positionals } = parsed;
    if (o.h || o.help) { process.stdout.write(USAGE); return 0; }
    const pid = targetPid(o.p);
    if (o.l) { process.stdout.write(await listProbes(o.e ?? positionals[0], pid)); return 0; }
    const format = o.f ?? 'text';
    if (format !== 'text' && format !== 'json') throw new UsageError(`invalid output format '${format}' (text or json)`);
    let source: string, file: string, positional: string[];
    if (o.e !== undefined) { source = o.e; file = 'stdin'; positional = positionals; }
    else if (positionals.length > 0) {
      file = positionals[0];
      try { source = readFileSync(file, 'utf8'); } catch (e) { throw new UserError(`cannot read ${file}: ${(e as Error).message}`); }
      positional = positionals.slice(1);
    } else throw new UsageError('no program given');
    const ast = parse(source, { file });
    // One expander for analysis (which finds missing probes) and the compiler (which reuses it).
    const expander = new AttachPointExpander({ pid });
    const analysed = analyse(ast, { source, params: positional, structs: kernelStructType, constants: kernelEnumConstant, resolver: probeContextResolver(expander) });
    for (const w of analysed.warnings) process.stderr.write(w.render() + '\n');
    const strlen = analysed.config.max_strlen;
    const maxCatBytes = analysed.config.max_cat_bytes;
    const script = compileScript(ast, { source, file, positional, ncpus: availableParallelism(), possibleCpus: nrPossibleCpus(), strlen: typeof strlen === 'bigint' ? Number(strlen) : undefined, pid, expander,
      enums: (name) => analysed.enums.get(name) ?? kernelEnumValues(name) });
    if (o.d) { process.stdout.write(await debugListing(script, ast)); return 0; }
    const fd = o.o ? openSync(o.o, 'w') : 1;
    const write = (text: string): void => { if (text) writeSync(fd, text); };
    try {
      const session = new Session(script, {
        format, write, warn: (t) => process.stderr.write(t), verbose: o.v, quiet: o.q, dryRun: o['dry-run'],
        command: o.c, file, source, pid, printMapsOnExit: analysed.config.print_maps_on_exit !== false,
        demangle: analysed.config.cpp_demangle !== false,
        maxCatBytes: typeof maxCatBytes === 'bigint' ? Number(maxCatBytes) : undefined,
        missingProbes: (analysed.config.missing_probes as MissingProbes | undefined) ?? 'error',
      });
      return await session.run();
    } finally {
      if (fd !== 1) closeSync(fd);
    }
  },
};

export default trace;
