// A model's lineage drawn as a layered graph in SVG: ancestors and their training data above the model,
// models derived from it below, each edge labelled with how the child was made from its parent.
import type { Schemas } from "../api";
import { shortAddress } from "../format";
import { href } from "../router";
import { percent } from "./ModelTerms";
import "./LineageGraph.css";

type Graph = Schemas["LineageGraph"];
type GraphNode = Graph["nodes"][number];
type GraphEdge = Graph["edges"][number];
type Placed = GraphNode & { x: number; y: number };

const NODE_WIDTH = 168;
const NODE_HEIGHT = 46;
const COLUMN_GAP = 44;
const ROW_GAP = 84; // room for the edge labels between rows
const MARGIN = 16;

export function LineageGraph({ graph }: { graph: Graph }) {
  const placed = layout(graph);
  const byId = new Map(placed.map((node) => [node.id, node]));
  const width = Math.max(...placed.map((node) => node.x + NODE_WIDTH)) + MARGIN;
  const height = Math.max(...placed.map((node) => node.y + NODE_HEIGHT)) + MARGIN + ROW_GAP / 2;
  return (
    <div className="lineage">
      <svg
        width={width}
        height={height}
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={`Lineage of model #${graph.model_id}`}
        data-testid="lineage-graph"
      >
        <defs>
          <marker
            id="lineage-arrow"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto"
          >
            <path d="M0,0 L10,5 L0,10 z" className="lineage-arrowhead" />
          </marker>
        </defs>
        {graph.edges.map((edge) => {
          const source = byId.get(edge.source);
          const target = byId.get(edge.target);
          return source && target ? (
            <Edge
              key={`${edge.source}-${edge.target}`}
              edge={edge}
              source={source}
              target={target}
              labelAt={labelPosition(graph.edges, edge)}
            />
          ) : null;
        })}
        {placed.map((node) => (
          <Node key={node.id} node={node} current={node.kind === "model" && node.id === graph.model_id} />
        ))}
      </svg>
      {graph.truncated && (
        <p className="muted">
          The lineage goes on beyond what is drawn ({graph.depth} levels each way); open a model at the edge
          to follow it.
        </p>
      )}
    </div>
  );
}

/** Rows by depth (upstream on top); within a row, each node near the mean position of its neighbours. */
function layout(graph: Graph): Placed[] {
  const depths = [...new Set(graph.nodes.map((node) => node.depth))].sort((a, b) => a - b);
  const rows = depths.map((depth) =>
    graph.nodes
      .filter((node) => node.depth === depth)
      .sort((a, b) => (a.kind === b.kind ? a.id - b.id : a.kind === "model" ? -1 : 1)),
  );
  const neighbours = new Map<number, number[]>();
  for (const edge of graph.edges) {
    neighbours.set(edge.source, [...(neighbours.get(edge.source) ?? []), edge.target]);
    neighbours.set(edge.target, [...(neighbours.get(edge.target) ?? []), edge.source]);
  }
  const column = new Map<number, number>();
  rows.forEach((row) => row.forEach((node, index) => column.set(node.id, index - (row.length - 1) / 2)));
  // Two sweeps (down, then up) of the barycentre heuristic: few crossings, and cheap.
  for (const order of [rows, [...rows].reverse()]) {
    for (const row of order) {
      const mean = (node: GraphNode) => {
        const around = (neighbours.get(node.id) ?? []).map((id) => column.get(id) ?? 0);
        return around.length
          ? around.reduce((sum, x) => sum + x, 0) / around.length
          : (column.get(node.id) ?? 0);
      };
      row.sort((a, b) => mean(a) - mean(b));
      row.forEach((node, index) => column.set(node.id, index - (row.length - 1) / 2));
    }
  }
  const widest = Math.max(...rows.map((row) => row.length));
  return rows.flatMap((row, rowIndex) => {
    const indent = ((widest - row.length) * (NODE_WIDTH + COLUMN_GAP)) / 2;
    return row.map((node, index) => ({
      ...node,
      x: MARGIN + indent + index * (NODE_WIDTH + COLUMN_GAP),
      y: MARGIN + rowIndex * (NODE_HEIGHT + ROW_GAP),
    }));
  });
}

