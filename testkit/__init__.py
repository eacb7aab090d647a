"""Inputs that the test suite and the benchmarks both build: a corpus of good and hostile images, seeded review
items, and loading a script as a module. Never imported by the product."""
