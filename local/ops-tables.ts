/**
 * The readable tables `npm run ops` prints (`--json` prints the objects themselves). Pure: no I/O.
 */

import type { AnchoredVerification } from '#domain/anchoring.ts';
import type { QueueItem } from '#domain/applications/queue.ts';
import type { CounterDifference, PublicStats } from '#domain/applications/stats.ts';
import type { DomainEvent } from '#domain/events.ts';
import type { OpsApplication, OpsLicence, OpsRow } from './ops-reader.ts';

/** Left-aligned columns, two spaces apart, the first row as the heading. */
export function columns(rows: readonly string[][]): string {
  const widths = rows[0]?.map((_, index) => Math.max(...rows.map((row) => (row[index] ?? '').length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((value, index) => value.padEnd(widths[index] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const text = (value: string | number | boolean | null | undefined): string =>
  value === null || value === undefined || value === '' ? '-' : String(value);

export function queueTable(page: { items: QueueItem[]; cursor: string | null; evaluatedAt: string }): string {
  const rows = [
    ['APPLICATION', 'STATUS', 'LANE', 'DUE', 'ELAPSED', 'LEFT', 'PAUSED', 'ASSIGNEE', 'FLAGS', 'COUNTRIES'],
    ...page.items.map((item) => [
      item.applicationId,
      item.status,
      text(item.lane?.name),
      `${text(item.dueAt?.slice(0, 10))}${item.nearDue ? ' !' : ''}`,
      String(item.workingDaysElapsed),
      String(item.workingDaysLeft),
      item.paused ? 'yes' : 'no',
      text(item.assignedTo),
      text(item.flags.map((flag) => flag.code).join(',')),
      `${text(item.exporterCountry)}→${text(item.endUserCountry)}`,
    ]),
  ];
  const footer = [
    `${page.items.length} case(s) in queue order at ${page.evaluatedAt}; "!" = overdue or near due`,
    ...(page.cursor ? [`more: --cursor ${page.cursor}`] : []),
  ];
  return [page.items.length > 0 ? columns(rows) : 'The queue is empty.', ...footer].join('\n');
}

export function statsTable(stats: PublicStats): string {
  const lane = (name: string, figures: PublicStats['decisionWorkingDays']) => [
    name,
    text(figures.p50),
    text(figures.p90),
    text(figures.decided),
  ];
  const sections = [
    columns([
      ['STATUS', 'COUNT'],
      ...Object.entries(stats.countsByStatus).map(([status, count]) => [status, text(count)]),
    ]),
    stats.decisionsByMonth.length === 0
      ? 'No decisions yet.'
      : columns([
          ['MONTH', 'APPROVED', 'DENIED'],
          ...stats.decisionsByMonth.map((month) => [month.month, text(month.approved), text(month.denied)]),
        ]),
    columns([
      ['DECISION TIME (WORKING DAYS)', 'P50', 'P90', 'DECIDED'],
      lane('all lanes', stats.decisionWorkingDays),
      ...Object.entries(stats.decisionWorkingDays.byLane).map(([name, figures]) =>
        lane(name, { ...figures, byLane: {} }),
      ),
    ]),
    columns([
      ['FIGURE', 'VALUE'],
      ['approval rate', text(stats.approvalRate)],
      ['decided within the limit', text(stats.decidedWithinLimit)],
      ['pending', text(stats.backlog.pending)],
      ['oldest pending (working days)', text(stats.backlog.oldestPendingWorkingDays)],
      ['information requests per decided application', text(stats.informationRequestsPerDecidedApplication)],
      ['appeals lodged', text(stats.appeals.lodged)],
      ['appeals upheld', text(stats.appeals.upheld)],
      ['appeals overturned', text(stats.appeals.overturned)],
      ['withdrawn', text(stats.withdrawn)],
    ]),
    `generated at ${stats.generatedAt}; "<5": fewer than 5 cases (suppressed)`,
  ];
  return sections.join('\n\n');
}

export function rebuildReport(result: { applications: number; differences: CounterDifference[] }): string {
  const summary = `rebuilt from the audit trails of ${result.applications} application(s)`;
  if (result.differences.length === 0) return `${summary}: the incremental statistics agree.`;
  return [
    `${summary}: ${result.differences.length} counter(s) differ.`,
    columns([
      ['COUNTER', 'INCREMENTAL', 'REBUILT'],
      ...result.differences.map((difference) => [
        difference.counter,
        String(difference.incremental),
        String(difference.rebuilt),
      ]),
    ]),
  ].join('\n');
}

const ROW_COLUMNS: ReadonlyArray<readonly [keyof OpsRow, string]> = [
  ['applicationId', 'APPLICATION'],
  ['orgId', 'ORG'],
  ['status', 'STATUS'],
  ['lane', 'LANE'],
  ['updatedAt', 'UPDATED'],
  ['assignedTo', 'ASSIGNEE'],
  ['legalClock', 'WORKING DAYS'],
  ['executionStatus', 'EXECUTION'],
  ['currentState', 'STATE'],
];

export function listTable(rows: readonly OpsRow[]): string {
  if (rows.length === 0) return 'No applications.';
  return columns([
    ROW_COLUMNS.map(([, heading]) => heading),
    ...rows.map((row) => ROW_COLUMNS.map(([key]) => text(row[key]))),
  ]);
}

export function showTable(found: OpsApplication): string {
  const { application, execution, visitedStates, audit } = found;
  const facts = [
    ['FIELD', 'VALUE'],
    ...Object.entries(application).map(([name, value]) => [name, text(value)]),
    ['execution', text(execution?.name)],
    ['audit chain', auditChain(audit)],
  ];
  const states =
    visitedStates.length === 0
      ? 'No workflow states recorded.'
      : columns([['ENTERED', 'STATE'], ...visitedStates.map(({ enteredAt, state }) => [enteredAt, state])]);
  return `${columns(facts)}\n\n${states}`;
}

const auditChain = (audit: AnchoredVerification) =>
  audit.valid
    ? `valid (${audit.events} events)${audit.checkpoint === undefined ? '' : `, anchored in checkpoint ${audit.checkpoint}`}`
    : `BROKEN at ${audit.brokenAt}: ${audit.reason}`;

/** One licence: its facts, per goods item the licensed, used and remaining kg, its usage records. */
export function licenceTable({ licence, usages, audit }: OpsLicence): string {
  const facts = columns([
    ['FIELD', 'VALUE'],
    ['licenceNumber', licence.licenceNumber],
    ['status', licence.status],
    ['holder', licence.orgId],
    ['applicationId', licence.applicationId],
    ['validFrom', licence.validFrom],
    ['validTo', licence.validTo],
    ['version', String(licence.version)],
    ['audit chain', auditChain(audit)],
  ]);
  const goods = columns([
    ['ITEM', 'DESCRIPTION', 'LICENSED KG', 'USED KG', 'REMAINING KG'],
    ...licence.goods.map((item, index) => [
      String(index),
      text(item.description),
      String(item.quantityKg),
      String(item.usedQuantityKg),
      String(item.remainingQuantityKg),
    ]),
  ]);
  const usage =
    usages.length === 0
      ? 'No usage recorded.'
      : columns([
          ['USAGE', 'DECLARATION', 'SHIPPED', 'RECORDED', 'KG BY ITEM'],
          ...usages.map((record) => [
            record.usageId,
            record.declarationRef,
            record.shippedAt,
            record.recordedAt,
            record.items.map((item) => `#${item.goodsIndex} ${item.quantityKg}`).join(', '),
          ]),
        ]);
  return [facts, goods, usage, 'Values are not shown: operators see licences without values.'].join('\n\n');
}

/** Domain events, one a row (`--follow` prints each batch without the heading, same widths). */
export function eventsTable(events: readonly DomainEvent[], heading: boolean): string {
  const rows = events.map((event) => [
    event.recordedAt,
    event.type,
    `${event.fromStatus ?? '-'} → ${event.toStatus}`,
    event.id,
    event.orgId,
  ]);
  const head = ['RECORDED', 'TYPE', 'STATUS', 'ID', 'ORG'];
  const widths = [24, 20, 40, 48, 0];
  const pad = (row: string[]) =>
    row
      .map((value, index) => value.padEnd(widths[index] ?? 0))
      .join('  ')
      .trimEnd();
  return (heading ? [head, ...rows] : rows).map(pad).join('\n');
}
