package io.biomatch.fingerprint;

import com.machinezoo.sourceafis.FingerprintTemplate;
import io.biomatch.core.Payload;
import io.biomatch.fingerprint.internal.Minutiae;
import io.biomatch.fingerprint.internal.StoredTemplateFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Development tool (not a test): where one re-scoring call spends its time, one thread. Gallery: 10 ISO
 * templates of {@code fvc2002-db1b} (impression 1) and 190 background templates ({@link FingerprintBackground},
 * seed 42); probes: impression 3 of the same 10 fingers. Each part is timed in its own loop over many different
 * pairs: our stored-format decode, SourceAFIS's CBOR read alone (our mirror of its persistent form),
 * {@code new FingerprintTemplate(bytes)} (CBOR + minutia sort + neighbour-edge table), {@code match} on a ready
 * template (background impostors, gallery impostors, genuine pairs) and the engine's re-scoring call.
 * {@code java -cp ... RescoreCostDev ISO_ROOT} (the {@code fvc-iso19794-2-secugen} folder).
 */
public final class RescoreCostDev {
    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        FingerprintModality m = new FingerprintModality();
        Path set = root.resolve("fvc2002-db1b");
        List<byte[]> stored = new ArrayList<>();
        List<FingerprintProbe> probes = new ArrayList<>();
        for (int f = 101; f <= 110; f++) {
            stored.add(m.extractTemplate(List.of(new Payload("iso-19794-2", Files.readAllBytes(set.resolve(f + "_1.iso"))))));
            probes.add(m.prepareProbe(List.of(new Payload("iso-19794-2",
                    Files.readAllBytes(set.resolve(f + "_3.iso")))), Map.of()));
        }
        FingerprintBackground bg = new FingerprintBackground(FingerprintBackground.seeds(root, Set.of("fvc2002-db1b"),
                List.of()), 42);
        for (int i = 0; i < 190; i++) {
            Minutiae mm = bg.generate(i);
            stored.add(StoredTemplateFormat.encode(List.of(new StoredTemplateFormat.Finger(0, mm, mm.toSourceAfisBytes()))));
        }
        List<byte[]> afis = new ArrayList<>();
        List<FingerprintTemplate> heap = new ArrayList<>();
        int minutiae = 0;
        for (byte[] s : stored) {
            StoredTemplateFormat.Finger f = StoredTemplateFormat.decode(s).get(0);
            afis.add(f.sourceAfis());
            heap.add(new FingerprintTemplate(f.sourceAfis()));
            minutiae += f.minutiae().count();
        }
        int n = stored.size();
        System.out.printf(Locale.ROOT, "%d stored templates, mean %.1f minutiae, SourceAFIS bytes %.0f, stored bytes %.0f%n",
                n, (double) minutiae / n, afis.stream().mapToInt(b -> b.length).average().orElse(0),
                stored.stream().mapToInt(b -> b.length).average().orElse(0));
        double sink = 0;
        int reps = 20_000;
        for (int round = 0; round < 5; round++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                sink += StoredTemplateFormat.decode(stored.get(i % n)).size();
            }
            long t1 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                sink += Minutiae.fromSourceAfis(afis.get(i % n)).count();
            }
            long t2 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                sink += new FingerprintTemplate(afis.get(i % n)).memory();
            }
            long t3 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                sink += probes.get(i % 10).fingers()[0].matcher.match(heap.get(10 + (i * 7) % (n - 10)));
            }
            long t4 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                // another gallery finger: offset 1..9 from the probe's own
                sink += probes.get(i % 10).fingers()[0].matcher.match(heap.get((i % 10 + 1 + (i / 10) % 9) % 10));
            }
            long t5 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                sink += probes.get(i % 10).fingers()[0].matcher.match(heap.get(i % 10));
            }
            long t6 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                sink += FingerprintModality.rescore(probes.get(i % 10), stored.get(10 + (i * 7) % (n - 10)));
            }
            long t7 = System.nanoTime();
            System.out.printf(Locale.ROOT, "round %d, us per call: stored decode %.2f | CBOR read %.2f | new "
                            + "FingerprintTemplate %.2f | match: background %.2f, gallery impostor %.2f, genuine %.2f "
                            + "| engine re-scoring, background %.2f%n", round, (t1 - t0) / 1e3 / reps,
                    (t2 - t1) / 1e3 / reps, (t3 - t2) / 1e3 / reps, (t4 - t3) / 1e3 / reps, (t5 - t4) / 1e3 / reps,
                    (t6 - t5) / 1e3 / reps, (t7 - t6) / 1e3 / reps);
        }
        if (sink == 42) {
            System.out.println();
        }
    }
}
