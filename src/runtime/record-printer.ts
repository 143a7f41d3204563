// What a script's ring-buffer records mean (printf, print, time, clear, zero, join, cat, exit),
// and printing the maps as bpftrace does at exit. Shared by the kernel session (runtime/session.ts)
// and in-process scripts (ust/script.ts): both hand it records and their maps, so the text and
// JSON they print, and what clear() and zero() do, are the same by construction.
import type { CompiledScript } from '../ir/compile.js';
import { ScriptMap } from '../ir/maps.js';
import { RecordField, RecordSpec } from '../ir/records.js';
import { formatPrintf, parsePrintfFormat, FormatPart } from '../output/printf.js';
import type * as StrftimeModule from '../output/strftime.js';
import { catErrorText, exitText, lostEventsText, mapText, printValueText } from '../output/text.js';
import type * as JsonOutput from '../output/json.js';
import type { MapDump, Value } from '../output/value.js';
import type * as CatFileModule from './cat-file.js';
import { cString, decodeValue, DecodeContext } from './decode.js';
import { dumpMap, MapEntries } from './map-dump.js';

/**
 * A script map's entries as the printer reads and resets them, wherever they live: a kernel
 * BpfMap, or a VM map (one value per key, as one CPU).
 */
export interface MapAccess extends MapEntries {
  keys(): Iterable<Uint8Array>;
  delete(key: Uint8Array): unknown;
  update(key: Uint8Array, value: Uint8Array): unknown;
}

export interface PrinterOptions {
  format: 'text' | 'json';
  write: (text: string) => void;
  /** Diagnostics (stderr): cat()'s "failed to open file". */
  warn: (text: string) => void;
  /** Loaded by the caller when the output is JSON (every module costs the CLI start-up time). */
  json?: typeof JsonOutput;
  /** Loaded by the caller when the script uses time(). */
  strftime?: typeof StrftimeModule;
  /** Loaded by the caller when the script uses cat(). */
  catFile?: typeof CatFileModule;
  /** config max_cat_bytes (default 10240). */
  maxCatBytes?: number;
  /** Called when a record says exit(). */
  onExit?: () => void;
}

const decoder = new TextDecoder();

export class RecordPrinter {
  private formats = new Map<number, FormatPart[]>();
  /** False after exit(): bpftrace stops handling events then (END's records are let through). */
  accepting = true;
  /** exit()'s code, once a record asked for it. */
  exitCode: number | undefined;

  constructor(private readonly script: CompiledScript, private readonly mapOf: (m: ScriptMap) => MapAccess | undefined, readonly ctx: DecodeContext, private readonly options: PrinterOptions) {}

  private dump(m: ScriptMap): MapDump {
    return dumpMap(m, this.mapOf(m)!, this.ctx);
  }

  /** clear(): delete every entry; zero(): keep the keys, zero the values (bucketed maps: delete). */
  private reset(m: ScriptMap, how: 'clear' | 'zero'): void {
    const map = this.mapOf(m);
    if (!map) return;
    for (const key of [...map.keys()]) {
      if (how === 'clear' || m.bucketed) map.delete(key);
      else map.update(key, new Uint8Array(m.valueSize));
    }
  }

  private get json(): typeof JsonOutput | undefined {
    return this.options.format === 'json' ? this.options.json : undefined;
  }

  emit(text: string): void { this.options.write(text); }

  /** One ring-buffer record: the u64 record id, then the record's fields. */
  onRecord(bytes: Uint8Array): void {
    if (!this.accepting) return;
    const id = Number(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true));
    const spec = this.script.records[id];
    if (spec) this.handle(id, spec, bytes);
  }

  private handle(id: number, spec: RecordSpec, bytes: Uint8Array): void {
    const json = this.json;
    switch (spec.kind) {
      case 'printf': {
        const text = this.formatted(id, spec.format, spec.fields, bytes);
        this.emit(json ? json.messageJson('printf', text) : text);
        break;
      }
      case 'cat': {
        const name = this.formatted(id, spec.format, spec.fields, bytes);
        const cat = this.options.catFile!;
        const { data, error } = cat.catFile(name, this.options.maxCatBytes ?? cat.DEFAULT_MAX_CAT_BYTES);
        if (error !== undefined) this.options.warn(catErrorText(name, error));
        // As bpftrace: the contents as they are (no newline added), and in JSON a cat message
        // even when nothing could be read.
        const text = decoder.decode(data);
        this.emit(json ? json.messageJson('cat', text) : text);
        break;
      }
      case 'printValue': {
        const v = this.field(spec.field, bytes);
        this.emit(json ? json.printValueJson(v) : printValueText(v));
        break;
      }
      case 'print': {
        const m = this.scriptMap(spec.map);
        if (!m) break;
        const dump = this.dump(m);
        const opts = { top: spec.top ?? 0, div: BigInt(spec.div ?? 1) };
        this.emit(json ? json.mapJson(dump, opts) : mapText(dump, opts));
        break;
      }
      case 'clear': case 'zero': {
        const m = this.scriptMap(spec.map);
        if (m) this.reset(m, spec.kind);
        break;
      }
      case 'time': {
        const text = this.options.strftime!.strftime(spec.format, BigInt(Date.now()) * 1_000_000n);
        this.emit(json ? json.messageJson('time', text) : text);
        break;
      }
      case 'join': {
        const n = Number(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(8, true));
        const parts: string[] = [];
        for (let i = 0; i < Math.min(n, spec.count); i++) parts.push(cString(bytes.subarray(16 + i * spec.argSize, 16 + (i + 1) * spec.argSize)));
        const text = parts.join(spec.delimiter);
        this.emit(json ? json.messageJson('join', text) : text + '\n');
        break;
      }
      case 'exit': this.accepting = false; this.exitCode = spec.code; this.options.onExit?.(); break;
    }
  }

  /** printf()'s text, or cat()'s file name: the record's format filled with its fields. */
  private formatted(id: number, format: string, fields: RecordField[], bytes: Uint8Array): string {
    let parts = this.formats.get(id);
    if (!parts) this.formats.set(id, (parts = parsePrintfFormat(format)));
    return formatPrintf(parts, fields.map((f) => this.field(f, bytes)));
  }

  private field(f: RecordField, bytes: Uint8Array): Value {
    if (f.format !== undefined) {
      // The program read CLOCK_MONOTONIC (nsecs); shift it onto the wall clock.
      const ns = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(f.offset, true);
      const epochNs = BigInt(Date.now()) * 1_000_000n - (process.hrtime.bigint() - ns);
      return { kind: 'timestamp', format: f.format, epochNs };
    }
    return decodeValue(f.type, bytes, f.offset, this.ctx, true);
  }

  private scriptMap(name: string): ScriptMap | undefined {
    return this.script.maps.find((m) => m.name === name);
  }

  /** Every @map's current contents. */
  dumpMaps(): MapDump[] {
    return this.script.maps.map((m) => this.dump(m));
  }

  /** The maps that hold anything, as bpftrace prints them at exit. */
  printMaps(): void {
    const dumps = this.dumpMaps().filter((d) => d.entries.length > 0);
    this.emit(this.json ? this.json.exitJson(dumps) : exitText(dumps));
  }

  /** bpftrace's "Lost N events" (to `warn`, as bpftrace writes it to stderr). */
  reportLost(n: bigint, warn: (text: string) => void): void {
    if (n > 0n) warn(this.json ? this.json.lostEventsJson(n) : lostEventsText(n));
  }
}
