"""The command line: a stable contract for scripts and tests.

    refman [PATH ...]                       open the window, importing PATHs first
    refman import PATH... [--library L]     files, folders, or - for text on stdin
    refman show ID [--library L] [--json]   ID is a PMID, PMCID or DOI
    refman list [--library L] [--json] [--stubs]
    refman search QUERY [--library L] [--json] [--stubs]
    refman export --format {bibtex,ris,csl-json,medline} [--output FILE] [--library L] [QUERY]
    refman delete ID... [--library L]       delete records (no undo here; see docs/decisions/0011)
    refman check [--repair] [--library L]   look for damage; --repair fixes what it can

Exit codes: 0 success; 1 something was refused or not found (the rest is
kept), or ``check`` left problems; 2 a usage error or a library that cannot be opened.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from refman import __version__
from refman.formats.export import EXPORT_FORMATS
from refman.services import exporting
from refman.services.catalog import Catalog
from refman.services.deletion import DeleteService
from refman.services.importer import ImportReport, ImportService
from refman.services.json_view import reference_json, row_json
from refman.services.library_check import LibraryCheck
from refman.services.reading import MAX_PAGE_BYTES, FileOutcome
from refman.store.library import ENV_VAR, Library, LibraryError, open_library
from refman.store.queries import ListQuery, ListRow, SortKey

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2
COMMANDS = ("import", "show", "list", "search", "export", "delete", "check")


def _library_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--library",
        metavar="L",
        help=f"a library file (created when missing) or a SQLAlchemy URL; default: ${ENV_VAR}, "
        "else library.sqlite in your data folder",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="refman", description="A reference manager for PubMed literature.")
    parser.add_argument("--version", action="version", version=f"refman {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    importer = commands.add_parser("import", help="import saved PubMed pages (files, folders, or - for stdin)")
    importer.add_argument("paths", nargs="+", metavar="PATH")
    _library_option(importer)

    show = commands.add_parser("show", help="show one record by PMID, PMCID or DOI")
    show.add_argument("identifier", metavar="ID")
    show.add_argument("--json", action="store_true", help="print JSON")
    _library_option(show)

    listing = commands.add_parser("list", help="list the records of the library")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.add_argument("--stubs", action="store_true", help="include stubs (articles known only from citations)")
    _library_option(listing)

    search = commands.add_parser("search", help="search titles, abstracts, keywords, MeSH terms, journals, identifiers")
    search.add_argument("query", metavar="QUERY")
    search.add_argument("--json", action="store_true", help="print JSON")
    search.add_argument("--stubs", action="store_true", help="include stubs")
    _library_option(search)

    exporter = commands.add_parser("export", help="export the library, or the records a search finds")
    exporter.add_argument("query", nargs="?", default="", metavar="QUERY", help="export only what this search finds")
    exporter.add_argument("--format", required=True, choices=sorted(EXPORT_FORMATS), help="the file format")
    exporter.add_argument("--output", metavar="FILE", help="write to FILE (default: standard output)")
    exporter.add_argument("--stubs", action="store_true", help="include stubs (articles known only from citations)")
    _library_option(exporter)

    deleter = commands.add_parser(
        "delete", help="delete records by PMID, PMCID or DOI (a record other pages cite stays as a stub)"
    )
    deleter.add_argument("identifiers", nargs="+", metavar="ID")
    _library_option(deleter)

    checker = commands.add_parser("check", help="check the library for damage and inconsistencies")
    checker.add_argument("--repair", action="store_true", help="repair what can be repaired")
    _library_option(checker)
    return parser


def _app_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="refman",
        description="Open the refman window, importing PATHs first. "
        f"Commands: {', '.join(COMMANDS)} (see 'refman COMMAND --help').",
    )
    parser.add_argument("--version", action="version", version=f"refman {__version__}")
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or folders to import first")
    _library_option(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader went away (``refman list | head``): not an error of ours.
        sys.stderr.close()
        return EXIT_OK


def _main(argv: Sequence[str] | None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if (args_list and args_list[0] in COMMANDS) or args_list[:1] in (["-h"], ["--help"]):
        args = _parser().parse_args(args_list)
    else:
        args = _app_parser().parse_args(args_list)
        args.command = None
    try:
        library = open_library(args.library)
    except LibraryError as error:
        print(f"refman: {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        if args.command == "import":
            return _import(library, args.paths)
        if args.command == "show":
            return _show(library, args.identifier, args.json)
        if args.command in ("list", "search"):
            query = ListQuery(include_stubs=args.stubs, search=getattr(args, "query", ""), sort=SortKey.ID)
            return _list(library, query, args.json)
        if args.command == "export":
            query = ListQuery(include_stubs=args.stubs, search=args.query, sort=SortKey.ID)
            return _export(library, args.format, query, args.output)
        if args.command == "delete":
            return _delete(library, args.identifiers)
        if args.command == "check":
            return _check(library, args.repair)
        return _open_app(library, args.paths)
    finally:
        library.dispose()


def _delete(library: Library, identifiers: list[str]) -> int:
    """Exit 1 when an identifier names no record or a cited stub was kept (the rest is deleted)."""
    outcome = DeleteService(library).delete_identifiers(identifiers)
    print(outcome.summary())
    return EXIT_REFUSED if outcome.not_found or outcome.deletion.kept_stubs else EXIT_OK


def _check(library: Library, repair: bool) -> int:
    """Exit 1 when problems remain."""
    report = LibraryCheck(library).run(repair=repair)
    print("\n".join(report.lines()))
    return EXIT_OK if report.ok else EXIT_REFUSED


def _export(library: Library, format_name: str, query: ListQuery, output: str | None) -> int:
    """Exit 1 when nothing matched (an empty file is still written: it is what was asked)."""
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
    service = ImportService(library)
    report = ImportReport()
    files = [path for path in paths if path != "-"]
    if "-" in paths:
        data = sys.stdin.buffer.read(MAX_PAGE_BYTES + 1)
        if len(data) > MAX_PAGE_BYTES:
            report.outcomes.append(FileOutcome("<stdin>", "refused", "too large to import"))
        else:
            report.merge(service.import_bytes(data, "<stdin>"))
    if files:
        report.merge(service.import_paths(files))
    print_report(report, sys.stdout, sys.stderr)
    return EXIT_REFUSED if report.refused else EXIT_OK


def print_report(report: ImportReport, out: TextIO, err: TextIO) -> None:
    for outcome in report.refused:
        print(outcome.line(), file=err)
    for outcome in report.outcomes:
        for note in outcome.notes:
            print(f"{outcome.path}: note: {note}", file=err)
    print(report.summary(), file=out)


def _show(library: Library, identifier: str, as_json: bool) -> int:
    reference = Catalog(library).find(identifier)
    if reference is None:
        print(f"refman: {identifier}: not in the library", file=sys.stderr)
        return EXIT_REFUSED
    if as_json:
        _print_json(reference_json(reference))
        return EXIT_OK
    data = reference_json(reference)
    lines = [data["title"] or "(untitled)"]
    cite = " ".join(
        part for part in (
            data["journal"] and f"{data['journal']}.",
            data["date"] or (str(data["year"]) if data["year"] else None),
            data["volume"] and f"{data['volume']}" + (f"({data['issue']})" if data["issue"] else ""),
            data["pages"] and f":{data['pages']}",
        ) if part
    )
    if cite:
        lines.append(cite)
    ids = [f"{label}: {data[key]}" for label, key in (("PMID", "pmid"), ("PMCID", "pmcid"), ("DOI", "doi")) if data[key]]
    lines.append("  ".join(ids))
    if reference.is_stub:
        lines.append("Stub: known only from citations.")
    if data["abstract"]:
        lines += ["", data["abstract"]]
    for label, key in (("Keywords", "keywords"), ("Publication types", "publication_types"),
                       ("MeSH terms", "mesh_terms"), ("Substances", "substances")):
        if data[key]:
            lines.append(f"{label}: {'; '.join(data[key])}")
    for label, key in (("Similar articles", "similar"), ("Cited by", "cited_by"), ("References", "references")):
        lines.append(f"{label} ({len(data[key])}): {', '.join(data[key])}")
    print("\n".join(lines))
    return EXIT_OK


def _list(library: Library, query: ListQuery, as_json: bool) -> int:
    rows = Catalog(library).rows(query)
    if as_json:
        _print_json([row_json(row) for row in rows])
    else:
        for row in rows:
            print(_row_line(row))
    return EXIT_OK


def _row_line(row: ListRow) -> str:
    mark = " [stub]" if row.is_stub else ""
    return f"{row.pmid or row.doi or '-'}\t{row.year or ''}\t{row.journal or ''}\t{row.title or ''}{mark}"


def _print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def _open_app(library: Library, paths: list[str]) -> int:
    from refman import app  # Qt loads only when the window is wanted

    if not app.has_display():
        report = ImportService(library).import_paths(paths) if paths else None
        if report is not None:
            print_report(report, sys.stdout, sys.stderr)
        print(Catalog(library).summary().line())
        print("refman: no display to open the window on (run it under a desktop session or xvfb-run); "
              "'refman list', 'refman show' and 'refman search' work here", file=sys.stderr)
        return EXIT_REFUSED if report is not None and report.refused else EXIT_OK
    return app.run_window(library, paths)

if __name__ == "__main__":
    raise SystemExit(main())
