// Itanium C++ ABI demangling (the scheme of g++ and clang on Linux), for stack symbols: node's
// own frames (node::, v8::internal::) and any C++ program's read as bpftrace shows them, not as
// `_ZN2v88internal...`. Written from the ABI's grammar (itanium-cxx-abi.github.io/cxx-abi);
// test/runtime/demangle.test.ts holds it to binutils' c++filt on every C++ symbol of libstdc++ and
// node. Output follows c++filt's style (`char const*`, `> >`). What it does not know (template
// argument expressions other than literals, a few rare forms), it declines: demangle() returns
// undefined and the caller keeps the mangled name, never a wrong one.

/** The demangled form of `symbol`, or undefined when it is not a C++ symbol this can read. */
export function demangle(symbol: string): string | undefined {
  if (!symbol.startsWith('_Z')) return undefined;
  // Clones (.constprop.0, .isra.0, .cold, ...) follow the mangled name.
  const dot = symbol.indexOf('.', 2);
  const mangled = dot < 0 ? symbol : symbol.slice(0, dot);
  const clones = dot < 0 ? '' : clonesOf(symbol.slice(dot));
  if (clones === undefined) return undefined;
  try {
    const p = new Parser(mangled, 2);
    const out = p.encoding(true);
    if (p.pos !== mangled.length) return undefined;
    return out + clones;
  } catch (e) {
    if (e instanceof Unsupported) return undefined;
    throw e;
  }
}

/** `.isra.0.cold` -> ` [clone .isra.0] [clone .cold]`, as c++filt prints them. */
function clonesOf(suffix: string): string | undefined {
  const m = suffix.match(/\.[A-Za-z_]+(?:\.\d+)*/g);
  if (!m || m.join('') !== suffix) return undefined;
  return m.map((c) => ` [clone ${c}]`).join('');
}

class Unsupported extends Error {}

/** A type, kept as a tree so that declarators print the C way: `void (*)(int)`, `int (&) [3]`. */
type Type =
  | { k: 'name'; s: string }
  | { k: 'ptr'; op: '*' | '&' | '&&'; to: Type }
  | { k: 'cv'; q: string; to: Type }
  | { k: 'fn'; ret: Type | undefined; params: Type[]; q: string }
  | { k: 'arr'; dim: string; to: Type }
  | { k: 'memptr'; cls: Type; to: Type }
  | { k: 'pack'; to: Type }
  /** A template parameter pack's arguments, or the expansion of a pack (`Dp`): several types. */
  | { k: 'list'; items: Type[] };

const named = (s: string): Type => ({ k: 'name', s });

function show(t: Type, decl = ''): string {
  switch (t.k) {
    case 'name': return t.s + decl;
    case 'cv': return show(t.to, t.q + decl);
    case 'ptr': return t.to.k === 'fn' || t.to.k === 'arr' ? show(t.to, `(${t.op}${decl})`) : show(t.to, t.op + decl);
    case 'fn': return `${t.ret ? show(t.ret) + ' ' : ''}${decl}(${params(t.params)})${t.q}`;
    case 'arr': return show(t.to, decl.endsWith(']') ? `${decl}[${t.dim}]` : decl ? ` ${decl} [${t.dim}]` : ` [${t.dim}]`);
    case 'memptr': return t.to.k === 'fn' ? show(t.to, `(${show(t.cls)}::*${decl})`) : show(t.to, ` ${show(t.cls)}::*${decl}`);
    case 'pack': return show(t.to, decl) + '...';
    case 'list': return t.items.map((x) => show(x, decl)).join(', ');
  }
}

/** Parameters with expanded packs spread out (an empty pack adds none). */
function params(ps: Type[]): string {
  const flat = ps.flatMap((p) => (p.k === 'list' ? p.items : [p]));
  if (flat.length === 1 && flat[0].k === 'name' && flat[0].s === 'void') return '';
  return flat.map((p) => show(p)).join(', ');
}

