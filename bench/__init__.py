"""Benchmarks: each prints its figure beside a raw baseline measured in the same run."""
