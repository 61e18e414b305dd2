"""The command line: a stable contract for scripts and tests.

    refman [PATH ...]                       open the window, importing PATHs first
    refman import PATH... [--library L]     files, folders, or - for text on stdin
    refman show ID [--library L] [--json]   ID is a PMID, PMCID, DOI or citation key
    refman list [--library L] [--json] [--stubs]
    refman search QUERY [--library L] [--json] [--stubs]
                                            QUERY: words, "phrases", title: author: journal:
                                            year:2015..2020 pmid: doi: mesh: type: is:stub has:pmcid
                                            AND OR NOT - ( ); see README "Command line"
    refman export --format {bibtex,ris,csl-json,medline} [--output FILE] [--library L] [QUERY]
    refman edit ID --set FIELD=VALUE ... [--revert FIELD ...] [--library L]
                                            edit fields (the JSON keys of show); imports keep them
    refman delete ID... [--library L]       delete records (no undo here; see docs/decisions/0011)
    refman check [--repair] [--library L]   look for damage; --repair fixes what it can
    refman init L                           create a library's schema (or update it) at a path or URL
    refman copy SOURCE DEST                 copy a whole library into a new file or an empty database

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
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy.exc import SQLAlchemyError

from refman import __version__
from refman.domain.listing import ListQuery, ListRow, SortKey
from refman.domain.search_query import SearchError
from refman.formats.export import EXPORT_FORMATS
from refman.services import copying, exporting
from refman.services.catalog import Catalog
from refman.services.editing import EDITABLE_FIELDS, EditRefused, RecordMissing
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
from refman.services.reading import shown_text
from refman.services.text_view import reference_text

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2
COMMANDS = ("import", "show", "list", "search", "export", "edit", "delete", "check", "init", "copy")
# What a command may do to its library: create it when missing (import only), or write to it.
CREATES = {"import"}
WRITES = {"import", "edit", "delete"}
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
        "Prints one line per refused file or record on stderr (PATH: reason) and a summary on stdout; "
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
        "pmid: pmcid: doi: mesh: keyword: type: lang: key: is:stub is:edited has:abstract), AND OR NOT - ( )",
    )
    search.add_argument("query", metavar="QUERY", help='for example: author:smith year:2015..2020 "multiple sclerosis"')
    search.add_argument("--json", action="store_true", help="print JSON")
    search.add_argument("--stubs", action="store_true", help="include stubs")
    _library_option(search)

    exporter = commands.add_parser("export", help="export the library, or the records a search finds")
    exporter.add_argument("query", nargs="?", default="", metavar="QUERY", help="export only what this search finds")
    exporter.add_argument("--format", required=True, choices=sorted(EXPORT_FORMATS), help="the file format")
    exporter.add_argument("--output", metavar="FILE", help="write to FILE (default: standard output)")
    exporter.add_argument("--stubs", action="store_true", help="include stubs (articles known only from citations)")
    _library_option(exporter)

    editor = commands.add_parser(
        "edit",
        help="edit fields of a record by PMID, PMCID, DOI or citation key; a later import keeps the edits",
        description="Edit fields of a record. FIELD is one of: " + ", ".join(EDITABLE_FIELDS) + ". "
        "authors takes 'Family, Given; Family, Given' (an ORCID as 'Family, Given, 0000-0002-1825-0097'); "
        "keywords and publication_types take 'a; b'; an empty VALUE clears a field. An edited field is the "
        "user's: a later import never overwrites it, and --revert FIELD puts back what the latest import said. "
        "Prints what changed; exit 1 when ID names no record, 2 on a bad field or value.",
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
        args = _parser().parse_args(args_list)
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
        if library.read_only and (args.command in WRITES or (args.command == "check" and args.repair)):
            print(f"refman: {library.display_name}: library is read-only", file=sys.stderr)
            return EXIT_USAGE
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
        if args.command == "edit":
            return _edit(library, args.identifier, args.assignments, args.revert)
        if args.command == "delete":
            return _delete(library, args.identifiers)
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
    """Exit 1 when ID names no record, 2 on a bad field or value (nothing is written then)."""
    if not assignments and not revert:
        print("refman: edit: nothing to do: give --set FIELD=VALUE or --revert FIELD", file=sys.stderr)
        return EXIT_USAGE
    writer = LibraryWriter(library)
    reference_id = writer.edits.find(identifier)
    if reference_id is None:
        print(f"refman: {identifier}: not in the library", file=sys.stderr)
        return EXIT_REFUSED
    try:
        outcome = writer.edit_text(reference_id, assignments, revert).outcome
    except EditRefused as refused:
        print(f"refman: edit: {shown_text(str(refused))}", file=sys.stderr)
        return EXIT_USAGE
    except RecordMissing:
        print(f"refman: {identifier}: not in the library", file=sys.stderr)
        return EXIT_REFUSED
    for line in outcome.lines():
        print(shown_text(f"{identifier}: {line}"))
    return EXIT_OK


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
    return EXIT_REFUSED if report.refused else EXIT_OK


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
    if as_json:
        _print_json(reference_json(reference))
    else:
        print(reference_text(reference, width=min(shutil.get_terminal_size().columns, 100)))
    return EXIT_OK


def _list(library: Library, query: ListQuery, as_json: bool) -> int:
    catalog = Catalog(library)
    rows = catalog.rows(query)
    if as_json:
        keys = catalog.citation_keys([row.id for row in rows])
        _print_json([row_json(row, keys.get(row.id)) for row in rows])
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
