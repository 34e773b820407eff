package io.biomatch.bench.load;

import java.util.Map;

/** What a load run measured. Latencies in milliseconds, as seen by the clients (network included). */
record LoadReport(String modality, long records, int clients, int seconds, int topK, long seed, String server,
                  int clientMachineCpus, Enrolment enrolment, Identify identify, Server serverAfter) {
    /** {@code indexedSeconds}: after the last record was stored, until the shards' indexes held every record. */
    record Enrolment(long stored, double seconds, double recordsPerSecond, Map<String, Long> failuresByStatus,
                     double indexedSeconds) {
    }

    record Identify(long calls, double seconds, double callsPerSecond, double p50Millis, double p95Millis,
                    double p99Millis, double maxMillis, double mateAtRank1, Map<String, Long> errorsByStatus) {
    }

    record Server(long storedRecords, long heapUsedBytes, long segmentOffHeapBytes, long storeMappedBytes, int shards) {
    }

    String toText() {
        return String.format("""
                biomatch load: %s, %,d records (seed %d), %d clients x %d s, top-%d, server %s (%d shards)
                  enrol     %,d stored in %.1f s (%,.0f records/s), failures %s; indexed %.1f s later
                  identify  %,d calls in %.1f s = %,.1f calls/s; latency p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, max %.2f ms
                            mate at rank 1: %.1f %%; errors by status %s
                  server    %,d records, heap used %,d bytes, segments off-heap %,d bytes, record store mapped %,d bytes
                """, modality, records, seed, clients, seconds, topK, server, serverAfter.shards(),
                enrolment.stored(), enrolment.seconds(), enrolment.recordsPerSecond(), enrolment.failuresByStatus(),
                enrolment.indexedSeconds(), identify.calls(), identify.seconds(), identify.callsPerSecond(), identify.p50Millis(),
                identify.p95Millis(), identify.p99Millis(), identify.maxMillis(), 100 * identify.mateAtRank1(),
                identify.errorsByStatus(), serverAfter.storedRecords(), serverAfter.heapUsedBytes(),
                serverAfter.segmentOffHeapBytes(), serverAfter.storeMappedBytes());
    }

    String toHtml() {
        String rows = String.join("\n",
                row("modality", modality), row("records", String.format("%,d (seed %d)", records, seed)),
                row("clients x seconds", clients + " x " + seconds), row("top-k", Integer.toString(topK)),
                row("server", server + " (" + serverAfter.shards() + " shards)"),
                row("enrol", String.format("%,d stored in %.1f s (%,.0f records/s); failures %s; indexed %.1f s later",
                        enrolment.stored(), enrolment.seconds(), enrolment.recordsPerSecond(),
                        enrolment.failuresByStatus(), enrolment.indexedSeconds())),
                row("identify throughput", String.format("%,.1f calls/s (%,d calls in %.1f s)", identify.callsPerSecond(),
                        identify.calls(), identify.seconds())),
                row("latency p50 / p95 / p99 / max", String.format("%.2f / %.2f / %.2f / %.2f ms", identify.p50Millis(),
                        identify.p95Millis(), identify.p99Millis(), identify.maxMillis())),
                row("mate at rank 1", String.format("%.1f %%", 100 * identify.mateAtRank1())),
                row("errors by status", identify.errorsByStatus().toString()),
                row("server heap used", String.format("%,d bytes", serverAfter.heapUsedBytes())),
                row("segments off-heap", String.format("%,d bytes", serverAfter.segmentOffHeapBytes())),
                row("record store mapped", String.format("%,d bytes", serverAfter.storeMappedBytes())));
        return "<!doctype html><html><head><meta charset=\"utf-8\"><title>biomatch load: " + esc(modality)
                + "</title><style>body{font-family:sans-serif;margin:2em}td,th{padding:4px 12px;text-align:left;"
                + "border-bottom:1px solid #ddd}</style></head><body><h1>biomatch load: " + esc(modality) + "</h1>"
                + "<table>" + rows + "</table><p>Latencies are client-side (gRPC round trip included).</p></body></html>\n";
    }

    private static String row(String k, String v) {
        return "<tr><th>" + esc(k) + "</th><td>" + esc(v) + "</td></tr>";
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
