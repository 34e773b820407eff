package io.biomatch.face;

/**
 * A detected face and its unit-length embedding.
 *
 * @param face    where the face is
 * @param vector  L2-normalised embedding (length = the model's dim)
 */
public record FaceEmbedding(DetectedFace face, float[] vector) {
    public FaceEmbedding {
        vector = vector.clone();
    }

    @Override
    public float[] vector() {
        return vector.clone();
    }
}
