import type { LegalClock } from '../types.ts';
import { type Column, formatDate, label, SummaryList, Table } from '../ui.tsx';

/** "12 of 45 working days" (and whether it is paused), or "Not started". */
export function ClockSummary({ clock }: { clock: LegalClock }) {
  if (!clock.startedAt) return <span>Not started</span>;
  const text = `${clock.workingDaysElapsed} of ${clock.workingDaysLimit} working days`;
  if (clock.stoppedAt) return <span>{text} (stopped)</span>;
  return <span>{clock.paused ? `${text} (paused)` : text}</span>;
}

const PAUSE_COLUMNS: ReadonlyArray<Column<LegalClock['pauses'][number]>> = [
  ['From', (pause) => formatDate(pause.from)],
  ['To', (pause) => (pause.to ? formatDate(pause.to) : 'ongoing')],
  ['Reason', (pause) => label(pause.reason)],
];

/** The legal clock in full: elapsed, left, due date, and every pause with its reason. */
export function ClockDetails({ clock }: { clock: LegalClock }) {
  const left = Math.max(0, clock.workingDaysLimit - clock.workingDaysElapsed);
  return (
    <section aria-labelledby="legal-clock" class="section">
      <h2 class="heading-m" id="legal-clock">
        Legal clock
      </h2>
      {clock.startedAt ? (
        <SummaryList
          rows={[
            ['Working days elapsed', String(clock.workingDaysElapsed)],
            ['Working days left', clock.stoppedAt ? '—' : String(left)],
            ['Started', formatDate(clock.startedAt)],
            ['Due', formatDate(clock.dueAt)],
            [
              'State',
              clock.stoppedAt
                ? `Stopped ${formatDate(clock.stoppedAt)}`
                : clock.paused
                  ? 'Paused'
                  : 'Running',
            ],
          ]}
        />
      ) : (
        <p>The clock starts when the application is submitted.</p>
      )}
      {clock.pauses.length > 0 && (
        <Table
          caption="Pauses"
          captionVisible
          columns={PAUSE_COLUMNS}
          rows={clock.pauses}
          rowKey={(pause) => pause.from}
        />
      )}
    </section>
  );
}
