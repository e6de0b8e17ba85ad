import type { EventStore, LineageDirection } from '../ports/EventStore.js';
import type { DataEvent } from './DataEvent.js';

/** One edge of the lineage graph: a stored event, from its source to its target. */
export interface LineageEdge {
  source: string;
  target: string;
  label: string;
  eventId: string;
  taskId: string;
  process: string;
  createdAt: string;
}

/** `GET /sluice/lineage`: the nodes (data identities) and edges (events) reached. */
export interface LineageGraph {
  nodes: Array<{ id: string }>;
  edges: LineageEdge[];
  /** Set when a cap cut the walk (too many edges in all, or at one node): the graph is partial. */
  truncated?: true;
}

export const LINEAGE_LIMITS = {
  defaultDepth: 3,
  maxDepth: 10,
  /** Newest events followed per node and direction. */
  edgesPerNode: 200,
  /** Edges in one answer. */
  maxEdges: 5000,
} as const;

export interface LineageWalk {
  node: string;
  direction: LineageDirection | 'both';
  /** Hops from `node`, 1..{@link LINEAGE_LIMITS.maxDepth}. */
  depth: number;
}

/**
 * Walks the graph the stored events form, breadth first, from `walk.node`:
 * upstream follows events into a node (target → source), downstream out of it;
 * `both` is the union of the two walks (not their mix: a sibling fed by the
 * same source is not the node's lineage). Each level's nodes are queried
 * together. Bounded by {@link LINEAGE_LIMITS}; cut walks say `truncated`.
 */
export async function walkLineage(store: EventStore, walk: LineageWalk): Promise<LineageGraph> {
  const edges = new Map<string, DataEvent>();
  const nodes = new Set<string>([walk.node]);
  let truncated = false;
  const directions: LineageDirection[] = walk.direction === 'both' ? ['upstream', 'downstream'] : [walk.direction];
  for (const direction of directions) {
    const seen = new Set<string>([walk.node]);
    let frontier = [walk.node];
    for (let level = 0; level < walk.depth && frontier.length > 0 && !truncated; level++) {
      const found = await Promise.all(frontier.map((node) => store.edges(node, direction, LINEAGE_LIMITS.edgesPerNode + 1)));
      const next: string[] = [];
      for (const events of found) {
        if (events.length > LINEAGE_LIMITS.edgesPerNode) truncated = true;
        for (const event of events.slice(0, LINEAGE_LIMITS.edgesPerNode)) {
          if (edges.size >= LINEAGE_LIMITS.maxEdges && !edges.has(event.eventId)) {
            truncated = true;
            break;
          }
          edges.set(event.eventId, event);
          const other = direction === 'upstream' ? event.source : event.target;
          nodes.add(event.source).add(event.target);
          if (!seen.has(other)) {
            seen.add(other);
            next.push(other);
          }
        }
      }
      frontier = next;
    }
  }
  return graphOf(nodes, edges.values(), truncated);
}

/** The graph of a set of events (`?taskId=`: everything one task read and wrote). */
export function lineageOfEvents(events: Iterable<DataEvent>): LineageGraph {
  const list = [...events];
  const nodes = new Set<string>();
  for (const event of list) nodes.add(event.source).add(event.target);
  return graphOf(nodes, list, false);
}

function graphOf(nodes: Set<string>, events: Iterable<DataEvent>, truncated: boolean): LineageGraph {
  const graph: LineageGraph = {
    nodes: [...nodes].map((id) => ({ id })),
    edges: [...events].map(({ source, target, label, eventId, taskId, process, createdAt }) => ({ source, target, label, eventId, taskId, process, createdAt })),
  };
  if (truncated) graph.truncated = true;
  return graph;
}
