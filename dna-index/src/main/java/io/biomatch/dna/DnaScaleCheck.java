package io.biomatch.dna;

import io.biomatch.core.SearchControl;
import io.biomatch.core.spi.Bits;
import io.biomatch.core.spi.TopK;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;

/**
 * Scale measurement, shaped like the engine: SHARDS shards (one thread each, profile i in shard i mod SHARDS), each
 * a {@link DnaShardIndex} (genotype postings + slot copy). For every probe it runs the index path and the
 * exhaustive packed scan on the same slots, on all shards in parallel, checks that both give the same top-k
 * (ordinals and scores) and prints p50/p90 of each. Usage:
 * <pre>
 *   java @engine/server/target/jvm.args -Xmx6g -cp ... io.biomatch.dna.DnaScaleCheck SHARED_DATA SIZE PROBES SHARDS
 * </pre>
 * Database: {@link DnaProfileGenerator} seed 1 (10 % first-degree relatives, 20 % partial), the NIST 1036
 * genotypes first. Probes: partial crime-scene stains (10 CODIS loci, two of them "a/-") of database people; for the
 * familial cases (scan only), a new full-profile child / full sibling / half sibling of a database person.
 */
public final class DnaScaleCheck {
    private static final int K = 20;

    private DnaScaleCheck() {
    }

