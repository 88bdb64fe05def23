"""Draws benchmarks-lambda-size.png from lambda-size-bench's TSV output (BENCHMARKS.md,
"At Lambda's memory sizes"): latency and Lambda cost per million deliveries against the
function's memory size. Usage: python lambda-size-chart.py OUT.png FILE.tsv…
(one TSV per provider, named <provider>.tsv). Run by scripts/lambda-size-bench.sh in a
throwaway venv with matplotlib.

Besides what was measured locally (where the emulator's own time dominates a new
event), it draws a model of the duration AWS would bill: the AWS round trips of a new
event (AWS_CALLS_MS, three calls inside a region) plus the measured CPU per new event
stretched by the CPU share (× 1769 / MB below one vCPU)."""

import csv
import math
import pathlib
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

FULL_CORE_MB = 1769
AWS_CALLS_MS = 15.0  # PutItem + SendMessage + UpdateItem, ≈ 5 ms each in-region
PRICE_PER_GB_SECOND = 0.0000133334
PRICE_PER_MILLION_REQUESTS = 0.20


def modeled_ms(row):
    mb = int(row["mb"])
    return AWS_CALLS_MS + float(row["cpu_new_ms"]) * max(1.0, FULL_CORE_MB / mb)


def cost(mb, billed_ms):
    return 1e6 * billed_ms / 1e3 * mb / 1024 * PRICE_PER_GB_SECOND + PRICE_PER_MILLION_REQUESTS


def main():
    out, files = sys.argv[1], sys.argv[2:]
    fig, (latency, money) = plt.subplots(1, 2, figsize=(12, 4.6))
    for path in files:
        provider = pathlib.Path(path).stem
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f, delimiter="\t"))
        for label in dict.fromkeys(r["label"] for r in rows):
            own = [r for r in rows if r["label"] == label]
            mb = [int(r["mb"]) for r in own]
            name = provider if label == provider else f"{provider} ({label})"
            model = [modeled_ms(r) for r in own]
            line = latency.plot(mb, model, marker="o", linewidth=2,
                                label=f"{name}: modeled AWS duration, new event")[0]
            color = line.get_color()
            latency.plot(mb, [float(r["new_p50_ms"]) for r in own], marker="^", linestyle=":",
                         color=color, label=f"{name}: measured p50, new (local emulator)")
            latency.plot(mb, [float(r["dup_p50_ms"]) for r in own], marker="v", linestyle=":",
                         color=color, alpha=0.6, label=f"{name}: measured p50, duplicate")
            latency.plot(mb, [float(r["init_cold_ms"]) for r in own], marker="s", linestyle="--",
                         color=color, alpha=0.6, label=f"{name}: init, warm-up off")
            money.plot(mb, [cost(m, math.ceil(d)) for m, d in zip(mb, model)], marker="o",
                       linewidth=2, color=color, label=f"{name}: modeled AWS duration")
            money.plot(mb, [float(r["cost_per_million_usd"]) for r in own], marker="^",
                       linestyle=":", color=color, label=f"{name}: measured locally")
    for axis in (latency, money):
        axis.set_xscale("log", base=2)
        axis.set_xticks([128, 256, 512, 1024, 1769])
        axis.get_xaxis().set_major_formatter(matplotlib.ticker.ScalarFormatter())
        axis.set_xlabel("memory size (MB); CPU = MB / 1769 of a vCPU")
        axis.grid(True, which="both", alpha=0.3)
    latency.set_yscale("log")
    latency.set_ylabel("ms (log scale)")
    latency.set_title("Latency against memory size")
    money.set_ylabel("Lambda $ per million deliveries\n(requests + billed duration)")
    money.set_title("Lambda cost against memory size")
    money.set_ylim(bottom=0)
    latency.legend(fontsize=7)
    money.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=110)


if __name__ == "__main__":
    main()
