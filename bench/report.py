"""Turns one benchmark run (Criterion's estimates, the Python baseline, the MariaDB harness) into the
table that `.ci/bench` prints and writes to BENCHMARKS.md. Every ratio compares measurements of the same
run; greater than 1 means tidb-vector is faster."""
import datetime
import json
import pathlib
import platform
import sys

criterion_dir, python_txt, mariadb_txt, out, rustc, mariadb_version = sys.argv[1:7]

codec = {}
for path in pathlib.Path(criterion_dir).glob("*/*/*/new/benchmark.json"):
    meta = json.loads(path.read_text())
    estimate = json.loads((path.parent / "estimates.json").read_text())
    op, dims = meta["group_id"].split("/")
    codec[(op, int(dims), meta["function_id"])] = estimate["median"]["point_estimate"]

python = {}
for line in open(python_txt):
    _, op, dims, value = line.rstrip("\n").split("\t")
    python[(op, dims)] = value

db = {}
for line in open(mariadb_txt):
    if line.startswith("BENCH\t"):
        _, name, value = line.rstrip("\n").split("\t")
        db[name] = value

rows = []  # (what, ours, baseline, ratio, target)


def verdict(ratio, target):
    return f"{'met' if ratio >= target else 'NOT met'} (>= {target}x)"


def ns(v):
    return f"{v / 1000:.2f} µs" if v >= 1000 else f"{v:.0f} ns"


for op in ("encode", "decode"):
    limit_names = ("bare ryu", "bare zmij") if op == "encode" else ("bare fast-float2", "bare lexical-core")
    py_op = "encode_list" if op == "encode" else "decode"
    for dims in (3, 768, 1536):
        ours = codec[(op, dims, "tidb-vector")]
        limits = {name: codec[(op, dims, name)] for name in limit_names}
        best_name = min(limits, key=limits.get)
        py = float(python[(py_op, str(dims))])
        rows.append((f"{op} {dims}-dim vs Python tidb-vector ({py_op})", ns(ours), ns(py), py / ours, 10))
        rows.append((f"{op} {dims}-dim vs bare {best_name[5:]} loop (fastest of {', '.join(n[5:] for n in limit_names)})",
                     ns(ours), ns(limits[best_name]), limits[best_name] / ours, 0.8))

for dims in (768, 1536):
    rows.append((f"validate {dims}-dim (dimensions, finite, length) vs a bare is_finite loop",
                 ns(codec[("validate", dims, "tidb-vector")]), ns(codec[("validate", dims, "bare is_finite")]),
                 codec[("validate", dims, "bare is_finite")] / codec[("validate", dims, "tidb-vector")], 1.0))

rows.append((f"insert_many 10,000 x 768 vs hand-written sqlx multi-row (same statements, one transaction; per-round ratios {db['insert_vs_hand_spread']})",
             f"{db['insert_many_10k_768_s']} s", f"{db['hand_multi_row_10k_768_s']} s", float(db["insert_vs_hand_speed"]), 0.95))
rows.append(("the same, client CPU time (the library's own cost; the server's noise does not reach it)",
             f"{db['insert_many_cpu_ms']} ms", f"{db['hand_multi_row_cpu_ms']} ms", float(db["insert_vs_hand_cpu"]), 0.95))
rows.append(("insert_many 10,000 x 768 vs row-by-row INSERTs",
             f"{db['insert_many_10k_768_s']} s", f"{db['row_by_row_10k_768_s']} s", float(db["insert_vs_row_by_row_speed"]), 10))
rows.append((f"the same over a network with 1 ms round trips: vs hand-written multi-row (per-round ratios {db['insert_vs_hand_spread_rtt1ms']})",
             f"{db['insert_many_10k_768_s_rtt1ms']} s", f"{db['hand_multi_row_10k_768_s_rtt1ms']} s", float(db["insert_vs_hand_speed_rtt1ms"]), 0.95))
rows.append(("... client CPU time",
             f"{db['insert_many_cpu_ms_rtt1ms']} ms", f"{db['hand_multi_row_cpu_ms_rtt1ms']} ms", float(db["insert_vs_hand_cpu_rtt1ms"]), 0.95))
rows.append(("... vs row-by-row INSERTs",
             f"{db['insert_many_10k_768_s_rtt1ms']} s", f"{db['row_by_row_10k_768_s_rtt1ms']} s", float(db["insert_vs_row_by_row_speed_rtt1ms"]), 10))
rows.append(("nearest 10 of 10,000 x 768 (L2, rows decoded) vs hand-written sqlx query",
             f"{db['nearest_10_of_10k_768_ms']} ms", f"{db['hand_nearest_10_of_10k_768_ms']} ms", float(db["nearest_vs_hand_speed"]), 0.95))

# Where a target is missed, say why, with figures from this run.
unmet = []
for dims in (768, 1536):
    ours = codec[("decode", dims, "tidb-vector")]
    limit = min(codec[("decode", dims, n)] for n in ("bare fast-float2", "bare lexical-core"))
    py = float(python[("decode", str(dims))])
    if py / ours < 10:
        unmet.append(
            f"- **decode {dims}-dim vs Python ({py / ours:.1f}x, target 10x).** The Python package decodes with numpy's C "
            f"float conversion (`np.array(text[1:-1].split(','), dtype=np.float32)`), {py / dims:.0f} ns a value. The practical "
            f"limit measured here, a bare fast-float2 loop with no validation, is itself only {py / limit:.1f}x faster than that, "
            f"and tidb-vector reaches {limit / ours:.2f}x of the limit while also checking TiDB's grammar. No text parser can "
            "reach 10x on this machine; what would close the gap is not parsing text at all: TiDB has no binary vector "
            "transfer yet (pingcap/tidb#59225), while the MariaDB and SQLite dialects already move vectors as bytes.")
