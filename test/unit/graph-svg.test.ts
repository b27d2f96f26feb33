/**
 * The pipeline graph SVG as a reader gets it: the document is well-formed XML (checked by
 * @rgrove/parse-xml, a spec-conforming parser that rejects a bare `&`, a control character or a
 * mismatched tag, which lenient DOM parsers let through), every element and connection is drawn
 * with its label, user-supplied names cannot inject markup, and the layout keeps boxes apart and
 * flows left to right — for a loopback (an element connected to itself), parallel AUDIO/VIDEO
 * connections, a cycle and a 20-element pipeline.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseXml, XmlElement } from "@rgrove/parse-xml";
import { renderPipelineGraph, shortId, type PipelineGraph } from "../../src/web/graph-svg.ts";

const SVG_NS = "http://www.w3.org/2000/svg";

function parseSvg(text: string): XmlElement {
  const root = parseXml(text).root;
  assert.ok(root, "the document has a root element");
  assert.equal(root.name, "svg");
  assert.equal(root.attributes.xmlns, SVG_NS, "the root is in the SVG namespace");
  return root;
}

/** Every element below `root` (document order), optionally only those named `tag`. */
function all(root: XmlElement, tag?: string): XmlElement[] {
  const found: XmlElement[] = [];
  const walk = (element: XmlElement) => {
    for (const child of element.children) {
      if (!(child instanceof XmlElement)) continue;
      if (!tag || child.name === tag) found.push(child);
      walk(child);
    }
  };
  walk(root);
  return found;
}
const first = (root: XmlElement, tag: string) => all(root, tag)[0];
const byClass = (root: XmlElement, name: string) => all(root, "g").filter((g) => g.attributes.class === name);
const num = (element: XmlElement, attribute: string) => Number(element.attributes[attribute]);

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}
const boxOf = (rect: XmlElement): Box => ({ x: num(rect, "x"), y: num(rect, "y"), width: num(rect, "width"), height: num(rect, "height") });
const overlaps = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** The element boxes, keyed by element id. */
function elementBoxes(root: XmlElement): Map<string, Box> {
  return new Map(byClass(root, "element").map((g) => [g.attributes["data-id"], boxOf(first(g, "rect"))]));
}

function assertNoOverlap(boxes: Box[], what: string): void {
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) assert.ok(!overlaps(boxes[i], boxes[j]), `${what} ${i} and ${j} overlap: ${JSON.stringify([boxes[i], boxes[j]])}`);
  }
}

const uuid = (n: number) => `${n.toString(16).padStart(8, "0")}-7d1c-4c55-9b1e-5a3c2f0e9d41`;

