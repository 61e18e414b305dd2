"""The graph exports read back by an independent reader (networkx): every node, edge and attribute, in
GraphML, GEXF and node-link JSON; DOT checked line by line. A title with markup characters, quotes, a
backslash and stray control characters still gives a valid file with the title readable in it."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refman.domain.graph import CITES, SIMILAR, Edge, Graph, GraphNode
from refman.formats.graph_export import GRAPH_FORMATS, clean_text, write_graph

HOSTILE = 'Tumour <b>growth</b> & "spread" in C:\\cells\x0b\x00 of mice\nand rats'
HOSTILE_READ = 'Tumour <b>growth</b> & "spread" in C:\\cells  of mice and rats'
"""HOSTILE as a reader gets it back: line breaks as spaces, the other control characters gone."""


def node(node_id: int, **fields) -> GraphNode:
    values = dict(id=node_id, key=f"key{node_id}", pmid=str(1000 + node_id), doi=None, title=f"Title {node_id}",
                  authors="Smith J, Doe A", journal="J Test", year=2000 + node_id, is_stub=False, cited_count=0,
                  citation_text=None, colour=None)
    values.update(fields)
    return GraphNode(**values)


GRAPH = Graph(
    nodes=(
        node(1, title=HOSTILE, doi="10.1000/a<b>", colour="#1f77b4", cited_count=2),
        node(2, cited_count=1),
        node(3, key=None, pmid=None, title=None, authors=None, journal=None, year=None, is_stub=True,
             citation_text="Doe A. An uncited citation. J Test. 1999;1:2-3.", cited_count=1),
        node(4, is_stub=True, pmid="9999", authors=None, cited_count=1),
    ),
    edges=(
        Edge(2, 1, CITES), Edge(1, 3, CITES), Edge(4, 1, CITES), Edge(2, 1, SIMILAR), Edge(1, 2, SIMILAR),
    ),
)
EXPECTED_ATTRIBUTES = {
    "r1": {"key": "key1", "pmid": "1001", "doi": "10.1000/a<b>", "title": HOSTILE_READ, "year": 2001,
           "stub": False, "cited_count": 2, "authors": "Smith J, Doe A", "journal": "J Test", "colour": "#1f77b4"},
    "r2": {"key": "key2", "pmid": "1002", "title": "Title 2", "year": 2002, "stub": False, "cited_count": 1},
    "r3": {"stub": True, "cited_count": 1, "citation": "Doe A. An uncited citation. J Test. 1999;1:2-3."},
    "r4": {"key": "key4", "pmid": "9999", "stub": True, "year": 2004},
}
EXPECTED_EDGES = sorted([("r2", "r1", "cites"), ("r1", "r3", "cites"), ("r4", "r1", "cites"),
                         ("r2", "r1", "similar"), ("r1", "r2", "similar")])


def written(fmt: str, graph: Graph = GRAPH) -> str:
    stream = io.StringIO()
    write_graph(graph, fmt, stream)
    return stream.getvalue()


def check_read_back(read: nx.MultiDiGraph) -> None:
    assert read.is_directed()
    assert sorted(read.nodes) == ["r1", "r2", "r3", "r4"]
    for name, expected in EXPECTED_ATTRIBUTES.items():
        got = read.nodes[name]
        assert {attribute: got.get(attribute) for attribute in expected} == expected, name
    assert read.nodes["r3"].get("key") is None  # a stub without a key has none, not "None"
    assert read.nodes["r1"]["label"] == "key1"
    assert read.nodes["r3"]["label"] == "record 3"
    assert sorted((source, target, data["kind"]) for source, target, data in read.edges(data=True)) == EXPECTED_EDGES


def test_graphml_reads_back_in_networkx_with_every_node_edge_and_typed_attribute(tmp_path) -> None:
    path = tmp_path / "graph.graphml"
    path.write_text(written("graphml"), encoding="utf-8")
    read = nx.read_graphml(path)
    check_read_back(read)
    assert type(read.nodes["r1"]["year"]) is int and type(read.nodes["r1"]["stub"]) is bool


def test_graphml_declares_its_keys_with_types() -> None:
    root = ET.fromstring(written("graphml"))
    namespace = "{http://graphml.graphdrawing.org/xmlns}"
    keys = {(key.get("for"), key.get("attr.name")): key.get("attr.type") for key in root.iter(f"{namespace}key")}
    assert keys[("node", "year")] == "int" and keys[("node", "stub")] == "boolean"
    assert keys[("node", "title")] == "string" and keys[("edge", "kind")] == "string"
    assert root.find(f"{namespace}graph").get("edgedefault") == "directed"


def test_gexf_1_3_reads_back_in_networkx(tmp_path) -> None:
    path = tmp_path / "graph.gexf"
    text = written("gexf")
    path.write_text(text, encoding="utf-8")
    root = ET.fromstring(text)
    assert root.tag == "{http://gexf.net/1.3}gexf" and root.get("version") == "1.3"
    graph = root.find("{http://gexf.net/1.3}graph")
    assert graph.get("defaultedgetype") == "directed"
    assert {element.get("class") for element in graph.findall("{http://gexf.net/1.3}attributes")} == {"node", "edge"}
    read = nx.read_gexf(path)
    check_read_back(read)
    assert read.nodes["r1"]["viz"]["color"] == {"r": 0x1F, "g": 0x77, "b": 0xB4, "a": 1.0}


def test_node_link_json_reads_back_in_networkx_with_the_same_attributes_on_every_node() -> None:
    data = json.loads(written("json"))
    assert data["directed"] is True and set(data) >= {"nodes", "links"}
    assert len({frozenset(item) for item in data["nodes"]}) == 1, "every node has the same attributes"
    read = nx.node_link_graph(data, edges="links")
    check_read_back(read)


DOT_NODE = re.compile(r'^  "(r\d+)" \[(.*)\];$')
DOT_EDGE = re.compile(r'^  "(r\d+)" -> "(r\d+)" \[(.*)\];$')
DOT_ATTRIBUTE = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\w+)(?:, |$)')


def dot_attributes(text: str) -> dict[str, str]:
    """A DOT attribute list read back: every byte accounted for, each quoted value unescaped."""
    found = DOT_ATTRIBUTE.findall(text)
    assert ", ".join(f"{name}={value}" for name, value in found) == text, text
    values = {}
    for name, value in found:
        if value.startswith('"'):
            value = re.sub(r"\\(.)", lambda escaped: "\n" if escaped.group(1) == "n" else escaped.group(1),
                           value[1:-1])
        values[name] = value
    return values


def test_dot_is_a_digraph_with_escaped_labels_and_dashed_similar_edges() -> None:
    lines = written("dot").splitlines()
    assert lines[0] == 'digraph "refman" {' and lines[-1] == "}"
    nodes = {}
    edges = []
    for line in lines[2:-1]:
        if matched := DOT_EDGE.match(line):
            edges.append((matched[1], matched[2], dot_attributes(matched[3])))
        else:
            matched = DOT_NODE.match(line)
            assert matched, f"not a DOT statement: {line!r}"
            nodes[matched[1]] = dot_attributes(matched[2])
    assert set(nodes) == {"r1", "r2", "r3", "r4"}
    assert nodes["r1"]["title"] == HOSTILE_READ and nodes["r1"]["tooltip"] == HOSTILE.replace("\x0b", "\n").replace(
        "\x00", "")
    assert nodes["r3"]["style"] == "dashed" and nodes["r3"]["stub"] == "true"
    assert sorted((source, target, attributes["kind"]) for source, target, attributes in edges) == EXPECTED_EDGES
    assert all((attributes.get("style") == "dashed") == (attributes["kind"] == "similar")
               for _, _, attributes in edges)


@pytest.mark.parametrize("fmt", sorted(GRAPH_FORMATS))
def test_an_empty_graph_is_a_valid_empty_file(fmt: str, tmp_path) -> None:
    text = written(fmt, Graph(nodes=(), edges=()))
    path = tmp_path / f"empty.{fmt}"
    path.write_text(text, encoding="utf-8")
    if fmt == "graphml":
        assert nx.read_graphml(path).number_of_nodes() == 0
    elif fmt == "gexf":
        assert nx.read_gexf(path).number_of_nodes() == 0
    elif fmt == "json":
        assert nx.node_link_graph(json.loads(text), edges="links").number_of_nodes() == 0
    else:
        assert text == 'digraph "refman" {\n  node [shape=ellipse];\n}\n'


def test_an_unknown_format_is_refused_with_the_formats_there_are() -> None:
    with pytest.raises(ValueError, match="graphml"):
        write_graph(GRAPH, "pajek", io.StringIO())


def test_clean_text_keeps_letters_of_any_script_and_drops_what_xml_cannot_hold() -> None:
    assert clean_text("Über\u00a0Zellen 細胞 \U0001d4d0") == "Über\u00a0Zellen 細胞 \U0001d4d0"
    assert clean_text("a\ud800b\ufffec\x7f\x1b") == "abc"


@settings(max_examples=50, derandomize=True, deadline=None)
@given(st.text(st.characters(exclude_categories=["Cs"]), max_size=40),
       st.text(st.characters(codec="utf-8"), max_size=20))
def test_any_title_and_key_give_files_networkx_reads_back(title: str, key: str) -> None:
    graph = Graph(nodes=(node(1, title=title, key=key or None), node(2)), edges=(Edge(1, 2, CITES),))
    for fmt, read in (("graphml", nx.read_graphml), ("gexf", nx.read_gexf)):
        back = read(io.StringIO(written(fmt, graph)))
        assert back.nodes["r1"].get("title") == clean_text(title), fmt
        assert back.nodes["r1"].get("key", None) == (clean_text(key) if key else None), fmt
    back = nx.node_link_graph(json.loads(written("json", graph)), edges="links")
    assert back.nodes["r1"]["title"] == clean_text(title)