/** `inner` with the pack it refers to replaced by each of the pack's arguments in turn. */
function expandPack(inner: Type): Type | undefined {
  let pack: Type[] | undefined;
  const find = (t: Type): void => {
    if (pack) return;
    if (t.k === 'list') { pack = t.items; return; }
    if (t.k === 'ptr' || t.k === 'cv' || t.k === 'arr' || t.k === 'pack') find(t.to);
    else if (t.k === 'memptr') { find(t.cls); find(t.to); }
    else if (t.k === 'fn') { if (t.ret) find(t.ret); t.params.forEach(find); }
  };
  find(inner);
  if (!pack) return undefined;
  const list = pack;
  const replace = (t: Type, x: Type): Type => {
    switch (t.k) {
      case 'list': return t.items === list ? x : t;
      case 'ptr': case 'cv': case 'arr': case 'pack': return { ...t, to: replace(t.to, x) } as Type;
      case 'memptr': return { ...t, cls: replace(t.cls, x), to: replace(t.to, x) };
      case 'fn': return { ...t, ret: t.ret && replace(t.ret, x), params: t.params.map((p) => replace(p, x)) };
      default: return t;
    }
  };
  return { k: 'list', items: list.map((x) => normalize(replace(inner, x))) };
}

/**
 * The forms substituted template arguments take in C++: a qualifier on an array qualifies its
 * elements (`char const (&) [11]`), qualifiers do not repeat (`T const` with T = `int const`),
 * and references collapse (`T&&` with T = `U&` is `U&`).
 */
function normalize(t: Type): Type {
  if (t.k === 'cv') {
    const to = normalize(t.to);
    if (to.k === 'arr') return { k: 'arr', dim: to.dim, to: normalize({ k: 'cv', q: t.q, to: to.to }) };
    if (to.k === 'cv') {
      const q = [' const', ' volatile', ' restrict'].filter((x) => t.q.includes(x) || to.q.includes(x)).join('');
      return { k: 'cv', q, to: to.to };
    }
    if (to.k === 'ptr' && to.op !== '*') return to; // a reference is never qualified
    return { ...t, to };
  }
  if (t.k === 'ptr') {
    const to = normalize(t.to);
    if (t.op !== '*' && to.k === 'ptr' && to.op !== '*') return { k: 'ptr', op: t.op === '&&' && to.op === '&&' ? '&&' : '&', to: to.to };
    return { ...t, to };
  }
  return t;
}

/** Appends template arguments the way c++filt does: a space between two closing brackets. */
const withArgs = (name: string, args: Type[]): string => {
  const shown = args.filter((a) => !isEmptyPack(a)).map((a) => show(a));
  const inner = shown.join(', ');
  // c++filt checks for `>>` before an empty pack is dropped, so after one it adds no space.
  const space = inner.endsWith('>') && !(args.length && isEmptyPack(args[args.length - 1]));
  // `operator<< <T>`, not `operator<<<T>`
  return `${name}${name.endsWith('<') ? ' ' : ''}<${inner}${space ? ' ' : ''}>`;
};
const isEmptyPack = (t: Type): boolean => t.k === 'list' && t.items.length === 0;

const BUILTIN: Record<string, string> = {
  v: 'void', w: 'wchar_t', b: 'bool', c: 'char', a: 'signed char', h: 'unsigned char', s: 'short',
  t: 'unsigned short', i: 'int', j: 'unsigned int', l: 'long', m: 'unsigned long', x: 'long long',
  y: 'unsigned long long', n: '__int128', o: 'unsigned __int128', f: 'float', d: 'double',
  e: 'long double', g: '__float128', z: '...',
};
const BUILTIN_D: Record<string, string> = {
  i: 'char32_t', s: 'char16_t', u: 'char8_t', n: 'decltype(nullptr)', a: 'auto', c: 'decltype(auto)',
  d: 'decimal64', e: 'decimal128', f: 'decimal32', h: 'half',
};
const OPERATORS: Record<string, string> = {
  nw: 'new', na: 'new[]', dl: 'delete', da: 'delete[]', ps: '+', ng: '-', ad: '&', de: '*', co: '~',
  pl: '+', mi: '-', ml: '*', dv: '/', rm: '%', an: '&', or: '|', eo: '^', aS: '=', pL: '+=', mI: '-=',
  mL: '*=', dV: '/=', rM: '%=', aN: '&=', oR: '|=', eO: '^=', ls: '<<', rs: '>>', lS: '<<=', rS: '>>=',
  eq: '==', ne: '!=', lt: '<', gt: '>', le: '<=', ge: '>=', ss: '<=>', nt: '!', aa: '&&', oo: '||',
  pp: '++', mm: '--', cm: ',', pm: '->*', pt: '->', cl: '()', ix: '[]', qu: '?',
};
// c++filt spells Ss, Si, So, Sd out in full (its DMGL_VERBOSE), so this does too.
const STD_SUBST: Record<string, string> = {
  a: 'std::allocator', b: 'std::basic_string',
  s: 'std::basic_string<char, std::char_traits<char>, std::allocator<char> >',
  i: 'std::basic_istream<char, std::char_traits<char> >',
  o: 'std::basic_ostream<char, std::char_traits<char> >',
  d: 'std::basic_iostream<char, std::char_traits<char> >',
};
/** The class name a constructor or destructor after these substitutions repeats. */
const STD_BASE: Record<string, string> = { a: 'allocator', b: 'basic_string', s: 'basic_string', i: 'basic_istream', o: 'basic_ostream', d: 'basic_iostream' };
/** Literal suffixes c++filt prints for integer template arguments. */
const LITERAL_SUFFIX: Record<string, string> = { i: '', j: 'u', l: 'l', m: 'ul', x: 'll', y: 'ull' };

