"""The citation graph written for network tools: GraphML, GEXF 1.3, node-link JSON and Graphviz DOT.

Gephi and Cytoscape open GraphML and GEXF, d3 and networkx read node-link JSON, Graphviz draws DOT.
Each writer streams text to a file-like object, so a whole library's graph is never held twice in
memory. They are written by hand on the standard library (``xml.sax.saxutils`` and ``json``): networkx
writes all four, but it would be a runtime dependency of several megabytes for a few dozen lines of
markup, and the tests use it as the independent reader instead (docs/decisions/0034).

Every node carries the same attributes in every format: ``label``, ``key``, ``pmid``, ``doi``,
``title``, ``authors``, ``journal``, ``year`` (an integer), ``stub`` (a boolean), ``cited_count`` (an
integer), ``citation`` (a stub's citation text) and ``colour`` (its first coloured tag's
``#rrggbb``); an attribute a record lacks is left out (``null`` in JSON). Every edge carries ``kind``:
``cites`` (from the citing to the cited record) or ``similar`` (from the page that lists the other
as similar).

Nodes are named ``r<id>``, the record's id in the library: always there, unique, and unchanged when
a citation key is edited or a stub becomes a record, so two exports of one library join on it. The
citation key is the ``label`` a viewer shows, and an attribute of its own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal, TextIO
from xml.sax.saxutils import escape, quoteattr

from refman.domain.graph import SIMILAR, Edge, Graph, GraphNode

AttributeType = Literal["string", "int", "boolean"]


@dataclass(frozen=True, slots=True)
class NodeAttribute:
    name: str
    type: AttributeType
    value: Callable[[GraphNode], str | int | bool | None]


NODE_ATTRIBUTES: tuple[NodeAttribute, ...] = (
    NodeAttribute("label", "string", lambda node: node.label),
    NodeAttribute("key", "string", lambda node: node.key),
    NodeAttribute("pmid", "string", lambda node: node.pmid),
    NodeAttribute("doi", "string", lambda node: node.doi),
    NodeAttribute("title", "string", lambda node: node.title),
    NodeAttribute("authors", "string", lambda node: node.authors),
    NodeAttribute("journal", "string", lambda node: node.journal),
    NodeAttribute("year", "int", lambda node: node.year),
    NodeAttribute("stub", "boolean", lambda node: node.is_stub),
    NodeAttribute("cited_count", "int", lambda node: node.cited_count),
    NodeAttribute("citation", "string", lambda node: node.citation_text),
    NodeAttribute("colour", "string", lambda node: node.colour),
)
"""The attributes of a node in every format, in the order they are declared."""

EDGE_KIND = "kind"

# What XML 1.0 cannot hold (C0 controls, lone surrogates, U+FFFE and U+FFFF) and the C1 controls:
# the ones that break a line become a space, the others go.
_LINE_BREAKING = re.compile("[\t\n\v\f\r\x1c-\x1f\x85\u2028\u2029]")
_UNWRITABLE = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: str) -> str:
    """Text any of the four formats holds: line breaks and tabs as spaces, other control characters
    and lone surrogates removed (titles sometimes carry a stray ``\\x0b`` from a PDF)."""
    return _UNWRITABLE.sub("", _LINE_BREAKING.sub(" ", text))


def _values(node: GraphNode) -> Iterator[tuple[NodeAttribute, str | int | bool]]:
    """A node's attributes that have a value, cleaned."""
    for attribute in NODE_ATTRIBUTES:
        value = attribute.value(node)
        if value is None:
            continue
        yield attribute, clean_text(value) if isinstance(value, str) else value


def _node_id(node_id: int) -> str:
    return f"r{node_id}"


def _edges(graph: Graph) -> list[Edge]:
    return sorted(graph.edges)


