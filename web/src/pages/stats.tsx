import { ApiError, get } from '../api.ts';
import { Empty, formatDate, LoadError, Loading, label, Scroll, SummaryList, useLoad } from '../ui.tsx';

/** `GET /stats` as the public sees it: counts below 5 come as "<5". */
type Count = number | string;
export interface Stats {
  generatedAt: string;
  countsByStatus: Record<string, Count>;
  decisionsByMonth: Array<{ month: string; approved: Count; denied: Count }>;
  approvalRate: Count;
  decisionWorkingDays?: {
    p50: Count;
    p90: Count;
    decided: Count;
    byLane?: Record<string, { p50: Count; p90: Count; decided: Count }>;
  };
  decidedWithinLimit?: Count;
  backlog?: { pending: Count; oldestPendingWorkingDays: Count };
  informationRequestsPerDecidedApplication?: Count;
  appeals?: { lodged: Count; upheld: Count; overturned: Count };
  withdrawn?: Count;
}

/** "<5" is drawn as 0 on a chart; the table shows the words. */
const numeric = (count: Count) => (typeof count === 'number' ? count : 0);
const percent = (share: Count | undefined) =>
  share === undefined ? '—' : typeof share === 'string' ? share : `${Math.round(share * 100)}%`;

export function StatsPage() {
  const stats = useLoad(() => get<Stats>('/stats', { anonymous: true }), []);
  return (
    <>
      <h1 class="heading-l">How long licences take</h1>
      <p>Public statistics of this licensing authority. Counts below 5 are shown as “&lt;5”.</p>
      {stats.loading && <Loading />}
      {stats.error !== undefined &&
        (stats.error instanceof ApiError && (stats.error.status === 401 || stats.error.status === 404) ? (
          <Empty>This server does not publish statistics yet.</Empty>
        ) : (
          <LoadError error={stats.error} />
        ))}
      {stats.data && <StatsView stats={stats.data} />}
    </>
  );
}

function StatsView({ stats }: { stats: Stats }) {
  const statuses = Object.entries(stats.countsByStatus);
  return (
    <>
      <SummaryList
        rows={[
          ['Approval rate', percent(stats.approvalRate)],
          ['Working days to decision (median)', String(stats.decisionWorkingDays?.p50 ?? '—')],
          ['Working days to decision (90th percentile)', String(stats.decisionWorkingDays?.p90 ?? '—')],
          ['Decided within the legal limit', percent(stats.decidedWithinLimit)],
          ['Pending', String(stats.backlog?.pending ?? '—')],
          ['Oldest pending (working days)', String(stats.backlog?.oldestPendingWorkingDays ?? '—')],
          [
            'Information requests per decided application',
            String(stats.informationRequestsPerDecidedApplication ?? '—'),
          ],
          ['Withdrawn', String(stats.withdrawn ?? '—')],
          ['Updated', formatDate(stats.generatedAt)],
        ]}
      />
      <section class="section" aria-labelledby="decisions-chart">
        <h2 class="heading-m" id="decisions-chart">
          Decisions by month
        </h2>
        <BarChart
          title="Decisions by month: approved and denied"
          categories={stats.decisionsByMonth.map((month) => month.month)}
          series={[
            {
              name: 'Approved',
              className: 'bar--approved',
              values: stats.decisionsByMonth.map((m) => m.approved),
            },
            { name: 'Denied', className: 'bar--denied', values: stats.decisionsByMonth.map((m) => m.denied) },
          ]}
        />
      </section>
      <section class="section" aria-labelledby="status-chart">
        <h2 class="heading-m" id="status-chart">
          Applications by status
        </h2>
        <BarChart
          title="Applications by status"
          categories={statuses.map(([status]) => label(status))}
          series={[
            { name: 'Applications', className: 'bar--count', values: statuses.map(([, count]) => count) },
          ]}
        />
      </section>
    </>
  );
}

