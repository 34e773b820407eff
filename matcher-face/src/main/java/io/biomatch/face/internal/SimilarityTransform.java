package io.biomatch.face.internal;

/**
 * Least-squares 2-D similarity transform (rotation, uniform scale, translation; no reflection) mapping
 * source points onto destination points, in closed form (Umeyama restricted to similarities):
 * <pre>
 *   x' = a x - b y + tx
 *   y' = b x + a y + ty
 *   a = sum(xs*xd + ys*yd) / sum(xs^2 + ys^2),  b = sum(xs*yd - ys*xd) / sum(xs^2 + ys^2)   (centred points)
 * </pre>
 */
public final class SimilarityTransform {
    private SimilarityTransform() {
    }

    /** The standard 112x112 ArcFace template, in YuNet landmark order. */
    public static final double[] ARCFACE_112 = {
            38.2946, 51.6963, 73.5318, 51.5014, 56.0252, 71.7366, 41.5493, 92.3655, 70.7299, 92.2041};

    /**
     * Returns the 2x3 affine matrix {@code {a, -b, tx, b, a, ty}} mapping {@code src} onto {@code dst}
     * (both interleaved x,y; same length, at least 2 points).
     */
    public static double[] estimate(double[] src, double[] dst) {
        int n = src.length / 2;
        if (src.length != dst.length || n < 2 || src.length % 2 != 0) {
            throw new IllegalArgumentException("need the same number (>= 2) of source and destination points");
        }
        double sx = 0, sy = 0, dx = 0, dy = 0;
        for (int i = 0; i < n; i++) {
            sx += src[2 * i];
            sy += src[2 * i + 1];
            dx += dst[2 * i];
            dy += dst[2 * i + 1];
        }
        sx /= n;
        sy /= n;
        dx /= n;
        dy /= n;
        double num1 = 0, num2 = 0, den = 0;
        for (int i = 0; i < n; i++) {
            double xs = src[2 * i] - sx, ys = src[2 * i + 1] - sy;
            double xd = dst[2 * i] - dx, yd = dst[2 * i + 1] - dy;
            num1 += xs * xd + ys * yd;
            num2 += xs * yd - ys * xd;
            den += xs * xs + ys * ys;
        }
        if (!(den > 1e-9)) {
            throw new IllegalArgumentException("degenerate landmarks (all points coincide)");
        }
        double a = num1 / den, b = num2 / den;
        double tx = dx - (a * sx - b * sy);
        double ty = dy - (b * sx + a * sy);
        return new double[] {a, -b, tx, b, a, ty};
    }
}