/** The name of an entity being parsed: what it prints as, and facts the encoding needs. */
interface Name {
  s: string;
  /** Ends in template arguments (so the function's return type is mangled). */
  template: boolean;
  /** A constructor, destructor or conversion operator (no return type even when a template). */
  noReturn: boolean;
  /** cv- and ref-qualifiers of a member function, printed after its parameters. */
  q: string;
  /** The template arguments it ends with: what T_ means in a function template's signature. */
  args?: Type[];
}

class Parser {
  private readonly subs: Type[] = [];
  private templateArgs: Type[] = [];
  /** How deep in template arguments the parser is. */
  private inArgs = 0;

  constructor(private readonly m: string, public pos: number) {}

  private peek(n = 0): string { return this.m[this.pos + n] ?? ''; }
  private eat(s: string): boolean {
    if (!this.m.startsWith(s, this.pos)) return false;
    this.pos += s.length;
    return true;
  }
  private expect(s: string): void { if (!this.eat(s)) throw new Unsupported(`expected ${s} at ${this.pos}`); }
  private number(): number {
    const neg = this.eat('n');
    const start = this.pos;
    while (/[0-9]/.test(this.peek())) this.pos++;
    if (start === this.pos) throw new Unsupported('number');
    const v = Number(this.m.slice(start, this.pos));
    return neg ? -v : v;
  }
  /** seq-id: base 36 digits and capitals, then _ ; `_` alone is 0. */
  private seqId(): number {
    if (this.eat('_')) return 0;
    const start = this.pos;
    while (/[0-9A-Z]/.test(this.peek())) this.pos++;
    const v = parseInt(this.m.slice(start, this.pos), 36);
    this.expect('_');
    return v + 1;
  }

  // <encoding> ::= <name> <bare-function-type> | <name> | <special-name>
  encoding(top: boolean, withReturnType = true): string {
    if (this.peek() === 'T' || this.peek() === 'G') return this.specialName();
    const outer = this.templateArgs;
    const name = this.name();
    if (this.pos >= this.m.length || this.peek() === 'E' || (!top && this.peek() === '.')) { this.templateArgs = outer; return name.s; }
    if (name.args) this.templateArgs = name.args;
    const ret = name.template && !name.noReturn ? this.type() : undefined;
    const ps: Type[] = [];
    while (this.pos < this.m.length && this.peek() !== 'E' && this.peek() !== '.') ps.push(this.type());
    if (!ps.length) throw new Unsupported('no parameters');
    this.templateArgs = outer;
    return `${ret && withReturnType ? show(ret) + ' ' : ''}${name.s}(${params(ps)})${name.q}`;
  }

  private specialName(): string {
    if (this.eat('TV')) return `vtable for ${show(this.type())}`;
    if (this.eat('TT')) return `VTT for ${show(this.type())}`;
    if (this.eat('TI')) return `typeinfo for ${show(this.type())}`;
    if (this.eat('TS')) return `typeinfo name for ${show(this.type())}`;
    if (this.eat('Th')) { this.number(); this.expect('_'); return `non-virtual thunk to ${this.encoding(false)}`; }
    if (this.eat('Tv')) { this.number(); this.expect('_'); this.number(); this.expect('_'); return `virtual thunk to ${this.encoding(false)}`; }
    if (this.eat('Tc')) { this.callOffset(); this.callOffset(); return `covariant return thunk to ${this.encoding(false)}`; }
    if (this.eat('TW')) return `TLS wrapper function for ${this.name().s}`;
    if (this.eat('TH')) return `TLS init function for ${this.name().s}`;
    if (this.eat('GV')) return `guard variable for ${this.name().s}`;
    if (this.eat('GR')) {
      const name = this.name().s;
      const n = this.peek() === '_' ? (this.pos++, 0) : this.seqId();
      return `reference temporary #${n} for ${name}`;
    }
    throw new Unsupported('special name');
  }

