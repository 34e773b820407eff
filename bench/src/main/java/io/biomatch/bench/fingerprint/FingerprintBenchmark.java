package io.biomatch.bench.fingerprint;

import com.machinezoo.sourceafis.FingerprintTemplate;
import io.biomatch.core.Payload;
import io.biomatch.core.Record;
import io.biomatch.core.SharedData;
import io.biomatch.core.internal.RecordStore;
import io.biomatch.core.spi.Bits;
import io.biomatch.core.spi.Rescorer;
import io.biomatch.core.spi.TopK;
import io.biomatch.fingerprint.FingerprintBackground;
import io.biomatch.fingerprint.FingerprintModality;
import io.biomatch.fingerprint.FingerprintProbe;
import io.biomatch.fingerprint.internal.FingerSlotLayout;
import io.biomatch.fingerprint.internal.StoredTemplateFormat;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Fingerprint 1:N stages, per comparison (ns/op), one thread:
 * <ul>
 *   <li>{@code firstStageScan}: the fast kernel's {@code scan} over {@code SLOTS} off-heap slots (seeded
 *   background + 10 gallery fingers) into a top-{@code shortlist} (with its exact pruning), per slot;</li>
 *   <li>{@code firstStageScoreUnpruned}: the kernel's single-slot {@code score} (no pruning), per slot;</li>
 *   <li>{@code pairing}: the pairing stage ({@code kernel().refine}) per candidate, over each probe's
 *   {@code PAIRING_DEPTH} best first-stage candidates (the candidates it meets in a search);</li>
 *   <li>{@code rescore}: the second stage per candidate as the engine runs it (the finger's SourceAFIS bytes
 *   located in the stored template, {@code new FingerprintTemplate(bytes)}, one SourceAFIS match);</li>
 *   <li>{@code sourceafisTemplate}: {@code new FingerprintTemplate(bytes)} alone (CBOR read, minutia sort,
 *   neighbour-edge table), the part of {@code rescore} that exhaustive matching on heap templates does not pay;</li>
 *   <li>{@code sourceafisMatch}: one SourceAFIS {@code match} on a heap template (the exhaustive 1:N
 *   reference's cost per comparison);</li>
 *   <li>{@code recordRead}: what the engine does before each re-scoring, {@code RecordStore.get} of a random id
 *   (Chronicle Map lookup, entry copy, record decode) in a persisted store of {@code RECORDS} fingerprint records
 *   (the 10 enrolled templates cycled; the map file is larger than the L3 cache). The scale eval times the
 *   re-scoring on templates already in memory, so this is the per-candidate cost it leaves out.</li>
 * </ul>
 * Data: ISO templates of {@code fvc-iso19794-2-secugen/fvc2002-db1b} (impression 1 enrolled, impression 3
 * as probes), background from the other sets ({@link FingerprintBackground}, seed 42). Setup checks that
 * each probe's mate ranks first in the first stage or the re-scored short list and scores >= 40 (sanity).
 * Run: {@code bench/run FingerprintBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class FingerprintBenchmark {
    static final int SLOTS = 20_000;
    static final int RECORDS = 200_000;
    static final int PAIRING_DEPTH = 1_000;

    @Param({"20"})
    int shortlist;

    FingerprintModality modality;
    Arena arena;
    MemorySegment slots;
    long[] live;
    int slotBytes;
    List<FingerprintProbe> probes = new ArrayList<>();
    List<byte[]> stored = new ArrayList<>();
    List<FingerprintTemplate> heapTemplates = new ArrayList<>();
    List<byte[]> sourceafisBytes = new ArrayList<>();
    Rescorer<FingerprintProbe> rescorer;
    TopK top = new TopK(Integer::compare);
    int next;
    Path storeDir;
    RecordStore store;
    String[] ids;
    int nextId;
    int[][] firstStageBest;

    @Setup
    public void setup() throws Exception {
        modality = new FingerprintModality();
        rescorer = modality.rescorer().orElseThrow();
        Path iso = SharedData.require("fingerprint/fvc-iso19794-2-secugen");
        Path set = iso.resolve("fvc2002-db1b");
        FingerprintBackground bg = new FingerprintBackground(
                FingerprintBackground.seeds(iso, Set.of("fvc2002-db1b", "fvc2002-db3b"), List.of()), 42);
        for (int f = 101; f <= 110; f++) {
            byte[] t = modality.extractTemplate(List.of(new Payload("iso-19794-2",
                    Files.readAllBytes(set.resolve(f + "_1.iso")))));
            stored.add(t);
            sourceafisBytes.add(StoredTemplateFormat.decode(t).get(0).sourceAfis());
            heapTemplates.add(new FingerprintTemplate(sourceafisBytes.getLast()));
            probes.add(modality.prepareProbe(List.of(new Payload("iso-19794-2",
                    Files.readAllBytes(set.resolve(f + "_3.iso")))), Map.of()));
        }
        slotBytes = modality.slotBytes();
        int n = SLOTS - stored.size();
        arena = Arena.ofShared();
        slots = arena.allocate((long) SLOTS * slotBytes, 64);
        for (int i = 0; i < n; i++) {
            FingerSlotLayout.writeFinger(slots, (long) i * slotBytes, 0, bg.generate(i), 1);
        }
        for (int g = 0; g < stored.size(); g++) {
            modality.writeSlot(stored.get(g), slots.asSlice((long) (n + g) * slotBytes, slotBytes));
        }
        live = new long[Bits.words(SLOTS)];
        for (int i = 0; i < SLOTS; i++) {
            Bits.set(live, i);
        }
        // sanity: mate in the short list, first after re-scoring, SourceAFIS score >= 40, for most probes
        int ok = 0;
        for (int p = 0; p < probes.size(); p++) {
            top.reset(shortlist, Float.NEGATIVE_INFINITY);
            modality.kernel().scan(probes.get(p), slots, slotBytes, live, 0, SLOTS, top);
            float[] sc = new float[shortlist];
            int[] ords = new int[shortlist];
            int k = top.drainBestFirst(sc, ords);
            int mate = n + p, best = -1;
            float bestScore = -1;
            for (int q = 0; q < k; q++) {
                if (ords[q] >= n) {
                    float s = rescorer.rescore(probes.get(p), stored.get(ords[q] - n));
                    if (s > bestScore) {
                        bestScore = s;
                        best = ords[q];
                    }
                }
            }
            ok += best == mate && bestScore >= 40 ? 1 : 0;
        }
        if (ok < 7) {
            throw new IllegalStateException("sanity check failed: only " + ok + " of 10 mates found");
        }
        System.out.println("sanity: " + ok + " of 10 probes find their mate first among " + SLOTS + " slots");
        firstStageBest = new int[probes.size()][PAIRING_DEPTH];
        for (int p = 0; p < probes.size(); p++) {
            top.reset(PAIRING_DEPTH, Float.NEGATIVE_INFINITY);
            modality.kernel().scan(probes.get(p), slots, slotBytes, live, 0, SLOTS, top);
            top.drainBestFirst(new float[PAIRING_DEPTH], firstStageBest[p]);
        }
        storeDir = Files.createTempDirectory("biomatch-fp-records");
        store = RecordStore.open(storeDir, RECORDS, stored.get(0).length + 64);
        ids = new String[RECORDS];
        for (int i = 0; i < RECORDS; i++) {
            ids[i] = String.format("fp-%07d", i);
            store.put(new Record(ids[i], modality.name(), "", new java.util.TreeMap<>(), stored.get(i % stored.size()), 0L));
        }
        // a fixed random visiting order (the short list's ids are scattered over the map)
        java.util.Collections.shuffle(java.util.Arrays.asList(ids), new java.util.Random(5));
        System.out.println("record store: " + RECORDS + " records of " + stored.get(0).length + "-byte templates, "
                + store.fileBytes() / 1_000_000 + " MB file");
    }

    @TearDown
    public void tearDown() throws Exception {
        arena.close();
        store.close();
        try (var files = Files.walk(storeDir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    FingerprintProbe nextProbe() {
        FingerprintProbe p = probes.get(next);
        next = (next + 1) % probes.size();
        return p;
    }

    @Benchmark
    @OperationsPerInvocation(SLOTS)
    public int firstStageScan() {
        top.reset(shortlist, Float.NEGATIVE_INFINITY);
        modality.kernel().scan(nextProbe(), slots, slotBytes, live, 0, SLOTS, top);
        return top.size();
    }

    @Benchmark
    @OperationsPerInvocation(SLOTS)
    public float firstStageScoreUnpruned() {
        FingerprintProbe p = nextProbe();
        float sum = 0;
        for (int i = 0; i < SLOTS; i++) {
            sum += modality.kernel().score(p, slots, (long) i * slotBytes);
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(PAIRING_DEPTH)
    public float pairing() {
        int p = next;
        FingerprintProbe probe = nextProbe();
        float sum = 0;
        for (int ord : firstStageBest[p]) {
            sum += modality.kernel().refine(probe, slots, (long) ord * slotBytes);
        }
        return sum;
    }

    /** One record fetch as the engine does it per short-listed candidate, before re-scoring. */
    @Benchmark
    public int recordRead() {
        String id = ids[nextId];
        nextId = nextId + 1 == ids.length ? 0 : nextId + 1;
        return store.get(id).template().length;
    }

    @Benchmark
    public float rescore() {
        FingerprintProbe p = nextProbe();
        return rescorer.rescore(p, stored.get((next * 3) % stored.size()));
    }

    @Benchmark
    public FingerprintTemplate sourceafisTemplate() {
        next = (next + 1) % sourceafisBytes.size();
        return new FingerprintTemplate(sourceafisBytes.get(next));
    }

    @Benchmark
    public double sourceafisMatch() {
        FingerprintProbe p = nextProbe();
        return p.fingers()[0].matcher.match(heapTemplates.get((next * 3) % heapTemplates.size()));
    }
}
