import type { CheckResult, TraceReport } from './check.ts';
import type { Verdict } from './verdict.ts';

/** The check-trace report for people: the first violation in full, then one line per check. */
export function renderReport(report: TraceReport): string {
  const h = report.header;
  const out: string[] = [`${report.file}: ${h.format}, group ${h.groupId}, ${report.lines} lines`, `  implementation: ${h.implementation}`, `  source: ${h.source}`, ''];
  if (report.firstViolation !== null) {
    out.push('First event the model cannot explain:', ...renderVerdict(report.firstViolation, '  '), '');
  }
  const width = Math.max(...report.checks.map((c) => c.name.length));
  out.push('Checks:');
  for (const c of report.checks) out.push(`  ${c.name.padEnd(width)}  ${statusText(c)}`);
  const others = report.checks.filter((c) => c.violationCount > 0 && c.violations[0] !== report.firstViolation);
  if (others.length > 0) {
    out.push('', 'First violation of each other check:');
    for (const c of others) out.push(...renderVerdict(c.violations[0], '  ', false));
  }
  const applying = report.checks.filter((c) => c.status !== 'not-applicable').length;
  const ran = report.checks.filter((c) => c.status !== 'not-run' && c.status !== 'not-applicable').length;
  const violated = report.checks.filter((c) => c.status === 'violated').length;
  out.push(
    '',
    report.violationCount === 0
      ? `OK: no violation; ${ran} of ${applying} checks ran`
      : `VIOLATION: ${report.violationCount} violation(s) of ${violated} check(s); ${ran} of ${applying} checks ran`,
  );
  return `${out.join('\n')}\n`;
}

function statusText(c: CheckResult): string {
  const skipped = Object.entries(c.skipped).sort((a, b) => b[1] - a[1]);
  const skipText = skipped.length === 0 ? '' : `; skipped ${skipped.map(([reason, n]) => `${n} (${reason})`).join(', ')}`;
  switch (c.status) {
    case 'violated':
      return `VIOLATED ${c.violationCount}x, first at line ${c.violations[0].line}; judged ${c.judged}${skipText}`;
    case 'ok':
      return `ok, judged ${c.judged}${skipText}`;
    case 'not-applicable':
      return 'does not apply to this group protocol';
    default:
      return skipText === '' ? `not run: no line it applies to (it needs ${c.needs})` : `not run${skipText}`;
  }
}

function renderVerdict(v: Verdict, indent: string, withState = true): string[] {
  const lines = [`${indent}${v.check} at line ${v.line} (t=${v.tMs} ms${v.client === null ? '' : `, ${v.client}`}): ${v.message}`];
  for (const w of v.witness) lines.push(`${indent}  line ${w.line}: ${w.what}`);
  if (v.allowed !== null) lines.push(`${indent}  Kafka would have allowed: ${v.allowed}`);
  if (withState) {
    lines.push(`${indent}  inferred state before line ${v.line}:`);
    for (const text of JSON.stringify(v.state, null, 2).split('\n')) lines.push(`${indent}    ${text}`);
  }
  return lines;
}

/** The report for machines: everything, as one JSON document. */
export function renderJson(report: TraceReport): string {
  return `${JSON.stringify({ ok: report.violationCount === 0, ...report }, null, 2)}\n`;
}
