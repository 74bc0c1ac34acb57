"""The ``dunning`` command: parse, run one subcommand, and end quietly when the reader goes away
(``dunning customers list | head``)."""

from __future__ import annotations

import os
import sys

from dunning.commands import build_parser


def main(argv: list[str] | None = None) -> int:
    """Run ``dunning`` with ``argv``; returns the exit code (0 done, 1 refused, 2 usage)."""
    try:
        args = build_parser().parse_args(argv)
        code = int(args.run(args))
        sys.stdout.flush()
        return code
    except SystemExit as done:  # argparse: --help (0) or a usage error (2), already explained on stderr
        return done.code if isinstance(done.code, int) else 2
    except BrokenPipeError:
        _silence_stdout()
        return 0
    except KeyboardInterrupt:
        print("dunning: interrupted", file=sys.stderr)
        return 130


def _silence_stdout() -> None:
    """The reader closed the pipe: point stdout at /dev/null so that the interpreter's last flush
    does not print a second BrokenPipeError on its way out."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass  # stdout is not a real file (a test's capture): nothing will flush it at exit


if __name__ == "__main__":
    sys.exit(main())
