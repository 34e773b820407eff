package io.biomatch.face.internal;

import io.biomatch.core.spi.Modality;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * The stored face template (record store bytes), little-endian:
 * <pre>
 *  0        4         5        6         8              12                       12 + 4*dim
 *  | magic  | version | 0      | dim u16 | model id CRC32 | float32[dim] unit vector |
 *  | "BMF1" | 1       |        |         |                |                          |
 * </pre>
 * The model id CRC keeps embeddings of different models apart: a template made with one model is rejected
 * by a modality configured with another (their cosines would be meaningless).
 */
public final class FaceTemplateFormat {
    private FaceTemplateFormat() {
    }

    public static final int MAGIC = 0x31464D42; // "BMF1" read as a little-endian int
    public static final byte VERSION = 1;
    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 4;
    public static final int DIM_OFFSET = 6;
    public static final int MODEL_OFFSET = 8;
    public static final int HEADER_BYTES = 12;

    /** Tolerance on |v| - 1 for a stored unit vector (float32 rounding of a normalised vector is ~1e-7 per element). */
    public static final double UNIT_NORM_TOLERANCE = 1e-3;

    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public static int bytes(int dim) {
        return HEADER_BYTES + 4 * dim;
    }

    public static int modelCode(String modelId) {
        CRC32 crc = new CRC32();
        crc.update(modelId.getBytes(StandardCharsets.UTF_8));
        return (int) crc.getValue();
    }

    public static byte[] encode(float[] unit, int modelCode) {
        byte[] out = new byte[bytes(unit.length)];
        MemorySegment s = MemorySegment.ofArray(out);
        s.set(I32, MAGIC_OFFSET, MAGIC);
        s.set(ValueLayout.JAVA_BYTE, VERSION_OFFSET, VERSION);
        s.set(I16, DIM_OFFSET, (short) unit.length);
        s.set(I32, MODEL_OFFSET, modelCode);
        MemorySegment.copy(unit, 0, s, F32, HEADER_BYTES, unit.length);
        return out;
    }

    /** Checks header, size and model; returns the segment over the vector part (no copy). */
    public static MemorySegment vectorView(byte[] template, int dim, int modelCode) {
        if (template == null || template.length != bytes(dim)) {
            throw Modality.invalid("face template must be " + bytes(dim) + " bytes for dim " + dim + ", was "
                    + (template == null ? "null" : template.length));
        }
        MemorySegment s = MemorySegment.ofArray(template);
        if (s.get(I32, MAGIC_OFFSET) != MAGIC || s.get(ValueLayout.JAVA_BYTE, VERSION_OFFSET) != VERSION) {
            throw Modality.invalid("not a face template (bad magic or version)");
        }
        if ((s.get(I16, DIM_OFFSET) & 0xFFFF) != dim) {
            throw Modality.invalid("face template dim " + (s.get(I16, DIM_OFFSET) & 0xFFFF) + " != configured " + dim);
        }
        if (s.get(I32, MODEL_OFFSET) != modelCode) {
            throw Modality.invalid("face template was made by another embedding model than the configured one");
        }
        return s.asSlice(HEADER_BYTES, 4L * dim);
    }

    /** Full validation (header and a finite unit vector); returns the vector. */
    public static float[] decode(byte[] template, int dim, int modelCode) {
        MemorySegment v = vectorView(template, dim, modelCode);
        float[] out = v.toArray(F32);
        double n2 = 0;
        for (float x : out) {
            if (!Float.isFinite(x)) {
                throw Modality.invalid("face template holds NaN or infinite values");
            }
            n2 += (double) x * x;
        }
        if (Math.abs(Math.sqrt(n2) - 1) > UNIT_NORM_TOLERANCE) {
            throw Modality.invalid("face template vector is not unit length");
        }
        return out;
    }
}
