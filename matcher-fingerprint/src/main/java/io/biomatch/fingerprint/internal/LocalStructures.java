package io.biomatch.fingerprint.internal;

/**
 * Rotation- and translation-invariant local structure of each minutia: a 128-bit cylinder-like code of
 * its neighbourhood, in the minutia's own frame (a coarse, binary cousin of Minutia Cylinder Codes).
 *
 * <p>A neighbour k of minutia m at distance d (in {@code [MIN_DISTANCE, RADIUS)} pixels at 500 dpi)
 * falls into one of 4 rings x 8 sectors x 4 relative-direction bins:
 * <ul>
 *   <li>ring: {@code d / RING_WIDTH};</li>
 *   <li>sector: the angle of the vector m->k measured from m's direction (8 sectors of 45 degrees);</li>
 *   <li>direction bin: k's direction relative to m's (4 bins of 90 degrees).</li>
 * </ul>
 * bit = (ring * 8 + sector) * 4 + directionBin. The <em>hard</em> code sets the one cell of each
 * neighbour; the <em>soft</em> code sets every cell within the tolerance box (distance +-7 px, sector angle
 * +-(12 degrees + atan(7 px / d)), direction +-25 degrees), absorbing quantisation and skin distortion.
 *
 * <p>Similarity of probe minutia i and gallery minutia j (symmetric, 0..1):
 * {@code (|hardP & softG| + |softP & hardG|) / (|hardP| + |hardG|)}.
 */
public final class LocalStructures {
    public static final float RADIUS = 72f;
    public static final float MIN_DISTANCE = 6f;
    static final int RINGS = 4;
    static final int SECTORS = 8;
    static final int DIR_BINS = 4;
    static final float RING_WIDTH = RADIUS / RINGS;
    static final float DIST_TOL = 7f;
    static final double DIR_TOL = Math.toRadians(25);
    static final double SECTOR_TOL = Math.toRadians(12);
    static final double TWO_PI = 2 * Math.PI;

    private LocalStructures() {
    }

    /**
     * Computes the codes of minutiae {@code which[0..count)} using every minutia as a neighbour.
     * Output arrays are indexed like {@code which}: {@code hard[2*q], hard[2*q+1]} are the two words.
     */
    public static void compute(Minutiae m, int[] which, int count, long[] hard, long[] soft) {
        int n = m.count();
        for (int q = 0; q < count; q++) {
            int i = which[q];
            long h0 = 0, h1 = 0, s0 = 0, s1 = 0;
            double xi = m.x[i], yi = m.y[i], ti = m.direction[i];
            for (int k = 0; k < n; k++) {
                if (k == i) {
                    continue;
                }
                double dx = m.x[k] - xi, dy = m.y[k] - yi;
                double d = Math.sqrt(dx * dx + dy * dy);
                if (d < MIN_DISTANCE || d >= RADIUS + DIST_TOL) {
                    continue;
                }
                double alpha = norm(Math.atan2(dy, dx) - ti);
                double beta = norm(m.direction[k] - ti);
                if (d < RADIUS) {
                    int bit = cell((int) (d / RING_WIDTH), sector(alpha), dirBin(beta));
                    if (bit < 64) {
                        h0 |= 1L << bit;
                    } else {
                        h1 |= 1L << (bit - 64);
                    }
                }
                int r0 = Math.max(0, (int) ((d - DIST_TOL) / RING_WIDTH));
                int r1 = Math.min(RINGS - 1, (int) ((d + DIST_TOL) / RING_WIDTH));
                double ta = SECTOR_TOL + Math.atan(DIST_TOL / d);
                int sLo = (int) Math.floor((alpha - ta) / (TWO_PI / SECTORS));
                int sHi = (int) Math.floor((alpha + ta) / (TWO_PI / SECTORS));
                int bLo = (int) Math.floor((beta - DIR_TOL) / (TWO_PI / DIR_BINS));
                int bHi = (int) Math.floor((beta + DIR_TOL) / (TWO_PI / DIR_BINS));
                for (int r = r0; r <= r1; r++) {
                    for (int s = sLo; s <= sHi; s++) {
                        int sw = Math.floorMod(s, SECTORS);
                        for (int b = bLo; b <= bHi; b++) {
                            int bit = cell(r, sw, Math.floorMod(b, DIR_BINS));
                            if (bit < 64) {
                                s0 |= 1L << bit;
                            } else {
                                s1 |= 1L << (bit - 64);
                            }
                        }
                    }
                }
            }
            hard[2 * q] = h0;
            hard[2 * q + 1] = h1;
            soft[2 * q] = s0;
            soft[2 * q + 1] = s1;
        }
    }

    static int cell(int ring, int sector, int dirBin) {
        return (ring * SECTORS + sector) * DIR_BINS + dirBin;
    }

    static int sector(double alpha) {
        return Math.min(SECTORS - 1, (int) (alpha / (TWO_PI / SECTORS)));
    }

    static int dirBin(double beta) {
        return Math.min(DIR_BINS - 1, (int) (beta / (TWO_PI / DIR_BINS)));
    }

    static double norm(double a) {
        a %= TWO_PI;
        return a < 0 ? a + TWO_PI : a;
    }

    /** Direction quantised to 256 steps (1.4 degrees). */
    public static int angle256(float direction) {
        return ((int) Math.round(direction * (256 / TWO_PI))) & 0xFF;
    }

    /**
     * Up to {@code max} minutiae nearest the centroid of all minutiae (most likely inside the overlap with
     * another impression), in ascending distance; returns the count written to {@code which}.
     */
    public static int central(Minutiae m, int max, int[] which) {
        int n = m.count();
        double cx = 0, cy = 0;
        for (int i = 0; i < n; i++) {
            cx += m.x[i];
            cy += m.y[i];
        }
        cx /= Math.max(1, n);
        cy /= Math.max(1, n);
        long[] keyed = new long[n];
        for (int i = 0; i < n; i++) {
            double dx = m.x[i] - cx, dy = m.y[i] - cy;
            keyed[i] = ((long) (dx * dx + dy * dy) << 8) | i;
        }
        java.util.Arrays.sort(keyed);
        int count = Math.min(max, n);
        for (int q = 0; q < count; q++) {
            which[q] = (int) (keyed[q] & 0xFF);
        }
        return count;
    }
}
