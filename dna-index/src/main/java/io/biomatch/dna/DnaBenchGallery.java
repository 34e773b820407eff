package io.biomatch.dna;

import io.biomatch.core.SearchControl;
import io.biomatch.core.spi.Bits;
import io.biomatch.core.spi.TopK;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One shard's worth of generated profiles for benchmarks (JMH in {@code bench/}): the same database as
 * {@link DnaScaleCheck} (seed 1, NIST 1036 first), searched three ways on one thread — the genotype-postings index
 * ({@link DnaShardIndex}), the packed kernel scan, and a plain scalar brute force over {@link StrProfile} objects
 * ({@link DnaReference}). Not thread-safe; close it.
 */
public final class DnaBenchGallery implements AutoCloseable {
    private final DnaShardIndex index = new DnaShardIndex();
    private final List<StrProfile> profiles;
    private final long[] allowed;
    private final List<StrProfile> nist;
    private final DnaModality modality;
    private final DnaProfileGenerator gen;
    private final TopK top = new TopK(Integer::compare);

    public DnaBenchGallery(Path sharedData, int size) {
        AlleleFrequencies f = AlleleFrequencies.read(sharedData.resolve(AlleleFrequencies.DEFAULT_SHARED_FILE),
                "Cauc");
        nist = NistGenotypes.read(sharedData.resolve(NistGenotypes.SHARED_FILE), NistGenotypes.codisMask())
                .stream().map(NistGenotypes.Person::profile).toList();
        gen = new DnaProfileGenerator(f, NistGenotypes.codisMask(), 1, 0.1, 0.2).withSeedPeople(nist);
        modality = new DnaModality(f);
        profiles = new ArrayList<>(size);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment slot = a.allocate(DnaSlotLayout.SLOT_BYTES, 64);
            for (int i = 0; i < size; i++) {
                StrProfile p = gen.profile(i);
                profiles.add(p);
                slot.fill((byte) 0);
                DnaSlotLayout.write(p, slot);
                index.add(i, slot);
            }
        }
        allowed = new long[Bits.words(size)];
        for (int i = 0; i < size; i++) {
            Bits.set(allowed, i);
        }
    }

    /** Probe t: a partial crime-scene stain of a database person, with these search options. */
    public DnaProbe stain(int t, Map<String, String> options) {
        StrProfile p = t % 2 == 0 ? nist.get((t * 37) % nist.size())
                : profiles.get(nist.size() + (int) ((t * 2_654_435_761L) % Math.max(1, profiles.size() - nist.size())));
        return modality.prepare(DnaDemo.crimeScene(p), options);
    }

    /** Probe t: a two-person mixture of NIST people, mixture-lr with drop-out/drop-in 0.05, theta 0.01. */
    public DnaProbe mixture(int t) {
        return modality.prepare(DnaDemo.mixture(nist.get((t * 37) % nist.size()), nist.get((t * 37 + 11)
                % nist.size()), 0), Map.of("mode", "mixture-lr", "dropout", "0.05", "dropin", "0.05", "theta", "0.01"));
    }

    /** Index path (falls back to the packed scan when the index declines); returns a digest of the top-k. */
    public long searchIndex(DnaProbe p, int k) {
        top.reset(k, Float.NEGATIVE_INFINITY);
        if (!index.search(p, allowed, top, SearchControl.NONE)) {
            index.scan(p, allowed, top);
        }
        return digest(k);
    }

    /** Packed kernel scan over every slot. */
    public long searchPacked(DnaProbe p, int k) {
        top.reset(k, Float.NEGATIVE_INFINITY);
        index.scan(p, allowed, top);
        return digest(k);
    }

    /** Scalar brute force over profile objects (the reference). */
    public long searchScalar(DnaProbe p, int k) {
        top.reset(k, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < profiles.size(); i++) {
            top.offer(DnaReference.score(p, profiles.get(i)), i);
        }
        return digest(k);
    }

    private long digest(int k) {
        float[] s = new float[k];
        int[] o = new int[k];
        int n = top.drainBestFirst(s, o);
        long h = n;
        for (int i = 0; i < n; i++) {
            h = h * 31 + o[i] * 17L + Float.floatToIntBits(s[i]);
        }
        return h;
    }

    @Override
    public void close() {
        index.close();
    }
}
