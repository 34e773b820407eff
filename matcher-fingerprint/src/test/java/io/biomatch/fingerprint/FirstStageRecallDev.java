package io.biomatch.fingerprint;

import io.biomatch.core.spi.Bits;
import io.biomatch.core.spi.TopK;
import io.biomatch.fingerprint.internal.FingerSlotLayout;
import io.biomatch.fingerprint.internal.FirstStage;
import io.biomatch.fingerprint.internal.Minutiae;
import io.biomatch.fingerprint.internal.StoredTemplateFormat;
import com.machinezoo.sourceafis.FingerprintTemplate;
import io.biomatch.core.Payload;
import io.biomatch.fingerprint.internal.FingerInputs;
import java.io.*;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.*;
import java.util.*;
import java.util.concurrent.*;

/**
 * Development tool (not a test): first-stage recall only (no SourceAFIS), inside a seeded background.
 * {@code java -cp ... FirstStageRecallDev BACKGROUND SET_DIR...}; caches extracted templates in
 * {@code /tmp/fp-recall-cache.bin}. Prints mate-rank percentiles, mate-in-top-S and ns per slot.
 */
public final class FirstStageRecallDev {
    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        List<Path> dirs = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            dirs.add(Path.of(args[i]));
        }
        FingerprintModality modality = new FingerprintModality(FingerprintModality.Config.defaults().withMaxFingers(1));
        Map<String, List<FingerprintEval.Item>> sets = load(modality, dirs);
        List<FingerprintEval.Item> gallery = new ArrayList<>(), probes = new ArrayList<>();
        List<Minutiae> mirrored = new ArrayList<>();
        for (List<FingerprintEval.Item> items : sets.values()) {
            for (FingerprintEval.Item it : items) {
                (it.impression() == 1 ? gallery : probes).add(it);
                mirrored.add(StoredTemplateFormat.decode(it.stored()).get(0).minutiae());
            }
        }
        gallery.sort(Comparator.comparing(FingerprintEval.Item::key));
        Map<String, Integer> mateOf = new HashMap<>();
        for (int g = 0; g < gallery.size(); g++) {
            mateOf.put(gallery.get(g).key(), n + g);
        }
        Path iso = dirs.get(0).toAbsolutePath().getParent().resolve("fvc-iso19794-2-secugen");
        FingerprintBackground bg = new FingerprintBackground(
                FingerprintBackground.seeds(iso, new HashSet<>(sets.keySet()), mirrored), 42);
        int total = n + gallery.size();
        int sb = modality.slotBytes();
        int threads = Integer.getInteger("threads", 2);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment slots = arena.allocate((long) total * sb, 64);
            List<Future<?>> fs = new ArrayList<>();
            for (int from = 0; from < n; from += 4096) {
                int a = from, z = Math.min(n, from + 4096);
                fs.add(pool.submit(() -> {
                    for (int i = a; i < z; i++) {
                        FingerSlotLayout.writeFinger(slots, (long) i * sb, 0, bg.generate(i), 1);
                    }
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
            for (int g = 0; g < gallery.size(); g++) {
                modality.writeSlot(gallery.get(g).stored(), slots.asSlice((long) (n + g) * sb, sb));
            }
            long[] live = new long[Bits.words(total)];
            for (int i = 0; i < total; i++) {
                Bits.set(live, i);
            }
            int P = probes.size();
            int[] rank = new int[P];
            long[] nanos = new long[P];
            long[] fullNanos = new long[P];
            double[] afisMate = new double[P];
            List<Future<?>> pf = new ArrayList<>();
            for (int p = 0; p < P; p++) {
                int pi = p;
                pf.add(pool.submit(() -> {
                    FingerprintProbe probe = probes.get(pi).probe();
                    int mate = mateOf.get(probes.get(pi).key());
                    FirstStage.Scratch sc = new FirstStage.Scratch();
                    float[] full = new float[total];
                    long f0 = System.nanoTime();
                    for (int i = 0; i < total; i++) {
                        full[i] = FirstStage.score(probe.fingers(), slots, (long) i * sb, sc);
                    }
                    fullNanos[pi] = System.nanoTime() - f0;
                    float ms = full[mate];
                    int r = 1;
                    for (int i = 0; i < total; i++) {
                        if (i != mate) {
                            if (full[i] > ms || (full[i] == ms && i < mate)) {
                                r++;
                            }
                        }
                    }
                    rank[pi] = r;
                    afisMate[pi] = probe.fingers()[0].matcher.match(gallery.get(mate - n).template());
                    TopK top = new TopK(Integer::compare);
                    top.reset(Integer.getInteger("topk", 1000), Float.NEGATIVE_INFINITY);
                    long t0 = System.nanoTime();
                    modality.kernel().scan(probe, slots, sb, live, 0, total, top);
                    nanos[pi] = System.nanoTime() - t0;
                }));
            }
            for (Future<?> f : pf) {
                f.get();
            }
            int[] sorted = rank.clone();
            Arrays.sort(sorted);
            StringBuilder b = new StringBuilder();
            b.append(String.format(Locale.ROOT, "N=%d probes=%d ns/slot(scan, top%d, %d threads busy)=%.0f%n", total, P, Integer.getInteger("topk", 1000),
                    threads, Arrays.stream(nanos).average().orElse(0) / total));
            b.append("rank pct 50/80/90/95/99/max: ");
            for (double q : new double[] {0.5, 0.8, 0.9, 0.95, 0.99, 1.0}) {
                b.append(sorted[(int) Math.min(P - 1, q * P)]).append(' ');
            }
            b.append('\n');
            for (int s : new int[] {1, 5, 10, 20, 50, 100, 200, 500, 1000, total / 20, total / 10}) {
                int in = 0;
                for (int r : rank) {
                    in += r <= s ? 1 : 0;
                }
                b.append(String.format(Locale.ROOT, "  mate in top %6d: %6.2f %%%n", s, 100.0 * in / P));
            }
            for (String set : sets.keySet()) {
                int c = 0, in1 = 0, in100 = 0;
                for (int p = 0; p < P; p++) {
                    if (probes.get(p).set().equals(set)) {
                        c++;
                        in1 += rank[p] <= 1 ? 1 : 0;
                        in100 += rank[p] <= 100 ? 1 : 0;
                    }
                }
                b.append(String.format(Locale.ROOT, "  %s top1 %.1f %% top100 %.1f %%%n", set, 100.0 * in1 / c, 100.0 * in100 / c));
            }
            int strong = 0;
            int[] sIn = new int[5];
            int[] cut = {1, 10, 100, 1000, total / 10};
            for (int p = 0; p < P; p++) {
                if (afisMate[p] >= 35) {
                    strong++;
                    for (int c = 0; c < 5; c++) {
                        sIn[c] += rank[p] <= cut[c] ? 1 : 0;
                    }
                } 
                if (rank[p] > 100 && System.getProperty("list") != null) {
                    b.append(String.format(Locale.ROOT, "    miss %s/%s_%d rank %d afis %.1f%n", probes.get(p).set(), probes.get(p).finger(), probes.get(p).impression(), rank[p], afisMate[p]));
                }
            }
            b.append(String.format(Locale.ROOT, "full unpruned ns/slot %.0f%n", Arrays.stream(fullNanos).average().orElse(0) / total));
            b.append(String.format(Locale.ROOT, "mates with SourceAFIS >= 35: %d; in top 1/10/100/1000/10%%: %.1f %.1f %.1f %.1f %.1f%n", strong,
                    100.0 * sIn[0] / strong, 100.0 * sIn[1] / strong, 100.0 * sIn[2] / strong, 100.0 * sIn[3] / strong, 100.0 * sIn[4] / strong));
            System.out.print(b);
        } finally {
            pool.shutdown();
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, List<FingerprintEval.Item>> load(FingerprintModality modality, List<Path> dirs) throws Exception {
        Path cache = Path.of("/tmp/fp-recall-cache.bin");
        Map<String, List<Object[]>> raw;
        if (Files.exists(cache)) {
            try (ObjectInputStream in = new ObjectInputStream(new BufferedInputStream(Files.newInputStream(cache)))) {
                raw = (Map<String, List<Object[]>>) in.readObject();
            }
        } else {
            raw = new LinkedHashMap<>();
            for (Map.Entry<String, List<FingerprintEval.Item>> e : FingerprintEval.load(modality, dirs, 2).entrySet()) {
                List<Object[]> l = new ArrayList<>();
                for (FingerprintEval.Item it : e.getValue()) {
                    l.add(new Object[] {it.finger(), it.impression(), it.stored()});
                }
                raw.put(e.getKey(), l);
            }
            try (ObjectOutputStream out = new ObjectOutputStream(new BufferedOutputStream(Files.newOutputStream(cache)))) {
                out.writeObject(raw);
            }
        }
        Map<String, List<FingerprintEval.Item>> out = new LinkedHashMap<>();
        for (Map.Entry<String, List<Object[]>> e : raw.entrySet()) {
            List<FingerprintEval.Item> l = new ArrayList<>();
            for (Object[] o : e.getValue()) {
                byte[] stored = (byte[]) o[2];
                byte[] sa = StoredTemplateFormat.decode(stored).get(0).sourceAfis();
                FingerprintProbe probe = modality.prepareProbe(List.of(new Payload(FingerInputs.SOURCEAFIS, sa)), Map.of());
                l.add(new FingerprintEval.Item(e.getKey(), (String) o[0], (Integer) o[1], stored, new FingerprintTemplate(sa), probe));
            }
            out.put(e.getKey(), l);
        }
        return out;
    }
}
