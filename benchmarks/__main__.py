import argparse
import importlib
import json
import os
import pkgutil
import sys
import tempfile
from pathlib import Path


def main():
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument("only", nargs="*", help="run only benchmarks whose name contains one of these")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="garden-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["APP_VAR_DIR"] = str(workdir)
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    import benchmarks
    from benchmarks import REGISTRY, Timer

    for info in pkgutil.iter_modules(benchmarks.__path__):
        if info.name.startswith("bench_"):
            importlib.import_module(f"benchmarks.{info.name}")

    results, figures = {}, {}
    for name, description, fn in REGISTRY:
        if args.only and not any(word in name for word in args.only):
            continue
        timer = Timer()
        print(f"\n== {name}: {description}")
        fn(timer)
        base = next((r["median_s"] for r in timer.rows if "median_s" in r), None)
        for row in timer.rows:
            if "note" in row:
                print(f"   {row['label']:<48} {row['note']}")
                continue
            ratio = row["median_s"] / base if base else float("nan")
            print(f"   {row['label']:<48} median {row['median_s'] * 1000:9.1f} ms   ×{ratio:5.2f}")
        results[name] = timer.rows
        figures.update(timer.figures)
    from benchmarks.summary import render

    print("\n== issue 13: every figure beside its floor or 1× counterpart\n")
    print(render(figures))
    out = Path("var/bench")
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps({"benchmarks": results, "figures": figures},
                                                 ensure_ascii=False, indent=2, default=str))
    print(f"\nresults written to {out / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
