import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Request, Response } from '../../model/protocol.ts';
import { renderBody } from '../../properties/render-protocol.ts';
import { ms } from '../../properties/render-values.ts';
import type { ClientIntent } from './clients.ts';
import type { GroupProtocol } from '../../model/types.ts';
import type { SessionOutcome } from './session.ts';

/**
 * A shrunk failure of a SUT, as data (`groupspec.sut-case/v1`) and as a transcript a Kafka
 * engineer reads in a minute: each message, then what the model answered and what the SUT did.
 */

export const SUT_CASE_FORMAT = 'groupspec.sut-case/v1';

export interface SutCase {
  readonly format: typeof SUT_CASE_FORMAT;
  readonly sut: string;
  readonly implementation: string;
  readonly seed: number;
  readonly verdict: SessionOutcome['verdict'];
  readonly messageId: number | null;
  readonly message: string;
  readonly groupInitialRebalanceDelayMs: number;
  /** The clients' protocol; absent in cases saved before KIP-848 (classic). */
  readonly groupProtocol?: GroupProtocol;
  readonly intents: readonly ClientIntent[];
  readonly transcript: SessionOutcome['steps'];
  readonly stderrTail: readonly string[];
}

export function renderSutCase(c: SutCase): string {
  const lines = [
    `groupspec SUT case: ${c.verdict}${c.messageId === null ? '' : ` at message #${c.messageId}`}`,
    `sut:            ${c.sut}`,
    `implementation: ${c.implementation}`,
    `verdict:        ${c.message}`,
    `repeat:         npx groupspec test --sut ${JSON.stringify(c.sut)} --seed ${c.seed}${c.groupProtocol === 'consumer' ? ' --protocol consumer' : ''}`,
    '',
    'Transcript (member ids as the model names them; the SUT was sent its own):',
  ];
  for (const step of c.transcript) {
    const m = step.message;
    if (m.type === 'advance') lines.push(`#${m.id} advance the clock to ${ms(m.toMs)}`);
    else if (m.type === 'request') lines.push(`#${m.id} ${m.client} ${renderBody(m.body as Request)}`);
    const answers = (who: string, list: readonly { requestId: number; body: unknown }[]): void => {
      if (list.length === 0) lines.push(`     ${who} (nothing)`);
      for (const a of list) lines.push(`     ${who} #${a.requestId} ${renderBody(a.body as Response)}`);
    };
    answers('model:', step.model);
    answers('sut:  ', step.sut);
  }
  if (c.stderrTail.length > 0) lines.push('', 'Last lines the SUT wrote to stderr:', ...c.stderrTail.map((l) => `  ${l}`));
  return `${lines.join('\n')}\n`;
}

/** Save `<dir>/<implementation>-<verdict>-<hash>.json` and `.txt`; returns both paths. */
export function saveSutCase(dir: string, c: SutCase): { json: string; text: string } {
  mkdirSync(dir, { recursive: true });
  const hash = createHash('sha256').update(JSON.stringify(c.intents)).digest('hex').slice(0, 4);
  const base = join(dir, `${c.implementation.replace(/[^A-Za-z0-9_.-]+/g, '-')}-${c.verdict}-${hash}`);
  writeFileSync(`${base}.json`, `${JSON.stringify(c, null, 2)}\n`);
  writeFileSync(`${base}.txt`, renderSutCase(c));
  return { json: `${base}.json`, text: `${base}.txt` };
}
