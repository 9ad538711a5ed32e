"""The load and throughput benchmark: ``make bench`` (docs/performance.md)."""
