import { Graph, layout } from '@dagrejs/dagre';
import definition from '../../../statemachines/licence-lifecycle.asl.json';
import { enc, get } from '../api.ts';
import type { ExecutionEvent, ExecutionInfo } from '../types.ts';
import {
  type Column,
  formatDate,
  LoadError,
  Loading,
  label,
  Scroll,
  SummaryList,
  Table,
  useLoad,
} from '../ui.tsx';

/**
 * The operator's view of one application's workflow: the state machine drawn from its ASL file
 * (laid out by dagre as SVG), the current state highlighted and the visited path drawn, and the
 * execution's history. This module (and dagre) is loaded only on the pages that draw it.
 */
interface AslState {
  Type: string;
  Next?: string;
  Default?: string;
  Choices?: Array<{ Next: string }>;
  Catch?: Array<{ Next: string }>;
  End?: boolean;
}
interface Asl {
  StartAt: string;
  States: Record<string, AslState>;
}

export interface Edge {
  from: string;
  to: string;
  /** A Choice's Default or a Catch: the fallback for what should not happen, left out of the drawing. */
  fallback: boolean;
}

/** Every transition of the definition: Next, Choices, Default and Catch targets. */
export function edgesOf(asl: Asl): Edge[] {
  const edges: Edge[] = [];
  const seen = new Set<string>();
  const add = (from: string, to: string | undefined, fallback = false) => {
    if (!to || seen.has(`${from}\u0000${to}`)) return;
    seen.add(`${from}\u0000${to}`);
    edges.push({ from, to, fallback });
  };
  for (const [name, state] of Object.entries(asl.States)) {
    add(name, state.Next);
    for (const choice of state.Choices ?? []) add(name, choice.Next);
    add(name, state.Default, true);
    for (const handler of state.Catch ?? [])
      add(name, handler.Next, asl.States[handler.Next]?.Type === 'Fail');
  }
  return edges;
}

const NODE_HEIGHT = 34;
const CHAR_WIDTH = 7.4;

interface Laid {
  width: number;
  height: number;
  nodes: Array<{ name: string; type: string; x: number; y: number; width: number; height: number }>;
  edges: Array<Edge & { points: Array<{ x: number; y: number }> }>;
  /** Edges left out of the layout (the router's fan-out, fallbacks). */
  hidden: Edge[];
}

