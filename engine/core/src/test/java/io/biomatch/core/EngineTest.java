package io.biomatch.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.biomatch.core.testing.VectorTestModality;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EngineTest {
    @TempDir
    Path dir;

    private Engine open(int shards) {
        return open(shards, new VectorTestModality());
    }

    private Engine open(int shards, VectorTestModality m) {
        return Engine.open(EngineConfig.defaults(dir).withShards(shards).withCapacity(20_000, 128), List.of(m));
    }

    static EnrolRequest enrolReq(String id, byte[] v) {
        return new EnrolRequest(id, VectorTestModality.NAME, "", Map.of(), List.of(VectorTestModality.payload(v)), false);
    }

    static IdentifyRequest identifyReq(byte[] v, int k) {
        return new IdentifyRequest(VectorTestModality.NAME, List.of(VectorTestModality.payload(v)), Map.of(), k,
                Float.NEGATIVE_INFINITY, SearchFilter.NONE, Long.MAX_VALUE);
    }

    /** A search that goes to the test modality's shard index ({@code mode=index}). */
    static IdentifyRequest indexReq(byte[] v, int k) {
        return new IdentifyRequest(VectorTestModality.NAME, List.of(VectorTestModality.payload(v)),
                Map.of("mode", "index"), k, Float.NEGATIVE_INFINITY, SearchFilter.NONE, Long.MAX_VALUE);
    }

    static EngineException.Reason failure(CompletableFuture<?> f) {
        try {
            f.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            Throwable t = Engine.cause(e);
            if (t instanceof EngineException ee) {
                return ee.reason();
            }
            fail("unexpected failure", t);
        }
        fail("expected a failure");
        return null;
    }

    /** Brute-force reference: score desc, then id in UTF-8 byte order. */
    static List<Candidate> reference(Map<String, byte[]> gallery, byte[] probe, int k) {
        return gallery.entrySet().stream()
                .map(e -> new Candidate(e.getKey(), VectorTestModality.score(probe, e.getValue()), ""))
                .sorted(Comparator.comparingDouble((Candidate c) -> -c.score()).thenComparing(Candidate::id, Engine::compareIds))
                .limit(k).toList();
    }

    static void assertSameRanking(List<Candidate> expected, List<Candidate> actual, String what) {
        assertEquals(expected.stream().map(Candidate::id).toList(), actual.stream().map(Candidate::id).toList(), what);
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i).score(), actual.get(i).score(), what);
        }
    }

    @Test
    void enrolRestartIdentifyRoundTrip() {
        Random rnd = new Random(7);
        Map<String, byte[]> gallery = new HashMap<>();
        try (Engine e = open(3)) {
            for (int i = 0; i < 500; i++) {
                byte[] v = VectorTestModality.vector(rnd);
                gallery.put("rec-" + i, v);
                Record r = e.enrol(new EnrolRequest("rec-" + i, "vec", "AG" + (i % 3), Map.of("n", "" + i),
                        List.of(VectorTestModality.payload(v)), false)).join();
                assertEquals("rec-" + i, r.id());
            }
        }
        try (Engine e = open(2)) { // a different shard count: segments are rebuilt from the store
            assertEquals(500, e.stats().storedRecords());
            assertEquals(500L, e.stats().liveByModality().get("vec"));
            Record r = e.get("rec-17");
            assertEquals("AG2", r.agency());
            assertEquals("17", r.metadata().get("n"));
            assertArrayEquals(gallery.get("rec-17"), r.template());
            for (int q = 0; q < 20; q++) {
                byte[] probe = gallery.get("rec-" + q);
                IdentifyResult res = e.identify(identifyReq(probe, 5), SearchControl.NONE).join();
                assertEquals("rec-" + q, res.candidates().get(0).id());
                assertEquals(0f, res.candidates().get(0).score());
                assertSameRanking(reference(gallery, probe, 5), res.candidates(), "probe " + q);
                assertEquals(500, res.slotsScanned());
            }
        }
    }

    @Test
    void duplicateUnknownDeleteReEnrolAndReplace() {
        byte[] a = {1, 1, 1, 1, 1, 1, 1, 1};
        byte[] b = {9, 9, 9, 9, 9, 9, 9, 9};
        try (Engine e = open(2)) {
            e.enrol(enrolReq("x", a)).join();
            assertEquals(EngineException.Reason.ALREADY_EXISTS, failure(e.enrol(enrolReq("x", b))));
            assertArrayEquals(a, e.get("x").template(), "a refused duplicate changes nothing");
            assertEquals(EngineException.Reason.NOT_FOUND, failure(e.delete("nope")));
            assertTrue(e.delete("x").join());
            assertEquals(EngineException.Reason.NOT_FOUND, failure(e.delete("x")));
            assertTrue(e.identify(identifyReq(a, 3), SearchControl.NONE).join().candidates().isEmpty());
            e.enrol(enrolReq("x", b)).join(); // re-enrol after delete
            assertEquals("x", e.identify(identifyReq(b, 1), SearchControl.NONE).join().candidates().get(0).id());
            e.enrol(new EnrolRequest("x", "vec", "", Map.of(), List.of(VectorTestModality.payload(a)), true)).join();
            IdentifyResult r = e.identify(identifyReq(a, 3), SearchControl.NONE).join();
            assertEquals(1, r.candidates().size(), "replace leaves one slot live");
            assertEquals(0f, r.candidates().get(0).score());
            assertEquals(1L, e.stats().liveByModality().get("vec"));
        }
    }

    @Test
    void badInputIsRefusedAndStoresNothing() {
        try (Engine e = open(2)) {
            byte[] v = new byte[8];
            assertEquals(EngineException.Reason.INVALID_INPUT, failure(e.enrol(enrolReq("", v))));
            assertEquals(EngineException.Reason.INVALID_INPUT, failure(e.enrol(enrolReq("a\nb", v))));
            assertEquals(EngineException.Reason.INVALID_INPUT, failure(e.enrol(enrolReq("x".repeat(129), v))));
            assertEquals(EngineException.Reason.INVALID_INPUT, failure(e.enrol(enrolReq("short", new byte[3]))));
            assertEquals(EngineException.Reason.INVALID_INPUT, failure(e.enrol(enrolReq("empty", new byte[0]))));
            assertEquals(EngineException.Reason.INVALID_INPUT, failure(e.enrol(new EnrolRequest("m", "nosuch", "",
                    Map.of(), List.of(VectorTestModality.payload(v)), false))));
            assertEquals(EngineException.Reason.INVALID_INPUT, failure(e.enrol(new EnrolRequest("f", "vec", "",
                    Map.of(), List.of(new Payload("jpeg", v)), false))));
            assertEquals(EngineException.Reason.INVALID_INPUT, failure(e.enrol(new EnrolRequest("p", "vec", "",
                    Map.of(), List.of(), false))));
            assertEquals(EngineException.Reason.INVALID_INPUT, failure(e.identify(identifyReq(v, 0), SearchControl.NONE)));
            assertEquals(EngineException.Reason.INVALID_INPUT,
                    failure(e.identify(identifyReq(v, IdentifyRequest.MAX_TOP_K + 1), SearchControl.NONE)));
            // control characters in agency and metadata (printed back by `biomatch get` and in logs)
            for (var owner : List.of(Map.entry("LY\u001b[2JON", Map.<String, String>of()),
                    Map.entry("LYON", Map.of("case\u0000", "x")),
                    Map.entry("LYON", Map.of("case", "\u001b]0;title\u0007")))) {
                assertEquals(EngineException.Reason.INVALID_INPUT, failure(e.enrol(new EnrolRequest("c", "vec",
                        owner.getKey(), owner.getValue(), List.of(VectorTestModality.payload(v)), false))));
            }
            assertEquals(0, e.stats().storedRecords());
            // tabs and line breaks in a value are kept
            e.enrol(new EnrolRequest("notes", "vec", "LYON", Map.of("note", "line 1\nline 2\tend"),
                    List.of(VectorTestModality.payload(v)), false)).join();
            assertEquals("line 1\nline 2\tend", e.get("notes").metadata().get("note"));
        }
    }

    /** An enrolment whose request was cancelled, or whose deadline passed, before it was stored stores nothing. */
    @Test
    void aCancelledOrLateEnrolmentStoresNothing() {
        try (Engine e = open(2)) {
            byte[] v = VectorTestModality.vector(new Random(5));
            SearchControl cancelled = new SearchControl(Long.MAX_VALUE);
            cancelled.cancel();
            assertEquals(EngineException.Reason.CANCELLED, failure(e.enrol(enrolReq("c1", v), cancelled)));
            SearchControl late = new SearchControl(System.nanoTime() - 1);
            assertEquals(EngineException.Reason.DEADLINE_EXCEEDED, failure(e.enrol(enrolReq("c2", v), late)));
            assertEquals(0, e.stats().storedRecords());
            e.enrol(enrolReq("c3", v), new SearchControl(System.nanoTime() + 60_000_000_000L)).join();
            assertEquals(1, e.stats().storedRecords());
        }
    }

    @Test
    void oversizedPayloadIsInvalid() {
        try (Engine e = Engine.open(EngineConfig.defaults(dir).withShards(1).withCapacity(1000, 64)
                .withMaxPayloadBytes(4), List.of(new VectorTestModality()))) {
            assertEquals(EngineException.Reason.INVALID_INPUT, failure(e.enrol(enrolReq("big", new byte[8]))));
        }
    }

    @Test
    void filtersByAgencyAndMetadata() {
        Random rnd = new Random(3);
        Map<String, byte[]> all = new HashMap<>();
        Map<String, byte[]> lyonCase1 = new HashMap<>();
        Map<String, byte[]> lyonOrParis = new HashMap<>();
        try (Engine e = open(2)) {
            for (int i = 0; i < 300; i++) {
                byte[] v = VectorTestModality.vector(rnd);
                String agency = List.of("LYON", "PARIS", "ROME").get(i % 3);
                String kase = "case-" + (i % 4);
                String id = "r" + i;
                e.enrol(new EnrolRequest(id, "vec", agency, Map.of("case", kase),
                        List.of(VectorTestModality.payload(v)), false)).join();
                all.put(id, v);
                if (agency.equals("LYON") && kase.equals("case-1")) {
                    lyonCase1.put(id, v);
                }
                if (!agency.equals("ROME")) {
                    lyonOrParis.put(id, v);
                }
            }
            e.delete("r1").join(); // a filtered search must not resurrect deleted records
            lyonOrParis.remove("r1");
            byte[] probe = VectorTestModality.vector(rnd);
            var r1 = e.identify(new IdentifyRequest("vec", List.of(VectorTestModality.payload(probe)), Map.of(), 1000,
                    Float.NEGATIVE_INFINITY, new SearchFilter(Set.of("LYON"), Map.of("case", "case-1")), Long.MAX_VALUE),
                    SearchControl.NONE).join();
            assertSameRanking(reference(lyonCase1, probe, 1000), r1.candidates(), "LYON case-1");
            assertTrue(r1.candidates().stream().allMatch(c -> c.agency().equals("LYON")));
            var r2 = e.identify(new IdentifyRequest("vec", List.of(VectorTestModality.payload(probe)), Map.of(), 1000,
                    Float.NEGATIVE_INFINITY, new SearchFilter(Set.of("LYON", "PARIS"), Map.of()), Long.MAX_VALUE),
                    SearchControl.NONE).join();
            assertSameRanking(reference(lyonOrParis, probe, 1000), r2.candidates(), "LYON or PARIS");
            var none = e.identify(new IdentifyRequest("vec", List.of(VectorTestModality.payload(probe)), Map.of(), 10,
                    Float.NEGATIVE_INFINITY, new SearchFilter(Set.of("NOBODY"), Map.of()), Long.MAX_VALUE),
                    SearchControl.NONE).join();
            assertTrue(none.candidates().isEmpty());
            float floor = reference(all, probe, 10).get(4).score();
            var floored = e.identify(new IdentifyRequest("vec", List.of(VectorTestModality.payload(probe)), Map.of(), 10,
                    floor, SearchFilter.NONE, Long.MAX_VALUE), SearchControl.NONE).join();
            assertTrue(floored.candidates().size() >= 5 && floored.candidates().stream().allMatch(c -> c.score() >= floor));
        }
    }

    @Test
    void compactionKeepsResultsAndFreesSlots() {
        Random rnd = new Random(11);
        Map<String, byte[]> live = new HashMap<>();
        try (Engine e = open(2)) {
            for (int i = 0; i < 6000; i++) {
                byte[] v = VectorTestModality.vector(rnd);
                e.enrol(enrolReq("c" + i, v)).join();
                live.put("c" + i, v);
            }
            for (int i = 0; i < 6000; i += 2) { // half dead: automatic compaction runs on the way
                e.delete("c" + i).join();
                live.remove("c" + i);
            }
            e.compact().join();
            long dead = e.stats().shards().stream().mapToLong(s -> s.deadByModality().getOrDefault("vec", 0L)).sum();
            assertEquals(0, dead);
            assertEquals(3000L, e.stats().liveByModality().get("vec"));
            for (int q = 0; q < 10; q++) {
                byte[] probe = VectorTestModality.vector(rnd);
                assertSameRanking(reference(live, probe, 20), e.identify(identifyReq(probe, 20), SearchControl.NONE)
                        .join().candidates(), "after compaction");
            }
            // ids still resolve after compaction: delete and re-enrol work on moved slots
            e.delete("c5999").join();
            e.enrol(enrolReq("c5999", live.get("c5999"))).join();
            assertEquals("c5999", e.identify(identifyReq(live.get("c5999"), 1), SearchControl.NONE).join()
                    .candidates().get(0).id());
        }
    }

    /**
     * Below the memory floor a compaction, which copies a segment's live slots before freeing the old ones, does not
     * run: deletes still succeed and leave their slots dead, the automatic compaction waits, an explicit one fails
     * with MEMORY_EXHAUSTED and changes nothing, and searches stay right. (A floor no machine has stands for a
     * machine that has run short; the data are enrolled with the check off.)
     */
    @Test
    void compactionWaitsWhileMemoryIsShortAndDeletesGoOn() {
        Random rnd = new Random(12);
        Map<String, byte[]> live = new HashMap<>();
        try (Engine e = open(2)) {
            for (int i = 0; i < 6000; i++) {
                byte[] v = VectorTestModality.vector(rnd);
                e.enrol(enrolReq("m" + i, v)).join();
                live.put("m" + i, v);
            }
        }
        try (Engine e = Engine.open(EngineConfig.defaults(dir).withShards(2).withCapacity(20_000, 128)
                .withMinFreeMemoryBytes(Long.MAX_VALUE / 2), List.of(new VectorTestModality()))) {
            for (int i = 0; i < 6000; i += 2) { // half dead: past the automatic threshold in both shards
                e.delete("m" + i).join();
                live.remove("m" + i);
            }
            long dead = e.stats().shards().stream().mapToLong(s -> s.deadByModality().getOrDefault("vec", 0L)).sum();
            assertEquals(3000, dead, "no automatic compaction under the floor");
            CompletionException x = assertThrows(CompletionException.class, () -> e.compact().join());
            EngineException cause = (EngineException) Engine.cause(x);
            assertEquals(EngineException.Reason.MEMORY_EXHAUSTED, cause.reason());
            assertTrue(cause.getMessage().startsWith("compaction of shard ") && cause.getMessage().contains(
                    "vec records (") && cause.getMessage().contains("would need 1 MiB of it"), cause.getMessage());
            assertEquals(dead, e.stats().shards().stream().mapToLong(s -> s.deadByModality().getOrDefault("vec", 0L))
                    .sum(), "a refused compaction changes nothing");
            assertEquals(3000L, e.stats().liveByModality().get("vec"));
            for (int q = 0; q < 5; q++) {
                byte[] probe = VectorTestModality.vector(rnd);
                assertSameRanking(reference(live, probe, 20), e.identify(identifyReq(probe, 20), SearchControl.NONE)
                        .join().candidates(), "dead slots left in place");
            }
        }
    }

    @Test
    void shardIndexHooksFollowEnrolDeleteCompactionAndRestart() {
        Random rnd = new Random(21);
        Map<String, byte[]> live = new HashMap<>();
        try (Engine e = open(2)) {
            for (int i = 0; i < 5000; i++) {
                byte[] v = VectorTestModality.vector(rnd);
                e.enrol(enrolReq("h" + i, v)).join();
                live.put("h" + i, v);
            }
            for (int i = 0; i < 5000; i += 3) {
                e.delete("h" + i).join();
                live.remove("h" + i);
            }
            e.compact().join();
            e.enrol(new EnrolRequest("h1", "vec", "", Map.of(), List.of(VectorTestModality.payload(new byte[8])), true)).join();
            live.put("h1", new byte[8]);
            byte[] probe = VectorTestModality.vector(rnd);
            IdentifyResult r = e.identify(indexReq(probe, 15), SearchControl.NONE).join();
            assertEquals(0, r.slotsScanned());
            assertSameRanking(reference(live, probe, 15), r.candidates(), "index after compaction");
        }
        try (Engine e = open(3)) {
            for (int q = 0; q < 10; q++) {
                byte[] probe = VectorTestModality.vector(rnd);
                var req = indexReq(probe, 15);
                IdentifyResult r = e.identify(req, SearchControl.NONE).join();
                assertEquals(0, r.slotsScanned(), "answered by the index, not the scan");
                assertSameRanking(reference(live, probe, 15), r.candidates(), "index after restart");
            }
        }
    }

    @Test
    void deferredIndexWorkRunsAfterTheRestoreAndItsFailureKeepsTheShardServing() throws Exception {
        Random rnd = new Random(23);
        Map<String, byte[]> live = new HashMap<>();
        try (Engine e = open(2)) {
            for (int i = 0; i < 3000; i++) {
                byte[] v = VectorTestModality.vector(rnd);
                e.enrol(enrolReq("m" + i, v)).join();
                live.put("m" + i, v);
            }
        }
        VectorTestModality m = new VectorTestModality();
        m.failMaintenance = true;
        // a configured slice: the budget every maintain call gets
        try (Engine e = Engine.open(EngineConfig.defaults(dir).withShards(2).withCapacity(20_000, 128)
                .withIndexSliceMicros(2_500), List.of(m))) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (m.firstMaintainSaw.size() < 2) {
                assertTrue(System.nanoTime() < deadline, "the idle workers never ran the deferred work");
                Thread.sleep(10);
            }
            // not before every stored record was back: an index must never act on part of them
            assertEquals(3000, m.firstMaintainSaw.stream().mapToInt(Integer::intValue).sum());
            assertEquals(java.util.Set.of(2_500_000L), m.maintainBudgets, "the configured slice, in ns");
            long calls = m.maintainCalls.get();
            for (int q = 0; q < 5; q++) {
                byte[] probe = VectorTestModality.vector(rnd);
                IdentifyResult r = e.identify(indexReq(probe, 10), SearchControl.NONE).join();
                assertSameRanking(reference(live, probe, 10), r.candidates(), "after the deferred work threw");
            }
            e.enrol(enrolReq("m-new", new byte[8])).join();
            Thread.sleep(300); // idle polls: a failed index is not asked again
            assertEquals(calls, m.maintainCalls.get(), "deferred work that threw is not retried");
        }
    }

    @Test
    void aRequestEndsTheSliceOfDeferredWorkAnIdleShardIsRunning() throws Exception {
        Random rnd = new Random(29);
        Map<String, byte[]> live = new HashMap<>();
        VectorTestModality m = new VectorTestModality();
        m.endlessMaintenance = true;
        // slices of a second, back to back on idle shards: without the cut, each request would wait for one
        try (Engine e = Engine.open(EngineConfig.defaults(dir).withShards(2).withCapacity(20_000, 128)
                .withIndexSliceMicros(1_000_000), List.of(m))) {
            for (int i = 0; i < 40; i++) { // both shards get a segment, and with it deferred work
                byte[] v = VectorTestModality.vector(rnd);
                e.enrol(enrolReq("c" + i, v)).join();
                live.put("c" + i, v);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (m.maintainCalls.get() < 2) {
                assertTrue(System.nanoTime() < deadline, "the idle workers never ran the deferred work");
                Thread.sleep(10);
            }
            long cut = m.slicesCutByRequest.get();
            for (int i = 40; i < 50; i++) {
                byte[] v = VectorTestModality.vector(rnd);
                e.enrol(enrolReq("c" + i, v)).join();
                live.put("c" + i, v);
            }
            assertTrue(m.slicesCutByRequest.get() > cut, "enrolments cut the slices they arrived during");
            cut = m.slicesCutByRequest.get();
            for (int q = 0; q < 3; q++) {
                byte[] probe = VectorTestModality.vector(rnd);
                IdentifyResult r = e.identify(indexReq(probe, 5), SearchControl.NONE).join();
                assertSameRanking(reference(live, probe, 5), r.candidates(), "searched between slices");
            }
            assertTrue(m.slicesCutByRequest.get() > cut, "each search reaches both shards within a slice it cuts");
        }
        // (the records enrolled above come back: both shards have a segment, so deferred work)
        // a client that never pauses: the idle moments' slices are cut at once, but a busy shard still runs a whole
        // slice every five slices' time (20 ms slices here: about ten a second per shard)
        VectorTestModality busy = new VectorTestModality();
        busy.endlessMaintenance = true;
        try (Engine e = Engine.open(EngineConfig.defaults(dir).withShards(2).withCapacity(20_000, 128)
                .withIndexSliceMicros(20_000), List.of(busy))) {
            long whole0 = busy.wholeSlices.get();
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
            int searches = 0;
            while (System.nanoTime() < until) {
                byte[] probe = VectorTestModality.vector(rnd);
                e.identify(indexReq(probe, 5), SearchControl.NONE).join();
                searches++;
            }
            long whole = busy.wholeSlices.get() - whole0;
            assertTrue(whole >= 8, "whole slices on busy shards: " + whole + " in 1.5 s, " + searches + " searches");
        }
    }

    @Test
    void multiSlotRecordsSurviveDeleteCompactionAndRestart() {
        Random rnd = new Random(31);
        Map<String, byte[]> live = new HashMap<>();
        try (Engine e = open(2)) {
            for (int i = 0; i < 4000; i++) {
                byte[] t = new byte[VectorTestModality.DIM * (1 + rnd.nextInt(4))]; // 1..4 slots per record
                rnd.nextBytes(t);
                e.enrol(enrolReq("m" + i, t)).join();
                live.put("m" + i, t);
            }
            for (int i = 0; i < 4000; i += 2) {
                e.delete("m" + i).join();
                live.remove("m" + i);
            }
            e.compact().join();
            assertEquals(0L, e.stats().shards().stream().mapToLong(s -> s.deadByModality().get("vec")).sum());
            for (int q = 0; q < 10; q++) {
                byte[] probe = VectorTestModality.vector(rnd);
                assertSameRanking(reference(live, probe, 20), e.identify(identifyReq(probe, 20), SearchControl.NONE)
                        .join().candidates(), "multi-slot after compaction");
            }
        }
        try (Engine e = open(1)) {
            assertEquals((long) live.size(), e.stats().liveByModality().get("vec"));
            for (int q = 0; q < 10; q++) {
                byte[] probe = VectorTestModality.vector(rnd);
                assertSameRanking(reference(live, probe, 20), e.identify(identifyReq(probe, 20), SearchControl.NONE)
                        .join().candidates(), "multi-slot after restart");
                var ix = e.identify(indexReq(probe, 20), SearchControl.NONE).join();
                assertSameRanking(reference(live, probe, 20), ix.candidates(), "multi-slot through the index");
            }
        }
    }

    @Test
    void rescorerReplacesFirstStageScores() {
        Random rnd = new Random(5);
        Map<String, byte[]> g = new HashMap<>();
        try (Engine e = open(2, new VectorTestModality(true))) {
            for (int i = 0; i < 100; i++) {
                byte[] v = VectorTestModality.vector(rnd);
                g.put("s" + i, v);
                e.enrol(enrolReq("s" + i, v)).join();
            }
            byte[] probe = g.get("s3");
            VectorTestModality modality = (VectorTestModality) e.modality(VectorTestModality.NAME);
            IdentifyResult r = e.identify(identifyReq(probe, 4), SearchControl.NONE).join();
            assertEquals(8, r.rescored(), "short list = 2 k");
            assertEquals(100, modality.lastGalleryRecords, "the modality is told the gallery's live records");
            e.delete("s90").join();
            e.delete("s91").join();
            e.identify(identifyReq(probe, 4), SearchControl.NONE).join();
            assertEquals(98, modality.lastGalleryRecords, "after deletes");
            g.remove("s90");
            g.remove("s91");
            List<Candidate> ref = reference(g, probe, 4);
            for (int i = 0; i < 4; i++) {
                assertEquals(ref.get(i).id(), r.candidates().get(i).id());
                assertEquals(1000 + ref.get(i).score(), r.candidates().get(i).score());
            }
            VerifyResult v = e.verify("s3", "", List.of(VectorTestModality.payload(probe)), Map.of(), SearchControl.NONE).join();
            assertEquals(1000f, v.score());
            assertTrue(v.match());
            // early stop (Rescorer.enough): the exact copy is first in first-stage order and re-scores to 1000
            IdentifyResult stopped = e.identify(new IdentifyRequest(VectorTestModality.NAME,
                    List.of(VectorTestModality.payload(probe)), Map.of("stop_at", "1000"), 4, Float.NEGATIVE_INFINITY,
                    SearchFilter.NONE, Long.MAX_VALUE), SearchControl.NONE).join();
            assertEquals(1, stopped.rescored());
            assertEquals(List.of("s3"), stopped.candidates().stream().map(Candidate::id).toList());
            assertEquals(1000f, stopped.candidates().get(0).score());
            // a stop score no candidate reaches re-scores the whole short list
            byte[] other = VectorTestModality.vector(rnd);
            IdentifyResult full = e.identify(new IdentifyRequest(VectorTestModality.NAME,
                    List.of(VectorTestModality.payload(other)), Map.of("stop_at", "1000"), 4, Float.NEGATIVE_INFINITY,
                    SearchFilter.NONE, Long.MAX_VALUE), SearchControl.NONE).join();
            assertEquals(8, full.rescored());
            assertEquals(4, full.candidates().size());
        }
    }

    /**
     * A short list longer than one chunk and no early stop: re-scored on several work threads, with the same
     * candidates and scores as the reference; with a stop option, in order on one thread (tested above).
     */
    @Test
    void longShortListsAreRescoredInParallelWithTheSameResult() {
        Random rnd = new Random(8);
        Map<String, byte[]> g = new HashMap<>();
        try (Engine e = Engine.open(EngineConfig.defaults(dir).withShards(2).withCapacity(20_000, 128)
                .withWorkThreads(4), List.of(new VectorTestModality(true)))) {
            for (int i = 0; i < 700; i++) {
                byte[] v = VectorTestModality.vector(rnd);
                g.put("p" + i, v);
                e.enrol(enrolReq("p" + i, v)).join();
            }
            for (int rep = 0; rep < 20; rep++) {
                byte[] probe = rep % 2 == 0 ? g.get("p" + rep) : VectorTestModality.vector(rnd);
                IdentifyResult r = e.identify(identifyReq(probe, 150), SearchControl.NONE).join();
                assertEquals(300, r.rescored(), "short list = 2 k, all re-scored");
                List<Candidate> ref = reference(g, probe, 150);
                assertEquals(150, r.candidates().size());
                for (int i = 0; i < 150; i++) {
                    assertEquals(ref.get(i).id(), r.candidates().get(i).id(), "rep " + rep + " rank " + i);
                    assertEquals(1000 + ref.get(i).score(), r.candidates().get(i).score());
                }
            }
            // a re-scoring failure in any chunk (here from the 100th on) reaches the caller; nothing hangs
            byte[] probe = g.get("p1");
            long before = VectorTestModality.RESCORED.get();
            CompletionException failed = assertThrows(CompletionException.class, () -> e.identify(new IdentifyRequest(
                    VectorTestModality.NAME, List.of(VectorTestModality.payload(probe)),
                    Map.of("fail_rescore_after", Long.toString(before + 100)), 150, Float.NEGATIVE_INFINITY,
                    SearchFilter.NONE, Long.MAX_VALUE), SearchControl.NONE).join());
            assertTrue(failed.getCause() instanceof EngineException, failed.toString());
            assertEquals(EngineException.Reason.INVALID_INPUT, ((EngineException) failed.getCause()).reason());
            // and the engine still answers
            assertEquals(300, e.identify(identifyReq(probe, 150), SearchControl.NONE).join().rescored());
        }
    }

    @Test
    void aStopRuleGivesTheInOrderResultWhenLongShortListsAreRescoredInParallel() throws Exception {
        Random rnd = new Random(21);
        List<byte[]> gallery = new ArrayList<>();
        for (int i = 0; i < 700; i++) {
            gallery.add(VectorTestModality.vector(rnd));
        }
        int stoppedPastFirstChunk = 0, stoppedInFirstChunk = 0;
        try (Engine parallel = Engine.open(EngineConfig.defaults(dir.resolve("parallel")).withShards(2)
                .withCapacity(20_000, 128).withWorkThreads(4), List.of(new VectorTestModality(true)));
             Engine inOrder = Engine.open(EngineConfig.defaults(dir.resolve("in-order")).withShards(2)
                     .withCapacity(20_000, 128).withWorkThreads(1), List.of(new VectorTestModality(true)))) {
            for (int i = 0; i < gallery.size(); i++) {
                parallel.enrol(enrolReq("p" + i, gallery.get(i))).join();
                inOrder.enrol(enrolReq("p" + i, gallery.get(i))).join();
            }
            for (int rep = 0; rep < 12; rep++) {
                byte[] probe = VectorTestModality.vector(rnd);
                // the whole short list of 300 re-scored by a hash: its scores, best first, give stop scores met
                // at various depths of the first-stage order
                IdentifyResult all = parallel.identify(new IdentifyRequest(VectorTestModality.NAME,
                        List.of(VectorTestModality.payload(probe)), Map.of("rescore", "hash"), 150,
                        Float.NEGATIVE_INFINITY, SearchFilter.NONE, Long.MAX_VALUE), SearchControl.NONE).join();
                assertEquals(300, all.rescored());
                for (int nth : new int[] {0, 2, 8, 30}) {
                    String stopAt = Float.toString(all.candidates().get(nth).score());
                    IdentifyRequest req = new IdentifyRequest(VectorTestModality.NAME,
                            List.of(VectorTestModality.payload(probe)), Map.of("rescore", "hash", "stop_at", stopAt), 150,
                            Float.NEGATIVE_INFINITY, SearchFilter.NONE, Long.MAX_VALUE);
                    IdentifyResult expected = inOrder.identify(req, SearchControl.NONE).join();
                    IdentifyResult actual = parallel.identify(req, SearchControl.NONE).join();
                    String what = "rep " + rep + " stop at the " + nth + "th best";
                    assertEquals(expected.rescored(), actual.rescored(), what);
                    assertEquals(expected.candidates(), actual.candidates(), what);
                    assertTrue(expected.rescored() < 300, what + ": the rule stopped");
                    stoppedPastFirstChunk += expected.rescored() > Engine.RESCORE_CHUNK ? 1 : 0;
                    stoppedInFirstChunk += expected.rescored() <= Engine.RESCORE_CHUNK ? 1 : 0;
                }
            }
        }
        assertTrue(stoppedPastFirstChunk >= 5 && stoppedInFirstChunk >= 5,
                stoppedPastFirstChunk + " searches stopped past the first chunk, " + stoppedInFirstChunk + " in it");
    }

    @Test
    void aRefiningKernelPassesOnItsScansBestByTheRefinedScore() {
        Random rnd = new Random(31);
        Map<String, byte[]> gallery = new TreeMap<>(); // id order = the engine's tie-break order
        try (Engine e = open(1)) {
            for (int i = 0; i < 400; i++) {
                String id = String.format(Locale.ROOT, "r%04d", i);
                gallery.put(id, VectorTestModality.vector(rnd));
                e.enrol(enrolReq(id, gallery.get(id))).join();
            }
            for (int rep = 0; rep < 6; rep++) {
                byte[] probe = VectorTestModality.vector(rnd);
                // reference: the scan's best 60 (score, then id), then the best 10 of those by the refined score
                List<String> ids = new ArrayList<>(gallery.keySet());
                ids.sort(Comparator.comparing((String id) -> -VectorTestModality.score(probe, gallery.get(id)))
                        .thenComparing(Comparator.naturalOrder()));
                List<String> depth = new ArrayList<>(ids.subList(0, 60));
                depth.sort(Comparator.comparing((String id) -> -VectorTestModality.refineScore(gallery.get(id)))
                        .thenComparing(Comparator.naturalOrder()));
                List<Candidate> expected = new ArrayList<>();
                for (String id : depth.subList(0, 10)) {
                    expected.add(new Candidate(id, VectorTestModality.refineScore(gallery.get(id)), ""));
                }
                IdentifyResult refined = e.identify(new IdentifyRequest(VectorTestModality.NAME,
                        List.of(VectorTestModality.payload(probe)), Map.of("refine_depth", "60"), 10,
                        Float.NEGATIVE_INFINITY, SearchFilter.NONE, Long.MAX_VALUE), SearchControl.NONE).join();
                assertEquals(expected, refined.candidates(), "rep " + rep);
                // a depth equal to the short list re-orders the scan's best; a smaller one refines nothing
                List<Candidate> reordered = new ArrayList<>();
                List<String> ten = new ArrayList<>(ids.subList(0, 10));
                ten.sort(Comparator.comparing((String id) -> -VectorTestModality.refineScore(gallery.get(id)))
                        .thenComparing(Comparator.naturalOrder()));
                for (String id : ten) {
                    reordered.add(new Candidate(id, VectorTestModality.refineScore(gallery.get(id)), ""));
                }
                IdentifyResult equal = e.identify(new IdentifyRequest(VectorTestModality.NAME,
                        List.of(VectorTestModality.payload(probe)), Map.of("refine_depth", "10"), 10,
                        Float.NEGATIVE_INFINITY, SearchFilter.NONE, Long.MAX_VALUE), SearchControl.NONE).join();
                assertEquals(reordered, equal.candidates(), "rep " + rep + ", depth 10");
                IdentifyResult shallow = e.identify(new IdentifyRequest(VectorTestModality.NAME,
                        List.of(VectorTestModality.payload(probe)), Map.of("refine_depth", "9"), 10,
                        Float.NEGATIVE_INFINITY, SearchFilter.NONE, Long.MAX_VALUE), SearchControl.NONE).join();
                assertEquals(e.identify(identifyReq(probe, 10), SearchControl.NONE).join().candidates(),
                        shallow.candidates());
            }
        }
    }

    @Test
    void deadlineStopsTheScanInTheShards() {
        Random rnd = new Random(9);
        try (Engine e = open(2)) {
            for (int i = 0; i < 3000; i++) {
                e.enrol(enrolReq("d" + i, VectorTestModality.vector(rnd))).join();
            }
            long before = VectorTestModality.SLOW_SCORED.get();
            // "slow" sleeps 1 ms per slot: a full scan would take ~1.5 s per shard and score 3000 slots.
            var req = new IdentifyRequest("vec", List.of(new Payload("slow", new byte[8])), Map.of(), 5,
                    Float.NEGATIVE_INFINITY, SearchFilter.NONE, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100));
            assertEquals(EngineException.Reason.DEADLINE_EXCEEDED,
                    failure(e.identify(req, new SearchControl(req.deadlineNanos()))));
            // queued behind the slow scans on both shards: when it returns, they have stopped
            assertEquals(5, e.identify(identifyReq(new byte[8], 5), SearchControl.NONE).join().candidates().size());
            long scored = VectorTestModality.SLOW_SCORED.get() - before;
            assertTrue(scored < 1000, "the shards stopped at the deadline, after " + scored + " of 3000 slots");
        }
    }

    @Test
    void fullQueuesRefuseWorkAsOverloadedAndRecover() {
        Random rnd = new Random(13);
        try (Engine e = Engine.open(EngineConfig.defaults(dir).withShards(1).withCapacity(1000, 128).withQueues(1, 1),
                List.of(new VectorTestModality()))) {
            for (int i = 0; i < 100; i++) {
                e.enrol(enrolReq("o" + i, VectorTestModality.vector(rnd))).join();
            }
            List<CompletableFuture<IdentifyResult>> flood = new ArrayList<>();
            for (int i = 0; i < 40; i++) { // each takes ~100 ms on the single shard
                flood.add(e.identify(new IdentifyRequest("vec", List.of(new Payload("slow", new byte[8])), Map.of(), 1,
                        Float.NEGATIVE_INFINITY, SearchFilter.NONE, Long.MAX_VALUE), SearchControl.NONE));
            }
            int overloaded = 0;
            int answered = 0;
            for (var f : flood) {
                try {
                    f.join();
                    answered++;
                } catch (RuntimeException ex) {
                    assertEquals(EngineException.Reason.OVERLOADED, ((EngineException) Engine.cause(ex)).reason());
                    overloaded++;
                }
            }
            assertTrue(overloaded > 0, "some were refused");
            assertTrue(answered > 0, "some were served");
            assertEquals(1, e.identify(identifyReq(new byte[8], 1), SearchControl.NONE).join().candidates().size());
        }
    }

    @Test
    void concurrentEnrolDeleteIdentifyMatchSingleThreadedReference() throws Exception {
        long seed = 12345;
        Random rnd = new Random(seed);
        int writers = 3;
        int perWriter = 1500;
        byte[][][] vectors = new byte[writers][perWriter][];
        for (int w = 0; w < writers; w++) {
            for (int i = 0; i < perWriter; i++) {
                vectors[w][i] = VectorTestModality.vector(rnd);
            }
        }
        Map<String, byte[]> expected = new ConcurrentHashMap<>();
        List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        try (Engine e = open(4)) {
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        for (int i = 0; i < perWriter; i++) {
                            String id = "w" + writer + "-" + i;
                            e.enrol(enrolReq(id, vectors[writer][i])).join();
                            if (i % 3 == 0) { // delete every third one, and re-enrol every ninth with a new vector
                                e.delete(id).join();
                                if (i % 9 == 0) {
                                    byte[] nv = vectors[(writer + 1) % writers][i];
                                    e.enrol(enrolReq(id, nv)).join();
                                    expected.put(id, nv);
                                }
                            } else {
                                expected.put(id, vectors[writer][i]);
                            }
                        }
                    } catch (Throwable t) {
                        errors.add(t);
                    }
                }));
            }
            threads.add(Thread.ofPlatform().start(() -> { // readers during the writes
                Random r = new Random(seed + 1);
                try {
                    for (int q = 0; q < 200; q++) {
                        IdentifyResult res = e.identify(identifyReq(VectorTestModality.vector(r), 10), SearchControl.NONE).join();
                        for (int i = 1; i < res.candidates().size(); i++) {
                            assertTrue(Engine.rank(res.candidates().get(i - 1), res.candidates().get(i)) < 0, "sorted");
                        }
                    }
                } catch (Throwable t) {
                    errors.add(t);
                }
            }));
            for (Thread t : threads) {
                t.join();
            }
            assertTrue(errors.isEmpty(), () -> "errors: " + errors);
            assertEquals(expected.size(), e.stats().storedRecords());
            assertEquals((long) expected.size(), e.stats().liveByModality().get("vec"));
            Random r = new Random(seed + 2);
            for (int q = 0; q < 30; q++) {
                byte[] probe = VectorTestModality.vector(r);
                assertSameRanking(reference(expected, probe, 25),
                        e.identify(identifyReq(probe, 25), SearchControl.NONE).join().candidates(), "probe " + q);
            }
        }
    }

    @Test
    void recordsOfAbsentModalityAreKeptAndCounted() {
        try (Engine e = open(1)) {
            e.enrol(enrolReq("keep", new byte[8])).join();
        }
        try (Engine e = Engine.open(EngineConfig.defaults(dir).withShards(1).withCapacity(20_000, 128), List.of())) {
            assertEquals(1, e.stats().skippedAtStart());
            assertEquals(1, e.stats().storedRecords());
        }
        try (Engine e = open(1)) {
            assertEquals(0, e.stats().skippedAtStart());
            assertFalse(e.identify(identifyReq(new byte[8], 1), SearchControl.NONE).join().candidates().isEmpty());
        }
    }
}