def _xml_value(value: str | int | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def write_graphml(graph: Graph, stream: TextIO) -> None:
    """GraphML, directed; node and edge attributes declared with their ``attr.type``."""
    stream.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                 '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
                 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                 'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
                 'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n')
    for attribute in NODE_ATTRIBUTES:
        stream.write(f'  <key id="{attribute.name}" for="node" attr.name="{attribute.name}" '
                     f'attr.type="{attribute.type}"/>\n')
    stream.write(f'  <key id="{EDGE_KIND}" for="edge" attr.name="{EDGE_KIND}" attr.type="string"/>\n')
    stream.write('  <graph id="refman" edgedefault="directed">\n')
    for node in graph.nodes:
        stream.write(f'    <node id="{_node_id(node.id)}">')
        for attribute, value in _values(node):
            stream.write(f'<data key="{attribute.name}">{escape(_xml_value(value))}</data>')
        stream.write("</node>\n")
    for number, edge in enumerate(_edges(graph)):
        stream.write(f'    <edge id="e{number}" source="{_node_id(edge.source)}" target="{_node_id(edge.target)}">'
                     f'<data key="{EDGE_KIND}">{escape(edge.kind)}</data></edge>\n')
    stream.write("  </graph>\n</graphml>\n")


_GEXF_TYPES: dict[AttributeType, str] = {"string": "string", "int": "integer", "boolean": "boolean"}
_COLOUR = re.compile(r"#([0-9a-fA-F]{2})([0-9a-fA-F]{2})([0-9a-fA-F]{2})")


def write_gexf(graph: Graph, stream: TextIO) -> None:
    """GEXF 1.3, edges directed by default; attributes declared per class; a tag's colour as ``viz:color``.

    ``label`` is the node's own XML attribute in GEXF, so it is not declared again. Each edge says its
    ``kind`` twice: as GEXF 1.3's edge kind (which lets Gephi keep a cites and a similar edge between
    the same two records apart) and as the declared attribute other readers see.
    """
    stream.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                 '<gexf xmlns="http://gexf.net/1.3" xmlns:viz="http://gexf.net/1.3/viz" '
                 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                 'xsi:schemaLocation="http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd" version="1.3">\n'
                 '  <meta><creator>refman</creator><description>A citation graph</description></meta>\n'
                 '  <graph defaultedgetype="directed" mode="static">\n'
                 '    <attributes class="node" mode="static">\n')
    for attribute in NODE_ATTRIBUTES[1:]:
        stream.write(f'      <attribute id="{attribute.name}" title="{attribute.name}" '
                     f'type="{_GEXF_TYPES[attribute.type]}"/>\n')
    stream.write('    </attributes>\n    <attributes class="edge" mode="static">\n'
                 f'      <attribute id="{EDGE_KIND}" title="{EDGE_KIND}" type="string"/>\n'
                 "    </attributes>\n    <nodes>\n")
    for node in graph.nodes:
        values = list(_values(node))
        stream.write(f'      <node id="{_node_id(node.id)}" label={quoteattr(str(values[0][1]))}><attvalues>')
        for attribute, value in values[1:]:
            stream.write(f'<attvalue for="{attribute.name}" value={quoteattr(_xml_value(value))}/>')
        stream.write("</attvalues>")
        colour = _COLOUR.fullmatch(node.colour or "")
        if colour:
            red, green, blue = (int(part, 16) for part in colour.groups())
            stream.write(f'<viz:color r="{red}" g="{green}" b="{blue}"/>')
        stream.write("</node>\n")
    stream.write("    </nodes>\n    <edges>\n")
    for number, edge in enumerate(_edges(graph)):
        kind = quoteattr(edge.kind)
        stream.write(f'      <edge id="{number}" source="{_node_id(edge.source)}" target="{_node_id(edge.target)}" '
                     f'kind={kind}><attvalues><attvalue for="{EDGE_KIND}" value={kind}/></attvalues></edge>\n')
    stream.write("    </edges>\n  </graph>\n</gexf>\n")


