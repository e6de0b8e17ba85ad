import { useEffect, useRef, useState } from 'preact/hooks';
import { api, query, type DataEvent, type LineageGraph, type Page } from '../api.js';
import { ErrorBox, Notice } from '../components/common.js';
import { localTime } from '../format.js';
import { useLoad } from '../hooks.js';
import { href, navigate } from '../router.js';

/** Past this many nodes the graph is not drawn (a browser tab would freeze laying it out); the edge table stays. */
export const MAX_DRAWN_NODES = 500;

/**
 * The lineage graph around a data identity (`?node=`) or a task (`?taskId=`),
 * drawn left to right with cytoscape + dagre (loaded on demand); a click on a
 * node (or its row in the table, for keyboards) lists its events and tasks.
 */
export function LineageView({ params }: { params: URLSearchParams }) {
  const node = params.get('node') ?? '';
  const taskId = params.get('taskId') ?? '';
  const direction = params.get('direction') ?? 'both';
  const depth = params.get('depth') ?? '3';
  const asked = node !== '' || taskId !== '';
  const graph = useLoad(
    () => (asked ? api<LineageGraph>(`/sluice/lineage${query(taskId ? { taskId } : { node, direction, depth })}`) : Promise.resolve(undefined)),
    `${node}|${taskId}|${direction}|${depth}`,
  );
  const [selected, setSelected] = useState<string | undefined>();
  const submit = (event: Event) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    const value = (name: string) => String(data.get(name) ?? '').trim() || undefined;
    setSelected(undefined);
    navigate('lineage', { node: value('node'), taskId: value('taskId'), direction: value('direction'), depth: value('depth') });
  };
  const tooBig = graph.data !== undefined && graph.data.nodes.length > MAX_DRAWN_NODES;
  return (
    <section aria-labelledby="lineage-title">
      <h1 id="lineage-title">Lineage</h1>
      <form class="filters" onSubmit={submit} key={`${node}|${taskId}|${direction}|${depth}`} aria-label="Lineage query">
        <label>
          Data identity
          <input name="node" defaultValue={node} placeholder="db://warehouse/public.orders" onInput={(e) => e.currentTarget.value !== '' && clearField(e.currentTarget, 'taskId')} />
        </label>
        <label>
          or task id
          <input name="taskId" defaultValue={taskId} placeholder="-P7cXq2vR8sLm4TnW1yZbKd9Jf0HgA" onInput={(e) => e.currentTarget.value !== '' && clearField(e.currentTarget, 'node')} />
        </label>
        <label>
          Direction
          <select name="direction">
            {['both', 'upstream', 'downstream'].map((d) => (
              <option key={d} value={d} selected={d === direction}>
                {d}
              </option>
            ))}
          </select>
        </label>
        <label>
          Depth
          <input name="depth" type="number" min={1} max={10} defaultValue={depth} />
        </label>
        <div class="buttons">
          <button type="submit" class="primary">
            Show
          </button>
        </div>
      </form>
      {!asked && <Notice>Give a data identity (a table, a file: what events name as source or target) or a task id.</Notice>}
      {node !== '' && taskId !== '' && <Notice>Both a data identity and a task id are in the address: the task’s lineage is shown ({node} is not).</Notice>}
      <ErrorBox error={graph.error} />
      {graph.data && graph.data.edges.length === 0 && <Notice>No lineage for {taskId ? `task ${taskId}` : node}: no event names it.</Notice>}
      {graph.data && graph.data.edges.length > 0 && (
        <>
          <p role="status">
            {plural(graph.data.nodes.length, 'node')}, {plural(graph.data.edges.length, 'edge')}.
            {graph.data.truncated && ' The walk stopped at its limits (depth, edges per node, 5,000 edges): the graph is partial; lower the depth or start nearer.'}
          </p>
          {tooBig ? (
            <Notice>
              {graph.data.nodes.length} nodes is more than the {MAX_DRAWN_NODES} drawn here: lower the depth, or read the edges below.
            </Notice>
          ) : (
            <Graph graph={graph.data} focus={node || undefined} onNode={setSelected} />
          )}
          {selected && <NodeEvents node={selected} />}
          <EdgeTable graph={graph.data} onNode={setSelected} />
        </>
      )}
    </section>
  );
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** A node or a task id, not both: typing in one empties the other (the API would take the task id and ignore the node). */
function clearField(input: HTMLInputElement, name: string): void {
  const other = input.form?.elements.namedItem(name);
  if (other instanceof HTMLInputElement) other.value = '';
}

