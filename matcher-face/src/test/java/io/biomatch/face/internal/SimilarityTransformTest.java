package io.biomatch.face.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SimilarityTransformTest {
    @Test
    void recoversAKnownSimilarity() {
        double angle = 0.3, scale = 0.7, tx = 12.5, ty = -4;
        double a = scale * Math.cos(angle), b = scale * Math.sin(angle);
        double[] src = {100, 120, 180, 118, 140, 160, 110, 200, 175, 199};
        double[] dst = new double[10];
        for (int i = 0; i < 5; i++) {
            double x = src[2 * i], y = src[2 * i + 1];
            dst[2 * i] = a * x - b * y + tx;
            dst[2 * i + 1] = b * x + a * y + ty;
        }
        assertArrayEquals(new double[] {a, -b, tx, b, a, ty}, SimilarityTransform.estimate(src, dst), 1e-9);
    }

    @Test
    void rejectsDegeneratePoints() {
        double[] same = {5, 5, 5, 5, 5, 5, 5, 5, 5, 5};
        assertThrows(IllegalArgumentException.class, () -> SimilarityTransform.estimate(same, SimilarityTransform.ARCFACE_112));
    }
}