def write_node_link_json(graph: Graph, stream: TextIO) -> None:
    """Node-link JSON (networkx's and d3's): every node with every attribute (``null`` when it has none).

    A cites and a similar edge may join the same two records, so it is a multigraph whose edge keys
    are the kinds. One node or link a line: readable, and each line is encoded by json's fast C encoder
    (an indented dump goes through its pure-Python one, several times slower on a whole library).
    """
    stream.write('{"directed": true, "multigraph": true, "graph": {"name": "refman"},\n"nodes": [')
    for number, node in enumerate(graph.nodes):
        values = {attribute.name: value for attribute, value in _values(node)}
        line = {"id": _node_id(node.id), **{attribute.name: values.get(attribute.name) for attribute in NODE_ATTRIBUTES}}
        stream.write(("\n" if number == 0 else ",\n") + json.dumps(line, ensure_ascii=False))
    stream.write('\n],\n"links": [')
    for number, edge in enumerate(_edges(graph)):
        link = {"source": _node_id(edge.source), "target": _node_id(edge.target), "key": edge.kind, EDGE_KIND: edge.kind}
        stream.write(("\n" if number == 0 else ",\n") + json.dumps(link, ensure_ascii=False))
    stream.write("\n]}\n")


_DOT_PLAIN = re.compile('[^\\\\"\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]*')


def dot_quoted(text: str) -> str:
    """``text`` as a DOT double-quoted string: backslashes and quotes escaped, a line break as ``\\n``
    (a centred line in a label), other control characters removed."""
    if _DOT_PLAIN.fullmatch(text):
        return f'"{text}"'
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    text = re.sub("\r\n|[\n\r\v\f\x85\u2028\u2029]", r"\\n", text)
    return '"' + _UNWRITABLE.sub("", text.replace("\t", " ")) + '"'


def write_dot(graph: Graph, stream: TextIO) -> None:
    """A Graphviz digraph: records as ellipses, stubs as dashed boxes, similar edges dashed.

    Every node attribute is written too (Graphviz keeps attributes it does not draw), and a node's
    title is its tooltip.
    """
    stream.write('digraph "refman" {\n  node [shape=ellipse];\n')
    for node in graph.nodes:
        values = {attribute.name: value for attribute, value in _values(node)}
        parts = [f"label={dot_quoted(str(values.pop('label')))}"]
        if node.title:
            parts.append(f"tooltip={dot_quoted(node.title)}")
        if node.is_stub:
            parts.append('shape=box, style="dashed"')
        if node.colour and _COLOUR.fullmatch(node.colour):
            parts.append(f'color="{node.colour}"')
        for name, value in values.items():
            shown = ("true" if value else "false") if isinstance(value, bool) else str(value)
            parts.append(f"{name}={dot_quoted(shown)}")
        stream.write(f'  "{_node_id(node.id)}" [{", ".join(parts)}];\n')
    for edge in _edges(graph):
        style = ', style="dashed"' if edge.kind == SIMILAR else ""
        stream.write(f'  "{_node_id(edge.source)}" -> "{_node_id(edge.target)}" '
                     f"[{EDGE_KIND}={dot_quoted(edge.kind)}{style}];\n")
    stream.write("}\n")


@dataclass(frozen=True, slots=True)
class GraphFormat:
    writer: Callable[[Graph, TextIO], None]
    extension: str  # with its dot: ".graphml"
    description: str


GRAPH_FORMATS: dict[str, GraphFormat] = {
    "graphml": GraphFormat(write_graphml, ".graphml", "GraphML (Gephi, Cytoscape, yEd, networkx)"),
    "gexf": GraphFormat(write_gexf, ".gexf", "GEXF 1.3 (Gephi)"),
    "json": GraphFormat(write_node_link_json, ".json", "node-link JSON (d3, networkx)"),
    "dot": GraphFormat(write_dot, ".dot", "Graphviz DOT"),
}


def write_graph(graph: Graph, fmt: str, stream: TextIO) -> None:
    """Write ``graph`` to ``stream`` in the format named ``fmt`` (a key of :data:`GRAPH_FORMATS`)."""
    try:
        graph_format = GRAPH_FORMATS[fmt]
    except KeyError:
        raise ValueError(f"{fmt!r} is not a graph format ({', '.join(GRAPH_FORMATS)})") from None
    graph_format.writer(graph, stream)
