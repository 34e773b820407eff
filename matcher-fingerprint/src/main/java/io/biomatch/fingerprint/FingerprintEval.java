package io.biomatch.fingerprint;

import com.machinezoo.sourceafis.FingerprintTemplate;
import io.biomatch.core.Payload;
import io.biomatch.fingerprint.internal.FingerInputs;
import io.biomatch.fingerprint.internal.FirstStage;
import io.biomatch.fingerprint.internal.ProbeFinger;
import io.biomatch.fingerprint.internal.StoredTemplateFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Accuracy and speed evaluation over folders with FVC naming ({@code <finger>_<impression>.<ext>}; images
 * or {@code .iso} templates). Fingers are keyed {@code <set>/<finger>}, the set being the folder name.
 *
 * <ul>
 *   <li>Verification, per set, all ordered pairs: genuine = same finger, impostor = different fingers.
 *   EER and FNMR at FMR 1 % and 0.1 % for SourceAFIS scores and for the first-stage score.</li>
 *   <li>Identification: impression 1 of every finger of every given set is enrolled (one pooled gallery);
 *   every other impression is a probe. Rank-1/rank-10 for exhaustive SourceAFIS and for the fast path
 *   (first stage, then SourceAFIS on the short list) at several short-list sizes. Ties go to the smaller
 *   id, like the engine.</li>
 *   <li>Speed (one thread): first-stage comparisons/s over the gallery slots tiled to
 *   {@code speedGallery} slots, SourceAFIS comparisons/s ({@code FingerprintMatcher.match} on heap
 *   templates) in the same run, and per-probe fast-search latency p50/p99 on the tiled gallery.</li>
 * </ul>
 */
public final class FingerprintEval {
    private static final Pattern FVC = Pattern.compile("(\\d+)_(\\d+)\\.(tif|tiff|png|bmp|jpg|jpeg|iso)",
            Pattern.CASE_INSENSITIVE);

    /** Evaluation settings. */
    public record Options(int threads, int speedGallery, int speedProbes, List<Integer> shortlists) {
        public static Options defaults() {
            return new Options(Math.max(1, Runtime.getRuntime().availableProcessors()), 20_000, 20,
                    List.of(1, 2, 3, 5, 10, 20));
        }
    }

    public record Verification(int genuine, int impostor, double eer, double fnmrAtFmr1, double fnmrAtFmr01) {
    }

    public record FastPoint(int shortlist, double rank1, double rank10, double mateInShortlist) {
    }

    public record SetResult(String set, int fingers, int images, int probes, Verification sourceafis,
                            Verification firstStage, double rank1Exhaustive, double rank10Exhaustive,
                            List<FastPoint> fast) {
    }

    public record Speed(int gallerySlots, double firstStageComparisonsPerSecond,
                        double sourceafisComparisonsPerSecond, double speedup, double fastSearchP50Millis,
                        double fastSearchP99Millis, double exhaustiveSearchMillisEstimate, int shortlist) {
    }

