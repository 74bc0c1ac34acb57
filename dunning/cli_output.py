"""Keeping stdout for effects while the functions log as they would in Lambda."""

from __future__ import annotations

import contextlib
import io
import sys


class _WithoutMetrics(io.TextIOBase):
    """stderr minus CloudWatch EMF metric lines (noise locally, meaningful only in CloudWatch)."""

    def write(self, text: str) -> int:
        if not text.startswith('{"_aws"'):
            sys.stderr.write(text)
        return len(text)


def function_output_to_stderr() -> contextlib.AbstractContextManager[object]:
    """The functions log to stdout as they do in Lambda; locally stdout is reserved for effects."""
    return contextlib.redirect_stdout(_WithoutMetrics())
