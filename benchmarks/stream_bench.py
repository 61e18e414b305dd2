"""Import of one big PubMed export (MEDLINE): peak memory and records per second.

    python -m benchmarks.stream_bench [--size-mb 100] [--records 50000] [--workdir DIR]

Two files are generated (and kept in the work folder for reruns): one of at
least ``--size-mb`` megabytes with structured abstracts, and one of
``--records`` short records, like PubMed's "Send to > Citation manager" of a
big search.  Each is imported by the real ``refman import`` in a fresh
library; the peak RSS of the process (``wait4``), the peak PSS of its process
tree and the records per second are printed.  The target is a peak of at most
300 MB for the 100 MB file (docs/decisions/0017-streaming-multi-record-files.md).
"""

from __future__ import annotations

import argparse
import re
import tempfile
from pathlib import Path

from benchmarks.corpus import write_medline_export
from benchmarks.import_bench import run_refman_import

PEAK_TARGET_BYTES = 300 * 1024 * 1024
_NEW = re.compile(r"(\d+) new")


def export_file(workdir: Path, *, size_mb: int | None = None, records: int | None = None) -> tuple[Path, int]:
    """A generated export, written on first use; its path and its number of records."""
    name = f"medline-{size_mb}MB.nbib" if size_mb else f"medline-{records}-records.nbib"
    path = workdir / name
    count_file = path.with_suffix(".count")
    if not count_file.exists():
        if size_mb:
            count = write_medline_export(path, size=size_mb * 1024 * 1024, abstract_words=250)
        else:
            count = write_medline_export(path, records=records, abstract_words=0)
        count_file.write_text(str(count))
    return path, int(count_file.read_text())


def measure(path: Path, records: int, rundir: Path) -> str:
    run = run_refman_import(path, rundir)
    found = _NEW.search(run.stdout)
    imported = int(found.group(1)) if found else 0
    mb = path.stat().st_size / 1_048_576
    verdict = "" if imported == records else f"  (expected {records} new; got: {run.stdout.strip()[-200:]})"
    return (f"{path.name}: {mb:.1f} MB, {records:,} records: {run.seconds:.1f} s, "
            f"{imported / run.seconds:,.0f} records/s, peak RSS {run.peak_process_bytes / 1_048_576:.0f} MB, "
            f"peak tree PSS {run.peak_tree_bytes / 1_048_576:.0f} MB{verdict}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=100)
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "refman-stream-bench")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    failed = False
    for kwargs in ({"size_mb": args.size_mb}, {"records": args.records}):
        path, count = export_file(args.workdir, **kwargs)
        line = measure(path, count, args.workdir)
        print(line, flush=True)
        failed = failed or "expected" in line
    print(f"target: peak RSS at most {PEAK_TARGET_BYTES // 1_048_576} MB for the {args.size_mb} MB file")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