  private callOffset(): void {
    if (this.eat('h')) { this.number(); this.expect('_'); return; }
    if (this.eat('v')) { this.number(); this.expect('_'); this.number(); this.expect('_'); return; }
    throw new Unsupported('call offset');
  }

  // <name> ::= <nested-name> | <local-name> | <unscoped-name> [<template-args>] | <substitution> <template-args>
  private name(): Name {
    const c = this.peek();
    if (c === 'N') return this.nestedName();
    if (c === 'Z') return this.localName();
    if (c === 'S' && this.peek(1) !== 't') {
      const sub = this.substitution();
      if (this.peek() !== 'I') throw new Unsupported('substitution as a name');
      const args = this.templateArgList();
      return { s: withArgs(show(sub), args), template: true, noReturn: false, q: '', args };
    }
    const std = this.eat('St');
    const u = this.unqualifiedName(std ? 'std' : '');
    let s = (std ? 'std::' : '') + u.s;
    if (this.peek() === 'I') {
      this.subs.push(named(s)); // the template's name is a candidate; name<args> only as a type
      const args = this.templateArgList();
      return { s: withArgs(s, args), template: true, noReturn: u.noReturn, q: '', args };
    }
    return { s, template: false, noReturn: u.noReturn, q: '' };
  }

  // N [<CV-qualifiers>] [<ref-qualifier>] <prefix> <unqualified-name> E
  private nestedName(): Name {
    this.expect('N');
    let q = '';
    if (this.eat('r')) q = ' restrict' + q;
    if (this.eat('V')) q = ' volatile' + q;
    if (this.eat('K')) q = ' const' + q;
    // c++filt order: const volatile restrict
    q = [' const', ' volatile', ' restrict'].filter((x) => q.includes(x)).join('');
    if (this.eat('R')) q += ' &';
    else if (this.eat('O')) q += ' &&';
    let s = '';
    let last = '';
    let template = false;
    let noReturn = false;
    let args: Type[] | undefined;
    while (!this.eat('E')) {
      const c = this.peek();
      if (c === 'I') {
        if (!s) throw new Unsupported('template args without a name');
        args = this.templateArgList();
        s = withArgs(s, args);
        template = true;
      } else if (c === 'S' && this.peek(1) === 't' && !s) {
        this.pos += 2;
        s = 'std';
        continue; // std:: is not a candidate
      } else if (c === 'S' && !s) {
        const base = STD_BASE[this.peek(1)];
        const sub = this.substitution();
        s = show(sub);
        if (base) last = base;
        template = false;
        continue; // a substitution is not added again
      } else if (c === 'T' && !s) {
        s = show(this.templateParam());
        template = false;
      } else if (c === 'D' && (this.peek(1) === 't' || this.peek(1) === 'T')) {
        throw new Unsupported('decltype prefix');
      } else if (c === 'M') {
        this.pos++; // a data-member prefix (closure scope): nothing printed
        continue;
      } else {
        const u = this.unqualifiedName(last);
        s = s ? `${s}::${u.s}` : u.s;
        last = u.base;
        noReturn = u.noReturn;
        template = false;
        args = undefined;
      }
      if (this.peek() !== 'E') this.subs.push(named(s));
    }
    return { s, template, noReturn, q, args: template ? args : undefined };
  }

  // Z <function encoding> E <entity name> [<discriminator>] | Z <encoding> E s [<discriminator>]
  private localName(): Name {
    this.expect('Z');
    // A lambda's class as a template argument (std::function's handlers): c++filt's spelling of
    // these follows rules of its own (default-argument scopes, empty packs) that this does not
    // reproduce; declined rather than printed differently.
    if (this.inArgs > 0) throw new Unsupported('local name in template arguments');
    // The enclosing function is named without its return type, as c++filt does.
    const fn = this.encoding(false, false);
    this.expect('E');
    if (this.eat('s')) { this.discriminator(); return { s: `${fn}::string literal`, template: false, noReturn: false, q: '' }; }
    if (this.eat('d')) { if (this.peek() !== '_') this.number(); this.expect('_'); }
    const inner = this.name();
    this.discriminator();
    return { ...inner, s: `${fn}::${inner.s}` };
  }

