"""scripts/peers without torch and without a GPU: the Python expansion of the suites against ids read off the C++
specs (kernels/<workload>/spec.cpp), the medians of medians and the ratio table of scripts/perf.
Run from the repository root: python3 -m unittest tests/unit/test_perf_peers.py"""
import collections
import os
import sys
import types
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts", "peers"))
import comparison  # noqa: E402
import gpucert_build  # noqa: E402
import suite_plan  # noqa: E402
import torch_suite  # noqa: E402  (imports without torch: torch is imported inside the measuring code)


def ids_of(suite):
    return [m.id for m in suite_plan.plan([suite])]


class SuiteExpansion(unittest.TestCase):
    def test_cold_l2_as_suite_cpp_marks_it(self):
        doc = {"defaults": {"l2": "cold"}, "items": [
            {"workload": "gemm", "precisions": ["fp16"], "shapes": [[2048, 2048, 2048]], "l2": "warm"},
            {"workload": "gemm", "precisions": ["fp16"], "shapes": [[2048, 2048, 2048]]},
            {"workload": "host_copy", "directions": ["h2d"]}]}
        ms = suite_plan.expand_suite(doc)
        self.assertEqual([m.id for m in ms], ["gemm/fp16/2048x2048x2048", "gemm/fp16/2048x2048x2048/cold",
                                              "host_copy/h2d/256MiB"])
        self.assertEqual([m.cold_l2 for m in ms], [False, True, False])
        self.assertEqual(ms[1].item["l2"], "cold")  # the one-item suite scripts/perf writes measures it cold too
        self.assertNotIn("l2", ms[0].item)
        self.assertEqual(len(ids_of("l2")), len(set(ids_of("l2"))))
        self.assertEqual(suite_plan.COLD_L2_WORKLOADS, {"stream", "gemm", "conv"})

    def test_copy_workloads_expand_as_their_specs(self):
        ms = {m.id: m for m in suite_plan.plan(["copies"])}
        self.assertEqual(ms["peer_copy/sm/bi/512MiB"].work, 2 * 512 * 1024 * 1024)
        self.assertEqual(ms["peer_copy/ce/uni/512MiB"].params, {"engine": "ce", "direction": "uni", "bytes": 1 << 29})
        self.assertEqual(ms["host_copy_all/d2h/512MiB"].work, 1 << 29)
        self.assertEqual(len(ms), 4 + 2 + 2)


    # Counts: stream 2 precisions x 6 kernels (kernels/stream/spec.cpp's default kernels), host_copy 2 directions,
    # gemm 6 precisions x 4 shapes, conv 4 precisions x 7 shapes forward; certify adds conv's backward_data (6
    # shapes, not conv1) and backward_filter (7); peer_copy 2 engines x 2 directions, host_copy_all 2 directions;
    # nccl is not a peer's.
    COUNTS = {"stream": 12, "host_copy": 2, "peer_copy": 4, "host_copy_all": 2, "gemm": 24, "conv": 28}
    CERTIFY_COUNTS = dict(COUNTS, conv=4 * (7 + 6 + 7))

    def test_certify_counts_per_workload(self):
        counts = collections.Counter(m.workload for m in suite_plan.plan(["certify"]))
        self.assertEqual(dict(counts), self.CERTIFY_COUNTS)

    def test_acceptance_counts_per_workload(self):
        counts = collections.Counter(m.workload for m in suite_plan.plan(["acceptance"]))
        self.assertEqual(dict(counts), self.COUNTS)

    def test_certify_ids_as_the_specs_spell_them(self):
        ids = ids_of("certify")
        for expected in [
            # kernels/stream/spec.cpp: "stream/" kernel "/" precision "/" format_bytes(array_bytes)
            "stream/copy/fp64/2GiB", "stream/nstream/fp32/2GiB", "stream/dot/fp64/2GiB",
            # kernels/host_copy/spec.cpp: "host_copy/" direction "/" format_bytes(bytes)
            "host_copy/h2d/1GiB", "host_copy/d2h/1GiB",
            # kernels/gemm/spec.cpp: "gemm/" precision "/" M "x" N "x" K
            "gemm/bf16/8192x8192x8192", "gemm/fp8/16384x16x4096", "gemm/tf32/4096x16384x4096",
            # kernels/conv/spec.cpp shape_text: n c h w k r s, p (pad), u (stride), d only when dilated
            "conv/fp16/n256c64h56w56k64r3s3p1u1", "conv/fp32/n256c3h224w224k64r7s7p3u2",
            "conv/bf16/n256c256h56w56k64r1s1p0u1", "conv/tf32/n256c512h7w7k512r3s3p1u1",
            # backward directions: the direction after the precision
            "conv/fp16/backward_data/n256c64h56w56k64r3s3p1u1", "conv/tf32/backward_data/n256c512h7w7k512r3s3p1u1",
            "conv/fp32/backward_filter/n256c3h224w224k64r7s7p3u2",
            "conv/bf16/backward_filter/n256c256h56w56k64r1s1p0u1",
        ]:
            self.assertIn(expected, ids)
        # conv1's input gradient is not certify's: no training computes it.
        self.assertFalse([i for i in ids if i.startswith("conv/") and "/backward_data/n256c3h224" in i])
        self.assertFalse([i for i in ids if i.startswith("nccl/")])
        self.assertEqual(len(ids), len(set(ids)))

    def test_conv_params_name_the_direction_of_backward_ones_only(self):
        by_id = {m.id: m for m in suite_plan.plan(["certify"])}
        self.assertNotIn("direction", by_id["conv/fp16/n256c64h56w56k64r3s3p1u1"].params)
        backward = by_id["conv/fp16/backward_filter/n256c3h224w224k64r7s7p3u2"]
        self.assertEqual(backward.params, {"n": 256, "c": 3, "h": 224, "w": 224, "k": 64, "r": 7, "s": 7, "pad": 3,
                                           "stride": 2, "dilation": 1, "precision": "fp16",
                                           "direction": "backward_filter"})
        self.assertEqual(backward.item["directions"], ["backward_filter"])
        self.assertNotIn("directions", by_id["conv/fp16/n256c64h56w56k64r3s3p1u1"].item)

    def test_order_follows_the_specs_loops(self):
        ids = ids_of("certify")
        # stream: precisions outer, kernels inner; gemm and conv: precisions outer, shapes inner.
        self.assertEqual(ids[:7], ["stream/copy/fp64/2GiB", "stream/mul/fp64/2GiB", "stream/add/fp64/2GiB",
                                   "stream/triad/fp64/2GiB", "stream/dot/fp64/2GiB", "stream/nstream/fp64/2GiB",
                                   "stream/copy/fp32/2GiB"])
        first_gemm = ids.index("gemm/fp64/8192x8192x8192")
        self.assertEqual(ids[first_gemm + 1], "gemm/fp64/16384x4096x4096")
        self.assertEqual(ids[first_gemm + 4], "gemm/fp32/8192x8192x8192")
        # certify's conv items in turn (forward, backward_data, backward_filter), each precisions outer.
        conv = [i for i in ids if i.startswith("conv/")]
        self.assertEqual(conv[27], "conv/bf16/n256c512h7w7k512r3s3p1u1")
        self.assertEqual(conv[28], "conv/fp32/backward_data/n256c64h56w56k64r1s1p0u1")
        self.assertEqual(conv[28 + 24], "conv/fp32/backward_filter/n256c3h224w224k64r7s7p3u2")

    def test_acceptance_arrays_are_4GiB(self):
        ids = ids_of("acceptance")
        self.assertIn("stream/triad/fp64/4GiB", ids)
        self.assertIn("host_copy/h2d/1GiB", ids)

    def test_repetitions_and_warmup_item_over_defaults(self):
        by_id = {m.id: m for m in suite_plan.plan(["certify"])}
        self.assertEqual((by_id["stream/copy/fp64/2GiB"].warmup, by_id["stream/copy/fp64/2GiB"].repetitions),
                         (5, 100))
        self.assertEqual(by_id["gemm/fp16/8192x8192x8192"].repetitions, 50)
        acceptance = {m.id: m for m in suite_plan.plan(["acceptance"])}
        self.assertEqual(acceptance["host_copy/d2h/1GiB"].repetitions, 50)
        self.assertEqual(acceptance["conv/fp16/n256c64h56w56k64r3s3p1u1"].warmup, 10)

    def test_work_as_flops_cpp_and_bandwidth_cpp_count_it(self):
        by_id = {m.id: m for m in suite_plan.plan(["certify"])}
        self.assertEqual(by_id["gemm/bf16/8192x8192x8192"].work, 2 * 8192 ** 3)
        # conv1: P = Q = (224 + 6 - 6 - 1) // 2 + 1 = 112; 2·N·K·P·Q·C·R·S
        self.assertEqual(by_id["conv/fp16/n256c3h224w224k64r7s7p3u2"].work, 2 * 256 * 64 * 112 * 112 * 3 * 7 * 7)
        # The same multiply-adds in every direction.
        self.assertEqual(by_id["conv/fp16/backward_filter/n256c3h224w224k64r7s7p3u2"].work,
                         2 * 256 * 64 * 112 * 112 * 3 * 7 * 7)
        self.assertEqual(by_id["conv/tf32/backward_data/n256c64h56w56k64r3s3p1u1"].work,
                         2 * 256 * 64 * 56 * 56 * 64 * 3 * 3)
        self.assertEqual(by_id["stream/triad/fp64/2GiB"].work, 3 * 2 * 1024 ** 3)
        self.assertEqual(by_id["stream/nstream/fp32/2GiB"].work, 4 * 2 * 1024 ** 3)
        self.assertEqual(by_id["host_copy/h2d/1GiB"].work, 1024 ** 3)
        self.assertEqual(by_id["stream/dot/fp32/2GiB"].params["elements"], 2 * 1024 ** 3 // 4)

    def test_defaults_of_the_specs(self):
        doc = {"schema_version": 1, "name": "t", "items": [
            {"workload": "stream"}, {"workload": "host_copy"}, {"workload": "gemm"}, {"workload": "conv"},
            {"workload": "conv", "shapes": [{"n": 1, "c": 8, "h": 9, "w": 9, "k": 4, "r": 3, "s": 3,
                                             "dilation": 2}]},
            {"workload": "conv", "precisions": ["fp16"], "directions": ["backward_filter", "forward"],
             "shapes": [{"n": 2, "c": 8, "h": 9, "w": 9, "k": 4, "r": 1, "s": 1, "stride": 2}]},
            {"workload": "nccl"}]}
        ms = suite_plan.expand_suite(doc)
        ids = [m.id for m in ms]
        self.assertIn("stream/nstream/fp32/1GiB", ids)
        self.assertIn("host_copy/d2h/256MiB", ids)
        self.assertIn("gemm/fp8/8192x8192x8192", ids)
        self.assertIn("conv/bf16/n256c64h56w56k64r3s3p1u1", ids)
        self.assertIn("conv/fp32/n1c8h9w9k4r3s3p0u1d2", ids)
        # Directions in the item's order, as kernels/conv/spec.cpp loops over them.
        self.assertEqual(ids[-2:], ["conv/fp16/backward_filter/n2c8h9w9k4r1s1p0u2", "conv/fp16/n2c8h9w9k4r1s1p0u2"])
        self.assertEqual(len(ms), 12 + 2 + 6 + 4 + 4 + 2)
        self.assertEqual({(m.warmup, m.repetitions) for m in ms}, {(3, 20)})

    def test_format_bytes(self):
        self.assertEqual(suite_plan.format_bytes(2 * 1024 ** 3), "2GiB")
        self.assertEqual(suite_plan.format_bytes(3 * 1024 ** 2 + 1024), "3073KiB")
        self.assertEqual(suite_plan.format_bytes(1000000), "1000000B")

    def test_one_item_per_id_expands_back_to_the_same_ids(self):
        ms = suite_plan.plan(["certify"], only="^(gemm/fp8|conv/tf32|stream/dot)")
        doc = suite_plan.suite_of(ms, "x", "y")
        self.assertEqual([m.id for m in suite_plan.expand_suite(doc)], [m.id for m in ms])
        self.assertEqual([m.params for m in suite_plan.expand_suite(doc)], [m.params for m in ms])
        self.assertEqual([(m.warmup, m.repetitions) for m in suite_plan.expand_suite(doc)],
                         [(m.warmup, m.repetitions) for m in ms])
        self.assertEqual(len(ms), 4 + 7 + 6 + 7 + 2)

    def test_several_suites_keep_each_id_once(self):
        both = suite_plan.plan(["certify", "acceptance"])
        ids = [m.id for m in both]
        self.assertEqual(len(ids), len(set(ids)))
        # gemm and conv are shared; stream (2 GiB vs 4 GiB arrays) is not; host_copy is the same 1 GiB and the copy
        # workloads the same 256 MiB; conv's backward directions are certify's alone.
        self.assertEqual(len(ids), 72 + 52 + 12)
        self.assertEqual({m.id: m for m in both}["gemm/fp16/8192x8192x8192"].warmup, 5)  # certify's, first


def gpucert_run(figures, verified=True):
    return {mid: {"figure": f, "unit": "TFLOP/s", "verified": verified} for mid, f in figures.items()}


def peer_run(figures):
    return {mid: ({"figure": f, "check": {"passed": True}} if isinstance(f, float) else {"skipped": f})
            for mid, f in figures.items()}


class Comparison(unittest.TestCase):
    GEMM = "gemm/fp16/8192x8192x8192"
    CONV = "conv/tf32/n256c64h56w56k64r3s3p1u1"

    def test_median_of_medians_and_spread(self):
        rows = comparison.compare(
            [(self.GEMM, "TFLOP/s")],
            [gpucert_run({self.GEMM: 700.0}), gpucert_run({self.GEMM: 760.0}), gpucert_run({self.GEMM: 740.0})],
            [peer_run({self.GEMM: 720.0}), peer_run({self.GEMM: 800.0}), peer_run({self.GEMM: 650.0})])
        row = rows[0]
        self.assertEqual(row["gpucert"]["figure"], 740.0)
        self.assertEqual(row["peer"]["figure"], 720.0)
        self.assertAlmostEqual(row["ratio"], 740.0 / 720.0)
        self.assertAlmostEqual(row["gpucert"]["spread"], 60.0 / 740.0)
        self.assertAlmostEqual(row["peer"]["spread"], 150.0 / 720.0)
        self.assertFalse(row["below_parity"])
        self.assertTrue(row["gpucert"]["verified"])
        self.assertTrue(row["peer"]["checked"])

    def test_even_number_of_runs_and_a_missing_run(self):
        rows = comparison.compare([(self.GEMM, "TFLOP/s")],
                                  [gpucert_run({self.GEMM: 700.0}), gpucert_run({}), gpucert_run({self.GEMM: 800.0}),
                                   gpucert_run({self.GEMM: 600.0})],
                                  [peer_run({self.GEMM: 1000.0}), peer_run({self.GEMM: 900.0})])
        self.assertEqual(rows[0]["gpucert"]["figure"], 700.0)
        self.assertEqual(rows[0]["gpucert"]["runs"], [700.0, None, 800.0, 600.0])
        self.assertEqual(rows[0]["peer"]["figure"], 950.0)
        self.assertTrue(rows[0]["below_parity"])

    def test_skipped_peer_is_skipped_not_a_ratio(self):
        rows = comparison.compare([(self.GEMM, "TFLOP/s"), (self.CONV, "TFLOP/s")],
                                  [gpucert_run({self.GEMM: 700.0, self.CONV: 200.0})] * 2,
                                  [peer_run({self.GEMM: 700.0, self.CONV: "cannot express it"})] * 2)
        conv = rows[1]
        self.assertIsNone(conv["ratio"])
        self.assertIsNone(conv["peer"]["figure"])
        self.assertEqual(conv["peer"]["skipped"], "cannot express it")
        self.assertFalse(conv["below_parity"])
        self.assertEqual(rows[0]["ratio"], 1.0)
        self.assertFalse(rows[0]["below_parity"])
        text = comparison.render_text(rows)
        self.assertIn(f"peer skipped {self.CONV}: cannot express it", text)
        conv_line = next(line for line in text.splitlines() if line.startswith(self.CONV))
        self.assertIn(" skip ", conv_line)
        markdown = comparison.render_markdown(rows, {"card": "H100", "runs": 2})
        self.assertIn(f"| {self.CONV} | TFLOP/s | 200.0 | skipped | - |", markdown)
        self.assertIn(f"- `{self.CONV}`: cannot express it", markdown)
        self.assertEqual(comparison.summary(rows)["peer_skipped"], [self.CONV])

    def test_peer_error_reads_as_skipped_with_the_error(self):
        rows = comparison.compare([(self.GEMM, "TFLOP/s")], [gpucert_run({self.GEMM: 700.0})],
                                  [{self.GEMM: {"error": "RuntimeError: boom"}}])
        self.assertEqual(rows[0]["peer"]["skipped"], "error: RuntimeError: boom")
        self.assertIsNone(rows[0]["ratio"])

    def test_no_peer_at_all(self):
        rows = comparison.compare([(self.GEMM, "TFLOP/s")], [gpucert_run({self.GEMM: 700.0})], [])
        self.assertIsNone(rows[0]["peer"]["skipped"])
        self.assertIsNone(rows[0]["ratio"])

    def test_below_parity_stands_out(self):
        rows = comparison.compare([(self.GEMM, "TFLOP/s")], [gpucert_run({self.GEMM: 690.0})],
                                  [peer_run({self.GEMM: 700.0})])
        self.assertTrue(rows[0]["below_parity"])
        self.assertIn("<< below 1.00x", comparison.render_text(rows))
        markdown = comparison.render_markdown(rows, {})
        self.assertIn("**0.986**", markdown)
        self.assertIn("Below 1.00x, lowest first: `gemm/fp16/8192x8192x8192` 0.986", markdown)

    def test_unverified_gpucert_run_shows(self):
        rows = comparison.compare([(self.GEMM, "TFLOP/s")],
                                  [gpucert_run({self.GEMM: 700.0}), gpucert_run({self.GEMM: 700.0}, verified=False)],
                                  [peer_run({self.GEMM: 700.0})])
        self.assertFalse(rows[0]["gpucert"]["verified"])
        self.assertIn("NO / yes", comparison.render_text(rows))

    def test_fraction_of_the_cards_limits(self):
        device = {"name": "NVIDIA H100 80GB HBM3", "compute_capability": "9.0", "multiprocessors": 132,
                  "sm_clock_khz": 1980000, "peak_bandwidth_gbps": 3352.0}
        thresholds = {"NVIDIA H100 80GB HBM3": {"gemm/fp16/4096x4096x4096": {"datasheet_TFLOPs": 989.4}}}
        limits = comparison.card_limits(device, thresholds)
        self.assertEqual(limits["memory"]["value"], 3352.0)
        self.assertEqual(limits["fp16"]["value"], 989.4)
        # no datasheet figure for tf32 in this table: 132 SMs x 1.98 GHz x 2048 FLOP/SM/clock
        self.assertAlmostEqual(limits["tf32"]["value"], 132 * 1.98e9 * 2048 / 1e12)
        copy = "stream/copy/fp64/2GiB"
        rows = comparison.compare([(copy, "GB/s"), (self.GEMM, "TFLOP/s"), ("host_copy/h2d/1GiB", "GB/s")],
                                  [{copy: {"figure": 3016.8, "verified": True},
                                    self.GEMM: {"figure": 742.05, "verified": True},
                                    "host_copy/h2d/1GiB": {"figure": 55.0, "verified": True}}],
                                  [], limits)
        self.assertAlmostEqual(rows[0]["gpucert_of_limit"], 0.9)
        self.assertAlmostEqual(rows[1]["gpucert_of_limit"], 0.75)
        self.assertIsNone(rows[2]["limit"])  # no table of link speeds: left out, not invented
        self.assertIsNone(rows[2]["gpucert_of_limit"])

    def test_copies_take_the_link_limit_gpucert_read(self):
        peer = "peer_copy/ce/uni/256MiB"
        report = {"results": [{"id": peer, "rank": 0, "unit": "GB/s", "status": "ok",
                               "verification": {"passed": True}, "figure": {"at_median": 360.0},
                               "details": {"limit_gbps": 450.0}}]}
        rows = comparison.compare([(peer, "GB/s"), ("host_copy/h2d/1GiB", "GB/s")],
                                  [comparison.gpucert_figures(report)], [peer_run({peer: 300.0})],
                                  {"memory": {"value": 3352.0, "source": "x"}})
        self.assertEqual(rows[0]["limit"]["value"], 450.0)
        self.assertIn("NVML", rows[0]["limit"]["source"])
        self.assertAlmostEqual(rows[0]["gpucert_of_limit"], 0.8)
        self.assertAlmostEqual(rows[0]["peer_of_limit"], 300.0 / 450.0)
        self.assertIsNone(rows[1]["limit"])  # a copy whose result carries no limit gets none
        markdown = comparison.render_markdown(rows, {"limits": {"memory": {"value": 3352.0, "source": "x"}}})
        self.assertIn(f"Link limits, per measurement: `{peer}` 450.0 GB/s (link generation x width", markdown)

    def test_unknown_architecture_has_no_compute_limit(self):
        limits = comparison.card_limits({"name": "x", "compute_capability": "12.0", "multiprocessors": 10,
                                         "sm_clock_khz": 1000000})
        self.assertEqual(limits, {})

    def test_limit_key(self):
        self.assertEqual(comparison.limit_key("stream/dot/fp32/2GiB"), "memory")
        self.assertEqual(comparison.limit_key("conv/bf16/n256c64h56w56k64r3s3p1u1"), "bf16")
        self.assertEqual(comparison.limit_key("conv/tf32/backward_filter/n256c64h56w56k64r3s3p1u1"), "tf32")
        self.assertEqual(comparison.limit_key("gemm/fp8/8192x8192x8192"), "fp8")
        self.assertIsNone(comparison.limit_key("host_copy/d2h/1GiB"))

    def test_gpucert_report_figures(self):
        report = {"results": [
            {"id": self.GEMM, "rank": 0, "environment": "native", "unit": "TFLOP/s", "status": "ok",
             "verification": {"passed": True}, "figure": {"at_median": 750.0}},
            {"id": self.GEMM, "rank": 1, "environment": "native", "unit": "TFLOP/s", "status": "ok",
             "verification": {"passed": True}, "figure": {"at_median": 10.0}},
            {"id": self.CONV, "rank": 0, "environment": "native", "unit": "TFLOP/s", "status": "failed",
             "verification": {"passed": False}, "figure": None},
            {"id": "peer_copy/ce/uni/1GiB", "rank": 0, "status": "waived", "figure": None}]}
        figures = comparison.gpucert_figures(report)
        self.assertEqual(figures[self.GEMM],
                         {"figure": 750.0, "unit": "TFLOP/s", "verified": True, "link_limit": None})
        self.assertEqual(figures[self.CONV]["figure"], None)
        self.assertFalse(figures[self.CONV]["verified"])
        self.assertIsNone(figures["peer_copy/ce/uni/1GiB"]["verified"])  # waived: neither right nor wrong
        rows = comparison.compare([("peer_copy/ce/uni/1GiB", "GB/s")], [figures], [])
        self.assertIsNone(rows[0]["gpucert"]["verified"])

    def test_legacy_flat_peer_maps_to_ids(self):
        figures = comparison.peer_figures({"torch": "2.11", "copy_GBps": 2997.7, "gemm_tf32_TFLOPs": 374.7})
        self.assertEqual(figures, {"stream/copy/fp64/2GiB": {"figure": 2997.7},
                                   "gemm/tf32/8192x8192x8192": {"figure": 374.7}})
        new = {"schema_version": 1, "results": {self.GEMM: {"skipped": "why"}}}
        self.assertEqual(comparison.peer_figures(new), {self.GEMM: {"skipped": "why"}})


class GpucertBuildPeer(unittest.TestCase):
    """scripts/peers/gpucert_build.py, an older build as the peer of a before-and-after comparison."""
    LIST = ("Workloads:\n"
            "  stream       device memory bandwidth: BabelStream's copy, mul, add, triad, dot and nstream [worker]\n"
            "  gemm         matrix multiply D = A·B through cuBLASLt: fp64, fp32, tf32, fp16, bf16 and fp8\n"
            "               (e4m3), TFLOP/s [libgpucert-gemm.so]\n"
            "\n"
            "Suites (gpucert run --suite NAME, or a path to a .json file):\n"
            "  quick        57 measurements: A first look at every GPU\n")

    def test_known_workloads_are_the_workloads_section_only(self):
        self.assertEqual(gpucert_build.known_workloads(self.LIST), {"stream", "gemm"})
        self.assertEqual(gpucert_build.known_workloads("no such section\n"), set())

    def test_items_of_an_unknown_workload_are_skipped_by_id(self):
        suite = {"schema_version": 1, "name": "x", "items": [
            {"workload": "stream", "kernels": ["copy"], "precisions": ["fp64"], "array_bytes": 1 << 31},
            {"workload": "peer_copy", "engines": ["ce"], "directions": ["uni", "bi"], "bytes": 1 << 29}]}
        narrowed, left_out = gpucert_build.split_suite(suite, {"stream", "gemm"})
        self.assertEqual([i["workload"] for i in narrowed["items"]], ["stream"])
        self.assertEqual(narrowed["name"], "x")
        self.assertEqual(sorted(left_out), ["peer_copy/ce/bi/512MiB", "peer_copy/ce/uni/512MiB"])
        self.assertIn("no workload 'peer_copy'", left_out["peer_copy/ce/uni/512MiB"])

    def test_results_in_the_peer_format(self):
        report = {"results": [
            {"id": "a", "rank": 0, "unit": "GB/s", "status": "ok", "verification": {"passed": True},
             "figure": {"at_median": 3000.0}},
            {"id": "b", "rank": 0, "unit": "GB/s", "status": "failed", "verification": {"passed": False},
             "figure": {"at_median": 10.0}},
            {"id": "c", "rank": 0, "status": "waived", "figure": None},
            {"id": "d", "rank": 0, "status": "error", "figure": None}]}
        results = gpucert_build.peer_results(report, {"e": "the peer build has no workload 'x'"})
        self.assertEqual(results["a"], {"figure": 3000.0, "unit": "GB/s",
                                        "check": {"passed": True, "method": "the peer build's own verification"}})
        self.assertFalse(results["b"]["check"]["passed"])
        self.assertIn("skipped", results["c"])
        self.assertIn("error", results["d"])
        self.assertEqual(results["e"], {"skipped": "the peer build has no workload 'x'"})
        rows = comparison.compare([("a", "GB/s"), ("b", "GB/s"), ("e", "GB/s")],
                                  [{"a": {"figure": 3030.0, "verified": True}}], [comparison.peer_figures(
                                      {"results": results})])
        self.assertAlmostEqual(rows[0]["ratio"], 1.01)
        self.assertFalse(rows[1]["peer"]["checked"])
        self.assertIn("no workload", rows[2]["peer"]["skipped"])

    def test_markdown_names_the_peer(self):
        rows = comparison.compare([("a", "GB/s")], [{"a": {"figure": 2.0, "verified": True}}],
                                  [{"a": {"figure": 1.0, "check": {"passed": True}}}])
        text = comparison.render_markdown(rows, {"peer_name": "gpucert 0.1.0 (05918d9)"})
        self.assertIn("| gpucert | gpucert 0.1.0 (05918d9) | ratio |", text)
        self.assertNotIn("PyTorch", text)
        self.assertIn("| gpucert | PyTorch | ratio |", comparison.render_markdown(rows, {}))


class PeerWithoutTorch(unittest.TestCase):
    def test_imports_and_plans_without_torch(self):
        self.assertNotIn("torch", sys.modules)
        self.assertIn("nstream", torch_suite.NOT_EXPRESSIBLE)
        self.assertEqual(torch_suite.RELATIVE_ERROR_LIMIT["fp32"], 1e-4)

    def test_conv_backward_asks_convolution_backward_for_one_gradient(self):
        calls = []

        def convolution_backward(*args):
            calls.append(args)
            return ("grad_input", "grad_weight", None)
        fake = types.SimpleNamespace(ops=types.SimpleNamespace(aten=types.SimpleNamespace(
            convolution_backward=convolution_backward)))
        geometry = {"stride": 2, "padding": 3, "dilation": 1}
        self.assertEqual(torch_suite.conv_backward(fake, "dy", "x", "w", geometry, "backward_data"), "grad_input")
        self.assertEqual(torch_suite.conv_backward(fake, "dy", "x", "w", geometry, "backward_filter"), "grad_weight")
        # (grad_output, input, weight, bias_sizes, stride, padding, dilation, transposed, output_padding, groups,
        # output_mask): no bias, and only the gradient measured.
        self.assertEqual(calls[0], ("dy", "x", "w", None, [2, 2], [3, 3], [1, 1], False, [0, 0], 1,
                                    [True, False, False]))
        self.assertEqual(calls[1][-1], [False, True, False])
        self.assertNotIn("torch", sys.modules)

    def test_figure_units(self):
        m = next(m for m in suite_plan.plan(["certify"]) if m.id == "gemm/fp16/8192x8192x8192")
        self.assertAlmostEqual(torch_suite.figure_of(m, 1.0), 2 * 8192 ** 3 / 1e12)
        s = next(m for m in suite_plan.plan(["certify"]) if m.id == "stream/copy/fp64/2GiB")
        self.assertAlmostEqual(torch_suite.figure_of(s, 1e-3), 2 * 2 * 1024 ** 3 / 1e-3 / 1e9)


if __name__ == "__main__":
    unittest.main()
