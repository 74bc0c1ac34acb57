"""A tenant's own step texts, in parts; :mod:`shared.rendering.tenant_texts` is their public face."""