    public record Result(int galleryFingers, long offHeapBytesPerTemplate, int fingerBlockBytes,
                         double extractionMillisPerImage, List<SetResult> sets, Speed speed) {
        public String toText() {
            StringBuilder b = new StringBuilder();
            b.append(String.format(Locale.ROOT, "fingerprint eval: gallery %d fingers (impression 1 of each), "
                            + "%d off-heap bytes per template (slot), extraction %.0f ms/image%n",
                    galleryFingers, offHeapBytesPerTemplate, extractionMillisPerImage));
            for (SetResult s : sets) {
                b.append(String.format(Locale.ROOT, "%n%s: %d fingers, %d images, %d probes%n", s.set(), s.fingers(),
                        s.images(), s.probes()));
                b.append(String.format(Locale.ROOT,
                        "  SourceAFIS   EER %.2f %%  FNMR@FMR1%% %.2f %%  FNMR@FMR0.1%% %.2f %%  (%d genuine, %d impostor)%n",
                        100 * s.sourceafis().eer(), 100 * s.sourceafis().fnmrAtFmr1(),
                        100 * s.sourceafis().fnmrAtFmr01(), s.sourceafis().genuine(), s.sourceafis().impostor()));
                b.append(String.format(Locale.ROOT,
                        "  first stage  EER %.2f %%  FNMR@FMR1%% %.2f %%  FNMR@FMR0.1%% %.2f %%%n",
                        100 * s.firstStage().eer(), 100 * s.firstStage().fnmrAtFmr1(),
                        100 * s.firstStage().fnmrAtFmr01()));
                b.append(String.format(Locale.ROOT, "  exhaustive   rank-1 %.2f %%  rank-10 %.2f %%%n",
                        100 * s.rank1Exhaustive(), 100 * s.rank10Exhaustive()));
                for (FastPoint f : s.fast()) {
                    b.append(String.format(Locale.ROOT,
                            "  fast S=%-4d  rank-1 %.2f %%  rank-10 %.2f %%  mate in short list %.2f %%%n",
                            f.shortlist(), 100 * f.rank1(), 100 * f.rank10(), 100 * f.mateInShortlist()));
                }
            }
            Speed sp = speed;
            b.append(String.format(Locale.ROOT, "%nspeed (1 thread, %d slots): first stage %.0f comparisons/s, "
                            + "SourceAFIS %.0f comparisons/s (x%.1f); fast search (S=%d) p50 %.2f ms p99 %.2f ms; "
                            + "exhaustive SourceAFIS on the same gallery ~%.0f ms%n",
                    sp.gallerySlots(), sp.firstStageComparisonsPerSecond(), sp.sourceafisComparisonsPerSecond(),
                    sp.speedup(), sp.shortlist(), sp.fastSearchP50Millis(), sp.fastSearchP99Millis(),
                    sp.exhaustiveSearchMillisEstimate()));
            return b.toString();
        }
    }

    /** One image or template of a set. */
    record Item(String set, String finger, int impression, byte[] stored, FingerprintTemplate template,
                FingerprintProbe probe) {
        String key() {
            return set + "/" + finger;
        }
    }

    private FingerprintEval() {
    }

    public static Result run(List<Path> setDirs) {
        return run(setDirs, Options.defaults());
    }