const LABEL_CHAR_WIDTH = 6.5;
const LABEL_ANGLE = (35 * Math.PI) / 180;
const MIN_PLOT_WIDTH = 320;
const PLOT_HEIGHT = 154;

interface Series {
  name: string;
  className: string;
  values: Count[];
}

/** Grouped vertical bars as SVG, with the same numbers as a table below it. */
export function BarChart({
  title,
  categories,
  series,
}: {
  title: string;
  categories: string[];
  series: Series[];
}) {
  if (categories.length === 0) return <p class="empty">No data yet.</p>;
  const max = Math.max(1, ...series.flatMap((s) => s.values.map(numeric)));
  const top = niceCeiling(max);
  // Labels are rotated by 35°: leave room for the longest one below the axis and, since the
  // first label reaches left of its bar, beside the axis. A few categories still fill a
  // readable width instead of a narrow strip.
  const labelLength = LABEL_CHAR_WIDTH * Math.max(...categories.map((category) => category.length));
  const plot = {
    left: Math.max(36, Math.ceil(labelLength * Math.cos(LABEL_ANGLE))),
    right: 8,
    top: 10,
    bottom: Math.max(56, Math.ceil(labelLength * Math.sin(LABEL_ANGLE)) + 24),
  };
  const groupWidth = Math.max(36, series.length * 18 + 14, MIN_PLOT_WIDTH / categories.length);
  const width = plot.left + plot.right + categories.length * groupWidth;
  const inner = PLOT_HEIGHT;
  const height = plot.top + inner + plot.bottom;
  const y = (value: number) => plot.top + inner - (value / top) * inner;
  const ticks = [0, top / 2, top];
  return (
    <figure class="chart">
      <Scroll label={title} className="chart__scroll">
        <svg
          viewBox={`0 0 ${width} ${height}`}
          width={width}
          height={height}
          role="img"
          aria-label={`${title} (the table below has the numbers)`}
        >
          {ticks.map((tick) => (
            <g key={tick}>
              <line x1={plot.left} x2={width - plot.right} y1={y(tick)} y2={y(tick)} class="chart__grid" />
              <text
                x={plot.left - 6}
                y={y(tick)}
                text-anchor="end"
                dominant-baseline="central"
                class="chart__tick"
              >
                {tick}
              </text>
            </g>
          ))}
          {categories.map((category, at) => (
            <g
              key={category}
              transform={`translate(${plot.left + at * groupWidth + (groupWidth - series.length * 18) / 2},0)`}
            >
              {series.map((s, index) => {
                const value = numeric(s.values[at] ?? 0);
                return (
                  <rect
                    key={s.name}
                    class={`bar ${s.className}`}
                    x={index * 18}
                    y={y(value)}
                    width={16}
                    height={Math.max(0, y(0) - y(value))}
                  >
                    <title>{`${category}, ${s.name}: ${s.values[at] ?? 0}`}</title>
                  </rect>
                );
              })}
              <text
                x={(series.length * 18) / 2}
                y={height - plot.bottom + 14}
                text-anchor="end"
                class="chart__label"
                transform={`rotate(-35 ${(series.length * 18) / 2} ${height - plot.bottom + 14})`}
              >
                {category}
              </text>
            </g>
          ))}
        </svg>
      </Scroll>
      {series.length > 1 && (
        <figcaption class="legend">
          {series.map((s) => (
            <span key={s.name} class="legend__item">
              <span class={`legend__swatch ${s.className}`} aria-hidden="true" /> {s.name}
            </span>
          ))}
        </figcaption>
      )}
      <table class="table table--compact">
        <caption class="table__caption">{title} (table)</caption>
        <thead>
          <tr>
            <th scope="col">Category</th>
            {series.map((s) => (
              <th scope="col" key={s.name}>
                {s.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {categories.map((category, at) => (
            <tr key={category}>
              <th scope="row">{category}</th>
              {series.map((s) => (
                <td key={s.name}>{String(s.values[at] ?? 0)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

function niceCeiling(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (value <= step * magnitude) return step * magnitude;
  return 10 * magnitude;
}
