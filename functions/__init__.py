"""The Lambda functions' handlers (``functions/<name>/app.py``), one package per function.

On Lambda, importing a handler module is the function's init. While it runs, the cyclic garbage
collector is off: the imports build a few hundred thousand long-lived objects (modules, classes,
pydantic and PynamoDB models) and next to no garbage, yet each collector pass on the way walks
them all. Every handler module ends with :func:`init_done`, which freezes what init built (later
passes skip it for the container's life, ``gc.freeze``) and turns the collector back on.

Outside Lambda (tests, the local stack and the simulator run many handlers in one long process)
nothing changes: there, frozen objects would never be collected.
"""

import gc
import os

ON_LAMBDA = bool(os.environ.get("LAMBDA_TASK_ROOT"))  # set by the Lambda runtime, as Powertools reads it
if ON_LAMBDA:
    gc.disable()


def init_done() -> None:
    """The end of a handler module's init: freeze what it built, collect again (on Lambda only)."""
    if ON_LAMBDA:
        gc.freeze()
        gc.enable()
