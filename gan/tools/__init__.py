"""What developers run: benchmarks, the load test, the browser bench, the frontier, upload measurements, the docs' tables."""
