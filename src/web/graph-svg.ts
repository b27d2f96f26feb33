/**
 * Draws a media pipeline as a standalone SVG that a person can read: each element is a labelled
 * box (Kurento type, its label if any, a short id, and dots for media flowing in and out), each
 * connection an arrow coloured and labelled by media type ("ALL" when the connection carries
 * every type). Placement is a layered left-to-right layout from @dagrejs/dagre, so sources sit
 * left and sinks right, cycles and parallel AUDIO/VIDEO connections are handled, and the same
 * graph always gives the same picture; a self-connection (Kurento's loopback tutorial) is drawn
 * as a loop under its box, in space dagre reserves for it. The output has no script, no external
 * font or link, and every piece of text is XML-escaped: pipeline and element names are user input.
 */
import dagre from "@dagrejs/dagre";

export type GraphMediaType = "AUDIO" | "VIDEO" | "DATA";
export type GraphFlowState = "FLOWING" | "NOT_FLOWING";
/** Kurento MediaFlowState per media type, as the worker last reported it; missing = unknown. */
export type GraphMediaFlow = { in: Partial<Record<GraphMediaType, GraphFlowState>>; out: Partial<Record<GraphMediaType, GraphFlowState>> };

export interface PipelineGraphNode {
  id: string;
  /** Kurento type, e.g. `WebRtcEndpoint`. */
  type: string;
  /** A human name (a WHIP stream, an element tag); shown above the short id. */
  label?: string | null;
  /** `ready`, `media-lost`, …; anything but `ready` is printed in the box. */
  state?: string | null;
  mediaFlow?: GraphMediaFlow | null;
}

export interface PipelineGraphEdge {
  id: string | number;
  source: string;
  sink: string;
  /** null: the connection carries every media type (Kurento's `connect(sink)` without a type). */
  mediaType: GraphMediaType | null;
}

export interface PipelineGraph {
  pipeline: { id: string; name?: string | null };
  nodes: PipelineGraphNode[];
  edges: PipelineGraphEdge[];
}

const BOX = { width: 200, height: 64 };
const HEADER = 44;
const LEGEND = 34;
const FONT = "font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif\"";
const EDGE_COLOURS: Record<GraphMediaType | "ALL", string> = { AUDIO: "#c2410c", VIDEO: "#1d4ed8", DATA: "#7e22ce", ALL: "#334155" };
const FLOWING = "#15803d";
const NOT_FLOWING = "#9ca3af";
const MEDIA_LOST = "#b91c1c";
const FLOW_KINDS: GraphMediaType[] = ["AUDIO", "VIDEO", "DATA"];