for what, ours, base, ratio, target in rows:
    if what.startswith("insert_many 10,000 x 768 vs hand-written") and ratio < target:
        unmet.append(
            f"- **{what.split(' (')[0]}, wall clock ({ratio:.2f}x, target {target}x).** Identical rounds of these 0.2 s "
            f"loads varied widely on this machine (per-round ratios {db['insert_vs_hand_spread']}, the server's background "
            "work on 31 MB per round), so the wall-clock ratio is noise around 1. The client CPU time of the same rounds, "
            f"which is the library's own cost, is {float(db['insert_vs_hand_cpu']):.2f}x the hand-written code's (row "
            "below it). More rounds or a quieter server would tighten the wall-clock figure.")
    if what.startswith("the same, client CPU time") and ratio < target:
        extra = (float(db["insert_many_cpu_ms"]) - float(db["hand_multi_row_cpu_ms"])) / 10_000 * 1000
        unmet.append(
            f"- **insert_many's client CPU time over loopback ({ratio:.2f}x, target {target}x; "
            f"{float(db['insert_vs_hand_cpu_rtt1ms']):.2f}x over the network).** insert_many spends about {extra:.2f} µs "
            "more per row than the hand-written loop: it checks every vector (dimensions and that each of the 768 values is "
            "finite) and builds an argument list before binding it. The check is the point of the library; the list could go "
            "by encoding straight into sqlx's argument buffer.")
    if "row-by-row" in what and ratio < target and "1 ms" not in what:
        unmet.append(
            f"- **{what} ({ratio:.1f}x, target {target}x).** Over loopback a row-by-row loop pays about "
            f"{float(db['row_by_row_10k_768_s']) / 10:.2f} ms a row (one round trip of microseconds and a commit on this "
            f"machine's disk), and `insert_many` is bound by the server's work on 31 MB of vectors. Through a network with "
            f"1 ms round trips the same comparison gives {float(db['insert_vs_row_by_row_speed_rtt1ms']):.0f}x (in the table above).")

lines = []
lines.append("| measurement | tidb-vector | baseline | ratio | target |")
lines.append("|---|---|---|---|---|")
for what, ours, base, ratio, target in rows:
    lines.append(f"| {what} | {ours} | {base} | {ratio:.2f}x | {verdict(ratio, target)} |")
table = "\n".join(lines)

memory = (f"Inserting {int(db['memory_rows']):,} rows of 768 dimensions ({db['memory_vector_data_mib']} MiB of vector data) "
          f"from an iterator with `insert_many` raised the process's peak RSS by {db['memory_peak_growth_mib']} MiB "
          f"(from {int(db['memory_peak_before_kib']) / 1024:.1f} MiB to {int(db['memory_peak_after_kib']) / 1024:.1f} MiB): "
          "bounded by the rows of one statement (about 4 MiB of parameters), not by the row count.")
index_rows = "\n".join(
    f"| {ef if ef != 'default' else 'default (300, this crate)'} | {db[f'nearest_50k_128_index_ef_{ef}_ms']} | "
    f"{db[f'recall_50k_128_ef_{ef}']} | {db[f'index_vs_scan_speed_ef_{ef}']}x |"
    for ef in ["20", "100", "400", "default"])
index = (f"Nearest 10 by cosine among 50,000 x 128-dim random rows on MariaDB (`M=16`), medians of 100 queries; "
         f"recall@10 against the exact scan ({db['nearest_50k_128_scan_ms']} ms). Building the index while inserting "
         f"the 50,000 rows took {db['index_build_50k_128_s']} s.\n\n"
         "| `ef_search` | ms | recall@10 | vs scan |\n|---|---|---|---|\n" + index_rows)

cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
import os
header = (f"Last run: {datetime.date.today()} on {os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}; "
          f"{rustc}; MariaDB `{mariadb_version}`; Python {platform.python_version()} with tidb-vector {python.get(('version', 'tidb-vector'), '?')}.")

report = f"""# Benchmarks

Ratios measured side by side in one run; greater than 1 means tidb-vector is faster. Regenerate everything
(release build, MariaDB 11.8 provisioning, a Python virtualenv with the `tidb-vector` package) with one command:

```sh
bash .ci/bench
```

{header}

## Codec and library overhead

{table}

Codec times are Criterion medians (`tidb-vector-core/benches/codec.rs`); every baseline there is checked to
return the same `f32` values bit for bit. The Python package is timed with `timeit` on the same vectors
(`bench/python_codec.py`). Database figures: inserts are paired rounds in alternating order (7 over loopback, 3
over the simulated network) after an untimed warm-up, the ratio being the median of the per-round ratios;
nearest-k is the total of 200 queries in alternating batches, from `tests/bench_mariadb.rs`, against MariaDB on this machine over loopback. Inserts run
first over loopback and then through a proxy in the benchmark that delays every packet by 0.5 ms each way without
limiting throughput: a network with 1 ms round trips, which is what reaching TiDB costs. Commits are not flushed
to disk per transaction (`innodb_flush_log_at_trx_commit = 2`): with flushes on, identical rounds varied by 3x on
this machine, which drowns the library's own cost that these rows compare. Row-by-row inserts pay a round trip per
row; over loopback that is cheap, which is why the loopback ratio misses the 10x target while the 1 ms one shows
what a network makes of it.

{"## Targets not met" + chr(10) + chr(10) + chr(10).join(unmet) + chr(10) if unmet else ""}
## Memory

{memory}

## Vector index

{index}
"""
pathlib.Path(out).write_text(report)
print(table)
print()
print(memory)
print(index)
