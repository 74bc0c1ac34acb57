"""Path and query parameter shapes several routes share."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:/-]*$"
IdPath = Annotated[str, Path(min_length=1, max_length=64, pattern=ID_PATTERN)]
TemplateName = Annotated[str, Path(max_length=60)]
JournalName = Annotated[str, Path(min_length=1, max_length=64)]
