package io.biomatch.face;

/**
 * One face found by the detector, in original image pixels.
 *
 * @param x          box left
 * @param y          box top
 * @param width      box width
 * @param height     box height
 * @param landmarks  10 values, YuNet order: right eye (image-left) x,y; left eye x,y; nose tip x,y;
 *                   right mouth corner x,y; left mouth corner x,y
 * @param score      detector confidence in [0, 1]
 */
public record DetectedFace(float x, float y, float width, float height, float[] landmarks, float score) {
    public DetectedFace {
        if (landmarks == null || landmarks.length != 10) {
            throw new IllegalArgumentException("5 landmarks (10 values) expected");
        }
        landmarks = landmarks.clone();
    }

    @Override
    public float[] landmarks() {
        return landmarks.clone();
    }

    /** Box area in square pixels; the "largest face" is the one with the largest area. */
    public float area() {
        return width * height;
    }

    /** Shorter box side in pixels (what the too-small check looks at). */
    public float minSide() {
        return Math.min(width, height);
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "face[x=%.0f y=%.0f w=%.0f h=%.0f score=%.3f]", x, y, width,
                height, score);
    }
}
