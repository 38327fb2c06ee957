"""The later sections of docs/BENCHMARKS.md (wake-ups, network hints, usage events, Java) and the
scale plot: bench/report.py calls each when its results exist."""
import os
import sys

from report_common import load, ratio_row, reps


def events_section(ev, w, misses):
    """bench_events: Session::record() against a mutex-guarded push of a 64-byte struct."""
    w("## Usage events: `Session::record()`")
    w("")
    w("`bench_events`: `record(\"api_request\", 1.0)` on a live session of the emulator (its scheduler")
    w("sends the batches meanwhile) against the same run's baseline, a `std::mutex`-guarded `push_back`")
    w("of a 64-byte struct into a vector reserved and written to beforehand (its pages touched, as record()'s reused storage is); %d calls per repetition (CPU time" %
      int(ev["benchmarks"][0].get("iterations", 0)))
    w("per call). The journaled row (informative) is a session whose client has a journal.")
    w("")
    w("| what | SDK (median) | baseline (median) | ratio median | ratio p99 | spread | n | goal | ok |")
    w("|---|---|---|---|---|---|---|---|---|")
    base = reps(ev, "BM_baseline_mutex_push_64b/iterations:%d" % int(ev["benchmarks"][0]["iterations"]), "cpu_time")
    cases = (("BM_session_record", "`Session::record()` (CPU time)", 3.0),
             ("BM_session_record_journaled", "`Session::record()`, client with a journal (CPU time)", None))
    for name, label, goal in cases:
        r = ratio_row(label, reps(ev, "%s/iterations:%d" % (name, int(ev["benchmarks"][0]["iterations"])), "cpu_time"),
                      base, goal, "ns")
        w("| %s | %.3g ns | %.3g ns | **%.2f×** | %.2f× | %.2f–%.2f | %d | %s | %s |" % (
            r["what"], r["sdk"], r["base"], r["ratio"], r["p99"], r["lo"], r["hi"], r["n"],
            "≤ %.1f×" % goal if goal else "—", ("yes" if r["ok"] else "**MISSED**") if goal else "—"))
        if not r["ok"]:
            misses.append(label)
    w("")


def events_scale_section(es, w, misses):
    """bench_events_scale: N sessions recording R events a second; the ledger against the client's ids."""
    w("## Usage events at scale: %d sessions, %g events a second each, %g s" % (
        es["sessions"], es["rate_hz"], es["duration_s"]))
    w("")
    w("`bench_events_scale%s`: one Client (no journal), every session rendering; one thread records" % (
        " --smoke" if es["duration_s"] < 10 else ""))
    w("the events (turns spread evenly), another reads each session's `stats()` every 5 ms: a")
    w("session's k-th event is acknowledged when `events_acknowledged + events_rejected` reaches k")
    w("(latency includes ≤ 5 ms of polling). Then every session stops, the client flushes, and the")
    w("emulator's ledger is compared with the ids `record()` returned. Batch delay %d ms (the default)." %
      es["batch_delay_ms"])
    w("")
    w("| recorded | acknowledged | ledger events | lost | charged twice | not ours | record() → ack p50 / p99 / max | records > 50 ms late | process CPU |")
    w("|---|---|---|---|---|---|---|---|---|")
    w("| %d | %d | %d | %d | %d | %d | %.0f / %.0f / %.0f ms | %d | %.2f s in %.0f s |" % (
        es["recorded"], es["acknowledged"], es["ledger_events"], es["lost"], es["charged_twice"],
        es["not_recorded_by_client"], es["latency_p50_ms"], es["latency_p99_ms"], es["latency_max_ms"],
        es["late_records"], es["process_cpu_s"], es["wall_s"]))
    w("")
    limit = es["batch_delay_ms"] + 1000
    checks = [("no event lost, none charged twice (ledger == client's ids)", es["exact"],
               "%d of %d charged once" % (es["ledger_events"], es["recorded"])),
              ("p99 from `record()` to acknowledgement ≤ batch delay + 1 s", es["latency_p99_ms"] <= limit,
               "%.0f ms (limit %d ms)" % (es["latency_p99_ms"], limit))]
    w("| goal | measured | ok |")
    w("|---|---|---|")
    for what, ok, text in checks:
        w("| %s | %s | %s |" % (what, text, "yes" if ok else "**MISSED**"))
        if not ok:
            misses.append("events at scale: " + what)
    w("")


