"""What an operator or a billing system does to one tenant, one module per resource.

The simulator (``dunning simulate``), the operator API (and through it the CLI) and the
browser console all call these functions — one path per operation. Each operator decision
(start or resume a run, approve or reject, change settings, define a template version, move
agreements, set or resolve a dispute, record a payment, post a journal, resolve a send) takes
the keyword ``actor`` (an IAM identity, a console user, ``"scenario"``) and records it where
an operator later looks. Refusals are the family in :mod:`shared.errors`.
"""