  private discriminator(): void {
    if (this.peek() !== '_') return;
    if (this.eat('__')) { this.number(); this.expect('_'); return; }
    this.pos++;
    if (!/[0-9]/.test(this.peek())) throw new Unsupported('discriminator');
    this.pos++;
  }

  /** <unqualified-name> [abi tags]; `enclosing` is the class a constructor or destructor names. */
  private unqualifiedName(enclosing: string): { s: string; base: string; noReturn: boolean } {
    let s: string;
    let base: string;
    let noReturn = false;
    const c = this.peek();
    if (/[0-9]/.test(c)) {
      base = s = this.sourceName();
    } else if (c === 'C' && /[123]/.test(this.peek(1))) {
      this.pos += 2;
      s = base = enclosing;
      noReturn = true;
    } else if (c === 'C' && this.peek(1) === 'I') {
      throw new Unsupported('inheriting constructor');
    } else if (c === 'D' && /[0125]/.test(this.peek(1))) {
      this.pos += 2;
      s = `~${enclosing}`;
      base = enclosing;
      noReturn = true;
    } else if (c === 'U' && this.peek(1) === 't') {
      this.pos += 2;
      const n = this.peek() === '_' ? 1 : this.number() + 2;
      this.expect('_');
      base = s = `{unnamed type#${n}}`;
    } else if (c === 'U' && this.peek(1) === 'l') {
      this.pos += 2;
      const ps: Type[] = [];
      while (!this.eat('E')) ps.push(this.type());
      const n = this.peek() === '_' ? 1 : this.number() + 2;
      this.expect('_');
      base = s = `{lambda(${params(ps)})#${n}}`;
    } else if (c === 'c' && this.peek(1) === 'v') {
      this.pos += 2;
      s = `operator ${show(this.type())}`;
      base = s;
      noReturn = true;
    } else if (c === 'l' && this.peek(1) === 'i') {
      this.pos += 2;
      base = s = `operator"" ${this.sourceName()}`;
    } else if (/[a-z]/.test(c) && OPERATORS[this.m.slice(this.pos, this.pos + 2)]) {
      const op = OPERATORS[this.m.slice(this.pos, this.pos + 2)];
      this.pos += 2;
      base = s = /^[a-z]/.test(op) ? `operator ${op}` : `operator${op}`;
    } else {
      throw new Unsupported(`unqualified name at ${this.pos}`);
    }
    while (this.eat('B')) s += `[abi:${this.sourceName()}]`;
    return { s, base, noReturn };
  }

  private sourceName(): string {
    const n = this.number();
    const id = this.m.slice(this.pos, this.pos + n);
    if (id.length !== n) throw new Unsupported('short source name');
    this.pos += n;
    return id.startsWith('_GLOBAL__N') ? '(anonymous namespace)' : id;
  }

  private substitution(): Type {
    this.expect('S');
    const c = this.peek();
    if (STD_SUBST[c]) { this.pos++; return named(STD_SUBST[c]); }
    const i = this.seqId();
    const t = this.subs[i];
    if (!t) throw new Unsupported('substitution out of range');
    return t;
  }

  private templateParam(): Type {
    this.expect('T');
    const i = this.seqId();
    const t = this.templateArgs[i];
    if (!t) throw new Unsupported('template parameter out of range');
    return t;
  }

  /** I <template-arg>+ E */
  private templateArgList(): Type[] {
    this.expect('I');
    const args: Type[] = [];
    this.inArgs++;
    while (!this.eat('E')) args.push(this.templateArg());
    this.inArgs--;
    return args;
  }

  private templateArg(): Type {
    const c = this.peek();
    if (c === 'L') return named(this.exprPrimary());
    if (c === 'X') throw new Unsupported('expression template argument');
    if (c === 'J') {
      this.pos++;
      const pack: Type[] = [];
      while (!this.eat('E')) pack.push(this.templateArg());
      return { k: 'list', items: pack.flatMap((a) => (a.k === 'list' ? a.items : [a])) };
    }
    return this.type();
  }