/** Characters XML 1.0 forbids (control characters, lone surrogates, U+FFFE/U+FFFF) are dropped. */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function escapeXml(text: string): string {
  return text
    .replace(NOT_XML_CHAR, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/** Cuts to `max` characters (code points, so no surrogate pair is split) with an ellipsis. */
function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`;
}

/** A UUID is recognisable by its first 8 hex digits; Kurento-style ids keep their last segment. */
export function shortId(id: string): string {
  const last = id.slice(id.lastIndexOf("/") + 1).replace(/_kurento\.\w+$/, "");
  return last.length > 12 ? last.slice(0, 8) : last;
}

/** Width a label takes, estimated per character (SVG cannot measure text without a renderer). */
const textWidth = (text: string, charWidth = 7) => [...text].length * charWidth;

interface Point {
  x: number;
  y: number;
}
interface Laid<T> {
  item: T;
  x: number;
  y: number;
}
interface LaidEdge extends Laid<PipelineGraphEdge> {
  points: Point[];
  width: number;
}

/** Runs dagre: node centres, edge polylines and label centres, all in graph coordinates. */
function layout(graph: PipelineGraph): { nodes: Laid<PipelineGraphNode>[]; edges: LaidEdge[]; width: number; height: number } {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: "LR", nodesep: 28, edgesep: 14, ranksep: 70, marginx: 20, marginy: 12 });
  const known = new Set<string>();
  for (const node of graph.nodes) {
    if (known.has(node.id)) throw new TypeError(`element ${node.id} appears twice in the graph`);
    known.add(node.id);
    g.setNode(node.id, { ...BOX });
  }
  graph.edges.forEach((edge, index) => {
    for (const end of [edge.source, edge.sink]) {
      if (!known.has(end)) throw new TypeError(`connection ${edge.id} names element ${end}, which is not in the graph`);
    }
    const self = edge.source === edge.sink;
    // A self-loop's label box is the space its loop is drawn in, so it is made taller.
    const label = { width: textWidth(edgeLabel(edge)) + 16, height: self ? 40 : 20, labelpos: "c" as const };
    g.setEdge(edge.source, edge.sink, label, `e${index}`);
  });
  dagre.layout(g);
  const nodes = graph.nodes.map((item) => ({ item, x: g.node(item.id).x!, y: g.node(item.id).y! }));
  const edges = graph.edges.map((item, index) => {
    const laid = g.edge({ v: item.source, w: item.sink, name: `e${index}` });
    return { item, x: laid.x!, y: laid.y!, points: laid.points ?? [], width: laid.width ?? 0 };
  });
  const size = g.graph();
  return { nodes, edges, width: size.width ?? 0, height: size.height ?? 0 };
}

function edgeLabel(edge: PipelineGraphEdge): string {
  return edge.mediaType ?? "ALL";
}

/** A smooth path through dagre's points: straight ends (so arrowheads point the right way), curved bends. */
function smoothPath(points: Point[]): string {
  const f = (n: number) => Math.round(n * 10) / 10;
  let d = `M${f(points[0].x)},${f(points[0].y)}`;
  for (let i = 1; i < points.length - 1; i++) {
    const next = points[i + 1];
    d += ` Q${f(points[i].x)},${f(points[i].y)} ${f((points[i].x + next.x) / 2)},${f((points[i].y + next.y) / 2)}`;
  }
  const last = points[points.length - 1];
  return `${d} L${f(last.x)},${f(last.y)}`;
}

/**
 * A U-shaped loop from the box's bottom edge, around the label space dagre reserved next to the
 * box, back into the box. `nesting` counts the box's loops nearer to it: each further loop is
 * wider, so several loops on one element (AUDIO and VIDEO) nest instead of sharing their sides.
 */
function selfLoopPath(node: Laid<PipelineGraphNode>, edge: LaidEdge, nesting: number): string {
  const down = Math.sign(edge.y - node.y) || 1;
  const edgeOfBox = node.y + (down * BOX.height) / 2;
  const half = Math.min(BOX.width / 2 - 6, edge.width / 2 + 14 + 12 * nesting);
  const far = edge.y + down * 16;
  return `M${node.x + half},${edgeOfBox} C${node.x + half},${far} ${node.x + half},${far} ${node.x},${far} C${node.x - half},${far} ${node.x - half},${far} ${node.x - half},${edgeOfBox + down * 2}`;
}

function renderEdge(edge: LaidEdge, nodes: Map<string, Laid<PipelineGraphNode>>, loops: LaidEdge[]): string {
  const { item } = edge;
  const kind = item.mediaType ?? "ALL";
  const colour = EDGE_COLOURS[kind];
  const node = nodes.get(item.source)!;
  let d: string;
  if (item.source === item.sink) {
    const distance = (loop: LaidEdge) => Math.abs(loop.y - node.y);
    const nesting = loops.filter((loop) => loop.item.source === item.source && distance(loop) < distance(edge)).length;
    d = selfLoopPath(node, edge, nesting);
  } else {
    d = smoothPath(edge.points);
  }
  const label = edgeLabel(item);
  const w = textWidth(label) + 10;
  const what = `${kind === "ALL" ? "all media" : kind} from ${item.source} to ${item.sink}`;
  return [
    `<g class="connection" data-id="${escapeXml(String(item.id))}" data-source="${escapeXml(item.source)}" data-sink="${escapeXml(item.sink)}" data-media-type="${kind}">`,
    `<title>${escapeXml(`connection ${item.id}: ${what}`)}</title>`,
    `<path d="${d}" fill="none" stroke="${colour}" stroke-width="1.6" marker-end="url(#arrow-${kind})"/>`,
    `<rect x="${edge.x - w / 2}" y="${edge.y - 9}" width="${w}" height="18" rx="9" fill="#ffffff" stroke="${colour}" stroke-width="1"/>`,
    `<text x="${edge.x}" y="${edge.y + 4}" text-anchor="middle" font-size="10.5" font-weight="600" fill="${colour}">${escapeXml(label)}</text>`,
    `</g>`,
  ].join("");
}

/** "in ● A ○ V   out ● V": a filled dot is FLOWING, a hollow one NOT_FLOWING, absent unknown. */
function renderFlow(flow: GraphMediaFlow | null | undefined, x: number, y: number): string {
  if (!flow) return "";
  const parts: string[] = [];
  let cursor = x;
  for (const direction of ["in", "out"] as const) {
    const states = FLOW_KINDS.filter((kind) => flow[direction]?.[kind]).map((kind) => [kind, flow[direction][kind]!] as const);
    if (states.length === 0) continue;
    parts.push(`<text x="${cursor}" y="${y + 4}" font-size="10" fill="#475569">${direction}</text>`);
    cursor += direction === "in" ? 16 : 22;
    for (const [kind, state] of states) {
      const on = state === "FLOWING";
      parts.push(`<circle cx="${cursor + 4}" cy="${y}" r="4" fill="${on ? FLOWING : "#ffffff"}" stroke="${on ? FLOWING : NOT_FLOWING}" stroke-width="1.5"/>`);
      parts.push(`<text x="${cursor + 11}" y="${y + 4}" font-size="10" fill="#475569">${kind[0]}</text>`);
      cursor += 24;
    }
    cursor += 8;
  }
  return parts.join("");
}

