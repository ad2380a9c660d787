import { createInterface } from 'node:readline';
import type { OracleMessage } from '../../oracle/sut/protocol.ts';
import { ModelSut } from './model-sut.ts';

/** The model as a SUT process: `groupspec test --sut "npx tsx examples/model-sut/main.ts"`. */
const sut = new ModelSut();
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === '') return;
  for (const out of sut.handle(JSON.parse(line) as OracleMessage)) process.stdout.write(`${JSON.stringify(out)}\n`);
});
