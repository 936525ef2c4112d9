"""Benchmarks of the call distribution decisions and the voice webhooks (see bench/README.md)."""
