// The C++ demangler against binutils' c++filt, on every C++ symbol that libstdc++ and node export
// (about 68,000): whatever it demangles must read exactly as c++filt prints it, and it must
// demangle nearly all of them (it declines, keeping the mangled name, where it is not sure).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { needsPrograms } from '../support/environment.js';
import { demangle, displayName } from '../../src/runtime/symbols/demangle.js';

function cxxSymbols(file: string): string[] {
  const out = execFileSync('nm', ['-D', '--defined-only', file], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return [...new Set(out.split('\n').map((l) => l.split(' ')[2]?.replace(/@.*/, '') ?? '').filter((s) => s.startsWith('_Z')))].sort();
}

for (const file of ['/usr/lib/x86_64-linux-gnu/libstdc++.so.6', process.execPath]) {
  test(`every C++ symbol of ${file} demangles as c++filt prints it, or is left alone`, { ...needsPrograms('nm', 'c++filt'), skip: existsSync(file) ? needsPrograms('nm', 'c++filt').skip : `${file} is missing` }, () => {
    const symbols = cxxSymbols(file);
    assert.ok(symbols.length > 1000, `only ${symbols.length} C++ symbols in ${file}`);
    const want = execFileSync('c++filt', { input: symbols.join('\n') + '\n', encoding: 'utf8', maxBuffer: 64 << 20 }).trimEnd().split('\n');
    assert.equal(want.length, symbols.length);
    let demangled = 0, comparable = 0;
    const wrong: string[] = [];
    symbols.forEach((s, i) => {
      if (want[i] === s) return; // c++filt cannot read it either
      comparable++;
      const got = demangle(s);
      if (got === undefined) return;
      demangled++;
      if (got !== want[i]) wrong.push(`${s}\n  ours:     ${got}\n  c++filt:  ${want[i]}`);
    });
    assert.deepEqual(wrong.slice(0, 5), [], `${wrong.length} symbols demangled differently from c++filt`);
    assert.ok(demangled / comparable > 0.95, `only ${demangled} of ${comparable} demangled`);
  });
}

test('demangling by hand: methods, templates, operators, special names, clones; and what is not C++', () => {
  const cases: [string, string][] = [
    ['_ZN4demo6Worker4spinEi', 'demo::Worker::spin(int)'],
    ['_ZN4demo5twiceIiEET_S1_', 'int demo::twice<int>(int)'],
    ['_ZNK3foo3barEv', 'foo::bar() const'],
    ['_ZN4node5StartEiPPc', 'node::Start(int, char**)'],
    ['_ZStlsISt11char_traitsIcEERSt13basic_ostreamIcT_ES5_PKc', 'std::basic_ostream<char, std::char_traits<char> >& std::operator<< <std::char_traits<char> >(std::basic_ostream<char, std::char_traits<char> >&, char const*)'],
    ['_ZTVN2v88internal4HeapE', 'vtable for v8::internal::Heap'],
    ['_ZN3foo3barEv.constprop.0.cold', 'foo::bar() [clone .constprop.0] [clone .cold]'],
    ['_ZN1AC2Ev', 'A::A()'],
    ['_ZN1AD0Ev', 'A::~A()'],
    ['_Z1fPFviE', 'f(void (*)(int))'],
    ['_Z1fRA10_Ki', 'f(int const (&) [10])'],
  ];
  for (const [mangled, want] of cases) assert.equal(demangle(mangled), want, mangled);
  assert.equal(demangle('main'), undefined);
  assert.equal(demangle('_Znot valid'), undefined);
  assert.equal(displayName('bpfkit_leaf'), 'bpfkit_leaf');
  assert.equal(displayName('_ZN4demo6Worker4spinEi'), 'demo::Worker::spin(int)');
  assert.equal(displayName('_Zgarbage'), '_Zgarbage');
});
