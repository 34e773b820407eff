package io.biomatch.fingerprint.internal;

import io.biomatch.core.spi.Modality;
import java.nio.charset.StandardCharsets;
import org.jnbis.api.Jnbis;
import org.jnbis.api.model.Bitmap;

/**
 * WSQ (FBI Wavelet Scalar Quantization, the compression of ANSI/NIST fingerprint images) to an 8-bit gray
 * raster, decoded by jnbis.
 *
 * <p>Before jnbis sees the bytes, the header is checked here: the SOI marker, well-formed table segments up
 * to the frame header (SOF), and the image size from SOF within {@link FingerInputs#MIN_SIDE_PX}..{@link
 * FingerInputs#MAX_SIDE_PX}, so random or truncated bytes fail with a clear message and a forged size
 * cannot make the decoder allocate gigabytes. The resolution comes from jnbis when it reports one, else
 * from the {@code PPI} line of a {@code NIST_COM} comment segment (NBIS writes it there), else NaN.
 * jnbis 2.1.2 keeps no state between calls (its decoders have no mutable fields), so this is thread-safe.
 */
public final class WsqInput {
    private static final int SOI = 0xFFA0;
    private static final int SOF = 0xFFA2;
    private static final int COM = 0xFFA8;
    private static final int FIRST_TABLE = 0xFFA4; // DTT; DQT A5, DHT A6, DRT A7, COM A8

    /** A decoded raster; {@code ppi} is NaN when the file does not say. */
    public record Raster(int width, int height, byte[] gray, double ppi) {
    }

    private WsqInput() {
    }

    /** True when the bytes start with the WSQ start-of-image marker. */
    public static boolean looksLikeWsq(byte[] data) {
        return data.length >= 2 && ((data[0] & 0xFF) << 8 | (data[1] & 0xFF)) == SOI;
    }

    public static Raster decode(byte[] data, String where) {
        double headerPpi = checkHeader(data, where);
        Bitmap bitmap;
        try {
            bitmap = Jnbis.wsq().decode(data).asBitmap();
        } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
            throw Modality.invalid(where + ": WSQ data could not be decoded (truncated or corrupt)");
        }
        int w = bitmap.getWidth(), h = bitmap.getHeight();
        byte[] px = bitmap.getPixels();
        if (bitmap.getDepth() != 8 || px == null || (long) w * h != px.length) {
            throw Modality.invalid(where + ": WSQ image is not an 8-bit gray raster of the size in its header");
        }
        double ppi = bitmap.getPpi() > 0 ? bitmap.getPpi() : headerPpi;
        return new Raster(w, h, px, ppi);
    }

    /** Validates the header up to SOF; returns the NIST_COM PPI or NaN. */
    static double checkHeader(byte[] d, String where) {
        if (!looksLikeWsq(d)) {
            throw Modality.invalid(where + ": not WSQ data (no start-of-image marker)");
        }
        double ppi = Double.NaN;
        int pos = 2;
        while (true) {
            if (pos + 4 > d.length) {
                throw Modality.invalid(where + ": WSQ data is truncated (no frame header)");
            }
            int marker = u16(d, pos);
            int len = u16(d, pos + 2); // segment length, counting its own two bytes
            if (marker == SOF) {
                if (len < 17 || pos + 2 + len > d.length) {
                    throw Modality.invalid(where + ": WSQ frame header is truncated");
                }
                int height = u16(d, pos + 6), width = u16(d, pos + 8);
                if (width < FingerInputs.MIN_SIDE_PX || height < FingerInputs.MIN_SIDE_PX
                        || width > FingerInputs.MAX_SIDE_PX || height > FingerInputs.MAX_SIDE_PX) {
                    throw Modality.invalid(where + ": WSQ image size " + width + " x " + height + " px is outside "
                            + FingerInputs.MIN_SIDE_PX + ".." + FingerInputs.MAX_SIDE_PX);
                }
                if (pos + 2 + len >= d.length) {
                    throw Modality.invalid(where + ": WSQ data is truncated (no image data)");
                }
                return ppi;
            }
            if (marker < FIRST_TABLE || marker > COM || len < 2 || pos + 2 + len > d.length) {
                throw Modality.invalid(where + ": WSQ header is corrupt or truncated");
            }
            if (marker == COM) {
                double p = commentPpi(new String(d, pos + 4, len - 2, StandardCharsets.ISO_8859_1));
                if (!Double.isNaN(p)) {
                    ppi = p;
                }
            }
            pos += 2 + len;
        }
    }

    /** The {@code PPI n} line of a NIST_COM comment, or NaN ({@code PPI -1} means unknown). */
    static double commentPpi(String comment) {
        if (!comment.startsWith("NIST_COM")) {
            return Double.NaN;
        }
        for (String line : comment.split("[\\n\\r]+")) {
            String[] kv = line.trim().split("\\s+");
            if (kv.length == 2 && kv[0].equals("PPI")) {
                try {
                    double v = Double.parseDouble(kv[1]);
                    return v > 0 ? v : Double.NaN;
                } catch (NumberFormatException e) {
                    return Double.NaN;
                }
            }
        }
        return Double.NaN;
    }

    private static int u16(byte[] d, int pos) {
        return (d[pos] & 0xFF) << 8 | (d[pos + 1] & 0xFF);
    }
}
