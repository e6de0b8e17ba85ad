import cytoscape from 'cytoscape';
import dagre from 'cytoscape-dagre';
import type { LineageGraph } from '../api.js';

cytoscape.use(dagre);

/**
 * Cytoscape injects an inline `<style>` (its container's `position:
 * relative`) unless an element with this id exists: the CSP forbids inline
 * styles, so styles.css carries the rule and this marker stops the injection.
 */
const CYTOSCAPE_STYLESHEET_ID = '__________cytoscape_stylesheet';
if (!document.getElementById(CYTOSCAPE_STYLESHEET_ID)) {
  const marker = document.createElement('meta');
  marker.id = CYTOSCAPE_STYLESHEET_ID;
  marker.name = 'cytoscape-stylesheet';
  marker.content = 'in styles.css';
  document.head.append(marker);
}

/**
 * Draws a lineage graph left to right (dagre) into `container`; loaded only
 * when the lineage view opens (cytoscape and dagre are a separate chunk).
 * Returns a function that destroys it.
 */
export function drawLineage(container: HTMLElement, graph: LineageGraph, options: { focus?: string; onNode(id: string): void }): () => void {
  const cy = cytoscape({
    container,
    elements: [
      ...graph.nodes.map((n) => ({ data: { id: n.id, label: n.id } })),
      ...graph.edges.map((e, i) => ({ data: { id: `e${i}`, source: e.source, target: e.target, label: e.label } })),
    ],
    style: [
      {
        selector: 'node',
        style: {
          'background-color': '#1d4ed8',
          label: 'data(label)',
          color: '#111827',
          'font-size': 11,
          'text-valign': 'bottom',
          'text-margin-y': 4,
          'text-wrap': 'ellipsis',
          'text-max-width': '180px',
          width: 18,
          height: 18,
        },
      },
      { selector: `node[id = ${JSON.stringify(options.focus ?? '')}]`, style: { 'background-color': '#b45309', width: 24, height: 24 } },
      { selector: 'node:selected', style: { 'border-width': 3, 'border-color': '#111827' } },
      {
        selector: 'edge',
        style: {
          width: 1.5,
          'line-color': '#6b7280',
          'target-arrow-color': '#6b7280',
          'target-arrow-shape': 'triangle',
          'curve-style': 'bezier',
          label: 'data(label)',
          'font-size': 9,
          color: '#374151',
          'text-rotation': 'autorotate',
          'text-background-color': '#ffffff',
          'text-background-opacity': 1,
        },
      },
    ],
    layout: { name: 'dagre', rankDir: 'LR', nodeSep: 30, rankSep: 160, padding: 40 } as cytoscape.LayoutOptions,
    // A small graph is not blown up to fill the box: labels stay readable.
    maxZoom: 1.4,
    minZoom: 0.05,
  });
  cy.on('tap', 'node', (event) => options.onNode(event.target.id() as string));
  return () => cy.destroy();
}