function Graph({ graph, focus, onNode }: { graph: LineageGraph; focus: string | undefined; onNode(id: string): void }) {
  const container = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<unknown>();
  const [ready, setReady] = useState(false);
  useEffect(() => {
    let destroy: (() => void) | undefined;
    let cancelled = false;
    import('./lineageGraph.js').then(
      ({ drawLineage }) => {
        if (cancelled || !container.current) return;
        destroy = drawLineage(container.current, graph, { ...(focus ? { focus } : {}), onNode });
        setReady(true);
      },
      (e: unknown) => setError(e),
    );
    return () => {
      cancelled = true;
      destroy?.();
    };
  }, [graph, focus]);
  return (
    <>
      <ErrorBox error={error} prefix="The graph could not be drawn" />
      <div class="graph" ref={container} role="img" aria-label={`Lineage graph: ${graph.nodes.length} nodes, ${graph.edges.length} edges, left to right. The table below lists the same edges.`} data-ready={ready ? 'true' : 'false'} />
    </>
  );
}

function EdgeTable({ graph, onNode }: { graph: LineageGraph; onNode(id: string): void }) {
  const shown = graph.edges.slice(0, 1000);
  return (
    <details class="json" open={graph.edges.length <= 50}>
      <summary>Edges ({graph.edges.length})</summary>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Source</th>
              <th scope="col">Label</th>
              <th scope="col">Target</th>
              <th scope="col">Task</th>
              <th scope="col">At</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((e) => (
              <tr key={e.eventId}>
                <td>
                  <button type="button" class="link mono" onClick={() => onNode(e.source)}>
                    {e.source}
                  </button>
                </td>
                <td>{e.label}</td>
                <td>
                  <button type="button" class="link mono" onClick={() => onNode(e.target)}>
                    {e.target}
                  </button>
                </td>
                <td>
                  <a href={href(`tasks/${e.taskId}`)} class="mono">
                    {e.process}
                  </a>
                </td>
                <td>{localTime(e.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {graph.edges.length > shown.length && <p class="help">The first {shown.length} edges are listed.</p>}
    </details>
  );
}

/** The events that name `node` as source or target, newest first, with their tasks. */
function NodeEvents({ node }: { node: string }) {
  const events = useLoad(async () => {
    const [asSource, asTarget] = await Promise.all([
      api<Page<DataEvent>>(`/sluice/events${query({ source: node, limit: 20 })}`),
      api<Page<DataEvent>>(`/sluice/events${query({ target: node, limit: 20 })}`),
    ]);
    const all = new Map([...asSource.items, ...asTarget.items].map((e) => [e.eventId, e]));
    return [...all.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }, node);
  return (
    <section class="card" aria-labelledby="node-title" tabIndex={-1}>
      <h2 id="node-title">
        <span class="mono">{node}</span>
      </h2>
      <p>
        <a href={href('lineage', { node })}>Center the graph here</a>
      </p>
      <ErrorBox error={events.error} />
      {events.data && (
        <ul class="events">
          {events.data.map((e) => (
            <li key={e.eventId}>
              {localTime(e.createdAt)} <strong>{e.label}</strong> {e.source === node ? `→ ${e.target}` : `← ${e.source}`} by{' '}
              <a href={href(`tasks/${e.taskId}`)}>
                {e.process} <span class="mono">{e.taskId}</span>
              </a>
            </li>
          ))}
        </ul>
      )}
      {events.data?.length === 0 && <p class="help">No event names it (they may have expired).</p>}
    </section>
  );
}
