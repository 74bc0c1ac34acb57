"""Request and response models of the operator API, one module per resource (validated by
Powertools, published in its OpenAPI).

Import them from their module (``shared.api.models.invoices``): this package re-exports nothing,
so a request to one resource loads that resource's models only (``functions/api/app.py``).
"""
