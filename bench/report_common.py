"""What bench/report.py and its sections share: reading Google Benchmark's JSON and the ratio of
an SDK case to its same-run baseline."""
import json
import statistics


def load(path):
    with open(path) as f:
        return json.load(f)


def pctl(v, p):
    v = sorted(v)
    if not v:
        return float("nan")
    return v[min(len(v) - 1, int(round(p * (len(v) - 1))))]


def reps(gb, name, field):
    """Per-repetition values of `field` (real_time, cpu_time or a counter) of benchmark `name`."""
    out = []
    for b in gb["benchmarks"]:
        if b.get("run_type") != "iteration" or b.get("run_name", b["name"]) != name:
            continue
        if b.get("error_occurred"):
            raise SystemExit("benchmark %s failed: %s" % (name, b.get("error_message")))
        out.append(float(b[field]))
    if not out:
        raise KeyError(name)
    return out


def ratio_row(what, sdk, base, goal, unit, scale=1.0):
    """median ratio (goal), p99 ratio, spread of the paired per-repetition ratios."""
    n = min(len(sdk), len(base))
    pair = [s / b for s, b in zip(sdk[:n], base[:n]) if b > 0]
    r_med = statistics.median(sdk) / statistics.median(base)
    r_p99 = pctl(sdk, 0.99) / pctl(base, 0.99)
    return {
        "what": what, "sdk": statistics.median(sdk) * scale, "base": statistics.median(base) * scale,
        "unit": unit, "ratio": r_med, "p99": r_p99, "lo": min(pair), "hi": max(pair), "n": n,
        "goal": goal, "ok": goal is None or r_med <= goal,
    }