def hints_section(h, w, misses):
    """bench_network_hints: Client::network_changed() against the same outage without it."""
    w("## Network hints: what `network_changed()` buys a mobile app")
    w("")
    w("One session renders, heartbeat every 60 s; the emulator's `refuse` fault is the network being")
    w("gone (`bench_network_hints%s`, %d trial(s) each, a new session per trial)." % (
        " --smoke" if h["trials"] == 1 else "", h["trials"]))
    w("")
    if "run" in h:  # a run apart from the rest of this page's
        w("*Run:* %s" % h["run"])
        w("")
    back, gone = h["back_ms"], h["gone_attempts"]
    w("| scenario | with the hint | without | goal | ok |")
    w("|---|---|---|---|---|")
    back_ok = back["hint"]["max"] < 1000
    w("| network back after a %g s outage: until the waiting heartbeat is acknowledged | %.0f ms median, %.0f max (`true`) | %.0f ms median, %.0f max (the backoff) | one round trip (< 1 s) | %s |" % (
        h["outage_s"], back["hint"]["median"], back["hint"]["max"], back["no_hint"]["median"], back["no_hint"]["max"],
        "yes" if back_ok else "**MISSED**"))
    gone_ok = gone["hint"]["max"] <= gone["no_hint"]["median"]
    w("| network gone: attempts in the outage's first %g s | %.0f median, %.0f max (`false`: the slow probe) | %.0f median, %.0f max (the backoff) | fewer than without | %s |" % (
        h["window_s"], gone["hint"]["median"], gone["hint"]["max"], gone["no_hint"]["median"], gone["no_hint"]["max"],
        "yes" if gone_ok else "**MISSED**"))
    w("")
    if not back_ok:
        misses.append("network hint: heartbeat acknowledged within a round trip of network_changed(true)")
    if not gone_ok:
        misses.append("network hint: fewer attempts after network_changed(false)")


def wakeups_section(wk, w, misses):
    """bench_wakeups: context switches of the SDK's threads between due times and per heartbeat;
    the measurement of the code before the scheduler slept until its next due time, kept in
    bench/wakeups_before.json, beside it."""
    before_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "wakeups_before.json")
    before = load(before_path) if os.path.exists(before_path) else None
    w("## Wake-ups of the SDK's threads: one session, heartbeat every %g s" % wk["interval_s"])
    w("")
    if "run" in wk:  # a run apart from the rest of this page's
        w("*Run:* %s" % wk["run"])
        w("")
    w("A wake-up is a context switch (voluntary + involuntary, from `/proc/self/task/<tid>/status`) of")
    w("the I/O thread `creditmeter` or the callback thread `creditmeter-cb`; the session has a journal,")
    w("`on_state_change` and `on_balance` (`bench_wakeups%s --interval %g --sessions %d`)." % (
        " --smoke" if wk.get("smoke") else "", wk["interval_s"], wk["many"]["sessions"]))
    w("*Between due times* = from %.2g s after one answer (or the call that began the phase) to" % wk["margin_s"])
    w("%.2g s before the next due time; *heartbeat* = the rest of the cycle." % wk["margin_s"])
    if wk["interval_s"] > wk["server_keep_alive_s"]:
        w("The emulator closes idle connections after %d s, so each heartbeat opens one." % wk["server_keep_alive_s"])
    w("")
    w("| phase | between due times: wake-ups (window) | heartbeat: I/O thread | heartbeat: callback thread | %s" %
      ("before: between due times | before: heartbeat (both threads) |" if before else ""))
    w("|---|---|---|---|%s" % ("---|---|" if before else ""))
    old = {p["phase"]: p for p in before["phases"]} if before else {}
    quiet_ok = True
    for p in wk["phases"]:
        q, h = p["between_due_times"], p["heartbeat"]
        quiet_ok = quiet_ok and q["total"] == 0
        row = "| %s | **%d** (%.0f s) | %d | %d |" % (p["phase"], q["total"], q["seconds"],
                                                   h["io_voluntary"] + h["io_involuntary"], h["cb_voluntary"] + h["cb_involuntary"])
        if p["phase"] in old:
            o = old[p["phase"]]
            row += " %d (%.0f s) | %d |" % (o["between_due_times"]["total"], o["between_due_times"]["seconds"], o["heartbeat"]["total"])
        w(row)
    w("")
    w("The wake-ups of one heartbeat, named: the emulator is frozen (SIGSTOP) around the due time, so")
    w("those until the request is on the wire and those of its answer are counted apart (I/O thread,")
    w("%g s interval, mean of %d heartbeat(s)); without a journal the fdatasync is gone." % (
        wk["named"][0]["interval_s"], len(wk["named"][0]["until_sent"])))
    w("")
    mean = lambda xs, k: sum(x[k] for x in xs) / max(1, len(xs))
    jn = [n for n in wk["named"] if n["journal"]]
    nj = [n for n in wk["named"] if not n["journal"]]
    if jn and nj:
        sent_j, sent_n = mean(jn[0]["until_sent"], "total"), mean(nj[0]["until_sent"], "total")
        ans_j, ans_n = mean(jn[0]["answer"], "total"), mean(nj[0]["answer"], "total")
        w("| part of a heartbeat | with a journal | without |")
        w("|---|---|---|")
        w("| due time: the timer's wake-up, then the journal's write + `fdatasync`, then the send | %.1f | %.1f |" % (sent_j, sent_n))
        w("| of which the journal sync (the difference) | %.1f | – |" % (sent_j - sent_n))
        w("| the answer: the wake-up that takes it (the ack rides along unsynced) | %.1f | %.1f |" % (ans_j, ans_n))
        w("")
    m = wk["many"]
    per_hb = m["total"] / max(1, m["heartbeats"])
    one_hb = wk["phases"][0]["heartbeat"]["total"]
    w("| %d sessions rendering, one Client (%d I/O thread) | measured |" % (m["sessions"], m["io_threads"]))
    w("|---|---|")
    w("| heartbeats acknowledged in %.0f s | %d |" % (m["seconds"], m["heartbeats"]))
    w("| wake-ups of both threads | %d (I/O %d, callbacks %d) |" % (m["total"], m["io_voluntary"] + m["io_involuntary"],
                                                                  m["cb_voluntary"] + m["cb_involuntary"]))
    w("| wake-ups per heartbeat | **%.2f** (one session: %d) |" % (per_hb, one_hb))
    w("")
    checks = [("no wake-up between due times (rendering, paused, idle)", quiet_ok),
              ("wake-ups per heartbeat do not grow with %d sessions" % m["sessions"], per_hb <= one_hb)]
    w("| goal | ok |")
    w("|---|---|")
    for what, ok in checks:
        w("| %s | %s |" % (what, "yes" if ok else "**MISSED**"))
        if not ok and not wk.get("smoke"):
            misses.append(what)
    if before:
        w("")
        w("*before*: %s" % before["measured"])
    w("")