    public static void main(String[] args) throws Exception {
        Path data = Path.of(args.length > 0 ? args[0] : "../shared/data");
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
        int probes = args.length > 2 ? Integer.parseInt(args[2]) : 30;
        int shards = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        AlleleFrequencies f = AlleleFrequencies.read(data.resolve(AlleleFrequencies.DEFAULT_SHARED_FILE), "Cauc");
        List<StrProfile> nist = NistGenotypes.read(data.resolve(NistGenotypes.SHARED_FILE), NistGenotypes.codisMask())
                .stream().map(NistGenotypes.Person::profile).toList();
        DnaProfileGenerator gen = new DnaProfileGenerator(f, NistGenotypes.codisMask(), 1, 0.1, 0.2)
                .withSeedPeople(nist);
        DnaModality m = new DnaModality(f);
        ExecutorService pool = Executors.newFixedThreadPool(shards);
        DnaShardIndex[] ix = new DnaShardIndex[shards];
        long t0 = System.nanoTime();
        List<Future<?>> fs = new ArrayList<>();
        for (int s = 0; s < shards; s++) {
            int shard = s;
            fs.add(pool.submit(() -> {
                DnaShardIndex x = new DnaShardIndex();
                try (Arena a = Arena.ofConfined()) {
                    MemorySegment slot = a.allocate(DnaSlotLayout.SLOT_BYTES, 64);
                    int ord = 0;
                    for (long i = shard; i < size; i += shards) {
                        slot.fill((byte) 0);
                        DnaSlotLayout.write(gen.profile(i), slot);
                        x.add(ord++, slot);
                    }
                }
                ix[shard] = x;
                return null;
            }));
        }
        for (Future<?> x : fs) {
            x.get();
        }
        double buildS = (System.nanoTime() - t0) / 1e9;
        System.gc();
        Runtime rt = Runtime.getRuntime();
        long heap = rt.totalMemory() - rt.freeMemory();
        long off = 0;
        long post = 0;
        for (DnaShardIndex x : ix) {
            off += x.offHeapBytes();
            post += x.heapBytes();
        }
        System.out.printf(Locale.ROOT, "built %,d profiles in %d shards in %.1f s; off-heap slot copies %.0f MiB,"
                        + " postings+bitsets %.0f MiB, heap in use %.0f MiB%n", size, shards, buildS, off / 1048576.0,
                post / 1048576.0, heap / 1048576.0);
        long[][] allowed = new long[shards][];
        for (int s = 0; s < shards; s++) {
            allowed[s] = new long[Bits.words(ix[s].count())];
            for (int i = 0; i < ix[s].count(); i++) {
                Bits.set(allowed[s], i);
            }
        }
        IntFunction<StrProfile> person = t -> t % 2 == 0 ? nist.get((t * 37) % nist.size())
                : gen.profile(nist.size() + (long) ((t * 2_654_435_761L) % Math.max(1, size - nist.size())));
        record Case(String name, IntFunction<DnaProbe> probe, boolean indexed) {
        }
        List<Case> cases = new ArrayList<>();
        for (boolean indexed : new boolean[]{true, false}) {
            cases.add(new Case("moderate stain", t -> m.prepare(DnaDemo.crimeScene(person.apply(t)),
                    Map.of("stringency", "moderate")), indexed));
        }
        for (boolean indexed : new boolean[]{true, false}) {
            cases.add(new Case("moderate stain, mismatches=1", t -> m.prepare(DnaDemo.crimeScene(person.apply(t)),
                    Map.of("stringency", "moderate", "mismatches", "1")), indexed));
            cases.add(new Case("high full profile", t -> m.prepare(person.apply(t), Map.of("stringency", "high")),
                    indexed));
            cases.add(new Case("low stain", t -> m.prepare(DnaDemo.crimeScene(person.apply(t)),
                    Map.of("stringency", "low")), indexed));
        }
        cases.add(new Case("mixture-lr 2-person", t -> m.prepare(DnaDemo.mixture(nist.get((t * 37) % nist.size()),
                nist.get((t * 37 + 11) % nist.size()), 0), Map.of("mode", "mixture-lr", "dropout", "0.05", "dropin",
                "0.05", "theta", "0.01")), false));
        for (Familial.Relation rel : Familial.Relation.values()) {
            cases.add(new Case("familial " + rel.label, t -> m.prepare(gen.relative((t * 7919L + 13) % size, rel, t),
                    Map.of("mode", "familial", "relation", rel.label)), false));
        }
        Map<String, List<long[]>> answers = new java.util.HashMap<>();
        for (int pass = 0; pass < 2; pass++) { // pass 0 warms the JIT up on every case
        for (Case c : cases) {
            int n = c.name.startsWith("mixture") || c.name.startsWith("low") || !c.indexed ? Math.max(5, probes / 3)
                    : probes;
            double[] ms = new double[n];
            int usedIndex = 0;
            for (int rep = -2; rep < n; rep++) {
                int t = Math.max(rep, 0);
                DnaProbe probe = c.probe.apply(t);
                long s0 = System.nanoTime();
                List<Future<long[]>> parts = new ArrayList<>();
                for (int s = 0; s < shards; s++) {
                    int shard = s;
                    parts.add(pool.submit(() -> {
                        TopK top = new TopK(Integer::compare);
                        top.reset(K, Float.NEGATIVE_INFINITY);
                        boolean done = c.indexed && ix[shard].search(probe, allowed[shard], top, SearchControl.NONE);
                        if (!done) {
                            ix[shard].scan(probe, allowed[shard], top);
                        }
                        float[] sc = new float[K];
                        int[] or = new int[K];
                        int k = top.drainBestFirst(sc, or);
                        long[] r = new long[k + 1];
                        r[0] = done ? 1 : 0;
                        for (int j = 0; j < k; j++) {
                            r[j + 1] = (long) Float.floatToIntBits(sc[j]) << 32 | or[j];
                        }
                        return r;
                    }));
                }
                long[][] got = new long[shards][];
                for (int s = 0; s < shards; s++) {
                    got[s] = parts.get(s).get();
                }
                double el = (System.nanoTime() - s0) / 1e6;
                if (rep < 0) {
                    continue;
                }
                ms[rep] = el;
                usedIndex += (int) got[0][0];
                for (int s = 0; s < shards; s++) {
                    String key = c.name + "/" + t + "/" + s;
                    long[] body = Arrays.copyOfRange(got[s], 1, got[s].length);
                    List<long[]> prev = answers.computeIfAbsent(key, x -> new ArrayList<>());
                    for (long[] p : prev) {
                        if (!Arrays.equals(p, body)) {
                            throw new AssertionError("index and scan differ: " + key);
                        }
                    }
                    prev.add(body);
                }
            }
            Arrays.sort(ms);
            if (pass == 1) System.out.printf(Locale.ROOT, "%-32s %-6s p50 %8.1f ms  p90 %8.1f ms  (%d probes, index used %d)%n",
                    c.name, c.indexed ? "index" : "scan", ms[n / 2], ms[n * 9 / 10], n, usedIndex);
        }
        }
        long compared = answers.values().stream().filter(l -> l.size() > 1).count();
        System.out.printf(Locale.ROOT, "index == scan on %d (probe, shard) top-%d lists%n", compared, K);
        pool.shutdown();
        for (DnaShardIndex x : ix) {
            x.close();
        }
    }
}
