// The output layer: the value model the runtime decodes into, and bpftrace-identical printers.
export * from './value.js';
export * from './histogram.js';
export * from './format-value.js';
export * from './map-order.js';
export * from './printf.js';
export * from './strftime.js';
export * from './text.js';
export * from './json.js';