function flowSummary(flow: GraphMediaFlow | null | undefined): string {
  if (!flow) return "media flow unknown";
  const list = (direction: "in" | "out") => FLOW_KINDS.filter((kind) => flow[direction]?.[kind]).map((kind) => `${kind} ${flow[direction][kind]}`);
  return [`in: ${list("in").join(", ") || "unknown"}`, `out: ${list("out").join(", ") || "unknown"}`].join("; ");
}

function renderNode({ item, x, y }: Laid<PipelineGraphNode>): string {
  const left = x - BOX.width / 2;
  const top = y - BOX.height / 2;
  const lost = item.state != null && item.state !== "ready";
  const flowing = FLOW_KINDS.some((kind) => item.mediaFlow?.in?.[kind] === "FLOWING" || item.mediaFlow?.out?.[kind] === "FLOWING");
  const border = lost ? MEDIA_LOST : flowing ? FLOWING : "#64748b";
  const idLine = item.label ? `${truncate(item.label, 18)} · ${shortId(item.id)}` : shortId(item.id);
  // A state other than `ready` is a tab on the box's top edge, clear of the text inside.
  const state = truncate(item.state ?? "", 16);
  const tabWidth = textWidth(state, 6) + 12;
  const stateTab = lost
    ? `<rect x="${left + BOX.width - 10 - tabWidth}" y="${top - 8}" width="${tabWidth}" height="15" rx="4" fill="${MEDIA_LOST}"/>` +
      `<text x="${left + BOX.width - 10 - tabWidth / 2}" y="${top + 3}" text-anchor="middle" font-size="10" font-weight="600" fill="#ffffff">${escapeXml(state)}</text>`
    : "";
  const tooltip = [`${item.type} ${item.id}`, item.label ? `label: ${item.label}` : "", item.state ? `state: ${item.state}` : "", flowSummary(item.mediaFlow)].filter(Boolean).join("\n");
  return [
    `<g class="element" data-id="${escapeXml(item.id)}" data-type="${escapeXml(item.type)}">`,
    `<title>${escapeXml(tooltip)}</title>`,
    `<rect x="${left}" y="${top}" width="${BOX.width}" height="${BOX.height}" rx="8" fill="${flowing ? "#f0fdf4" : "#ffffff"}" stroke="${border}" stroke-width="${flowing || lost ? 2 : 1.2}"${lost ? ' stroke-dasharray="5 3"' : ""}/>`,
    `<text x="${left + 10}" y="${top + 18}" font-size="13" font-weight="700" fill="#0f172a">${escapeXml(truncate(item.type, 24))}</text>`,
    `<text x="${left + 10}" y="${top + 35}" font-size="11" fill="#475569" font-family="ui-monospace, Menlo, Consolas, monospace">${escapeXml(idLine)}</text>`,
    renderFlow(item.mediaFlow, left + 10, top + 51),
    stateTab,
    `</g>`,
  ].join("");
}

