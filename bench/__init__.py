"""Benchmarks of the computation at company scale (not part of the test run).

See bench/README.md for the commands and bench/RESULTS.md for the figures.
"""
