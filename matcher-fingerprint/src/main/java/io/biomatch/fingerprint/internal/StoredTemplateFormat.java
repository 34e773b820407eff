package io.biomatch.fingerprint.internal;

import io.biomatch.core.spi.Modality;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * The stored (record-store) form of a fingerprint record, version 1, little-endian.
 *
 * <pre>
 * "BMFP" magic (4) | u8 version = 1 | u8 fingerCount (1..10) | u16 reserved = 0
 * per finger:
 *   u8 position (0..10) | u8 minutiaCount n (0..100) | u16 width | u16 height
 *   n x (u16 x | bifurcation&lt;&lt;15, u16 y, f32 direction)          compact minutiae (first stage)
 *   u32 length | length bytes                                        SourceAFIS serialized template (re-scoring)
 * u32 CRC32 of everything before it
 * </pre>
 *
 * Decoding rejects a wrong magic/version, truncation, trailing bytes, a bad checksum and out-of-range
 * fields with INVALID_INPUT.
 */
public final class StoredTemplateFormat {
    public static final int VERSION = 1;
    public static final int MAX_FINGERS = 10;
    private static final int MAGIC = 'B' | 'M' << 8 | 'F' << 16 | 'P' << 24;
    private static final int MAX_SOURCEAFIS_BYTES = 64 * 1024;

    /** One stored finger. */
    public record Finger(int position, Minutiae minutiae, byte[] sourceAfis) {
    }

    private StoredTemplateFormat() {
    }

    public static byte[] encode(List<Finger> fingers) {
        if (fingers.isEmpty() || fingers.size() > MAX_FINGERS) {
            throw Modality.invalid("a fingerprint record holds 1.." + MAX_FINGERS + " fingers, got " + fingers.size());
        }
        int size = 8 + 4;
        for (Finger f : fingers) {
            size += 6 + f.minutiae().count() * 8 + 4 + f.sourceAfis().length;
        }
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).put((byte) VERSION).put((byte) fingers.size()).putShort((short) 0);
        for (Finger f : fingers) {
            Minutiae m = f.minutiae();
            b.put((byte) f.position()).put((byte) m.count()).putShort((short) m.width).putShort((short) m.height);
            for (int i = 0; i < m.count(); i++) {
                b.putShort((short) (m.x[i] | (m.bifurcation[i] ? 0x8000 : 0))).putShort(m.y[i]).putFloat(m.direction[i]);
            }
            b.putInt(f.sourceAfis().length).put(f.sourceAfis());
        }
        CRC32 crc = new CRC32();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue());
        return b.array();
    }

    /** The finger count from the header, or -1 when the header is not a version-1 template (no checksum test). */
    public static int fingerCount(byte[] bytes) {
        if (bytes == null || bytes.length < 12) {
            return -1;
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt() != MAGIC || (b.get() & 0xFF) != VERSION) {
            return -1;
        }
        return b.get() & 0xFF;
    }

    /**
     * Checks magic, version, checksum and finger count (the part of {@link #decode} that needs no parsing);
     * returns the finger count.
     */
    private static int checkHeaderAndChecksum(byte[] bytes) {
        if (bytes == null || bytes.length < 12) {
            throw Modality.invalid("stored fingerprint template is truncated");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt() != MAGIC) {
            throw Modality.invalid("stored fingerprint template has a wrong magic (not a biomatch fingerprint template)");
        }
        int version = b.get() & 0xFF;
        if (version != VERSION) {
            throw Modality.invalid("stored fingerprint template version " + version + " is not supported (expected "
                    + VERSION + ")");
        }
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length - 4);
        int stored = ByteBuffer.wrap(bytes, bytes.length - 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        if (stored != (int) crc.getValue()) {
            throw Modality.invalid("stored fingerprint template is corrupt (checksum mismatch)");
        }
        int count = b.get() & 0xFF;
        if (count < 1 || count > MAX_FINGERS) {
            throw Modality.invalid("stored fingerprint template has " + count + " fingers");
        }
        return count;
    }

    /**
     * Finds each finger's position and serialized SourceAFIS template inside stored bytes without decoding
     * the minutiae (the re-scoring path needs only these). Same checks as {@link #decode} except the
     * minutia values, which re-scoring does not read (SourceAFIS validates its own template).
     *
     * @param position         out: finger position per finger (length &gt;= {@link #MAX_FINGERS})
     * @param sourceAfisOffset out: offset of the finger's SourceAFIS bytes in {@code bytes}
     * @param sourceAfisLength out: their length
     * @return the finger count
     */
    public static int locateSourceAfis(byte[] bytes, int[] position, int[] sourceAfisOffset, int[] sourceAfisLength) {
        int count = checkHeaderAndChecksum(bytes);
        int end = bytes.length - 4; // the checksum
        int at = 8;
        for (int f = 0; f < count; f++) {
            if (at + 6 > end) {
                throw Modality.invalid("stored fingerprint template is truncated");
            }
            int pos = bytes[at] & 0xFF;
            if (pos > 10) {
                throw Modality.invalid("stored fingerprint template has finger position " + pos);
            }
            int n = bytes[at + 1] & 0xFF;
            at += 6 + n * 8;
            if (at + 4 > end) {
                throw Modality.invalid("stored fingerprint template is truncated");
            }
            int len = (bytes[at] & 0xFF) | (bytes[at + 1] & 0xFF) << 8 | (bytes[at + 2] & 0xFF) << 16
                    | (bytes[at + 3] & 0xFF) << 24;
            at += 4;
            if (len < 1 || len > MAX_SOURCEAFIS_BYTES || len > end - at) {
                throw Modality.invalid("stored fingerprint template is truncated");
            }
            position[f] = pos;
            sourceAfisOffset[f] = at;
            sourceAfisLength[f] = len;
            at += len;
        }
        if (at != end) {
            throw Modality.invalid("stored fingerprint template has trailing bytes");
        }
        return count;
    }

    public static List<Finger> decode(byte[] bytes) {
        int count = checkHeaderAndChecksum(bytes);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).position(8);
        List<Finger> out = new ArrayList<>(count);
        try {
            for (int f = 0; f < count; f++) {
                int pos = b.get() & 0xFF;
                if (pos > 10) {
                    throw Modality.invalid("stored fingerprint template has finger position " + pos);
                }
                int n = b.get() & 0xFF;
                int w = b.getShort() & 0xFFFF;
                int h = b.getShort() & 0xFFFF;
                short[] x = new short[n];
                short[] y = new short[n];
                float[] d = new float[n];
                boolean[] bif = new boolean[n];
                for (int i = 0; i < n; i++) {
                    int xv = b.getShort() & 0xFFFF;
                    x[i] = (short) (xv & 0x7FFF);
                    bif[i] = (xv & 0x8000) != 0;
                    y[i] = b.getShort();
                    d[i] = b.getFloat();
                }
                int len = b.getInt();
                if (len < 1 || len > MAX_SOURCEAFIS_BYTES || len > b.remaining() - 4) {
                    throw Modality.invalid("stored fingerprint template is truncated");
                }
                byte[] sa = new byte[len];
                b.get(sa);
                out.add(new Finger(pos, new Minutiae(w, h, x, y, d, bif), sa));
            }
        } catch (java.nio.BufferUnderflowException e) {
            throw Modality.invalid("stored fingerprint template is truncated");
        }
        if (b.remaining() != 4) {
            throw Modality.invalid("stored fingerprint template has trailing bytes");
        }
        return out;
    }
}
