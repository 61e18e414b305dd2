"""The command line: a stable contract for scripts and tests.

    refman [PATH ...]                       open the window, importing PATHs first
    refman import PATH... [--library L]     files, folders, or - for text on stdin
    refman show ID [--library L] [--json]   ID is a PMID, PMCID, DOI or citation key
    refman list [--library L] [--json] [--stubs]
    refman search QUERY [--saved NAME] [--library L] [--json] [--stubs]
                                            QUERY: words, "phrases", title: author: journal:
                                            year:2015..2020 pmid: doi: mesh: type: is:stub has:pmcid
                                            tag: collection: note: is:read rating:>=4
                                            AND OR NOT - ( ); see README "Command line"
    refman export --format {bibtex,ris,csl-json,medline} [--output FILE] [--library L] [QUERY]
    refman edit ID --set FIELD=VALUE ... [--revert FIELD ...] [--library L]
                                            edit fields (the JSON keys of show); imports keep them;
                                            read_status=unread|reading|read and rating=0..5 too
    refman delete ID... [--library L]       delete records (no undo here; see docs/decisions/0011)
    refman check [--repair] [--library L]   look for damage; --repair fixes what it can
    refman tag ID... --add TAG [--add TAG ...] [--remove TAG ...] [--library L]
    refman tag --rename OLD NEW [--library L]
    refman tags [--json] [--library L]      every tag with its number of records
    refman collection {add,remove} PATH ID... [--library L]
    refman collection {list [--json],rename PATH NEWPATH,delete PATH} [--library L]
    refman note ID --add TEXT [--library L] a Markdown note (TEXT - reads standard input)
    refman saved-search {add NAME QUERY,list [--json],delete NAME} [--library L]
    refman search --saved NAME [QUERY]      a saved search, narrowed by QUERY
    refman duplicates [--json] [--min-score S] [--conflicting] [--library L]
                                            groups of possible duplicates, best first (the one to keep first)
    refman merge MASTER OTHER... [--prefer ID:FIELD ...] [--library L]
                                            merge OTHERs into MASTER; prints the kept citation key
    refman not-duplicates ID ID... [--library L]
                                            remember that these records are different works
    refman merge-log [--csv] [--library L]  what was merged into what, when, and the values dropped
    refman init L                           create a library's schema (or update it) at a path or URL
    refman copy SOURCE DEST                 copy a whole library into a new file or an empty database
    refman related ID [--json] [--limit N] [--stubs]
                                            records most like ID by co-citation and bibliographic coupling
    refman missing [QUERY] [--json] [--limit N]
                                            stubs the library (or QUERY's records) cites most
    refman path ID ID [--json]              the shortest citation chain between two records
    refman graph [QUERY] --format {graphml,gexf,json,dot} [--output FILE]
                                            the citation graph for Gephi, Cytoscape, networkx or Graphviz

Exit codes: 0 success; 1 something was refused or not found (the rest is
kept), or ``check`` left problems; 2 a usage error (a QUERY that is not a search
among them, with its reason), a library that cannot be
opened (or is missing: only ``import`` and the window create one, or is
read-only and a write was asked), or a window that cannot open here.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy.exc import SQLAlchemyError

from refman import __version__
from refman.domain.graph import GraphNode
from refman.domain.listing import ListQuery, ListRow, SortKey
from refman.domain.organising import NameRefused, ReadStatus, checked_name, checked_rating, collection_path
from refman.domain.search_query import SearchError
from refman.formats.export import EXPORT_FORMATS
from refman.formats.graph_export import GRAPH_FORMATS, write_graph
from refman.services import copying, duplicate_report, exporting
from refman.services.catalog import Catalog
from refman.services.duplicates import DuplicateRefused, DuplicateService
from refman.services.editing import EDITABLE_FIELDS, EditRefused, RecordMissing, parse_assignment
from refman.services.graph import GraphService
from refman.services.importer import ImportReport
from refman.services.json_view import reference_json, row_json
from refman.services.library import (
    ENV_VAR,
    Library,
    LibraryError,
    LibraryMissing,
    is_default_location,
    open_library,
)
from refman.services.library_writer import LibraryWriter
from refman.services.masking import database_failure, mask_passwords_in_logs
from refman.services.organised_records import find_records, tags_of, user_data_of
from refman.services.organising import Organised, OrganiseRefused, OrganiseService
from refman.services.reading import shown_text
from refman.services.text_view import reference_text

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130
"""Ctrl+C during a duplicate scan (as a shell reports a command stopped by SIGINT)."""
QUERY_COMMANDS = ("search", "export", "missing", "graph")
"""The commands whose QUERY is a search: every word left is part of it."""
COMMANDS = ("import", "show", "list", "search", "export", "edit", "delete", "tag", "tags", "collection", "note",
            "saved-search", "duplicates", "merge", "not-duplicates", "merge-log", "check", "init", "copy",
            "related", "missing", "path", "graph")
# What a command may do to its library: create it when missing (import only), or write to it
# (``collection`` and ``saved-search`` write unless they list).
CREATES = {"import"}
WRITES = {"import", "edit", "delete", "tag", "note", "collection", "saved-search", "merge", "not-duplicates"}
ORGANISE_FIELDS = ("read_status", "rating")
MERGE_FIELDS = tuple(name for name in EDITABLE_FIELDS if name != "citation_key")
"""What ``merge --prefer ID:FIELD`` takes: the record's fields (a merge always keeps the master's key)."""
"""What ``edit --set`` takes besides the record's fields: the user's marks, written by OrganiseService."""
COPY_PROGRESS_EVERY = 50_000
"""``refman copy`` prints a progress line after this many rows of a table."""

FORMATS_READ = (
    "saved PubMed pages (the text of an article's page), MEDLINE (.nbib, PubMed's 'Send to > Citation manager'), "
    "PubMed XML (E-utilities), RIS, BibTeX/BibLaTeX, CSL-JSON and EndNote tagged (.enw)"
)


def _library_option(parser: argparse.ArgumentParser, creates: bool = False) -> None:
    when_missing = "created when missing" if creates else "it must exist; 'refman import' creates one"
    parser.add_argument(
        "--library",
        metavar="L",
        help=f"a library file ({when_missing}) or a SQLAlchemy URL; default: ${ENV_VAR}, "
        "else library.sqlite in your data folder",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="refman",
        description="A reference manager for PubMed literature. Without a COMMAND, opens the window "
        "(refman [PATH ...] imports PATHs first).",
        epilog="Exit codes: 0 success; 1 something was refused or not found (the rest is kept); "
        "2 a usage error or a library that cannot be opened, is missing or is read-only for a write.",
    )
    parser.add_argument("--version", action="version", version=f"refman {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    importer = commands.add_parser(
        "import",
        help="import saved PubMed pages, MEDLINE, PubMed XML, RIS, BibTeX, CSL-JSON or EndNote tagged files "
        "(files, folders, or - for standard input)",
        description=f"Import references into the library. refman reads {FORMATS_READ}, told apart by content; "
        "every record of a file is imported and a bad record is refused alone. "
        "A folder is imported with everything in it; - reads one page or file from standard input. "
        "A record is merged with one in the library only by PMID, PMCID or DOI; one that only looks the same "
        "(its title) is kept as a record of its own and offered as a possible duplicate (see 'refman duplicates'). "
        "Prints one line per refused file or record on stderr (PATH: reason) and a summary on stdout, then "
        "(ending '; N groups of possible duplicates to review' when the records imported have some, then a line "
        "naming 'refman duplicates'); "
        "exit 1 when something was refused (the rest is kept).",
    )
    importer.add_argument("paths", nargs="+", metavar="PATH", help="a file, a folder, or - for standard input")
    _library_option(importer, creates=True)

    show = commands.add_parser("show", help="show one record by PMID, PMCID, DOI or citation key")
    show.add_argument("identifier", metavar="ID")
    show.add_argument("--json", action="store_true", help="print JSON")
    _library_option(show)

    listing = commands.add_parser("list", help="list the records of the library")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.add_argument("--stubs", action="store_true", help="include stubs (articles known only from citations)")
    _library_option(listing)

    search = commands.add_parser(
        "search",
        help="search the library: words and \"phrases\" anywhere, fields (title: author: journal: year:2015..2020 "
        "pmid: pmcid: doi: mesh: keyword: type: lang: key: is:stub is:edited has:abstract tag: collection: in: "
        "note: is:unread is:reading is:read is:unfiled rating:>=4), AND OR NOT - ( ); or a saved search",
    )
    search.add_argument("query", nargs="*", metavar="QUERY",
                        help='for example: author:smith year:2015..2020 "multiple sclerosis" tag:review -is:read '
                        "(several words are one search)")
    search.add_argument("--saved", metavar="NAME",
                        help="run the search saved as NAME (see 'refman saved-search'), narrowed by QUERY when given")
    search.add_argument("--json", action="store_true", help="print JSON")
    search.add_argument("--stubs", action="store_true", help="include stubs")
    _library_option(search)
    search.set_defaults(command_parser=search)

    exporter = commands.add_parser("export", help="export the library, or the records a search finds")
    exporter.add_argument("query", nargs="*", metavar="QUERY", help="export only what this search finds")
    exporter.add_argument("--format", required=True, choices=sorted(EXPORT_FORMATS), help="the file format")
    exporter.add_argument("--output", metavar="FILE", help="write to FILE (default: standard output)")
    exporter.add_argument("--stubs", action="store_true", help="include stubs (articles known only from citations)")
    _library_option(exporter)

    editor = commands.add_parser(
        "edit",
        help="edit fields of a record by PMID, PMCID, DOI or citation key (a later import keeps the edits), "
        "its reading status and rating",
        description="Edit fields of a record. FIELD is one of: " + ", ".join((*EDITABLE_FIELDS, *ORGANISE_FIELDS))
        + ". authors takes 'Family, Given; Family, Given' (an ORCID as 'Family, Given, 0000-0002-1825-0097'); "
        "keywords and publication_types take 'a; b'; read_status takes unread, reading or read, and rating 0 to 5 "
        "(0: none); an empty VALUE clears a field. An edited field is the "
        "user's: a later import never overwrites it, and --revert FIELD puts back what the latest import said. "
        "Prints what changed; exit 1 when ID names no record, 2 on a bad field or value (nothing is written then).",
    )
    editor.add_argument("identifier", metavar="ID")
    editor.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE", dest="assignments",
                        help="set FIELD to VALUE (repeatable)")
    editor.add_argument("--revert", action="append", default=[], metavar="FIELD",
                        help="put back the imported value of FIELD (repeatable)")
    _library_option(editor)

    deleter = commands.add_parser(
        "delete", help="delete records by PMID, PMCID, DOI or citation key (a record other pages cite stays as a stub)"
    )
    deleter.add_argument("identifiers", nargs="+", metavar="ID")
    _library_option(deleter)

    _organising_parsers(commands)
    _duplicate_parsers(commands)
    _graph_parsers(commands)

    checker = commands.add_parser("check", help="check the library for damage and inconsistencies")
    checker.add_argument("--repair", action="store_true", help="repair what can be repaired")
    _library_option(checker)

    init = commands.add_parser(
        "init",
        help="set up a library: create its tables (or update an older one) at a path or SQLAlchemy URL",
        description="Create the tables of a new library, or bring an older library up to date, and say which "
        "was done. For a team library on PostgreSQL: refman init postgresql+psycopg://user@host/dbname "
        "(the database must exist; the password comes from ~/.pgpass or PGPASSWORD). "
        "The first import creates the tables too.",
    )
    init.add_argument("location", metavar="L", help="a library file or a SQLAlchemy URL")

    copier = commands.add_parser(
        "copy",
        help="copy a whole library (records, stubs, links, pages, edits) into a new file or an empty database",
        description="Copy every table of the library at SOURCE into DEST, a new library file or an empty "
        "database (SQLite path or URL, PostgreSQL URL), then rebuild DEST's search index. DEST must hold no "
        "records. Prints progress on stderr and a summary on stdout; exit 2 when either cannot be opened or "
        "DEST holds records (nothing is written to it then).",
    )
    copier.add_argument("source", metavar="SOURCE", help="the library to copy (a file or a SQLAlchemy URL)")
    copier.add_argument("destination", metavar="DEST", help="where the copy goes (created when missing)")
    return parser


def _organising_parsers(commands: Any) -> None:
    """``tag``, ``tags``, ``collection``, ``note`` and ``saved-search``: organising from the command line."""
    tagger = commands.add_parser(
        "tag",
        help="add tags to records by PMID, PMCID, DOI or citation key, take them off, or rename a tag",
        description="Give the records named by ID (PMID, PMCID, DOI or citation key) the tags of --add and take "
        "off those of --remove. A tag is made when first used; names are one tag whatever their case (the case "
        "first typed is kept). refman tag --rename OLD NEW renames a tag (to another tag's name: merges the two). "
        "Exit 1 when an ID names no record (the others are tagged), 2 on a tag name that is refused.",
    )
    tagger.add_argument("identifiers", nargs="*", metavar="ID")
    tagger.add_argument("--add", action="append", default=[], metavar="TAG", help="add the tag TAG (repeatable)")
    tagger.add_argument("--remove", action="append", default=[], metavar="TAG", help="take off the tag TAG (repeatable)")
    tagger.add_argument("--rename", nargs=2, metavar=("OLD", "NEW"), help="rename the tag OLD to NEW (no IDs then)")
    _library_option(tagger)
    tagger.set_defaults(command_parser=tagger)

    tags = commands.add_parser("tags", help="list the tags with how many records carry each")
    tags.add_argument("--json", action="store_true", help='print JSON: [{"name": ..., "count": ...}]')
    _library_option(tags)

    collection = commands.add_parser(
        "collection",
        help="file records in collections (PATH like 'Thesis/Chapter 2'), take them out, list, rename or delete "
        "collections",
        description="Collections hold records (a record may be in any number); PATH names one from the top, "
        "/-separated ('Thesis/Chapter 2'), in any case. Taking records out of a collection, or deleting it, "
        "keeps them in the library. Exit 1 when an ID names no record (the others are filed), 2 on a PATH "
        "that is refused or names no collection.",
    )
    actions = collection.add_subparsers(dest="action", metavar="ACTION", required=True)
    adder = _action(actions, "add", "put records in the collection PATH (made, with missing parents, if new)")
    adder.add_argument("path", metavar="PATH")
    adder.add_argument("identifiers", nargs="+", metavar="ID")
    remover = _action(actions, "remove", "take records out of the collection PATH (they stay in the library)")
    remover.add_argument("path", metavar="PATH")
    remover.add_argument("identifiers", nargs="+", metavar="ID")
    lister = _action(actions, "list", "every collection with its number of records, sub-collections' included")
    lister.add_argument("--json", action="store_true", help='print JSON: [{"path": ..., "count": ...}]')
    renamer = _action(
        actions, "rename", "rename or move the collection PATH to NEWPATH (missing parents are made)"
    )
    renamer.add_argument("path", metavar="PATH")
    renamer.add_argument("new_path", metavar="NEWPATH")
    deleter = _action(
        actions, "delete", "delete the collection PATH and its sub-collections (their records stay in the library)"
    )
    deleter.add_argument("path", metavar="PATH")
    for action in (adder, remover, lister, renamer, deleter):
        _library_option(action)

    note = commands.add_parser(
        "note",
        help="add a Markdown note to a record (- reads it from standard input); show lists the notes",
        description="Add a note, in Markdown, to the record named by ID (PMID, PMCID, DOI or citation key); "
        "the search finds its words. Exit 1 when ID names no record, 2 on an empty note.",
    )
    note.add_argument("identifier", metavar="ID")
    note.add_argument("--add", required=True, metavar="TEXT", dest="text",
                      help="the note's text, or - to read it from standard input (UTF-8)")
    _library_option(note)

    saved = commands.add_parser(
        "saved-search",
        help="save a search under a name, list the saved searches or delete one (run one with search --saved NAME)",
        description="A saved search is a query of the search language kept under a name; "
        "'refman search --saved NAME' runs it. Exit 2 on a query that is not a search or a NAME that is refused.",
    )
    saved_actions = saved.add_subparsers(dest="action", metavar="ACTION", required=True)
    saver = _action(saved_actions, "add", "save QUERY as NAME (replacing the search saved as NAME)")
    saver.add_argument("name", metavar="NAME")
    saver.add_argument("query", metavar="QUERY")
    saved_lister = _action(saved_actions, "list", "the saved searches with their queries")
    saved_lister.add_argument("--json", action="store_true", help='print JSON: [{"name": ..., "query": ...}]')
    forgetter = _action(saved_actions, "delete", "delete the saved search NAME")
    forgetter.add_argument("name", metavar="NAME")
    for action in (saver, saved_lister, forgetter):
        _library_option(action)


def _duplicate_parsers(commands: Any) -> None:
    """``duplicates``, ``merge``, ``not-duplicates`` and ``merge-log``: duplicates found, merged, kept apart."""
    finder = commands.add_parser(
        "duplicates",
        help="list groups of records that may be one work (same title, close years, an author in common...), "
        "best first",
        description="List the groups of records that may be one work, best first: the same title once case, "
        "accents, punctuation and markup are set aside, years at most one apart, an author in common (or no "
        "authors on one side), a compatible journal and pages. Each group shows its score (0.6 for the title "
        "alone, up to 1) and reasons, then its records, the one a merge keeps first. Records that hold "
        "different PMIDs, PMCIDs or DOIs are different articles and are left out unless --conflicting; records "
        "said to be different with 'refman not-duplicates' are never offered together again. Nothing is merged: see "
        "'refman merge'.",
    )
    finder.add_argument("--json", action="store_true",
                        help='print JSON: [{"score": 0.93, "reasons": [...], "records": [{"key": ..., "pmid": ..., '
                        '"doi": ..., "title": ..., "year": ...}, ...]}]')
    finder.add_argument("--min-score", type=_score, default=0.0, metavar="S",
                        help="only groups scoring at least S (0 to 1)")
    finder.add_argument("--conflicting", action="store_true",
                        help="show records that hold different identifiers too (an erratum, a reprint...)")
    _library_option(finder)

    merger = commands.add_parser(
        "merge",
        help="merge records into one (MASTER keeps its citation key; the others' links, tags, collections and "
        "notes join it)",
        description="Merge the records OTHER... into MASTER (each a PMID, PMCID, DOI or citation key). MASTER "
        "keeps its citation key and its values; a field it lacks is filled from the others, and --prefer "
        "ID:FIELD takes FIELD from the record ID instead (FIELD: " + ", ".join(MERGE_FIELDS) + "). Links, tags, "
        "collections, notes and pages of every record are kept on MASTER; the values left out are kept in the "
        "merge log ('refman merge-log'). Prints MASTER's citation key; exit 1 when an ID names no record or the "
        "merge is refused (nothing is merged then), 2 on a usage error.",
    )
    merger.add_argument("master", metavar="MASTER", help="the record to keep")
    merger.add_argument("others", nargs="+", metavar="OTHER", help="the records to merge into it")
    merger.add_argument("--prefer", action="append", default=[], metavar="ID:FIELD",
                        help="take FIELD from the record ID of the merge (repeatable)")
    _library_option(merger)
    merger.set_defaults(command_parser=merger)

    apart = commands.add_parser(
        "not-duplicates",
        help="remember that records are different works: never offered as duplicates of one another again "
        "(also after a re-import)",
        description="Remember that the records named by ID (PMID, PMCID, DOI or citation key) are different "
        "works: no two of them are offered as duplicates again, also after they are imported again. "
        "Exit 1 when an ID names no record (the others are remembered), 2 when fewer than two records are named.",
    )
    apart.add_argument("identifiers", nargs="+", metavar="ID")
    _library_option(apart)
    apart.set_defaults(command_parser=apart)

    log = commands.add_parser(
        "merge-log",
        help="the log of merges: when, the record kept, the records merged into it and the values dropped",
        description="Print every merge made in this library: when, the record kept, the records merged into it, "
        "and each value left out (the field, the value and the record it came from), for a systematic "
        "review's records. --csv writes it as CSV.",
    )
    log.add_argument("--csv", action="store_true", help="print CSV (a header, then one row per merge)")
    _library_option(log)


GRAPH_COMMANDS = ("related", "missing", "path", "graph")
PATH_MAX_STEPS = 8
"""``refman path`` looks this many citations away at most (the service's default)."""


def _graph_parsers(commands: Any) -> None:
    """``related``, ``missing``, ``path`` and ``graph``: what the library's citation graph tells, and the graph."""
    related = commands.add_parser(
        "related",
        help="the records most like ID in your library: cited together with it (co-citation) or citing the same "
        "works (bibliographic coupling)",
        description="List the records of the library most related to ID (a PMID, PMCID, DOI or citation key) "
        "through citations: co-citation counts the records that cite both, coupling the works both cite, and "
        "the score is their sum. Best first; each with the shared neighbours that explain it in --json. "
        "Exit 1 when ID names no record.",
    )
    related.add_argument("identifier", metavar="ID")
    related.add_argument("--json", action="store_true",
                         help='print JSON: [{"key", "pmid", "doi", "title", "year", "score", "co_citation", '
                         '"coupling", "shared_citers": [keys], "shared_references": [keys]}]')
    related.add_argument("--limit", type=_count, default=20, metavar="N", help="at most N records (default 20)")
    related.add_argument("--stubs", action="store_true", help="include stubs (articles known only from citations)")
    _library_option(related)

    missing = commands.add_parser(
        "missing",
        help="missing key papers: the stubs your library (or QUERY's records) cites most, with the records citing "
        "them",
        description="List the articles the library cites most that it holds only as stubs (known from a "
        "citation, no page imported): the papers to get next. With QUERY (the search language of 'refman "
        "search'), only citations by the records it finds count. Most cited first.",
    )
    missing.add_argument("query", nargs="*", metavar="QUERY",
                         help="count only the citations of the records this search finds")
    missing.add_argument("--json", action="store_true",
                         help='print JSON: [{"key", "pmid", "doi", "title", "citation", "cited_by_count", '
                         '"citing": [keys]}]')
    missing.add_argument("--limit", type=_count, default=50, metavar="N", help="at most N stubs (default 50)")
    _library_option(missing)

    path = commands.add_parser(
        "path",
        help="the shortest citation chain between two records (each step cites or is cited by the next)",
        description="Find the shortest chain of citations from the first ID to the second (PMIDs, PMCIDs, DOIs "
        f"or citation keys), each step following a citation either way, at most {PATH_MAX_STEPS} steps. "
        "Prints one line per step. Exit 1 when an ID names no record or no chain joins them.",
    )
    path.add_argument("identifiers", nargs=2, metavar="ID")
    path.add_argument("--json", action="store_true",
                      help='print JSON: {"length": n, "nodes": [{"key", "pmid", "doi", "title", "year"}], '
                      '"edges": [{"source": key, "target": key, "kind": "cites"}]}')
    _library_option(path)

    grapher = commands.add_parser(
        "graph",
        help="write the citation graph (the library's, or QUERY's records and the stubs they link to) for Gephi, "
        "Cytoscape, networkx or Graphviz",
        description="Write the citation graph: every record and stub of the library, or the records QUERY finds "
        "with the stubs they cite, are cited by or list as similar, and every link among them. Nodes carry "
        "key, pmid, doi, title, authors, journal, year, stub, cited_count, citation and colour; edges carry "
        "kind: cites (from the citing to the cited record) or similar. Prints 'N nodes, M edges written as "
        "FORMAT' on stderr; exit 1 when the graph is empty (the empty file is still written).",
    )
    grapher.add_argument("query", nargs="*", metavar="QUERY", help="only the records this search finds")
    grapher.add_argument("--format", required=True, choices=sorted(GRAPH_FORMATS),
                         help="; ".join(f"{name}: {graph_format.description}"
                                        for name, graph_format in sorted(GRAPH_FORMATS.items())))
    grapher.add_argument("--output", metavar="FILE", help="write to FILE (default: standard output)")
    _library_option(grapher)


def _count(text: str) -> int:
    """``--limit``: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of at least 1")
    return value


def _score(text: str) -> float:
    """``--min-score``: a number from 0 to 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a score (a number from 0 to 1)") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a score (a number from 0 to 1)")
    return value


