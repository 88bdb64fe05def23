"""Draws benchmarks-lambda-size.png from lambda-size-bench's TSV output (BENCHMARKS.md,
"At Lambda's memory sizes"): latency and Lambda cost per million deliveries against the
function's memory size. Usage: python lambda-size-chart.py OUT.png FILE.tsv…
(one TSV per provider, named <provider>.tsv). Run by scripts/lambda-size-bench.sh in a
throwaway venv with matplotlib."""

import csv
import pathlib
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def main():
    out, files = sys.argv[1], sys.argv[2:]
    fig, (latency, cost) = plt.subplots(1, 2, figsize=(11, 4.2))
    for path in files:
        provider = pathlib.Path(path).stem
        rows = read(path)
        for label in dict.fromkeys(r["label"] for r in rows):
            own = [r for r in rows if r["label"] == label]
            mb = [int(r["mb"]) for r in own]
            name = provider if label in ("new", provider) else f"{provider} ({label})"
            line = latency.plot(mb, [float(r["new_p50_ms"]) for r in own], marker="o",
                                label=f"{name}: invocation p50 (new)")[0]
            latency.plot(mb, [float(r["new_p99_ms"]) for r in own], marker="^",
                         linestyle=":", color=line.get_color(), label=f"{name}: p99")
            latency.plot(mb, [float(r["init_cold_ms"]) for r in own], marker="s",
                         linestyle="--", color=line.get_color(),
                         label=f"{name}: init, warm-up off")
            cost.plot(mb, [float(r["cost_per_million_usd"]) for r in own], marker="o",
                      color=line.get_color(), label=name)
    for axis in (latency, cost):
        axis.set_xscale("log", base=2)
        axis.set_xticks([128, 256, 512, 1024, 1769])
        axis.get_xaxis().set_major_formatter(matplotlib.ticker.ScalarFormatter())
        axis.set_xlabel("memory size (MB); CPU share = MB / 1769 of a vCPU")
        axis.grid(True, which="both", alpha=0.3)
    latency.set_yscale("log")
    latency.set_ylabel("ms (local emulator, log scale)")
    latency.set_title("Latency against memory size")
    cost.set_ylabel("Lambda $ per million deliveries (requests + duration)")
    cost.set_title("Lambda cost against memory size")
    cost.set_ylim(bottom=0)
    latency.legend(fontsize=7)
    cost.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=110)


if __name__ == "__main__":
    main()