def java_section(jv, w, misses):
    """Java Session.frame()/mayRender() against a no-op JNI call (bench/java/io/creditmeter/BenchFrame.java)."""
    base = jv["baseline_jni_noop"]
    w("## Java: `Session.frame()` and `mayRender()` over JNI")
    w("")
    w("`bench/java/io/creditmeter/BenchFrame.java` on a live metered session: per-call time, each sample the best of 5")
    w("runs of N calls, cases interleaved, after a JIT warm-up (HotSpot, no `-Xcheck:jni`). Baseline:")
    w("a no-op JNI method of the same shape (an object and a long). The third row, informative, is the")
    w("same JNI call into `cm_session_frame(NULL)`, which returns at once: the binding's own share;")
    w("the rest of `frame()` is the SDK's (an atomic store and a `CLOCK_MONOTONIC_COARSE` read).")
    w("")
    w("| what | Java (median) | no-op JNI (median) | ratio median | ratio p99 | spread | n | goal | ok |")
    w("|---|---|---|---|---|---|---|---|---|")
    cases = (("session_frame", "Java `Session.frame()`", 1.5), ("session_may_render", "Java `Session.mayRender()`", 1.5),
             ("jni_frame_null_session", "JNI into `cm_session_frame(NULL)` (the binding's share)", None))
    for key, label, goal in cases:
        if key not in jv:
            continue
        s = jv[key]
        ratio = s["median_ns"] / base["median_ns"]
        ok = goal is None or ratio <= goal
        w("| %s | %.3g ns | %.3g ns | **%.2f×** | %.2f× | %.2f–%.2f | %d | %s | %s |" % (
            label, s["median_ns"], base["median_ns"], ratio, s["p99_ns"] / base["p99_ns"],
            s["min_ns"] / base["max_ns"], s["max_ns"] / base["min_ns"], s["n"],
            "≤ %.1f×" % goal if goal else "—", ("yes" if ok else "**MISSED**") if goal else "—"))
        if not ok:
            misses.append(label)
    w("")


def make_plot(scale, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("bench: matplotlib missing (apt-get install python3-matplotlib): no plot", file=sys.stderr)
        return
    n = [s["sessions"] for s in scale]
    fig, ax = plt.subplots(2, 2, figsize=(10, 7))
    a = ax[0][0]
    a.plot(n, [s["sched_cpu_per_hb_us"] for s in scale], "o-", label="scheduler CPU / heartbeat")
    a.plot(n, [s["baseline_cpu_per_hb_us"] for s in scale], "s--", label="raw curl CPU / heartbeat (back to back)")
    if all("window_baseline_cpu_per_hb_us" in s for s in scale):
        a.plot(n, [s["window_baseline_cpu_per_hb_us"] for s in scale], "^:", label="raw curl, paced 10 ms, in window")
    a.set_ylabel("µs"); a.legend(); a.set_title("CPU per heartbeat")
    a = ax[0][1]
    a.plot(n, [s["rss_per_session_b"] for s in scale], "o-")
    a.axhline(4096, color="r", ls=":", label="goal 4 KiB"); a.legend()
    a.set_ylabel("bytes"); a.set_title("RSS per session")
    a = ax[1][0]
    a.plot(n, [s["late_p99_s"] * 1e3 for s in scale], "o-", label="p99")
    a.plot(n, [s["late_max_s"] * 1e3 for s in scale], "s--", label="max")
    a.axhline(1000, color="r", ls=":", label="goal 1 s")
    a.set_ylabel("ms"); a.legend(); a.set_title("heartbeat lateness")
    a = ax[1][1]
    a.plot(n, [s["emu_cpu_cores"] for s in scale], "o-", label="emulator CPU (cores)")
    a.plot(n, [s["sched_cpu_s"] / s["window_s"] for s in scale], "s--", label="scheduler CPU (cores)")
    a.set_ylabel("cores"); a.legend(); a.set_title("CPU load")
    for row in ax:
        for a in row:
            a.set_xscale("log"); a.set_xlabel("sessions (N)"); a.grid(True, alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
