package io.biomatch.fingerprint.internal;

import com.machinezoo.sourceafis.FingerprintMatcher;
import com.machinezoo.sourceafis.FingerprintTemplate;

/**
 * One finger of a prepared probe: its position, the local-structure codes of all its minutiae (struct of
 * arrays for the first-stage kernel) and the SourceAFIS matcher built once for re-scoring.
 */
public final class ProbeFinger {
    /** Minutiae with fewer neighbours than this carry no code (their similarity would be noise). */
    public static final int MIN_NEIGHBOURS = 2;

    public final int position;
    public final int count;
    public final long[] hard0, hard1, soft0, soft1;
    public final int[] hardCount;
    public final int[] angle256;
    /** {@code (i << 8) | angle256[i]}: the vector kernel carries a pair's probe index and direction as one int. */
    public final int[] indexAngle;
    /** Positions (px) of the code-bearing minutiae. */
    public final float[] x, y;
    /** Index of each code's minutia among all minutiae. */
    public final int[] codeMinutia;
    /** All minutiae (the pairing stage): count, positions (px) and directions in 256 steps. */
    public final int minutiaCount;
    public final float[] minutiaX, minutiaY;
    public final int[] minutiaAngle;
    public final FingerprintTemplate template;
    public final FingerprintMatcher matcher;

    public ProbeFinger(int position, Minutiae m, FingerprintTemplate template) {
        this.position = position;
        this.template = template;
        this.matcher = template == null ? null : new FingerprintMatcher(template); // null: kernel tests only
        int n = m.count();
        int[] which = new int[n];
        for (int i = 0; i < n; i++) {
            which[i] = i;
        }
        long[] hard = new long[2 * n];
        long[] soft = new long[2 * n];
        LocalStructures.compute(m, which, n, hard, soft);
        int c = 0;
        long[] h0 = new long[n], h1 = new long[n], s0 = new long[n], s1 = new long[n]; // zero beyond c
        int[] hc = new int[n], a = new int[n];
        float[] xs = new float[n], ys = new float[n];
        int[] cm = new int[n];
        this.minutiaCount = n;
        this.minutiaX = new float[n];
        this.minutiaY = new float[n];
        this.minutiaAngle = new int[n];
        for (int i = 0; i < n; i++) {
            minutiaX[i] = m.x[i];
            minutiaY[i] = m.y[i];
            minutiaAngle[i] = LocalStructures.angle256(m.direction[i]);
        }
        for (int i = 0; i < n; i++) {
            int bits = Long.bitCount(hard[2 * i]) + Long.bitCount(hard[2 * i + 1]);
            if (bits < MIN_NEIGHBOURS) {
                continue;
            }
            h0[c] = hard[2 * i];
            h1[c] = hard[2 * i + 1];
            s0[c] = soft[2 * i];
            s1[c] = soft[2 * i + 1];
            hc[c] = bits;
            a[c] = LocalStructures.angle256(m.direction[i]);
            xs[c] = m.x[i];
            ys[c] = m.y[i];
            cm[c] = i;
            c++;
        }
        this.count = c;
        this.hard0 = java.util.Arrays.copyOf(h0, c);
        this.hard1 = java.util.Arrays.copyOf(h1, c);
        this.soft0 = java.util.Arrays.copyOf(s0, c);
        this.soft1 = java.util.Arrays.copyOf(s1, c);
        this.hardCount = java.util.Arrays.copyOf(hc, c);
        this.angle256 = java.util.Arrays.copyOf(a, c);
        this.indexAngle = new int[c];
        for (int i = 0; i < c; i++) {
            indexAngle[i] = (i << 8) | angle256[i];
        }
        this.x = java.util.Arrays.copyOf(xs, c);
        this.y = java.util.Arrays.copyOf(ys, c);
        this.codeMinutia = java.util.Arrays.copyOf(cm, c);
    }

    /** Finger positions are compatible when either is unknown (0) or both are the same finger. */
    public static boolean compatible(int a, int b) {
        return a == 0 || b == 0 || a == b;
    }
}