function Node({ node, current }: { node: Placed; current: boolean }) {
  const model = node.kind === "model";
  const link = model ? href("models", node.id) : href("provenance", node.id);
  return (
    <a href={link} data-testid={`lineage-node-${node.id}`} className="lineage-node-link">
      <title>
        {`${model ? "Model" : "Dataset"} #${node.id}, ${model ? "owned" : "curated"} by ${node.owner}; manifest ${node.manifest_cid}`}
      </title>
      <rect
        x={node.x}
        y={node.y}
        width={NODE_WIDTH}
        height={NODE_HEIGHT}
        rx={model ? 8 : 2}
        className={`lineage-node lineage-${node.kind}${current ? " lineage-current" : ""}`}
      />
      <text x={node.x + NODE_WIDTH / 2} y={node.y + 19} className="lineage-title">
        {model ? "Model" : "Dataset"} #{node.id}
      </text>
      <text x={node.x + NODE_WIDTH / 2} y={node.y + 36} className="lineage-subtitle">
        {current ? "this model" : shortAddress(node.owner)}
      </text>
    </a>
  );
}

function edgeLabel(edge: GraphEdge): string {
  if (edge.type !== "TRAINING_DATA") return edge.type;
  const weight = edge.weight_bps == null ? "" : ` · ${percent(edge.weight_bps)}`;
  return `DATA v${edge.dataset_version ?? "?"}${weight}`;
}

/** Where along its curve (0: parent, 1: child) an edge's label goes: away from the end that several edges
 * share, so that labels of edges fanning in or out do not sit on top of one another. */
function labelPosition(edges: GraphEdge[], edge: GraphEdge): number {
  const fanIn = edges.filter((other) => other.target === edge.target).length;
  const fanOut = edges.filter((other) => other.source === edge.source).length;
  return fanIn > fanOut ? 0.3 : fanOut > fanIn ? 0.7 : 0.5;
}

type Point = { x: number; y: number };

function bezier(t: number, p0: Point, p1: Point, p2: Point, p3: Point): Point {
  const u = 1 - t;
  const at = (a: number, b: number, c: number, d: number) =>
    u * u * u * a + 3 * u * u * t * b + 3 * u * t * t * c + t * t * t * d;
  return { x: at(p0.x, p1.x, p2.x, p3.x), y: at(p0.y, p1.y, p2.y, p3.y) };
}

function Edge({
  edge,
  source,
  target,
  labelAt,
}: {
  edge: GraphEdge;
  source: Placed;
  target: Placed;
  labelAt: number;
}) {
  const from = { x: source.x + NODE_WIDTH / 2, y: source.y + NODE_HEIGHT };
  // Downwards to the child's top; a child in the same row or above (a shortcut in a merge) is reached by a
  // loop under both nodes, to its bottom.
  const down = target.y > source.y;
  const to = { x: target.x + NODE_WIDTH / 2, y: down ? target.y : target.y + NODE_HEIGHT };
  const bend = down ? (from.y + to.y) / 2 : Math.max(from.y, to.y) + ROW_GAP / 2;
  const c1 = { x: from.x, y: bend };
  const c2 = { x: to.x, y: bend };
  const path = `M${from.x},${from.y} C${c1.x},${c1.y} ${c2.x},${c2.y} ${to.x},${to.y}`;
  const label = bezier(labelAt, from, c1, c2, to);
  const text = edgeLabel(edge);
  const labelWidth = text.length * 6.6 + 12;
  return (
    <g
      data-testid={`lineage-edge-${edge.source}-${edge.target}`}
      className={`lineage-edge lineage-edge-${edge.type}`}
    >
      {edge.licence_id != null && <title>{`derived under licence #${edge.licence_id}`}</title>}
      <path d={path} markerEnd="url(#lineage-arrow)" />
      <rect x={label.x - labelWidth / 2} y={label.y - 9} width={labelWidth} height={18} rx={4} />
      <text x={label.x} y={label.y + 4}>
        {text}
      </text>
    </g>
  );
}
