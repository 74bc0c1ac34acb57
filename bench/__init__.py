"""Benchmarks of the dunning engine on the embedded moto stack: ``python -m bench`` (see README.md)."""