function lay(asl: Asl): Laid {
  const graph = new Graph();
  graph.setGraph({ rankdir: 'TB', nodesep: 18, ranksep: 42, marginx: 8, marginy: 8 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const [name, state] of Object.entries(asl.States)) {
    graph.setNode(name, {
      width: Math.max(80, name.length * CHAR_WIDTH + 24),
      height: NODE_HEIGHT,
      type: state.Type,
    });
  }
  // The start state routes to every status step: its fan-out and the fallbacks would cross everything,
  // so they are laid out and drawn only where this execution took them (straight, see StateDiagram).
  const router = asl.States[asl.StartAt]?.Type === 'Choice' ? asl.StartAt : null;
  const all = edgesOf(asl);
  const drawn = (edge: Edge) => !edge.fallback && edge.from !== router;
  const edges = all.filter(drawn);
  for (const edge of edges) graph.setEdge(edge.from, edge.to);
  layout(graph);
  const size = graph.graph();
  return {
    width: Math.ceil(size.width ?? 0),
    height: Math.ceil(size.height ?? 0),
    nodes: graph.nodes().map((name) => {
      const node = graph.node(name);
      return {
        name,
        type: asl.States[name]?.Type ?? '',
        x: node.x,
        y: node.y,
        width: node.width,
        height: node.height,
      };
    }),
    edges: edges.map((edge) => ({ ...edge, points: graph.edge(edge.from, edge.to)?.points ?? [] })),
    hidden: all.filter((edge) => !drawn(edge)),
  };
}

let laidOut: Laid | undefined;

export function StateDiagram({ visited, current }: { visited: readonly string[]; current: string | null }) {
  laidOut ??= lay(definition as Asl);
  const visitedSet = new Set(visited);
  const steps = new Set(visited.slice(1).map((state, at) => `${visited[at]}\u0000${state}`));
  const { width, height, nodes, hidden } = laidOut;
  const centre = new Map(nodes.map((node) => [node.name, node]));
  // A hidden edge this execution took is drawn straight, from the bottom of one state to the top of the next.
  const straight = hidden.flatMap((edge) => {
    const from = centre.get(edge.from);
    const to = centre.get(edge.to);
    if (!from || !to || !steps.has(`${edge.from}\u0000${edge.to}`)) return [];
    const down = to.y >= from.y ? 1 : -1;
    const points = [
      { x: from.x, y: from.y + (down * from.height) / 2 },
      { x: to.x, y: to.y - (down * to.height) / 2 },
    ];
    return [{ ...edge, points }];
  });
  const edges = [...laidOut.edges, ...straight];
  const path = (points: Array<{ x: number; y: number }>) =>
    points.map((point, at) => `${at === 0 ? 'M' : 'L'}${point.x.toFixed(1)},${point.y.toFixed(1)}`).join(' ');
  return (
    <figure class="diagram">
      <Scroll label="State diagram" className="diagram__scroll">
        <svg
          viewBox={`0 0 ${width} ${height}`}
          width={width}
          height={height}
          role="img"
          aria-labelledby="diagram-title diagram-desc"
          data-testid="state-diagram"
        >
          <title id="diagram-title">State machine licence-lifecycle</title>
          <desc id="diagram-desc">
            {current ? `Current state ${current}. ` : ''}Visited: {visited.join(', ') || 'none'}.
          </desc>
          <defs>
            <Arrow id="arrow" className="diagram__arrow" />
            <Arrow id="arrow-visited" className="diagram__arrow diagram__arrow--visited" />
          </defs>
          {edges.map((edge) => {
            const taken = steps.has(`${edge.from}\u0000${edge.to}`);
            return (
              <path
                key={`${edge.from}-${edge.to}`}
                d={path(edge.points)}
                class={`edge${taken ? ' edge--visited' : ''}`}
                data-from={edge.from}
                data-to={edge.to}
                marker-end={taken ? 'url(#arrow-visited)' : 'url(#arrow)'}
              />
            );
          })}
          {nodes.map((node) => {
            const classes = [
              'state',
              `state--${node.type.toLowerCase()}`,
              visitedSet.has(node.name) ? 'state--visited' : '',
              node.name === current ? 'state--current' : '',
            ].filter(Boolean);
            return (
              <g
                key={node.name}
                class={classes.join(' ')}
                data-state={node.name}
                transform={`translate(${node.x - node.width / 2},${node.y - node.height / 2})`}
              >
                <rect width={node.width} height={node.height} rx={node.type === 'Choice' ? 16 : 4} />
                <text x={node.width / 2} y={node.height / 2} dominant-baseline="central" text-anchor="middle">
                  {node.name}
                </text>
              </g>
            );
          })}
        </svg>
      </Scroll>
      <figcaption class="hint">
        Yellow with a thick outline: the current state. Blue, with thick arrows: the states and transitions
        this execution visited. RouteByStatus routes to every status step, and each choice falls back to it;
        those arrows are drawn only where the execution took them.
      </figcaption>
    </figure>
  );
}

function Arrow({ id, className }: { id: string; className: string }) {
  return (
    <marker
      id={id}
      viewBox="0 0 10 10"
      refX="9"
      refY="5"
      markerWidth="6"
      markerHeight="6"
      orient="auto-start-reverse"
    >
      <path d="M0,0 L10,5 L0,10 z" class={className} />
    </marker>
  );
}

interface WorkflowData {
  execution: ExecutionInfo | null;
  events: ExecutionEvent[];
}

async function loadWorkflow(id: string): Promise<WorkflowData> {
  const base = `/applications/${enc(id)}/execution`;
  try {
    const [execution, history] = await Promise.all([
      get<ExecutionInfo>(base),
      get<{ events: ExecutionEvent[] }>(`${base}/history`),
    ]);
    return { execution, events: history.events };
  } catch (error) {
    if (error instanceof Error && 'status' in error && error.status === 404)
      return { execution: null, events: [] };
    throw error;
  }
}

export default function Workflow({ id }: { id: string }) {
  const loaded = useLoad(() => loadWorkflow(id), [id]);
  return (
    <section class="section" aria-labelledby="workflow">
      <h2 class="heading-m" id="workflow">
        Workflow
      </h2>
      {loaded.loading && !loaded.data && <Loading what="Loading the execution" />}
      {loaded.error !== undefined && <LoadError error={loaded.error} />}
      {loaded.data && <WorkflowView data={loaded.data} onRefresh={loaded.reload} />}
    </section>
  );
}

const HISTORY_COLUMNS: ReadonlyArray<Column<ExecutionEvent>> = [
  ['#', (event) => event.id],
  ['When', (event) => formatDate(event.timestamp)],
  ['Event', (event) => event.type],
  ['State', (event) => event.state ?? '—'],
];

function WorkflowView({ data, onRefresh }: { data: WorkflowData; onRefresh: () => void }) {
  const { execution, events } = data;
  const visited = events
    .filter((event) => event.type.endsWith('StateEntered') && event.state)
    .map((event) => event.state ?? '');
  const current = execution?.currentState ?? visited.at(-1) ?? null;
  return (
    <>
      {execution ? (
        <SummaryList
          rows={[
            ['Execution', <span class="mono">{execution.name}</span>],
            ['Status', label(execution.status)],
            ['Current state', <span data-testid="current-state">{execution.currentState ?? '—'}</span>],
            ['Generation', String(execution.generation)],
            ['Started', formatDate(execution.startDate)],
            ['Stopped', formatDate(execution.stopDate)],
          ]}
        />
      ) : (
        <p class="empty">No workflow execution is known for this application yet.</p>
      )}
      <button type="button" class="button button--secondary" onClick={onRefresh}>
        Refresh the workflow
      </button>
      <StateDiagram visited={visited} current={current} />
      {events.length > 0 && (
        <details class="details">
          <summary>Execution history ({events.length} events)</summary>
          <Table
            caption="Execution history"
            columns={HISTORY_COLUMNS}
            rows={events}
            rowKey={(event) => event.id}
          />
        </details>
      )}
    </>
  );
}