  // L <type> <value> E | L _Z <encoding> E
  private exprPrimary(): string {
    this.expect('L');
    if (this.eat('_Z')) { const e = this.encoding(false); this.expect('E'); return e; }
    const c = this.peek();
    if (c === 'b' && /[01]/.test(this.peek(1))) { const v = this.peek(1) === '1'; this.pos += 2; this.expect('E'); return v ? 'true' : 'false'; }
    const t = this.type();
    const neg = this.eat('n');
    const start = this.pos;
    while (/[0-9]/.test(this.peek())) this.pos++;
    const digits = this.m.slice(start, this.pos);
    this.expect('E');
    if (!digits) throw new Unsupported('literal without a value');
    const v = (neg ? '-' : '') + digits;
    if (t.k === 'name' && c in LITERAL_SUFFIX && BUILTIN[c] === t.s) return v + LITERAL_SUFFIX[c];
    return `(${show(t)})${v}`;
  }

  // <type>
  type(): Type {
    const c = this.peek();
    if (BUILTIN[c]) { this.pos++; return named(BUILTIN[c]); }
    let t: Type;
    switch (c) {
      case 'D': {
        const d = this.peek(1);
        if (BUILTIN_D[d]) { this.pos += 2; return named(BUILTIN_D[d]); }
        if (d === 'p') {
          this.pos += 2;
          const inner = this.type();
          t = expandPack(inner) ?? { k: 'pack', to: inner };
          break;
        }
        throw new Unsupported(`D${d} type`);
      }
      case 'K': case 'V': case 'r': {
        let q = '';
        while (/[rVK]/.test(this.peek())) q += this.m[this.pos++];
        const quals = [q.includes('K') ? ' const' : '', q.includes('V') ? ' volatile' : '', q.includes('r') ? ' restrict' : ''].join('');
        const inner = this.type();
        // A qualified function type is a member function's type: the qualifier follows its
        // parameters, and (as in c++filt) it is no substitution candidate of its own.
        if (inner.k === 'fn') return { ...inner, q: inner.q + quals };
        t = normalize({ k: 'cv', q: quals, to: inner });
        break;
      }
      case 'P': this.pos++; t = normalize({ k: 'ptr', op: '*', to: this.type() }); break;
      case 'R': this.pos++; t = normalize({ k: 'ptr', op: '&', to: this.type() }); break;
      case 'O': this.pos++; t = normalize({ k: 'ptr', op: '&&', to: this.type() }); break;
      case 'F': {
        this.pos++;
        this.eat('Y');
        const ret = this.type();
        const ps: Type[] = [];
        let q = '';
        for (;;) {
          if (this.eat('E')) break;
          if (this.peek() === 'R' && this.peek(1) === 'E') { this.pos += 2; q = ' &'; break; }
          if (this.peek() === 'O' && this.peek(1) === 'E') { this.pos += 2; q = ' &&'; break; }
          ps.push(this.type());
        }
        t = { k: 'fn', ret, params: ps, q };
        break;
      }
      case 'A': {
        this.pos++;
        let dim = '';
        if (/[0-9]/.test(this.peek())) dim = String(this.number());
        else if (this.peek() !== '_') throw new Unsupported('array bound expression');
        this.expect('_');
        t = { k: 'arr', dim, to: this.type() };
        break;
      }
      case 'M': {
        this.pos++;
        const cls = this.type();
        t = { k: 'memptr', cls, to: this.type() };
        break;
      }
      case 'T': {
        t = this.templateParam();
        if (this.peek() === 'I') {
          this.subs.push(t);
          t = named(withArgs(show(t), this.templateArgList()));
        }
        break;
      }
      case 'S': {
        if (this.peek(1) === 't') {
          t = named(this.name().s);
          break;
        }
        const sub = this.substitution();
        if (this.peek() !== 'I') return sub; // substitutions are not added again
        t = named(withArgs(show(sub), this.templateArgList()));
        break;
      }
      case 'N': case 'Z': case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': case '8': case '9': {
        // A class or enum type: its prefixes went into the table while it was parsed, it follows.
        t = named(this.name().s);
        break;
      }
      case 'u': {
        this.pos++;
        t = named(this.sourceName());
        break;
      }
      default:
        throw new Unsupported(`type ${c} at ${this.pos}`);
    }
    this.subs.push(t);
    return t;
  }
}

const shown = new Map<string, string>();

/** How a symbol is shown in stacks: demangled when it is C++ this can read, else as it is. Memoised. */
export function displayName(symbol: string): string {
  if (!symbol.startsWith('_Z')) return symbol;
  let s = shown.get(symbol);
  if (s === undefined) {
    s = demangle(symbol) ?? symbol;
    if (shown.size > 100_000) shown.clear(); // a long profile of many binaries: stay bounded
    shown.set(symbol, s);
  }
  return s;
}
