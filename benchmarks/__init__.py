"""`make bench`: benchmarks measured as ratios within one run, never as absolute asserts.

Each module `benchmarks/bench_*.py` defines functions decorated with `@benchmark(...)`.
A benchmark receives a `Timer` and returns nothing; it times the same operation at two or
more sizes with `timer.measure(label, fn, repeat=…)` and the report prints medians and the
ratio of each size to the first, so a growth that should be flat (or linear) is visible.
"""
import statistics
import time

REGISTRY = []


def benchmark(name, description=""):
    def register(fn):
        REGISTRY.append((name, description, fn))
        return fn

    return register


class Timer:
    def __init__(self):
        self.rows = []
        self.figures = {}

    def measure(self, label, fn, *, repeat=5, setup=None):
        samples = []
        for _ in range(repeat):
            if setup is not None:
                setup()
            start = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - start)
        median = statistics.median(samples)
        self.rows.append({"label": label, "median_s": median, "min_s": min(samples), "repeat": repeat})
        return median

    def note(self, label, value):
        self.rows.append({"label": label, "note": value})

    def figure(self, key, **values):
        """A named figure for the summary table (benchmarks.summary): seconds, queries, ratios …"""
        self.figures[key] = values
