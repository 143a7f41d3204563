export * from './opcodes.js';
export * from './instruction.js';
export * from './encoding.js';
export * from './builder.js';
export * from './helpers.js';
export * from './assembler.js';
export * from './disassembler.js';
