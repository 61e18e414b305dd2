"""Starts refman (the console-less ``refman-gui`` launcher)."""

from __future__ import annotations

from refman.cli import main as cli_main


def main() -> int:
    return cli_main()


if __name__ == "__main__":
    raise SystemExit(main())