    public static Result run(List<Path> setDirs, Options options) {
        FingerprintModality modality = new FingerprintModality(FingerprintModality.Config.defaults().withMaxFingers(1));
        long t0 = System.nanoTime();
        Map<String, List<Item>> sets = load(modality, setDirs, options.threads());
        int imageCount = sets.values().stream().mapToInt(List::size).sum();
        double extractionMillis = (System.nanoTime() - t0) / 1e6 * options.threads() / Math.max(1, imageCount);

        List<Item> gallery = new ArrayList<>();
        for (List<Item> items : sets.values()) {
            for (Item it : items) {
                if (it.impression() == 1) {
                    gallery.add(it);
                }
            }
        }
        gallery.sort(Comparator.comparing(Item::key));
        int slotBytes = modality.slotBytes();
        FirstStage.Scratch scratch = new FirstStage.Scratch();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slots = arena.allocate((long) gallery.size() * slotBytes, 64);
            for (int g = 0; g < gallery.size(); g++) {
                modality.writeSlot(gallery.get(g).stored(), slots.asSlice((long) g * slotBytes, slotBytes));
            }
            List<SetResult> results = new ArrayList<>();
            for (var e : sets.entrySet()) {
                results.add(evalSet(e.getKey(), e.getValue(), gallery, slots, slotBytes, modality, options, arena,
                        scratch));
            }
            Speed speed = speed(modality, gallery, slots, slotBytes, sets, options, arena, scratch);
            return new Result(gallery.size(), slotBytes, io.biomatch.fingerprint.internal.FingerSlotLayout.FINGER_BYTES,
                    extractionMillis, results, speed);
        }
    }

    static Map<String, List<Item>> load(FingerprintModality modality, List<Path> dirs, int threads) {
        Map<String, List<Item>> out = new LinkedHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (Path dir : dirs) {
                String set = dir.getFileName().toString();
                List<Path> files;
                try (var s = Files.list(dir)) {
                    files = s.filter(p -> FVC.matcher(p.getFileName().toString()).matches()).sorted().toList();
                }
                List<Future<Item>> futures = new ArrayList<>();
                for (Path f : files) {
                    futures.add(pool.submit(() -> item(modality, set, f)));
                }
                List<Item> items = new ArrayList<>();
                for (Future<Item> fu : futures) {
                    items.add(fu.get());
                }
                if (!items.isEmpty()) {
                    out.put(set, items);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException("fingerprint eval: loading failed: " + e.getMessage(), e);
        } finally {
            pool.shutdown();
        }
        return out;
    }

    static Item item(FingerprintModality modality, String set, Path f) throws IOException {
        Matcher m = FVC.matcher(f.getFileName().toString());
        if (!m.matches()) {
            throw new IllegalArgumentException(f.toString());
        }
        String format = m.group(3).equalsIgnoreCase("iso") ? FingerInputs.ISO : FingerInputs.IMAGE;
        byte[] stored = modality.extractTemplate(List.of(new Payload(format, Files.readAllBytes(f))));
        byte[] sa = StoredTemplateFormat.decode(stored).get(0).sourceAfis();
        FingerprintProbe probe = modality.prepareProbe(List.of(new Payload(FingerInputs.SOURCEAFIS, sa)), Map.of());
        return new Item(set, m.group(1), Integer.parseInt(m.group(2)), stored, new FingerprintTemplate(sa), probe);
    }

    static SetResult evalSet(String set, List<Item> items, List<Item> gallery, MemorySegment gallerySlots,
                             int slotBytes, FingerprintModality modality, Options options, Arena arena,
                             FirstStage.Scratch scratch) {
        // verification: all ordered pairs of the set
        int n = items.size();
        MemorySegment setSlots = arena.allocate((long) n * slotBytes, 64);
        for (int i = 0; i < n; i++) {
            modality.writeSlot(items.get(i).stored(), setSlots.asSlice((long) i * slotBytes, slotBytes));
        }
        List<Double> genA = new ArrayList<>(), impA = new ArrayList<>(), genF = new ArrayList<>(), impF = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ProbeFinger pf = items.get(i).probe().fingers()[0];
            for (int j = 0; j < n; j++) {
                if (i == j) {
                    continue;
                }
                double a = pf.matcher.match(items.get(j).template());
                double f = FirstStage.score(items.get(i).probe().fingers(), setSlots, (long) j * slotBytes, scratch);
                boolean genuine = items.get(i).finger().equals(items.get(j).finger());
                (genuine ? genA : impA).add(a);
                (genuine ? genF : impF).add(f);
            }
        }
        // identification against the pooled gallery
        int g = gallery.size();
        int probes = 0, ex1 = 0, ex10 = 0;
        List<Integer> sls = options.shortlists();
        int[] f1 = new int[sls.size()], f10 = new int[sls.size()], in = new int[sls.size()];
        double[] afis = new double[g];
        float[] first = new float[g];
        Integer[] order = new Integer[g];
        for (Item p : items) {
            if (p.impression() == 1) {
                continue;
            }
            int mate = -1;
            for (int k = 0; k < g; k++) {
                if (gallery.get(k).key().equals(p.key())) {
                    mate = k;
                }
                afis[k] = p.probe().fingers()[0].matcher.match(gallery.get(k).template());
                first[k] = FirstStage.score(p.probe().fingers(), gallerySlots, (long) k * slotBytes, scratch);
            }
            if (mate < 0) {
                continue; // finger without an enrolled impression 1
            }
            probes++;
            int rank = rank(afis, mate, null);
            ex1 += rank <= 1 ? 1 : 0;
            ex10 += rank <= 10 ? 1 : 0;
            for (int k = 0; k < g; k++) {
                order[k] = k;
            }
            Arrays.sort(order, (a, b) -> first[a] != first[b] ? Float.compare(first[b], first[a]) : Integer.compare(a, b));
            for (int s = 0; s < sls.size(); s++) {
                int size = Math.min(g, sls.get(s));
                boolean[] kept = new boolean[g];
                for (int q = 0; q < size; q++) {
                    kept[order[q]] = true;
                }
                if (kept[mate]) {
                    in[s]++;
                    int r = rank(afis, mate, kept);
                    f1[s] += r <= 1 ? 1 : 0;
                    f10[s] += r <= 10 ? 1 : 0;
                }
            }
        }
        List<FastPoint> fast = new ArrayList<>();
        for (int s = 0; s < sls.size(); s++) {
            fast.add(new FastPoint(sls.get(s), ratio(f1[s], probes), ratio(f10[s], probes), ratio(in[s], probes)));
        }
        int fingers = (int) items.stream().map(Item::finger).distinct().count();
        return new SetResult(set, fingers, n, probes, verification(genA, impA), verification(genF, impF),
                ratio(ex1, probes), ratio(ex10, probes), fast);
    }

    /** 1-based rank of {@code mate} by score (ties: lower index first), among {@code kept} (null = all). */
    static int rank(double[] scores, int mate, boolean[] kept) {
        int rank = 1;
        for (int k = 0; k < scores.length; k++) {
            if (k != mate && (kept == null || kept[k])
                    && (scores[k] > scores[mate] || (scores[k] == scores[mate] && k < mate))) {
                rank++;
            }
        }
        return rank;
    }

    static double ratio(int a, int b) {
        return b == 0 ? Double.NaN : (double) a / b;
    }

    static Verification verification(List<Double> genuine, List<Double> impostor) {
        double[] gen = genuine.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double[] imp = impostor.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return new Verification(gen.length, imp.length, eer(gen, imp), fnmrAt(gen, imp, 0.01), fnmrAt(gen, imp, 0.001));
    }

    /** FNMR at the smallest threshold t (accept score >= t... here score > t) whose FMR <= target. */
    static double fnmrAt(double[] gen, double[] imp, double fmr) {
        if (gen.length == 0 || imp.length == 0) {
            return Double.NaN;
        }
        // accept when score > t; FMR(t) = #imp > t / |imp|; choose t = an impostor score
        int allowed = (int) Math.floor(fmr * imp.length);
        double t = imp[imp.length - 1 - Math.min(allowed, imp.length - 1)];
        int rejected = 0;
        for (double v : gen) {
            if (v <= t) {
                rejected++;
            }
        }
        return (double) rejected / gen.length;
    }

    static double eer(double[] gen, double[] imp) {
        if (gen.length == 0 || imp.length == 0) {
            return Double.NaN;
        }
        double best = 1, eer = 1;
        double[] all = new double[gen.length + imp.length];
        System.arraycopy(gen, 0, all, 0, gen.length);
        System.arraycopy(imp, 0, all, gen.length, imp.length);
        Arrays.sort(all);
        for (double t : all) {
            double fnmr = countLe(gen, t) / (double) gen.length;
            double fmr = 1 - countLe(imp, t) / (double) imp.length;
            if (Math.abs(fnmr - fmr) < best) {
                best = Math.abs(fnmr - fmr);
                eer = (fnmr + fmr) / 2;
            }
        }
        return eer;
    }

    static int countLe(double[] sorted, double t) {
        int lo = 0, hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] <= t) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    static Speed speed(FingerprintModality modality, List<Item> gallery, MemorySegment slots, int slotBytes,
                       Map<String, List<Item>> sets, Options options, Arena arena, FirstStage.Scratch scratch) {
        int n = Math.max(gallery.size(), options.speedGallery());
        MemorySegment tiled = arena.allocate((long) n * slotBytes, 64);
        for (int i = 0; i < n; i++) {
            MemorySegment.copy(slots, (long) (i % gallery.size()) * slotBytes, tiled, (long) i * slotBytes, slotBytes);
        }
        List<Item> probes = new ArrayList<>();
        for (List<Item> items : sets.values()) {
            for (Item it : items) {
                if (it.impression() != 1) {
                    probes.add(it);
                }
            }
        }
        java.util.Collections.shuffle(probes, new java.util.Random(42));
        probes = probes.subList(0, Math.min(options.speedProbes(), probes.size()));
        int shortlist = modality.config().shortlist();
        io.biomatch.core.spi.TopK top = new io.biomatch.core.spi.TopK(Integer::compare);
        float[] sc = new float[shortlist];
        int[] ords = new int[shortlist];
        long[] live = new long[io.biomatch.core.spi.Bits.words(n)];
        for (int i = 0; i < n; i++) {
            io.biomatch.core.spi.Bits.set(live, i);
        }
        // warm-up
        for (int w = 0; w < 3; w++) {
            top.reset(shortlist, Float.NEGATIVE_INFINITY);
            modality.kernel().scan(probes.get(w % probes.size()).probe(), tiled, slotBytes, live, 0, n, top);
        }
        double[] lat = new double[probes.size()];
        long firstNanos = 0;
        double sink = 0;
        for (int p = 0; p < probes.size(); p++) {
            Item probe = probes.get(p);
            long a = System.nanoTime();
            top.reset(shortlist, Float.NEGATIVE_INFINITY);
            modality.kernel().scan(probe.probe(), tiled, slotBytes, live, 0, n, top);
            long b = System.nanoTime();
            int k = top.drainBestFirst(sc, ords);
            for (int q = 0; q < k; q++) {
                sink += modality.rescorer().orElseThrow().rescore(probe.probe(), gallery.get(ords[q] % gallery.size()).stored());
            }
            long c = System.nanoTime();
            firstNanos += b - a;
            lat[p] = (c - a) / 1e6;
        }
        double firstRate = (double) n * probes.size() / (firstNanos / 1e9);
        // SourceAFIS 1:N loop on heap templates, same probes, ~ same work budget
        int afisCount = 0;
        long a = System.nanoTime();
        long budget = Math.max(1_000_000_000L, firstNanos);
        outer:
        while (true) {
            for (Item probe : probes) {
                for (Item gi : gallery) {
                    sink += probe.probe().fingers()[0].matcher.match(gi.template());
                    afisCount++;
                }
                if (System.nanoTime() - a > budget) {
                    break outer;
                }
            }
        }
        double afisRate = afisCount / ((System.nanoTime() - a) / 1e9);
        if (sink == 42.4242) {
            System.out.print("");
        }
        Arrays.sort(lat);
        return new Speed(n, firstRate, afisRate, firstRate / afisRate, lat[lat.length / 2],
                lat[Math.min(lat.length - 1, (int) Math.ceil(0.99 * lat.length) - 1)], n / afisRate * 1000, shortlist);
    }

    /** {@code java ... io.biomatch.fingerprint.FingerprintEval [--json] DIR...} */
    public static void main(String[] args) {
        boolean json = false;
        List<Path> dirs = new ArrayList<>();
        for (String a : args) {
            if (a.equals("--json")) {
                json = true;
            } else {
                dirs.add(Path.of(a));
            }
        }
        Result r = run(dirs);
        System.out.println(json ? new com.google.gson.GsonBuilder().setPrettyPrinting()
                .serializeSpecialFloatingPointValues().create().toJson(r) : r.toText());
    }
}
