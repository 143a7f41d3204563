// A set of maps and the programs that use them, loaded together (cilium/ebpf's CollectionSpec /
// Collection): the compiler produces a CollectionSpec (plain data); Collection.load creates the
// maps, loads the programs with their map references bound by name, and close() releases it all.
import { BpfMap, MapSpec } from './maps.js';
import { LoadOptions, Program, ProgramSpec } from './programs.js';

export interface CollectionSpec {
  /** Keyed by the names the programs' ldMap references use. */
  maps: Record<string, MapSpec>;
  programs: Record<string, ProgramSpec>;
}

export class Collection {
  private constructor(readonly maps: Record<string, BpfMap>, readonly programs: Record<string, Program>) {}

  static load(spec: CollectionSpec, options: LoadOptions = {}): Collection {
    const maps: Record<string, BpfMap> = {};
    const programs: Record<string, Program> = {};
    try {
      for (const [name, m] of Object.entries(spec.maps)) maps[name] = BpfMap.create(m);
      for (const [name, p] of Object.entries(spec.programs)) programs[name] = Program.load(p, maps, options);
    } catch (e) {
      for (const p of Object.values(programs)) p.close();
      for (const m of Object.values(maps)) m.close();
      throw e;
    }
    return new Collection(maps, programs);
  }

  map(name: string): BpfMap {
    const m = this.maps[name];
    if (!m) throw new Error(`no map '${name}' in this collection`);
    return m;
  }
  program(name: string): Program {
    const p = this.programs[name];
    if (!p) throw new Error(`no program '${name}' in this collection`);
    return p;
  }

  /** Close programs, then maps. Links and readers are closed by their owners (or at exit). */
  close(): void {
    for (const p of Object.values(this.programs)) p.close();
    for (const m of Object.values(this.maps)) m.close();
  }
}