function renderLegend(y: number): string {
  const parts: string[] = [];
  let x = 20;
  for (const [kind, colour] of Object.entries(EDGE_COLOURS)) {
    parts.push(`<line x1="${x}" y1="${y}" x2="${x + 22}" y2="${y}" stroke="${colour}" stroke-width="1.6" marker-end="url(#arrow-${kind})"/>`);
    parts.push(`<text x="${x + 28}" y="${y + 4}" font-size="11" fill="#334155">${kind === "ALL" ? "all media" : kind}</text>`);
    x += kind === "ALL" ? 100 : 84;
  }
  parts.push(`<circle cx="${x + 4}" cy="${y}" r="4" fill="${FLOWING}" stroke="${FLOWING}" stroke-width="1.5"/><text x="${x + 13}" y="${y + 4}" font-size="11" fill="#334155">flowing</text>`);
  x += 66;
  parts.push(`<circle cx="${x + 4}" cy="${y}" r="4" fill="#ffffff" stroke="${NOT_FLOWING}" stroke-width="1.5"/><text x="${x + 13}" y="${y + 4}" font-size="11" fill="#334155">not flowing</text>`);
  return `<g class="legend">${parts.join("")}</g>`;
}

function arrowMarkers(): string {
  return Object.entries(EDGE_COLOURS)
    .map(([kind, colour]) => `<marker id="arrow-${kind}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" markerHeight="9" markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="${colour}"/></marker>`)
    .join("");
}

/**
 * Renders the graph of one pipeline as an SVG document (`image/svg+xml`).
 *
 * @example
 * renderPipelineGraph({
 *   pipeline: { id: "p1", name: "loopback" },
 *   nodes: [{ id: "e1", type: "WebRtcEndpoint" }],
 *   edges: [{ id: 1, source: "e1", sink: "e1", mediaType: null }],
 * });
 */
export function renderPipelineGraph(graph: PipelineGraph): string {
  const laid = layout(graph);
  const title = `Pipeline ${graph.pipeline.name ? `“${truncate(graph.pipeline.name, 60)}”` : shortId(graph.pipeline.id)}`;
  const summary = `${graph.pipeline.id} · ${graph.nodes.length} element${graph.nodes.length === 1 ? "" : "s"}, ${graph.edges.length} connection${graph.edges.length === 1 ? "" : "s"}`;
  const empty = graph.nodes.length === 0;
  const bodyHeight = empty ? 60 : laid.height;
  const width = Math.ceil(Math.max(laid.width, 540, textWidth(title, 9) + 40, textWidth(summary, 6.5) + 40));
  const height = Math.ceil(HEADER + bodyHeight + LEGEND);
  const nodes = new Map(laid.nodes.map((node) => [node.item.id, node]));
  const loops = laid.edges.filter((edge) => edge.item.source === edge.item.sink);
  const body = empty
    ? `<text x="${width / 2}" y="${HEADER + 34}" text-anchor="middle" font-size="13" fill="#64748b">This pipeline has no elements yet.</text>`
    : `<g transform="translate(0 ${HEADER})">${laid.edges.map((edge) => renderEdge(edge, nodes, loops)).join("")}${laid.nodes.map(renderNode).join("")}</g>`;
  return [
    `<?xml version="1.0" encoding="UTF-8"?>\n`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="pipeline-title" ${FONT}>`,
    `<title id="pipeline-title">${escapeXml(`${title} (${summary})`)}</title>`,
    `<defs>${arrowMarkers()}</defs>`,
    `<rect width="100%" height="100%" fill="#f8fafc"/>`,
    `<text x="20" y="24" font-size="16" font-weight="700" fill="#0f172a">${escapeXml(title)}</text>`,
    `<text x="20" y="39" font-size="11" fill="#64748b">${escapeXml(summary)}</text>`,
    body,
    renderLegend(height - LEGEND / 2),
    `</svg>\n`,
  ].join("");
}