describe("pipeline graph SVG", () => {
  it("the strict parser rejects malformed XML (so the checks below can fail)", () => {
    for (const broken of [`<g></svg>`, `<text>a & b</text></svg>`, `<text>\u0007</text></svg>`, `<rect x=1/></svg>`]) {
      assert.throws(() => parseSvg(`<svg xmlns="${SVG_NS}">${broken}`), /./, broken);
    }
    assert.throws(() => parseSvg(`<svg>ok</svg>`), /namespace/);
  });

  it("draws every element and connection, labelled with type, short id and media type", () => {
    const graph: PipelineGraph = {
      pipeline: { id: uuid(1), name: "one to many" },
      nodes: [
        { id: uuid(10), type: "WebRtcEndpoint", label: "cam1", mediaFlow: { in: { AUDIO: "FLOWING", VIDEO: "FLOWING" }, out: {} } },
        { id: uuid(11), type: "DispatcherOneToMany" },
        { id: uuid(12), type: "HubPort" },
        { id: uuid(13), type: "HubPort" },
        { id: uuid(14), type: "RecorderEndpoint", state: "media-lost" },
      ],
      edges: [
        { id: 1, source: uuid(10), sink: uuid(12), mediaType: null },
        { id: 2, source: uuid(12), sink: uuid(11), mediaType: null },
        { id: 3, source: uuid(11), sink: uuid(13), mediaType: "DATA" },
        { id: "audio", source: uuid(10), sink: uuid(14), mediaType: "AUDIO" },
        { id: "video", source: uuid(10), sink: uuid(14), mediaType: "VIDEO" },
      ],
    };
    const doc = parseSvg(renderPipelineGraph(graph));

    const elements = byClass(doc, "element");
    assert.deepEqual(elements.map((g) => g.attributes["data-id"]), graph.nodes.map((node) => node.id));
    for (const [index, g] of elements.entries()) {
      const texts = g.children.filter((child) => child instanceof XmlElement && child.name === "text").map((text) => (text as XmlElement).text);
      const node = graph.nodes[index];
      assert.equal(texts[0], node.type);
      assert.ok(texts[1]?.includes(shortId(node.id)), `the box of ${node.type} shows its short id: ${texts.join(" | ")}`);
      if (node.label) assert.ok(texts[1]?.includes(node.label));
    }
    assert.ok(all(doc, "text").some((text) => text.text === "media-lost"), "an element whose media died says so");

    const connections = byClass(doc, "connection");
    assert.deepEqual(
      connections.map((g) => [g.attributes["data-id"], g.attributes["data-source"], g.attributes["data-sink"], first(g, "text").text]),
      graph.edges.map((edge) => [String(edge.id), edge.source, edge.sink, edge.mediaType ?? "ALL"]),
    );
    for (const g of connections) assert.match(first(g, "path").attributes["marker-end"] ?? "", /^url\(#arrow-/, "each connection is an arrow");

    // AUDIO and VIDEO between the same pair are two arrows whose labels do not sit on each other.
    const labels = connections.slice(3).map((g) => boxOf(first(g, "rect")));
    assert.ok(!overlaps(labels[0], labels[1]), "parallel connections keep their labels apart");
  });

  it("escapes names so a pipeline called <script> cannot inject markup", () => {
    const name = `<script>alert("x")</script>&amp; ' \u0000\u0007`;
    const label = `</text><foreignObject><iframe src="https://example.com"/></foreignObject>`;
    const svg = renderPipelineGraph({
      pipeline: { id: `p"1'&<>`, name },
      nodes: [{ id: `e<1>`, type: `Web&Rtc<Endpoint>`, label, state: `<b onload="x">` }],
      edges: [{ id: `"><script>`, source: `e<1>`, sink: `e<1>`, mediaType: null }],
    });
    const doc = parseSvg(svg);
    for (const tag of ["script", "foreignObject", "iframe", "a", "image", "use", "style", "b"]) assert.equal(all(doc, tag).length, 0, `no <${tag}> element`);
    for (const element of [doc, ...all(doc)]) {
      for (const [attribute, value] of Object.entries(element.attributes)) {
        assert.ok(!/^on/i.test(attribute), `no event handler attribute (${attribute})`);
        assert.ok(!/href$/i.test(attribute), `no link (${attribute})`);
        if (attribute !== "xmlns") assert.ok(!/\w+:\/\/|url\((?!#)/.test(value), `no external reference in ${attribute}="${value}"`);
      }
    }
    // The text survives as text: what the reader sees is the name itself, less control characters.
    const title = first(doc, "text").text;
    assert.ok(title.includes(`<script>alert("x")</script>&amp; '`), title);
    assert.equal(byClass(doc, "element")[0].attributes["data-id"], "e<1>");
    assert.equal(byClass(doc, "connection")[0].attributes["data-id"], `"><script>`);
  });

  it("draws a loopback (an element connected to itself) as loops beside its box", () => {
    const graph: PipelineGraph = {
      pipeline: { id: uuid(2), name: "loopback" },
      nodes: [{ id: uuid(20), type: "WebRtcEndpoint" }],
      edges: [
        { id: 1, source: uuid(20), sink: uuid(20), mediaType: "AUDIO" },
        { id: 2, source: uuid(20), sink: uuid(20), mediaType: "VIDEO" },
      ],
    };
    const doc = parseSvg(renderPipelineGraph(graph));
    const box = elementBoxes(doc).get(uuid(20))!;
    const connections = byClass(doc, "connection");
    assert.equal(connections.length, 2);
    const labels = connections.map((g) => boxOf(first(g, "rect")));
    for (const label of labels) assert.ok(!overlaps(label, box), "a loop's label sits outside the box");
    assert.ok(!overlaps(labels[0], labels[1]), "the two loops' labels are apart");
    const paths = connections.map((g) => first(g, "path").attributes.d);
    assert.notEqual(paths[0], paths[1], "the two loops take different paths");
  });

  it("handles a cycle (two endpoints in a call) and an empty pipeline", () => {
    const call = parseSvg(
      renderPipelineGraph({
        pipeline: { id: uuid(3), name: "call" },
        nodes: [
          { id: "a", type: "WebRtcEndpoint" },
          { id: "b", type: "WebRtcEndpoint" },
        ],
        edges: [
          { id: 1, source: "a", sink: "b", mediaType: null },
          { id: 2, source: "b", sink: "a", mediaType: null },
        ],
      }),
    );
    assert.equal(byClass(call, "connection").length, 2);
    assertNoOverlap([...elementBoxes(call).values()], "box");

    const empty = parseSvg(renderPipelineGraph({ pipeline: { id: uuid(4), name: null }, nodes: [], edges: [] }));
    assert.ok(all(empty, "text").some((text) => /no elements/.test(text.text)));
  });

  it("lays out a 20-element pipeline left to right with no boxes or labels on each other", () => {
    const graph: PipelineGraph = { pipeline: { id: uuid(5), name: "twenty" }, nodes: [], edges: [] };
    for (let i = 0; i < 20; i++) graph.nodes.push({ id: uuid(100 + i), type: ["WebRtcEndpoint", "PassThrough", "HubPort", "DispatcherOneToMany"][i % 4] });
    // A tree with fan-out plus parallel AUDIO/VIDEO connections.
    for (let i = 1; i < 20; i++) {
      const parent = uuid(100 + Math.floor((i - 1) / 2));
      if (i % 5 === 0) {
        graph.edges.push({ id: `${i}a`, source: parent, sink: uuid(100 + i), mediaType: "AUDIO" });
        graph.edges.push({ id: `${i}v`, source: parent, sink: uuid(100 + i), mediaType: "VIDEO" });
      } else {
        graph.edges.push({ id: String(i), source: parent, sink: uuid(100 + i), mediaType: null });
      }
    }
    const svg = renderPipelineGraph(graph);
    const doc = parseSvg(svg);
    const boxes = elementBoxes(doc);
    assert.equal(boxes.size, 20);
    assertNoOverlap([...boxes.values()], "box");
    const labels = byClass(doc, "connection").map((g) => boxOf(first(g, "rect")));
    assert.equal(labels.length, graph.edges.length);
    assertNoOverlap(labels, "connection label");
    for (const label of labels) for (const box of boxes.values()) assert.ok(!overlaps(label, box), "no connection label on a box");

    for (const edge of graph.edges) assert.ok(boxes.get(edge.source)!.x < boxes.get(edge.sink)!.x, `source ${edge.source} left of sink ${edge.sink}`);
    const [width, height] = [num(doc, "width"), num(doc, "height")];
    for (const box of boxes.values()) assert.ok(box.x >= 0 && box.x + box.width <= width && box.y + 44 + box.height <= height, "every box inside the picture");
    assert.equal(renderPipelineGraph(graph), svg, "the same graph gives the same picture");
  });

  it("refuses a graph that is not one: a connection to an unknown element, an element twice", () => {
    assert.throws(
      () => renderPipelineGraph({ pipeline: { id: "p", name: "x" }, nodes: [{ id: "a", type: "PassThrough" }], edges: [{ id: 1, source: "a", sink: "ghost", mediaType: null }] }),
      TypeError,
    );
    assert.throws(() => renderPipelineGraph({ pipeline: { id: "p", name: "x" }, nodes: [{ id: "a", type: "PassThrough" }, { id: "a", type: "HubPort" }], edges: [] }), TypeError);
  });
});
