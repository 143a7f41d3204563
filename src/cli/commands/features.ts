// `bpfkit features`: what this kernel can do, probed by trying (see src/kernel/features.ts).
import { parseArgs } from 'node:util';
import type { Command } from '../main.js';
import { formatFeatures, probeFeatures } from '../../kernel/features.js';

const command: Command = {
  summary: 'probe and print what this kernel supports (program/map types, helpers, attach points)',
  async run(args) {
    const { values } = parseArgs({ args, options: { json: { type: 'boolean' } }, strict: true });
    const report = probeFeatures();
    process.stdout.write((values.json ? JSON.stringify(report, null, 2) : formatFeatures(report)) + '\n');
    return 0;
  },
};
export default command;
