package io.biomatch.core.internal;

import io.biomatch.core.Record;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * Binary form of a {@link Record} in the record store. Versioned and checksummed so that a torn or corrupt
 * value is detected at start instead of being served.
 *
 * <pre>
 *  0      4        5             13          15..        ..          ..          ..           ..            end-4  end
 *  | magic | version | createdMillis | idLen u16 | id UTF-8 | modLen u8 | modality | agencyLen u16 | agency |
 *  | metaCount u16 | (keyLen u16, key, valLen u16, value)* | templateLen i32 | template | CRC32C i32 |
 * </pre>
 * Little-endian.
 */
public final class RecordCodec {
    static final int MAGIC = 0x31524D42; // "BMR1"
    static final byte VERSION = 1;

    private RecordCodec() {
    }

    public static byte[] encode(Record r) {
        byte[] id = utf8(r.id());
        byte[] modality = utf8(r.modality());
        byte[] agency = utf8(r.agency());
        int size = 4 + 1 + 8 + 2 + id.length + 1 + modality.length + 2 + agency.length + 2;
        byte[][] meta = new byte[r.metadata().size() * 2][];
        int i = 0;
        for (var e : r.metadata().entrySet()) {
            meta[i] = utf8(e.getKey());
            meta[i + 1] = utf8(e.getValue());
            size += 4 + meta[i].length + meta[i + 1].length;
            i += 2;
        }
        size += 4 + r.template().length + 4;
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).put(VERSION).putLong(r.createdMillis());
        putU16(b, id);
        b.put((byte) modality.length).put(modality);
        putU16(b, agency);
        b.putShort((short) r.metadata().size());
        for (byte[] m : meta) {
            putU16(b, m);
        }
        b.putInt(r.template().length).put(r.template());
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, size - 4);
        b.putInt((int) crc.getValue());
        return b.array();
    }

    /** Decodes; throws {@link CorruptRecordException} on a bad magic, version, length or checksum. */
    public static Record decode(byte[] bytes) {
        try {
            if (bytes.length < 4 + 1 + 8 + 4) {
                throw new CorruptRecordException("record too short: " + bytes.length + " bytes");
            }
            ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            CRC32C crc = new CRC32C();
            crc.update(bytes, 0, bytes.length - 4);
            if ((int) crc.getValue() != b.getInt(bytes.length - 4)) {
                throw new CorruptRecordException("record checksum mismatch");
            }
            if (b.getInt() != MAGIC) {
                throw new CorruptRecordException("bad record magic");
            }
            byte version = b.get();
            if (version != VERSION) {
                throw new CorruptRecordException("unsupported record version " + version);
            }
            long created = b.getLong();
            String id = getU16(b);
            byte[] mod = new byte[b.get() & 0xFF];
            b.get(mod);
            String agency = getU16(b);
            int metaCount = b.getShort() & 0xFFFF;
            TreeMap<String, String> meta = new TreeMap<>();
            for (int i = 0; i < metaCount; i++) {
                meta.put(getU16(b), getU16(b));
            }
            int templateLen = b.getInt();
            if (templateLen < 0 || templateLen != b.remaining() - 4) {
                throw new CorruptRecordException("bad template length " + templateLen);
            }
            byte[] template = new byte[templateLen];
            b.get(template);
            return new Record(id, new String(mod, StandardCharsets.UTF_8), agency, meta, template, created);
        } catch (java.nio.BufferUnderflowException | IllegalArgumentException e) {
            throw new CorruptRecordException("truncated record");
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void putU16(ByteBuffer b, byte[] s) {
        b.putShort((short) s.length).put(s);
    }

    private static String getU16(ByteBuffer b) {
        byte[] s = new byte[b.getShort() & 0xFFFF];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }

    /** A stored record that cannot be decoded. */
    public static final class CorruptRecordException extends RuntimeException {
        public CorruptRecordException(String message) {
            super(message, null, false, false);
        }
    }
}