def _action(actions: Any, name: str, line: str) -> argparse.ArgumentParser:
    """An action of ``collection`` or ``saved-search``: its one line in the list, and in its own ``--help``."""
    parser: argparse.ArgumentParser = actions.add_parser(name, help=line, description=line[:1].upper() + line[1:] + ".")
    return parser


def _app_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="refman",
        description="Open the refman window, importing PATHs first. "
        f"Commands: {', '.join(COMMANDS)} (see 'refman COMMAND --help').",
    )
    parser.add_argument("--version", action="version", version=f"refman {__version__}")
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or folders to import first")
    parser.add_argument(
        "--library",
        metavar="L",
        help=f"a library file or a SQLAlchemy URL (the window asks before creating a missing one); default: ${ENV_VAR}, "
        "else library.sqlite in your data folder (created on first start)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    mask_passwords_in_logs()
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader went away (``refman list | head``): not an error of ours.
        sys.stderr.close()
        return EXIT_OK


def _main(argv: Sequence[str] | None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if (args_list and args_list[0] in COMMANDS) or args_list[:1] in (["-h"], ["--help"]):
        parser = _parser()
        args = _parsed(parser, args_list)
        problem = _usage_problem(args)
        if problem is not None:
            getattr(args, "command_parser", parser).error(problem)  # exits 2, as argparse does
    else:
        args = _app_parser().parse_args(args_list)
        return _open_app(args.library, args.paths)
    if args.command == "init":
        return _init(args.location)
    if args.command == "copy":
        return _copy(args.source, args.destination)
    try:
        library = open_library(args.library, create=args.command in CREATES)
    except LibraryError as error:
        print(f"refman: {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        if library.read_only and _writes(args):
            print(f"refman: {library.display_name}: library is read-only", file=sys.stderr)
            return EXIT_USAGE
        if args.command == "import":
            return _import(library, args.paths)
        if args.command == "show":
            return _show(library, args.identifier, args.json)
        if args.command == "list":
            return _list(library, ListQuery(include_stubs=args.stubs, sort=SortKey.ID), args.json)
        if args.command == "search":
            return _search(library, args.query or "", args.saved, args.stubs, args.json)
        if args.command == "export":
            query = ListQuery(include_stubs=args.stubs, search=args.query, sort=SortKey.ID)
            return _export(library, args.format, query, args.output)
        if args.command == "edit":
            return _edit(library, args.identifier, args.assignments, args.revert)
        if args.command == "delete":
            return _delete(library, args.identifiers)
        if args.command == "tag":
            return _tag(library, args.identifiers, args.add, args.remove, args.rename)
        if args.command == "tags":
            return _tags(library, args.json)
        if args.command == "collection":
            return _collection(library, args)
        if args.command == "note":
            return _note(library, args.identifier, args.text)
        if args.command == "saved-search":
            return _saved_search(library, args)
        if args.command == "duplicates":
            return _duplicates(library, args.min_score, args.conflicting, args.json)
        if args.command == "merge":
            return _merge(library, args.master, args.others, args.prefer)
        if args.command == "not-duplicates":
            return _not_duplicates(library, args.identifiers)
        if args.command == "merge-log":
            return _merge_log(library, args.csv)
        if args.command in GRAPH_COMMANDS:
            return _graph_command(library, args)
        return _check(library, args.repair)
    except LibraryError as error:  # e.g. made read-only while we ran
        print(f"refman: {error}", file=sys.stderr)
        return EXIT_USAGE
    except SearchError as error:  # a QUERY that is not a search: its reason, before any output
        print(f"refman: {args.command}: {error}", file=sys.stderr)
        return EXIT_USAGE
    except SQLAlchemyError as error:  # e.g. the database server went away: one line, no password
        print(f"refman: {database_failure(library, error)}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        library.dispose()


def _parsed(parser: argparse.ArgumentParser, args_list: list[str]) -> argparse.Namespace:
    """The command's arguments; a QUERY is every word of the search, in the order typed.

    A researcher types ``refman search tag:review -is:read`` unquoted, as in a
    shell: each word is part of the one search, and a word starting with the
    language's NOT (``-is:read``) is a search word, not an option.  argparse
    alone takes one word and calls ``-is:read`` an unknown option; it still
    refuses a misspelt ``--option``.
    """
    if args_list[0] not in QUERY_COMMANDS:
        return parser.parse_args(args_list)
    args, extra = parser.parse_known_args(args_list)
    unknown = [word for word in extra if word.startswith("--")]
    if unknown:
        getattr(args, "command_parser", parser).error(f"unrecognized arguments: {' '.join(unknown)}")
    wanted = Counter([*args.query, *extra])
    words = []
    for word in args_list[1:]:  # argparse splits the words between QUERY and what it did not know: put them back
        if wanted[word] > 0:
            wanted[word] -= 1
            words.append(word)
    joined = " ".join(words)
    args.query = joined if joined or args.command != "search" else None
    return args


def _usage_problem(args: argparse.Namespace) -> str | None:
    """What argparse alone cannot see is wrong with a command's arguments (exit 2 before the library opens)."""
    if args.command == "search" and args.query is None and args.saved is None:
        return "give a QUERY, or --saved NAME"
    if args.command == "tag":
        if args.rename and (args.identifiers or args.add or args.remove):
            return "--rename OLD NEW takes no IDs, --add or --remove"
        if not args.rename and not args.identifiers:
            return "give the IDs of the records to tag, or --rename OLD NEW"
        if not args.rename and not (args.add or args.remove):
            return "nothing to do: give --add TAG or --remove TAG"
    if args.command == "merge":
        return _merge_usage_problem(args.prefer)
    if args.command == "not-duplicates" and len(args.identifiers) < 2:
        return "give the IDs of at least two records that are different works"
    return None


def _merge_usage_problem(prefer: list[str]) -> str | None:
    """A ``--prefer`` that is not ``ID:FIELD`` with a field a merge takes, or one FIELD preferred twice."""
    fields: set[str] = set()
    for text in prefer:
        identifier, _, field = text.rpartition(":")  # a DOI or a BibTeX key may hold colons, a field never
        if not identifier.strip() or not field.strip():
            return f"--prefer takes ID:FIELD, not {shown_text(text)!r}"
        if field.strip() not in MERGE_FIELDS:
            return f"--prefer {shown_text(text)!r}: {shown_text(field)!r} is not a field; FIELD is one of: " + \
                ", ".join(MERGE_FIELDS)
        if field.strip() in fields:
            return f"--prefer names the field {field.strip()!r} twice"
        fields.add(field.strip())
    return None


def _writes(args: argparse.Namespace) -> bool:
    """Whether the command writes to its library (refused on a read-only one)."""
    if args.command == "check":
        return bool(args.repair)
    return args.command in WRITES and getattr(args, "action", None) != "list"


def _init(location: str) -> int:
    try:
        outcome = copying.set_up(location)
    except LibraryError as error:
        print(f"refman: {error}", file=sys.stderr)
        return EXIT_USAGE
    print(outcome.summary())
    return EXIT_OK


def _copy(source: str, destination: str) -> int:
    """Progress on stderr (a line per table, and every ``COPY_PROGRESS_EVERY`` rows), the summary on stdout."""

    def progress(step: copying.CopyProgress) -> None:
        if step.done == step.total or (step.done and step.done % COPY_PROGRESS_EVERY == 0):
            print(f"{step.table}: {step.done} of {step.total}", file=sys.stderr, flush=True)

    try:
        outcome = copying.copy_between(source, destination, progress)
    except LibraryError as error:
        print(f"refman: {error}", file=sys.stderr)
        return EXIT_USAGE
    print(outcome.summary())
    return EXIT_OK


def _edit(library: Library, identifier: str, assignments: list[str], revert: list[str]) -> int:
    """Exit 1 when ID names no record, 2 on a bad field or value (nothing is written then).

    ``read_status`` and ``rating`` are the user's marks, not fields of the edit
    layer: they go to :class:`OrganiseService`.  Every value is checked before
    anything is written, and the fields (whose edit alone can still be refused,
    for an identifier another record holds) are written first, so a refusal
    anywhere writes nothing.
    """
    if not assignments and not revert:
        print("refman: edit: nothing to do: give --set FIELD=VALUE or --revert FIELD", file=sys.stderr)
        return EXIT_USAGE
    try:
        fields, status, rating = _split_marks(assignments, revert)
    except EditRefused as refused:
        print(f"refman: edit: {shown_text(str(refused))}", file=sys.stderr)
        return EXIT_USAGE
    writer = LibraryWriter(library)
    reference_id = writer.edits.find(identifier)
    if reference_id is None:
        print(f"refman: {shown_text(identifier)}: not in the library", file=sys.stderr)
        return EXIT_REFUSED
    lines: list[str] = []
    if fields or revert:
        try:
            outcome = writer.edit_text(reference_id, fields, revert).outcome
        except EditRefused as refused:
            print(f"refman: edit: {shown_text(str(refused))}", file=sys.stderr)
            return EXIT_USAGE
        except RecordMissing:
            print(f"refman: {shown_text(identifier)}: not in the library", file=sys.stderr)
            return EXIT_REFUSED
        lines += outcome.lines() if outcome.changed else []
    service = OrganiseService(library)
    if status is not None and service.set_read_status([reference_id], status).entry is not None:
        lines.append(f"read_status: {status.word}")
    if rating is not None and service.set_rating([reference_id], rating).entry is not None:
        lines.append(f"rating: {rating}")
    for line in lines or ["nothing changed"]:
        print(shown_text(f"{identifier}: {line}"))
    return EXIT_OK


def _split_marks(assignments: list[str], revert: list[str]) -> tuple[list[str], ReadStatus | None, int | None]:
    """The record's ``FIELD=VALUE`` texts apart from a reading status and a rating, these checked (empty: none)."""
    fields: list[str] = []
    status: ReadStatus | None = None
    rating: int | None = None
    for assignment in assignments:
        name, text = parse_assignment(assignment)
        if name == "read_status":
            try:
                status = ReadStatus.named(text) if text.strip() else ReadStatus.UNREAD
            except ValueError as error:
                raise EditRefused(name, str(error)) from None
        elif name == "rating":
            try:
                rating = checked_rating(text) if text.strip() else 0
            except ValueError as error:
                raise EditRefused(name, str(error)) from None
        elif name in EDITABLE_FIELDS:
            fields.append(assignment)
        else:
            raise EditRefused(name, f"is not a field you can edit ({', '.join(EDITABLE_FIELDS)})")
    for name in revert:
        if name in ORGANISE_FIELDS:
            raise EditRefused(name, f"has no imported value to revert to; set it with --set {name}=VALUE")
    return fields, status, rating


def _delete(library: Library, identifiers: list[str]) -> int:
    """Exit 1 when an identifier names no record or a cited stub was kept (the rest is deleted)."""
    outcome = LibraryWriter(library).delete_identifiers(identifiers).outcome
    print(outcome.summary())
    return EXIT_REFUSED if outcome.not_found or outcome.deletion.kept_stubs else EXIT_OK


def _check(library: Library, repair: bool) -> int:
    """Exit 1 when problems remain."""
    report = LibraryWriter(library).check_library(repair=repair).report
    print("\n".join(report.lines()))
    return EXIT_OK if report.ok else EXIT_REFUSED


def _export(library: Library, format_name: str, query: ListQuery, output: str | None) -> int:
    """Exit 1 when nothing matched (an empty file is still written: it is what was asked)."""
    for line in OrganiseService(library).names_not_found(query.search):
        print(f"refman: export: note: {shown_text(line)}", file=sys.stderr)
    if output is None:
        exported = exporting.export(library, format_name, query=query)
        sys.stdout.write(exported.text)
    else:
        try:
            exported = exporting.export_to_file(library, format_name, Path(output), query=query)
        except OSError as error:
            print(f"refman: {output}: cannot be written ({error.strerror or error})", file=sys.stderr)
            return EXIT_REFUSED
    noun = "record" if exported.count == 1 else "records"
    print(f"{exported.count} {noun} exported as {format_name}" + (f" to {output}" if output else ""), file=sys.stderr)
    return EXIT_OK if exported.count else EXIT_REFUSED


def _import(library: Library, paths: list[str]) -> int:
    # The command line writes through the same API as the window.
    writer = LibraryWriter(library)
    report = ImportReport()
    files = [path for path in paths if path != "-"]
    if "-" in paths:
        report.merge(writer.import_stream(sys.stdin.buffer, "<stdin>").report)
    if files:
        report.merge(writer.import_paths(files).report)
    print_report(report, sys.stdout, sys.stderr)
    _print_possible_duplicates(report)
    return EXIT_REFUSED if report.refused else EXIT_OK


def _print_possible_duplicates(report: ImportReport) -> None:
    """Where to review the groups of possible duplicates the summary counted (see :attr:`ImportReport.duplicate_groups`)."""
    if report.duplicate_groups:
        print("Review them with `refman duplicates`")


def print_report(report: ImportReport, out: TextIO, err: TextIO) -> None:
    for outcome in report.refused:
        print(outcome.line(), file=err)
    for outcome in report.outcomes:
        for note in outcome.notes:
            print(f"{outcome.shown_path}: note: {shown_text(note)}", file=err)
    print(report.summary(), file=out)


def _show(library: Library, identifier: str, as_json: bool) -> int:
    reference = Catalog(library).find(identifier)
    if reference is None:
        print(f"refman: {identifier}: not in the library", file=sys.stderr)
        return EXIT_REFUSED
    user_data = user_data_of(library, reference.id)
    if as_json:
        _print_json(reference_json(reference, user_data))
    else:
        print(reference_text(reference, width=min(shutil.get_terminal_size().columns, 100), user_data=user_data))
    return EXIT_OK


def _search(library: Library, query: str, saved_name: str | None, stubs: bool, as_json: bool) -> int:
    """``search QUERY``, or ``search --saved NAME [QUERY]``: the saved query AND the one given.

    A tag or collection the library does not have is said on stderr (a misspelt one, or one deleted since the
    search was saved, finds nothing: the note says why); the exit code stays that of the search.
    """
    service = OrganiseService(library)
    scope, where = "", ""
    if saved_name is not None:
        saved = service.saved_search(saved_name)
        if saved is None:
            print(f"refman: search: there is no saved search {shown_text(saved_name.strip())!r}", file=sys.stderr)
            return EXIT_USAGE
        scope, where = saved.query, f" (in the saved search {shown_text(saved.name)!r})"
    for text, said in ((query, ""), (scope, where)):
        for line in service.names_not_found(text):
            print(f"refman: search: note: {shown_text(line)}{said}", file=sys.stderr)
    return _list(library, ListQuery(include_stubs=stubs, search=query, sort=SortKey.ID, scope=scope), as_json)


def _list(library: Library, query: ListQuery, as_json: bool) -> int:
    catalog = Catalog(library)
    rows = catalog.rows(query)
    if as_json:
        ids = [row.id for row in rows]
        keys = catalog.citation_keys(ids)
        tags = tags_of(library, ids)
        _print_json([row_json(row, keys.get(row.id), tags.get(row.id, ())) for row in rows])
    else:
        # A row's ID is its PMID or DOI; a record with neither is named by its citation key.
        keys = catalog.citation_keys([row.id for row in rows if not (row.pmid or row.doi)])
        for row in rows:
            print(_row_line(row, keys.get(row.id)))
    return EXIT_OK


def _row_line(row: ListRow, citation_key: str | None = None) -> str:
    mark = " [stub]" if row.is_stub else ""
    shown = row.pmid or row.doi or citation_key or "-"
    return f"{shown}\t{row.year or ''}\t{row.journal or ''}\t{row.title or ''}{mark}"


def _records_named(library: Library, identifiers: Sequence[str]) -> tuple[list[int], bool]:
    """The records these IDs name; each ID that names none is said on stderr (and the second value is True)."""
    found = find_records(library, identifiers)
    for identifier in found.not_found:
        print(f"refman: {shown_text(identifier)}: not in the library", file=sys.stderr)
    return list(found.ids), bool(found.not_found)


def _organised(command: str, write: Callable[[], Organised], done: str | None = None) -> int:
    """Run one organising write: its message on stdout, or its refusal on stderr (exit 2, nothing written)."""
    try:
        outcome = write()
    except OrganiseRefused as refused:
        print(f"refman: {command}: {shown_text(str(refused))}", file=sys.stderr)
        return EXIT_USAGE
    print(shown_text(done or outcome.message))
    return EXIT_OK


def _refused_name(command: str, check: Callable[[], object]) -> bool:
    """Whether a name is refused before anything is looked up or written (said on stderr)."""
    try:
        check()
    except NameRefused as refused:
        print(f"refman: {command}: {shown_text(str(refused))}", file=sys.stderr)
        return True
    return False


def _tag(library: Library, identifiers: list[str], add: list[str], remove: list[str],
         rename: list[str] | None) -> int:
    service = OrganiseService(library)
    if rename:
        old, new = rename
        return _organised("tag", lambda: service.rename_tag(old, new))
    if _refused_name("tag", lambda: [checked_name(name, "tag") for name in add]):
        return EXIT_USAGE
    ids, missing = _records_named(library, identifiers)
    if ids:
        status = _organised("tag", lambda: service.tag(ids, add, remove))
        if status != EXIT_OK:
            return status
    return EXIT_REFUSED if missing else EXIT_OK


def _tags(library: Library, as_json: bool) -> int:
    counts = OrganiseService(library).tag_counts()
    if as_json:
        _print_json([{"name": tag.name, "count": tag.count} for tag in counts])
    else:
        _print_counted((tag.count, tag.name) for tag in counts)
    return EXIT_OK


def _print_counted(counted: Iterable[tuple[int, str]]) -> None:
    """``count  name`` lines, the counts right-aligned (names of any script and width line up after them)."""
    rows = list(counted)
    width = max((len(str(count)) for count, _ in rows), default=1)
    for count, name in rows:
        print(f"{count:>{width}}  {shown_text(name)}")


def _collection(library: Library, args: argparse.Namespace) -> int:
    service = OrganiseService(library)
    if args.action == "list":
        tree = service.collection_tree()
        counted = [(tree.counts.get(node.id, (0, 0))[1], node.path) for node in tree.nodes]
        if args.json:
            _print_json([{"path": path, "count": count} for count, path in counted])
        else:
            _print_counted(counted)
        return EXIT_OK
    path = args.path
    if _refused_name("collection", lambda: collection_path(path)):
        return EXIT_USAGE
    if args.action == "rename":
        return _organised("collection", lambda: service.move_collection_to_path(path, args.new_path))
    if args.action == "delete":
        return _organised("collection", lambda: service.delete_collection(path))
    ids, missing = _records_named(library, args.identifiers)
    if ids:
        write = service.file if args.action == "add" else service.unfile
        status = _organised("collection", lambda: write(path, ids))
        if status != EXIT_OK:
            return status
    return EXIT_REFUSED if missing else EXIT_OK


def _note(library: Library, identifier: str, text: str) -> int:
    """Exit 1 when ID names no record; 2 for an empty note or standard input that is not UTF-8."""
    ids, _ = _records_named(library, [identifier])
    if not ids:
        return EXIT_REFUSED
    if text == "-":
        try:
            text = sys.stdin.buffer.read().decode("utf-8-sig").rstrip("\r\n")  # as $(...) would
        except UnicodeDecodeError:
            print("refman: note: standard input is not UTF-8 text", file=sys.stderr)
            return EXIT_USAGE
    service = OrganiseService(library)
    return _organised("note", lambda: service.add_note(ids[0], text), done=f"Added a note to {identifier}")


def _saved_search(library: Library, args: argparse.Namespace) -> int:
    service = OrganiseService(library)
    if args.action == "add":
        return _organised("saved-search", lambda: service.save_search(args.name, args.query))
    if args.action == "delete":
        return _organised("saved-search", lambda: service.delete_saved_search(args.name))
    searches = service.saved_searches()
    if args.json:
        _print_json([{"name": saved.name, "query": saved.query} for saved in searches])
    else:
        width = max((_shown_width(saved.name) for saved in searches), default=0)
        for saved in searches:
            name = shown_text(saved.name)
            print(f"{name}{' ' * (width - _shown_width(saved.name))}  {shown_text(saved.query)}")
    return EXIT_OK


def _duplicates(library: Library, min_score: float, conflicting: bool, as_json: bool) -> int:
    """Groups best first; a scan's progress on stderr only when a person watches it there (a terminal)."""
    progress = _ScanProgress(sys.stderr) if sys.stderr.isatty() else None
    try:
        groups = DuplicateService(library).find(min_score=min_score, conflicting=conflicting, progress=progress)
    except KeyboardInterrupt:
        if progress is not None:
            progress.end()
        print("refman: duplicates: stopped", file=sys.stderr)
        return EXIT_INTERRUPTED
    if progress is not None:
        progress.end()
    if as_json:
        _print_json([group.to_json() for group in groups])
    else:
        for line in duplicate_report.groups_text(groups, width=_width()):
            print(line)
    return EXIT_OK


class _ScanProgress:
    """``Looking for duplicates: 40%`` rewritten in place, a few times a second at most (the scan counts
    titles held by more than one record, not records: a share is what a person can read from it)."""

    EVERY = 0.2  # seconds between two lines

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.shown = False
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < self.EVERY and done < total:
            return
        self.last = now
        self.stream.write(f"\rLooking for duplicates: {done * 100 // total if total else 100}%")
        self.stream.flush()
        self.shown = True

    def end(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()
            self.shown = False


def _width() -> int:
    return min(shutil.get_terminal_size().columns, 100)


def _record_of_each(library: Library, identifiers: Sequence[str]) -> dict[str, int | None]:
    """The record each ID names (None: none), each ID looked up alone, so two IDs of one record both show it."""
    return {identifier: next(iter(find_records(library, [identifier]).ids), None) for identifier in identifiers}


def _merge(library: Library, master: str, others: list[str], prefer: list[str]) -> int:
    """Exit 1 when an ID names no record or the merge is refused (nothing is merged then); 2 when MASTER is
    among the OTHERs, or a ``--prefer`` names a record outside the merge."""
    preferred = [(identifier.strip(), field.strip()) for identifier, _, field in (text.rpartition(":")
                                                                                  for text in prefer)]
    looked_up = _record_of_each(library, [master, *others, *(identifier for identifier, _ in preferred)])
    found = {identifier: record for identifier, record in looked_up.items() if record is not None}
    missing = [identifier for identifier in looked_up if identifier not in found]
    for identifier in missing:
        print(f"refman: {shown_text(identifier)}: not in the library", file=sys.stderr)
    if missing:
        return EXIT_REFUSED
    master_id = found[master]
    other_ids: list[int] = []
    for identifier in others:
        record = found[identifier]
        if record == master_id:
            print(f"refman: merge: {shown_text(identifier)} is MASTER itself: name it once, first", file=sys.stderr)
            return EXIT_USAGE
        if record not in other_ids:
            other_ids.append(record)
    chosen: dict[str, int] = {}
    for identifier, field in preferred:
        record = found[identifier]
        if record != master_id and record not in other_ids:
            print(f"refman: merge: --prefer {shown_text(identifier)}:{field}: {shown_text(identifier)} is not one "
                  "of the records merged", file=sys.stderr)
            return EXIT_USAGE
        chosen[field] = record
    try:
        outcome = DuplicateService(library).merge(master_id, other_ids, chosen)
    except DuplicateRefused as refused:
        print(f"refman: merge: {shown_text(str(refused))}", file=sys.stderr)
        return EXIT_REFUSED
    print(shown_text(str(outcome.value)))
    return EXIT_OK


def _not_duplicates(library: Library, identifiers: list[str]) -> int:
    """Exit 1 when an ID names no record (the others are remembered), 2 when fewer than two records are named."""
    ids, missing = _records_named(library, identifiers)
    if len(ids) < 2:
        if not missing:
            print("refman: not-duplicates: these IDs name one record; give at least two records", file=sys.stderr)
            return EXIT_USAGE
        return EXIT_REFUSED
    try:
        outcome = DuplicateService(library).not_duplicates(ids)
    except DuplicateRefused as refused:
        print(f"refman: not-duplicates: {shown_text(str(refused))}", file=sys.stderr)
        return EXIT_REFUSED
    keys = Catalog(library).citation_keys(ids)
    named = ", ".join(shown_text(keys.get(record, str(record))) for record in ids)
    said = "Remembered" if outcome.entry is not None else "Already remembered"
    print(f"{said}: {named} are not duplicates")
    return EXIT_REFUSED if missing else EXIT_OK


def _merge_log(library: Library, as_csv: bool) -> int:
    service = DuplicateService(library)
    if as_csv:
        service.write_merge_log_csv(sys.stdout)
    else:
        for line in duplicate_report.merge_log_text(service.merge_log(), width=_width()):
            print(line)
    return EXIT_OK


def _graph_command(library: Library, args: argparse.Namespace) -> int:
    service = GraphService(library)
    if args.command == "related":
        return _related(library, service, args.identifier, args.limit, args.stubs, args.json)
    if args.command == "missing":
        return _missing(service, args.query, args.limit, args.json)
    if args.command == "path":
        return _path(library, service, args.identifiers, args.json)
    return _graph(service, args.query, args.format, args.output)


def _record_named(library: Library, identifier: str) -> int | None:
    """The record (or stub) an ID names, or None, said on stderr."""
    found = find_records(library, [identifier]).ids
    if not found:
        print(f"refman: {shown_text(identifier)}: not in the library", file=sys.stderr)
        return None
    return found[0]


def _named(node: GraphNode) -> str:
    """A node in a text report: its citation key (or PMID) and its title (a stub's: its citation)."""
    return f"{node.label}  {node.title or node.citation_text or ''}"


def _clipped(text: str, width: int) -> str:
    """One line of report text, cut to ``width`` columns with an ellipsis."""
    text = shown_text(text)
    if _shown_width(text) <= width:
        return text
    while text and _shown_width(text) > width - 1:
        text = text[:-1]
    return text + "…"


def _related(library: Library, service: GraphService, identifier: str, limit: int, stubs: bool,
             as_json: bool) -> int:
    """Exit 1 when ID names no record."""
    reference_id = _record_named(library, identifier)
    if reference_id is None:
        return EXIT_REFUSED
    try:
        related = service.related(reference_id, limit, include_stubs=stubs)
    except KeyError:  # deleted since it was found
        print(f"refman: {shown_text(identifier)}: not in the library", file=sys.stderr)
        return EXIT_REFUSED
    if as_json:
        _print_json([item.to_json() for item in related])
        return EXIT_OK
    if not related:
        print(f"refman: related: nothing in the library is cited with {shown_text(identifier)} or cites what it "
              "cites", file=sys.stderr)
        return EXIT_OK
    keys = [shown_text(item.node.label) for item in related]
    key_width = max(_shown_width(key) for key in keys)
    header = f"{'score':>6}  {'co-cited':>8}  {'coupling':>8}  {'key':<{key_width}}  title"
    print(header)
    for item, key in zip(related, keys, strict=True):
        line = f"{item.score:>6g}  {item.co_citation:>8}  {item.coupling:>8}  {key}{' ' * (key_width - _shown_width(key))}  "
        title = item.node.title or item.node.citation_text or ""
        print(line + _clipped(title, max(_width() - _shown_width(line), 20)))
    return EXIT_OK


def _missing(service: GraphService, query: str, limit: int, as_json: bool) -> int:
    """The stubs cited most, by the whole library or by QUERY's records."""
    scope = service.ids_of(ListQuery(search=query, sort=SortKey.ID)) if query.strip() else None
    papers = service.missing(scope, limit)
    if as_json:
        _print_json([paper.to_json() for paper in papers])
        return EXIT_OK
    if not papers:
        scope_named = "the records this search finds" if scope is not None else "the library"
        print(f"refman: missing: {scope_named} cite no stubs", file=sys.stderr)
        return EXIT_OK
    width = max(len(str(paper.cited_by_count)) for paper in papers)
    for paper in papers:
        print(_clipped(f"{paper.cited_by_count:>{width}}  {_named(paper.node)}", _width()))
        citing = ", ".join(citer.label for citer in paper.citing)
        print(_clipped(f"{' ' * width}  cited by {citing}", _width()))
    return EXIT_OK


def _path(library: Library, service: GraphService, identifiers: list[str], as_json: bool) -> int:
    """Exit 1 when an ID names no record or no chain of at most PATH_MAX_STEPS citations joins the two."""
    ends = [_record_named(library, identifier) for identifier in identifiers]
    if None in ends:
        return EXIT_REFUSED
    start, end = (reference_id for reference_id in ends if reference_id is not None)
    try:
        found = service.path(start, end, max_steps=PATH_MAX_STEPS)
    except KeyError:
        print("refman: path: a record was deleted meanwhile", file=sys.stderr)
        return EXIT_REFUSED
    if found is None:
        first, second = (shown_text(identifier) for identifier in identifiers)
        print(f"refman: path: no chain of at most {PATH_MAX_STEPS} citations joins {first} and {second}",
              file=sys.stderr)
        return EXIT_REFUSED
    if as_json:
        _print_json(found.to_json())
        return EXIT_OK
    print(_clipped(_named(found.nodes[0]), _width()))
    for _, verb, there in found.steps():
        print(_clipped(f"  {verb} {_named(there)}", _width()))
    return EXIT_OK


def _graph(service: GraphService, query: str, format_name: str, output: str | None) -> int:
    """Exit 1 when the graph is empty or FILE cannot be written."""
    if query.strip():
        # A search's records and the stubs they link to: records the search left out stay out.
        graph = service.graph_with_links(service.ids_of(ListQuery(search=query, sort=SortKey.ID)), only_stubs=True)
    else:
        graph = service.graph_of(service.ids_of(ListQuery(include_stubs=True, sort=SortKey.ID)))
    if output is None:
        write_graph(graph, format_name, sys.stdout)
    else:
        try:
            with open(output, "w", encoding="utf-8", newline="\n") as stream:
                write_graph(graph, format_name, stream)
        except OSError as error:
            print(f"refman: {shown_text(output)}: cannot be written ({error.strerror or error})", file=sys.stderr)
            return EXIT_REFUSED
    nodes = len(graph.nodes)
    edges = len(graph.edges)
    print(f"{nodes} {'node' if nodes == 1 else 'nodes'}, {edges} {'edge' if edges == 1 else 'edges'} written as "
          f"{format_name}" + (f" to {shown_text(output)}" if output else ""), file=sys.stderr)
    if graph.truncated:
        print("refman: graph: the graph was cut at the node limit", file=sys.stderr)
    return EXIT_OK if nodes else EXIT_REFUSED


def _shown_width(text: str) -> int:
    """Columns a terminal gives ``text``: wide East Asian characters take two, combining marks none."""
    text = shown_text(text)
    return sum(0 if unicodedata.combining(char) else 2 if unicodedata.east_asian_width(char) in "WF" else 1
               for char in text)


def _print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def _open_app(location: str | None, paths: list[str]) -> int:
    """The window: first whether it can open here (before Qt loads, and before any library is made)."""
    from refman.window_check import why_no_window

    problem = why_no_window()
    if problem is not None:
        print(f"refman: {problem}", file=sys.stderr)
        return EXIT_USAGE
    from refman import app  # Qt loads only when the window is wanted

    remembered = app.remembered_location() if is_default_location(location) else None
    if remembered is not None:
        try:
            library = open_library(remembered, create=False)
        except LibraryError as error:  # the server is down, the file was moved: the default library opens
            print(f"refman: {error}; opening the default library", file=sys.stderr)
        else:
            return _run_window(app, library, paths)
    try:
        # The default library is made on first start; one the user named is made only if they say so.
        library = open_library(location, create=is_default_location(location))
    except LibraryMissing as missing:
        created = app.ask_to_create(missing)
        if created is None:
            print(f"refman: {missing}", file=sys.stderr)
            return EXIT_USAGE
        library = created
    except LibraryError as error:
        print(f"refman: {error}", file=sys.stderr)
        return EXIT_USAGE
    return _run_window(app, library, paths)


def _run_window(app: Any, library: Library, paths: list[str]) -> int:
    try:
        return app.run_window(library, paths)
    finally:
        library.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
