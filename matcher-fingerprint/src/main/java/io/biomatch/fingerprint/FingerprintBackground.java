package io.biomatch.fingerprint;

import io.biomatch.core.Payload;
import io.biomatch.fingerprint.internal.FingerInputs;
import io.biomatch.fingerprint.internal.Minutiae;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Seeded background of non-mated fingerprint templates for 1:N benchmarks, derived from real templates by
 * documented transforms. Template {@code i} depends only on {@code (seed, i)} and the seed templates, so a
 * background of any size is reproducible and can be regenerated on demand (no storage needed).
 *
 * <h2>Seeds</h2>
 * <ul>
 *   <li>The ISO/IEC 19794-2 templates of {@code fvc-iso19794-2-secugen} for every FVC set that is <em>not</em>
 *   searched (other fingers, other people), with their coordinates rescaled to the real image geometry (the
 *   folder's README: every image was resized to 300 x 400 px before extraction; {@link #ISO_IMAGE_SIZES}
 *   holds the real FVC image sizes), each as is and mirrored.</li>
 *   <li>Optionally the templates of the searched sets <em>mirrored</em> left-right (x -> w-1-x, direction
 *   -> pi - direction): a mirror image has the opposite handedness, so it is another finger's pattern, not
 *   a mate (checked by the evaluation: the best background SourceAFIS score per probe is reported). Never
 *   mirrored back.</li>
 * </ul>
 *
 * <h2>Transform of background template i</h2>
 * A seed chosen uniformly; rotated by U(-30, 30) degrees about its centre;
 * scaled by U(0.92, 1.08); translated by U(-25, 25) px on each axis; each minutia dropped with probability
 * U(0.05, 0.25); position jitter U(-2, 2) px and direction jitter U(-0.1, 0.1) rad per minutia; spurious
 * minutiae (uniform position inside the seed's bounding box, uniform direction, random type) added, count
 * U(0, 15) % of the seed's; minutiae falling outside the image dropped; at most 100 kept.
 */
public final class FingerprintBackground {
    /** Real image sizes (w, h) of the FVC sets whose ISO templates were extracted at 300 x 400 px. */
    public static final Map<String, int[]> ISO_IMAGE_SIZES = Map.of(
            "fvc2002-db1b", new int[] {388, 374}, "fvc2002-db2b", new int[] {296, 560},
            "fvc2002-db3b", new int[] {300, 300}, "fvc2002-db4b", new int[] {288, 384},
            "fvc2004-db1b", new int[] {640, 480}, "fvc2004-db2b", new int[] {328, 364},
            "fvc2004-db3b", new int[] {300, 480}, "fvc2004-db4b", new int[] {288, 384});

    private final List<Minutiae> seeds;
    private final long seed;

    public FingerprintBackground(List<Minutiae> seeds, long seed) {
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("background needs at least one seed template");
        }
        this.seeds = List.copyOf(seeds);
        this.seed = seed;
    }

    public int seedCount() {
        return seeds.size();
    }

    /**
     * Seeds from {@code isoRoot}'s set folders (except {@code excludeSets}), rescaled to the real image
     * geometry; plus {@code mirrored} templates, which are mirrored here.
     */
    public static List<Minutiae> seeds(Path isoRoot, Set<String> excludeSets, List<Minutiae> mirrored) {
        List<Minutiae> out = new ArrayList<>();
        if (isoRoot != null && Files.isDirectory(isoRoot)) {
            try (var dirs = Files.list(isoRoot)) {
                for (Path dir : dirs.sorted().toList()) {
                    String set = dir.getFileName().toString();
                    int[] size = ISO_IMAGE_SIZES.get(set);
                    if (!Files.isDirectory(dir) || excludeSets.contains(set) || size == null) {
                        continue;
                    }
                    try (var files = Files.list(dir)) {
                        for (Path f : files.filter(p -> p.toString().endsWith(".iso")).sorted().toList()) {
                            for (FingerInputs.Finger fi : FingerInputs.decode(
                                    List.of(new Payload(FingerInputs.ISO, Files.readAllBytes(f))))) {
                                Minutiae m = rescale(fi.minutiae(), size[0], size[1]);
                                out.add(m);
                                out.add(mirror(m));
                            }
                        }
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        for (Minutiae m : mirrored) {
            out.add(mirror(m));
        }
        return out;
    }

    static Minutiae rescale(Minutiae m, int w, int h) {
        int n = m.count();
        double sx = (double) w / m.width, sy = (double) h / m.height;
        short[] x = new short[n], y = new short[n];
        float[] d = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (short) Math.min(w - 1, Math.round(m.x[i] * sx));
            y[i] = (short) Math.min(h - 1, Math.round(m.y[i] * sy));
            // a direction (cos, sin) stretched by (sx, sy)
            d[i] = (float) norm(Math.atan2(Math.sin(m.direction[i]) * sy, Math.cos(m.direction[i]) * sx));
        }
        return new Minutiae(w, h, x, y, d, m.bifurcation.clone());
    }

    static Minutiae mirror(Minutiae m) {
        int n = m.count();
        short[] x = new short[n];
        float[] d = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (short) (m.width - 1 - m.x[i]);
            d[i] = (float) norm(Math.PI - m.direction[i]);
        }
        return new Minutiae(m.width, m.height, x, m.y.clone(), d, m.bifurcation.clone());
    }

    static double norm(double a) {
        double t = 2 * Math.PI;
        a %= t;
        a = a < 0 ? a + t : a;
        return a >= t ? 0 : a;
    }

    /** Background template {@code index} (allocates; deterministic in (seed, index)). */
    public Minutiae generate(long index) {
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index);
        Minutiae s = seeds.get(r.nextInt(seeds.size()));
        int n = s.count();
        int w = s.width, h = s.height;
        double cx = w / 2.0, cy = h / 2.0;
        double rot = Math.toRadians(r.nextDouble(-30, 30));
        double scale = r.nextDouble(0.92, 1.08);
        double tx = r.nextDouble(-25, 25), ty = r.nextDouble(-25, 25);
        double drop = r.nextDouble(0.05, 0.25);
        int spurious = (int) Math.round(n * r.nextDouble(0, 0.15));
        double cos = Math.cos(rot) * scale, sin = Math.sin(rot) * scale;
        int minX = w, minY = h, maxX = 0, maxY = 0;
        for (int i = 0; i < n; i++) {
            minX = Math.min(minX, s.x[i]);
            maxX = Math.max(maxX, s.x[i]);
            minY = Math.min(minY, s.y[i]);
            maxY = Math.max(maxY, s.y[i]);
        }
        int cap = Math.min(Minutiae.MAX, n + spurious);
        short[] x = new short[cap], y = new short[cap];
        float[] d = new float[cap];
        boolean[] b = new boolean[cap];
        int k = 0;
        for (int i = 0; i < n + spurious && k < cap; i++) {
            double px, py, dir;
            boolean bif;
            if (i < n) {
                if (r.nextDouble() < drop) {
                    continue;
                }
                px = s.x[i] + r.nextDouble(-2, 2);
                py = s.y[i] + r.nextDouble(-2, 2);
                dir = s.direction[i] + r.nextDouble(-0.1, 0.1);
                bif = s.bifurcation[i];
            } else {
                px = r.nextDouble(minX, maxX + 1);
                py = r.nextDouble(minY, maxY + 1);
                dir = r.nextDouble(0, 2 * Math.PI);
                bif = r.nextBoolean();
            }
            double qx = cx + cos * (px - cx) - sin * (py - cy) + tx;
            double qy = cy + sin * (px - cx) + cos * (py - cy) + ty;
            int ix = (int) Math.round(qx), iy = (int) Math.round(qy);
            if (ix < 0 || iy < 0 || ix >= w || iy >= h) {
                continue;
            }
            x[k] = (short) ix;
            y[k] = (short) iy;
            d[k] = (float) norm(dir + rot);
            b[k] = bif;
            k++;
        }
        return new Minutiae(w, h, java.util.Arrays.copyOf(x, k), java.util.Arrays.copyOf(y, k),
                java.util.Arrays.copyOf(d, k), java.util.Arrays.copyOf(b, k));
    }
}
