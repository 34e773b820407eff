package io.biomatch.fingerprint;

import io.biomatch.fingerprint.internal.FingerSlotLayout;
import io.biomatch.fingerprint.internal.FirstStage;
import io.biomatch.fingerprint.internal.Minutiae;
import io.biomatch.fingerprint.internal.StoredTemplateFormat;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.*;
import java.util.*;
import java.util.concurrent.*;

/**
 * Development tool (not a test), fifth round: how well cheap pre-filters would keep the first stage's mates
 * ({@code -Dparams=...}: pair-geometry bitmaps; {@code -Dcaps=...}: the first stage on the first N codes only),
 * and how the pairing stage re-orders the first stage's best {@code -Dmtop} ({@code -Dpairing}). Same data as
 * {@link FirstStageRecallDev}.
 */
public final class PrefilterDev {
    record P(int bits, float dBin, float aBinDeg, float dMax, float dTol, float aTolDeg) {}

    public static void main(String[] args) throws Exception {
        try {
            run(args);
        } finally {
            System.exit(0);
        }
    }

    static void run(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        List<Path> dirs = new ArrayList<>();
        for (int i = 1; i < args.length; i++) dirs.add(Path.of(args[i]));
        FingerprintModality modality = new FingerprintModality(FingerprintModality.Config.defaults().withMaxFingers(1));
        Map<String, List<FingerprintEval.Item>> sets = FirstStageRecallDev.load(modality, dirs);
        List<FingerprintEval.Item> gallery = new ArrayList<>(), probes = new ArrayList<>();
        List<Minutiae> mirrored = new ArrayList<>();
        for (List<FingerprintEval.Item> items : sets.values()) for (FingerprintEval.Item it : items) {
            (it.impression() == 1 ? gallery : probes).add(it);
            mirrored.add(StoredTemplateFormat.decode(it.stored()).get(0).minutiae());
        }
        gallery.sort(Comparator.comparing(FingerprintEval.Item::key));
        Map<String, Integer> mateOf = new HashMap<>();
        for (int g = 0; g < gallery.size(); g++) mateOf.put(gallery.get(g).key(), n + g);
        Path iso = dirs.get(0).toAbsolutePath().getParent().resolve("fvc-iso19794-2-secugen");
        FingerprintBackground bg = new FingerprintBackground(FingerprintBackground.seeds(iso, new HashSet<>(sets.keySet()), mirrored), 42);
        int total = n + gallery.size();
        Minutiae[] all = new Minutiae[total];
        for (int i = 0; i < n; i++) all[i] = bg.generate(i);
        for (int g = 0; g < gallery.size(); g++) all[n + g] = StoredTemplateFormat.decode(gallery.get(g).stored()).get(0).minutiae();
        int sb = modality.slotBytes();
        int P = probes.size();
        int[] rankF = new int[P];
        int[][] topList = new int[P][];
        double[] afis = new double[P];
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment slots = arena.allocate((long) total * sb, 64);
            for (int i = 0; i < n; i++) FingerSlotLayout.writeFinger(slots, (long) i * sb, 0, all[i], 1);
            for (int g = 0; g < gallery.size(); g++) modality.writeSlot(gallery.get(g).stored(), slots.asSlice((long) (n + g) * sb, sb));
            List<Future<?>> fs = new ArrayList<>();
            for (int p = 0; p < P; p++) {
                int pi = p;
                fs.add(pool.submit(() -> {
                    FingerprintProbe probe = probes.get(pi).probe();
                    int mate = mateOf.get(probes.get(pi).key());
                    FirstStage.Scratch sc = new FirstStage.Scratch();
                    float[] full = new float[total];
                    for (int i = 0; i < total; i++) full[i] = FirstStage.score(probe.fingers(), slots, (long) i * sb, sc);
                    rankF[pi] = rank(full, mate);
                    topList[pi] = topIdx(full, Integer.getInteger("mtop", 100));
                    afis[pi] = probe.fingers()[0].matcher.match(gallery.get(mate - n).template());
                }));
            }
            for (Future<?> f : fs) f.get();
            if (System.getProperty("pairing") != null) {
                int[] mates0 = new int[P];
                for (int p = 0; p < P; p++) mates0[p] = mateOf.get(probes.get(p).key());
                for (int round = 0; round < 3; round++) runSlots(probes, slots, sb, mates0, topList, rankF, afis, pool);
            }
            for (String cs : System.getProperty("caps", "").split(",")) {
                if (cs.isEmpty()) continue;
                int cap = Integer.parseInt(cs);
                MemorySegment capped = arena.allocate((long) total * sb, 64);
                capped.copyFrom(slots);
                for (int i = 0; i < total; i++) {
                    long o = (long) i * sb + FingerSlotLayout.CODE_COUNT_OFFSET;
                    int c = capped.get(java.lang.foreign.ValueLayout.JAVA_BYTE, o) & 0xFF;
                    capped.set(java.lang.foreign.ValueLayout.JAVA_BYTE, o, (byte) Math.min(c, cap));
                }
                int[] rankP = new int[P];
                List<Future<?>> fs3 = new ArrayList<>();
                for (int p = 0; p < P; p++) {
                    int pi = p;
                    fs3.add(pool.submit(() -> {
                        FingerprintProbe probe = probes.get(pi).probe();
                        FirstStage.Scratch sc = new FirstStage.Scratch();
                        float[] s = new float[total];
                        for (int i = 0; i < total; i++) s[i] = FirstStage.score(probe.fingers(), capped, (long) i * sb, sc);
                        rankP[pi] = rank(s, mateOf.get(probes.get(pi).key()));
                    }));
                }
                for (Future<?> f : fs3) f.get();
                report(new P(cap, 0, 0, 0, 0, 0), 9, rankP, rankF, afis, total);
            }
        }
        if (System.getProperty("counts") != null) {
            long codes = 0, minutiae = 0;
            for (FingerprintEval.Item it : probes) {
                codes += it.probe().fingers()[0].count;
                minutiae += it.probe().fingers()[0].minutiaCount;
            }
            System.out.printf(Locale.ROOT, "probe codes %.1f, minutiae %.1f on average%n", codes / (double) P, minutiae / (double) P);
        }
        Minutiae[] pm = new Minutiae[P];
        int[] mates = new int[P];
        for (int p = 0; p < P; p++) {
            pm[p] = StoredTemplateFormat.decode(probes.get(p).stored()).get(0).minutiae();
            mates[p] = mateOf.get(probes.get(p).key());
        }
        String spec = System.getProperty("params", "2048,10,30,90,4,12");
        for (String one : spec.split(";")) {
            if (one.isEmpty()) continue;
            String[] v = one.split(",");
            P prm = new P(Integer.parseInt(v[0]), Float.parseFloat(v[1]), Float.parseFloat(v[2]), Float.parseFloat(v[3]), Float.parseFloat(v[4]), Float.parseFloat(v[5]));
            int words = prm.bits / 64;
            int[][] keys = new int[total][];
            long sumKeys = 0;
            for (int i = 0; i < total; i++) {
                keys[i] = storedKeys(all[i], prm);
                sumKeys += keys[i].length;
            }
            System.out.printf(Locale.ROOT, "mean stored keys %.1f%n", sumKeys / (double) total);
            for (int norm = 0; norm < 3; norm++) {
                int[] rankP = new int[P];
                int nn = norm;
                List<Future<?>> fs2 = new ArrayList<>();
                for (int p = 0; p < P; p++) {
                    int pi = p;
                    fs2.add(pool.submit(() -> {
                        long[] ps = new long[words];
                        signature(pm[pi], prm, ps, 0);
                        int pop = 0;
                        for (long w : ps) pop += Long.bitCount(w);
                        double fill = pop / (double) prm.bits;
                        if (pi == 0) System.out.printf(Locale.ROOT, "probe fill %.3f%n", fill);
                        float[] s = new float[total];
                        for (int i = 0; i < total; i++) {
                            int c = 0, sc = keys[i].length;
                            for (int key : keys[i]) {
                                c += (int) (ps[key >>> 6] >>> key) & 1;
                            }
                            s[i] = switch (nn) {
                                case 0 -> c;
                                case 1 -> (float) ((c - sc * fill) / Math.sqrt(Math.max(1, sc * fill)));
                                default -> (float) (c / Math.sqrt(Math.max(1.0, sc) * Math.max(1, pop)));
                            };
                        }
                        rankP[pi] = rank(s, mates[pi]);
                    }));
                }
                for (Future<?> f : fs2) f.get();
                report(prm, nn, rankP, rankF, afis, total);
            }
        }
        pool.shutdown();
    }

    static void report(P prm, int norm, int[] rankP, int[] rankF, double[] afis, int total) {
        int[] pct = {2, 5, 10, 15, 20, 30};
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%s norm%d:", prm, norm));
        int keyN = 0, strongN = 0;
        int[] keyIn = new int[pct.length], strongIn = new int[pct.length];
        for (int p = 0; p < rankP.length; p++) {
            boolean key = rankF[p] <= total / 200, strong = afis[p] >= 40;
            keyN += key ? 1 : 0;
            strongN += strong ? 1 : 0;
            for (int c = 0; c < pct.length; c++) {
                boolean in = rankP[p] <= (long) total * pct[c] / 100;
                keyIn[c] += key && in ? 1 : 0;
                strongIn[c] += strong && in ? 1 : 0;
            }
        }
        b.append(String.format(Locale.ROOT, " fs-top0.5%%(n=%d) kept at", keyN));
        for (int c = 0; c < pct.length; c++) b.append(String.format(Locale.ROOT, " %d%%:%d", pct[c], keyN - keyIn[c] == 0 ? 0 : -(keyN - keyIn[c])));
        b.append(String.format(Locale.ROOT, " | afis>=40(n=%d) lost at", strongN));
        for (int c = 0; c < pct.length; c++) b.append(String.format(Locale.ROOT, " %d%%:%d", pct[c], strongN - strongIn[c]));
        System.out.println(b);
    }

    static void runSlots(List<FingerprintEval.Item> probes, java.lang.foreign.MemorySegment slots, int sb, int[] mates,
            int[][] topList, int[] rankF, double[] afis, ExecutorService pool) throws Exception {
        int P = probes.size();
        int[] rankM = new int[P];
        long[] nanos = new long[P];
        List<Future<?>> fs = new ArrayList<>();
        for (int p = 0; p < P; p++) {
            int pi = p;
            fs.add(pool.submit(() -> {
                io.biomatch.fingerprint.internal.PairingStage.Scratch scr = new io.biomatch.fingerprint.internal.PairingStage.Scratch();
                var fingers = probes.get(pi).probe().fingers();
                int[] list = topList[pi];
                float[] sc = new float[list.length];
                if (pi % 50 == 0) {
                    String last = "";
                    for (int w = 0; w < 30; w++) last = io.biomatch.fingerprint.internal.PairingCostDev.split(fingers, slots, sb, list, scr);
                    System.out.println(last);
                }
                long t0 = System.nanoTime();
                for (int c = 0; c < list.length; c++) sc[c] = io.biomatch.fingerprint.internal.PairingStage.score(fingers, slots, (long) list[c] * sb, scr);
                nanos[pi] = System.nanoTime() - t0;
                int mi = -1;
                for (int c = 0; c < list.length; c++) if (list[c] == mates[pi]) mi = c;
                if (mi < 0) { rankM[pi] = Integer.MAX_VALUE; return; }
                int r = 1;
                for (int c = 0; c < list.length; c++) if (c != mi && (sc[c] > sc[mi] || (sc[c] == sc[mi] && c < mi))) r++;
                rankM[pi] = r;
            }));
        }
        for (Future<?> f : fs) f.get();
        report("PairingStage", topList[0].length, rankM, rankF, afis, nanos);
        for (int p = 0; p < P; p++) {
            if ((afis[p] >= 35 && rankF[p] <= topList[p].length && rankM[p] > Integer.getInteger("listAbove", 1000000)) || probes.get(p).key().contains(System.getProperty("listKey", "#"))) {
                System.out.printf(Locale.ROOT, "  late %s/%s_%d first-stage rank %d pairing rank %d afis %.1f%n", probes.get(p).set(),
                        probes.get(p).finger(), probes.get(p).impression(), rankF[p], rankM[p], afis[p]);
            }
        }
    }

    static void report(String what, int top, int[] rankM, int[] rankF, double[] afis, long[] nanos) {
        int[] cuts = {1, 2, 3, 5, 10, 20};
        int key = 0;
        int[] inF = new int[cuts.length], inM = new int[cuts.length];
        for (int p = 0; p < rankM.length; p++) {
            if (afis[p] < 40 || rankF[p] > top) continue;
            key++;
            for (int c = 0; c < cuts.length; c++) {
                inF[c] += rankF[p] <= cuts[c] ? 1 : 0;
                inM[c] += rankM[p] <= cuts[c] ? 1 : 0;
            }
        }
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%s: afis>=40 & fs-top%d n=%d; first-stage vs this lost at top", what, top, key));
        for (int c = 0; c < cuts.length; c++) b.append(String.format(Locale.ROOT, " %d: %d/%d", cuts[c], key - inF[c], key - inM[c]));
        b.append(String.format(Locale.ROOT, "; %.2f us/candidate", Arrays.stream(nanos).average().orElse(0) / top / 1000));
        System.out.println(b);
    }

    static int[] topIdx(float[] s, int k) {
        Integer[] idx = new Integer[s.length];
        for (int i = 0; i < s.length; i++) idx[i] = i;
        Arrays.sort(idx, (a, b) -> s[a] != s[b] ? Float.compare(s[b], s[a]) : Integer.compare(a, b));
        int[] out = new int[k];
        for (int i = 0; i < k; i++) out[i] = idx[i];
        return out;
    }

    static int rank(float[] s, int mate) {
        float ms = s[mate];
        int r = 1;
        for (int i = 0; i < s.length; i++) if (i != mate && (s[i] > ms || (s[i] == ms && i < mate))) r++;
        return r;
    }

    static final double TWO_PI = 2 * Math.PI;

    /** Features of one ordered minutia pair: distance (px) and two relative angles (radians, 0..2 pi). */
    interface PairFeatures {
        void accept(double d, double a1, double a2);
    }

    /** Visits the ordered pairs (which[q], k), k any other minutia, with distance in [8, dMax). */
    static void forEachPair(Minutiae m, int[] which, int count, double dMax, PairFeatures sink) {
        for (int q = 0; q < count; q++) {
            int i = which[q];
            for (int k = 0; k < m.count(); k++) {
                if (k == i) continue;
                double dx = m.x[k] - m.x[i], dy = m.y[k] - m.y[i];
                double d = Math.sqrt(dx * dx + dy * dy);
                if (d < 8 || d >= dMax) continue;
                sink.accept(d, norm(Math.atan2(dy, dx) - m.direction[i]), norm(m.direction[k] - m.direction[i]));
            }
        }
    }

    /** The probe's pair keys with their tolerance boxes (every bin within dTol / aTol) set in a bitmap. */
    static void signature(Minutiae m, P prm, long[] out, int off) {
        int n = m.count();
        int aBins = Math.round(360f / prm.aBinDeg);
        double aw = TWO_PI / aBins;
        double at = Math.toRadians(prm.aTolDeg);
        int[] all = new int[n];
        for (int i = 0; i < n; i++) all[i] = i;
        forEachPair(m, all, n, prm.dMax, (d, a1, a2) -> {
            int d0 = (int) ((d - prm.dTol) / prm.dBin), d1 = (int) ((d + prm.dTol) / prm.dBin);
            int b0 = (int) Math.floor((a1 - at) / aw), b1 = (int) Math.floor((a1 + at) / aw);
            int c0 = (int) Math.floor((a2 - at) / aw), c1 = (int) Math.floor((a2 + at) / aw);
            for (int dd = Math.max(0, d0); dd <= d1; dd++)
                for (int bb = b0; bb <= b1; bb++)
                    for (int cc = c0; cc <= c1; cc++)
                        set(out, off, prm, dd, Math.floorMod(bb, aBins), Math.floorMod(cc, aBins));
        });
    }

    static int central = Integer.getInteger("central", 100);

    /** The stored side's keys (no tolerance), pairs anchored at the {@code central} most central minutiae. */
    static int[] storedKeys(Minutiae m, P prm) {
        int[] which = new int[m.count()];
        int c = io.biomatch.fingerprint.internal.LocalStructures.central(m, central, which);
        int aBins = Math.round(360f / prm.aBinDeg);
        double aw = TWO_PI / aBins;
        int[] out = new int[c * m.count()];
        int[] o = {0};
        forEachPair(m, which, c, prm.dMax,
                (d, a1, a2) -> out[o[0]++] = bit(prm, (int) (d / prm.dBin), (int) (a1 / aw) % aBins, (int) (a2 / aw) % aBins));
        return Arrays.copyOf(out, o[0]);
    }

    static int bit(P prm, int d, int a1, int a2) {
        long key = ((long) d * 64 + a1) * 64 + a2;
        long h = (key + 1) * 0x9E3779B97F4A7C15L;
        return (int) ((h >>> 40) % prm.bits);
    }

    static void set(long[] out, int off, P prm, int d, int a1, int a2) {
        int bit = bit(prm, d, a1, a2);
        out[off + (bit >>> 6)] |= 1L << bit;
    }

    static double norm(double a) {
        a %= TWO_PI;
        return a < 0 ? a + TWO_PI : a;
    }
}
