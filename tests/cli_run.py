"""Running one ``refman`` command in the test's own process, as the command-line tests do."""

from __future__ import annotations

from refman.cli import main


def cli(capsys, *args: str) -> tuple[int, str, str]:
    """Run one command in this process: (exit code, stdout, stderr)."""
    try:
        code = main(list(args))
    except SystemExit as exited:  # argparse's usage errors
        code = exited.code  # type: ignore[assignment]
    out, err = capsys.readouterr()
    return code, out, err
