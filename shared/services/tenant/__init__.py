"""What an operator or a billing system does to one tenant, one module per resource.

The simulator (``dunning simulate``), the operator API (and through it the CLI) and the
browser console all call these functions — one path per operation. Each state change
takes the keyword ``actor`` (an IAM identity, a console user, ``"scenario"``) and records
it where an operator later looks. Refusals are the family in :mod:`shared.errors`.
"""
