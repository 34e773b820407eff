package io.biomatch.fingerprint.internal;

import io.biomatch.core.Payload;
import io.biomatch.core.spi.Modality;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jnbis.api.Jnbis;
import org.jnbis.api.model.Nist;
import org.jnbis.api.model.record.HighResolutionGrayscaleFingerprint;
import org.jnbis.api.model.record.TransactionInformation;
import org.jnbis.api.model.record.VariableResolutionFingerprint;
import org.jnbis.api.model.record.VariableResolutionLatentImage;
import org.jnbis.internal.record.BaseVariableResolutionImageRecord;

/**
 * ANSI/NIST-ITL transactions (1-2011 and the earlier traditional-encoding versions; not the XML encoding)
 * decoded by jnbis: every single-finger image record becomes one finger with the record's position.
 *
 * <h2>Which records</h2>
 * <ul>
 *   <li>Type-4 (high-resolution gray, binary header): FGP from the header; image uncompressed (GCA 0), WSQ
 *   (1), baseline JPEG (2) or PNG (6); resolution from Type-1 NTR (ISR 0, nominally 19.69 px/mm = 500 ppi)
 *   or NSR (ISR 1).</li>
 *   <li>Type-14 (variable-resolution fingerprint) and Type-13 (latent): FGP field .013, compression .011
 *   {@code NONE} (8 bits/pixel), {@code WSQ20}, {@code JPEGB}, {@code PNG}; resolution from .008/.009 (SLC 1 =
 *   ppi, 2 = px/cm). JPEG lossless and JPEG 2000 are rejected (no decoder in the JDK).</li>
 * </ul>
 * Finger positions: 1..10 as they are; the plain thumbs 11 and 12 become 1 and 6, used only when the
 * transaction has no other record of that thumb; 0 and 255 are unknown (the payload's {@code finger_position}
 * attribute, else 0); multi-finger slaps (13..15, 40..50), palms and other codes are skipped (no
 * segmentation). One finger per position: the first record of a position wins (rolled and plain impressions
 * of the same finger are not both stored). A Type-13 latent listing several possible fingers is unknown (0).
 * When the record gives no resolution: the WSQ file's, else the {@code dpi} attribute, else 500.
 *
 * <p>Before jnbis reads anything the transaction's layout is checked here (Type-1 first, the record list of
 * field 1.003, every record's length inside the data, tagged records ending with FS), so random or truncated
 * bytes fail with a clear message and forged lengths cannot make the decoder allocate gigabytes. Record types
 * jnbis cannot read (11, 12, 18 and up) are rejected.
 */
final class AnsiNistInput {
    private static final byte FS = 0x1C, GS = 0x1D, RS = 0x1E, US = 0x1F;
    private static final int MAX_RECORDS = 1000;

    private AnsiNistInput() {
    }

    /** A fingerprint image record selected for extraction. */
    private record Candidate(int position, String kind, Image image) {
    }

    @FunctionalInterface
    private interface Image {
        FingerInputs.Positioned decode(int position);
    }

    static List<FingerInputs.Positioned> decode(Payload p, String where) {
        byte[] d = p.data();
        checkLayout(d, where);
        Nist nist;
        try {
            nist = Jnbis.nist().decode(d);
        } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
            throw Modality.invalid(where + ": ANSI/NIST transaction could not be decoded (corrupt record fields)");
        }
        TransactionInformation t1 = nist.getTransactionInfo();
        double ntr = ppmmToPpi(t1 == null ? null : t1.getNominalTransmittingResolution());
        double nsr = ppmmToPpi(t1 == null ? null : t1.getNativeScanningResolution());

        List<Candidate> all = new ArrayList<>();
        int n = 0;
        for (HighResolutionGrayscaleFingerprint r : nist.getHiResGrayscaleFingerprints()) {
            String what = where + " Type-4 record " + (++n);
            int fgp = intOr(r.getFingerPosition(), -1) & 0xFF;
            double dpi = "1".equals(trim(r.getImageScanningResolution())) ? nsr : ntr;
            int gca = intOr(r.getCompressionAlgorithm(), -1) & 0xFF;
            String compression = switch (gca) {
                case 0 -> "NONE";
                case 1 -> "WSQ20";
                case 2 -> "JPEGB";
                case 3 -> "JPEGL";
                case 4 -> "JP2";
                case 5 -> "JP2L";
                case 6 -> "PNG";
                default -> "code " + gca;
            };
            int w = intOr(r.getHorizontalLineLength(), -1), h = intOr(r.getVerticalLineLength(), -1);
            all.add(new Candidate(fgp, "4", pos -> image(p, what, pos, compression, 8, w, h, dpi, r.getImageData())));
        }
        n = 0;
        for (VariableResolutionFingerprint r : nist.getVariableResFingerprints()) {
            String what = where + " Type-14 record " + (++n);
            int fgp = firstPosition(r.getFingerPosition());
            all.add(new Candidate(fgp, "14", pos -> variable(p, what, pos, r)));
        }
        n = 0;
        for (VariableResolutionLatentImage r : nist.getVariableResLatentImages()) {
            String what = where + " Type-13 record " + (++n);
            int fgp = latentPosition(r.getFingerPalmPosition());
            all.add(new Candidate(fgp, "13", pos -> variable(p, what, pos, r)));
        }

        // one finger per position: single fingers 1..10 first, then plain thumbs 11/12 for a thumb not yet
        // present, then unknown positions (each its own finger)
        List<Candidate> chosen = new ArrayList<>();
        boolean[] taken = new boolean[11];
        for (Candidate c : all) {
            if (c.position() >= 1 && c.position() <= 10 && !taken[c.position()]) {
                taken[c.position()] = true;
                chosen.add(c);
            }
        }
        for (Candidate c : all) {
            int thumb = c.position() == 11 ? 1 : c.position() == 12 ? 6 : -1;
            if (thumb > 0 && !taken[thumb]) {
                taken[thumb] = true;
                chosen.add(new Candidate(thumb, c.kind(), c.image()));
            }
        }
        for (Candidate c : all) {
            if (c.position() == 0 || c.position() == 255) {
                chosen.add(new Candidate(0, c.kind(), c.image()));
            }
        }
        if (chosen.isEmpty()) {
            throw Modality.invalid(where + ": the transaction holds no single-finger image record (Type-4, Type-13 "
                    + "or Type-14 with finger position 0..12)");
        }
        if (chosen.size() > StoredTemplateFormat.MAX_FINGERS) {
            throw Modality.invalid(where + ": the transaction holds " + chosen.size()
                    + " fingers of unknown position; at most " + StoredTemplateFormat.MAX_FINGERS + " per record");
        }
        List<FingerInputs.Positioned> out = new ArrayList<>(chosen.size());
        for (Candidate c : chosen) {
            out.add(c.image().decode(c.position()));
        }
        return out;
    }

    private static FingerInputs.Positioned variable(Payload p, String what, int position,
                                                    BaseVariableResolutionImageRecord r) {
        double dpi = Double.NaN;
        double hps = doubleOr(r.getHorizontalPixelScale(), Double.NaN);
        String slc = trim(r.getScaleUnits());
        switch (slc) {
            case "1", "2" -> {
                // a stated resolution that cannot be read must not quietly become 500 ppi: the scores would be
                // computed at a wrong scale
                if (!(hps > 0) || Double.isInfinite(hps)) {
                    throw Modality.invalid(what + ": horizontal pixel scale '" + clip(r.getHorizontalPixelScale())
                            + "' is not a positive number (scale units " + slc + ")");
                }
                dpi = slc.equals("1") ? hps : hps * 2.54;
            }
            case "0", "" -> {
                // only the aspect ratio is known (or nothing): the file's, the attribute's or 500 ppi
            }
            default -> throw Modality.invalid(what + ": scale units '" + clip(slc) + "' are not 0 (aspect ratio),"
                    + " 1 (pixels per inch) or 2 (pixels per centimetre)");
        }
        String cga = trim(r.getCompressionAlgorithm()).toUpperCase(Locale.ROOT);
        String compression = switch (cga) {
            case "NONE", "0" -> "NONE";
            case "WSQ20", "WSQ", "1" -> "WSQ20";
            case "JPEGB", "2" -> "JPEGB";
            case "PNG" -> "PNG";
            default -> cga.isEmpty() ? "missing" : cga;
        };
        int bpx = intOr(r.getBitsPerPixel(), 8);
        int w = intOr(r.getHorizontalLineLength(), -1), h = intOr(r.getVerticalLineLength(), -1);
        return image(p, what, position, compression, bpx, w, h, dpi, r.getImageData());
    }

    private static FingerInputs.Positioned image(Payload p, String what, int position, String compression, int bpx,
                                                 int w, int h, double recordDpi, byte[] data) {
        if (data == null || data.length == 0) {
            throw Modality.invalid(what + ": no image data");
        }
        double fileDpi = Double.NaN;
        byte[] gray;
        switch (compression) {
            case "NONE" -> {
                if (bpx != 8) {
                    throw Modality.invalid(what + ": uncompressed images must have 8 bits per pixel, not " + bpx);
                }
                checkSize(what, w, h);
                if (data.length < w * h) {
                    throw Modality.invalid(what + ": image data is shorter than " + w + " x " + h + " px");
                }
                gray = java.util.Arrays.copyOf(data, w * h);
            }
            case "WSQ20" -> {
                WsqInput.Raster r = WsqInput.decode(data, what);
                w = r.width();
                h = r.height();
                gray = r.gray();
                fileDpi = r.ppi();
            }
            case "JPEGB", "PNG" -> {
                // the size is checked from the image's header before its raster is allocated
                BufferedImage img = FingerInputs.decodeImage(data, what + " (" + compression + ")").image();
                double dpi = resolve(p, what, recordDpi, Double.NaN);
                return new FingerInputs.Positioned(position, FingerInputs.fromBufferedImage(img, dpi, what));
            }
            default -> throw Modality.invalid(what + ": image compression " + compression + " is not supported "
                    + "(NONE, WSQ20, JPEGB and PNG are)");
        }
        double dpi = resolve(p, what, recordDpi, fileDpi);
        return new FingerInputs.Positioned(position, FingerInputs.fromGray(w, h, gray, dpi, what));
    }

    /** The record's resolution, else the image file's, else the attribute, else 500; range-checked. */
    private static double resolve(Payload p, String what, double recordDpi, double fileDpi) {
        if (recordDpi == UNREADABLE) {
            throw Modality.invalid(what + ": the transaction's resolution (Type-1 NTR or NSR) is not a positive"
                    + " number of pixels per mm");
        }
        if (recordDpi >= FingerInputs.MIN_DPI && recordDpi <= FingerInputs.MAX_DPI) {
            return recordDpi;
        }
        if (Double.isFinite(recordDpi) && recordDpi > 0) {
            throw Modality.invalid(what + ": resolution " + Math.round(recordDpi) + " ppi in the record is outside "
                    + (int) FingerInputs.MIN_DPI + ".." + (int) FingerInputs.MAX_DPI);
        }
        if (fileDpi >= FingerInputs.MIN_DPI && fileDpi <= FingerInputs.MAX_DPI) {
            return fileDpi;
        }
        return FingerInputs.dpi(p, Double.NaN, what);
    }

    private static void checkSize(String what, int w, int h) {
        if (w < FingerInputs.MIN_SIDE_PX || h < FingerInputs.MIN_SIDE_PX || w > FingerInputs.MAX_SIDE_PX
                || h > FingerInputs.MAX_SIDE_PX) {
            throw Modality.invalid(what + ": image size " + w + " x " + h + " px is outside "
                    + FingerInputs.MIN_SIDE_PX + ".." + FingerInputs.MAX_SIDE_PX);
        }
    }

    /** First subfield of a Type-14 FGP field; -1 when absent or not a number. */
    static int firstPosition(String fgp) {
        String v = trim(fgp);
        int end = 0;
        while (end < v.length() && Character.isDigit(v.charAt(end))) {
            end++;
        }
        return end == 0 ? -1 : intOr(v.substring(0, end), -1);
    }

    /** Type-13 FGP lists the possible positions: one finger -> it; several fingers or unknown -> 0; palms -> -1. */
    static int latentPosition(String fgp) {
        String v = trim(fgp);
        if (v.isEmpty()) {
            return 0;
        }
        int single = -1, count = 0;
        for (String s : v.split("[\\x1E\\x1F]")) {
            int code = intOr(s, -1);
            if (code < 0 || code > 10 && code != 255) {
                return -1;
            }
            count++;
            single = code == 255 ? 0 : code;
        }
        return count == 1 ? single : 0;
    }

    /**
     * Layout check: Type-1 first (tagged, "1.001:" length), the record list of 1.003, then each listed
     * record inside the data: binary types 3..8 by their 4-byte length, tagged types by their .001 length and
     * a final FS.
     */
    static void checkLayout(byte[] d, String where) {
        int len1 = taggedLength(d, 0, 1);
        if (len1 < 0) {
            throw Modality.invalid(where + ": not an ANSI/NIST-ITL transaction (no Type-1 record)");
        }
        if (len1 > d.length) {
            throw Modality.invalid(where + ": ANSI/NIST transaction is truncated (Type-1 record)");
        }
        String t1 = new String(d, 0, len1, StandardCharsets.ISO_8859_1);
        int cnt = t1.indexOf((char) GS + "1.003:");
        if (cnt < 0) {
            throw Modality.invalid(where + ": ANSI/NIST Type-1 record has no file content field (1.003)");
        }
        int start = cnt + 7, end = start;
        while (end < t1.length() && t1.charAt(end) != GS && t1.charAt(end) != FS) {
            end++;
        }
        String[] entries = t1.substring(start, end).split(String.valueOf((char) RS));
        if (entries.length - 1 > MAX_RECORDS) {
            throw Modality.invalid(where + ": ANSI/NIST transaction lists more than " + MAX_RECORDS + " records");
        }
        int pos = len1;
        for (int i = 1; i < entries.length; i++) {
            String e = entries[i];
            int us = e.indexOf(US);
            int type = intOr(us < 0 ? e : e.substring(0, us), -1);
            int len;
            String what = where + ": ANSI/NIST record " + i + " (Type-" + type + ")";
            if (type >= 3 && type <= 8) {
                if (pos + 4 > d.length) {
                    throw Modality.invalid(what + " is missing (transaction truncated)");
                }
                len = (d[pos] & 0xFF) << 24 | (d[pos + 1] & 0xFF) << 16 | (d[pos + 2] & 0xFF) << 8 | (d[pos + 3] & 0xFF);
                if (len < 18 && type == 4 || len < 4) {
                    throw Modality.invalid(what + " has an invalid length");
                }
            } else if (type == 2 || type == 9 || type == 10 || (type >= 13 && type <= 17)) {
                len = taggedLength(d, pos, type);
                if (len < 0) {
                    throw Modality.invalid(what + " does not start with its length field");
                }
            } else {
                throw Modality.invalid(what + ": record type not supported by the decoder");
            }
            if (len > d.length - pos) {
                throw Modality.invalid(what + " is truncated");
            }
            if (!(type >= 3 && type <= 8) && d[pos + len - 1] != FS) {
                throw Modality.invalid(what + " does not end where its length says");
            }
            pos += len;
        }
    }

    /** The value of field {@code type}.001 at {@code pos} (tagged record length), or -1 when it is not there. */
    private static int taggedLength(byte[] d, int pos, int type) {
        byte[] tag = (type + ".").getBytes(StandardCharsets.US_ASCII);
        int i = pos;
        for (byte b : tag) {
            if (i >= d.length || d[i++] != b) {
                return -1;
            }
        }
        int zeros = 0;
        while (i < d.length && d[i] == '0') {
            i++;
            zeros++;
        }
        if (zeros == 0 || i + 2 > d.length || d[i] != '1' || d[i + 1] != ':') {
            return -1;
        }
        i += 2;
        long v = 0;
        int digits = 0;
        while (i < d.length && d[i] >= '0' && d[i] <= '9' && digits < 10) {
            v = v * 10 + (d[i++] - '0');
            digits++;
        }
        if (digits == 0 || i >= d.length || (d[i] != GS && d[i] != FS) || v > Integer.MAX_VALUE) {
            return -1;
        }
        return (int) v;
    }

    /** Type-1 NTR/NSR in pixels per mm to ppi; NaN when absent, {@link #UNREADABLE} when present but not usable. */
    private static double ppmmToPpi(String v) {
        if (trim(v).isEmpty()) {
            return Double.NaN;
        }
        double ppmm = doubleOr(v, Double.NaN);
        return ppmm > 0 && !Double.isInfinite(ppmm) ? ppmm * 25.4 : UNREADABLE;
    }

    /** A resolution field that is there but is not a positive number. */
    private static final double UNREADABLE = -1;

    private static String clip(String s) {
        String t = trim(s);
        return (t.length() > 20 ? t.substring(0, 20) + "..." : t).replaceAll("\\p{Cntrl}", "?");
    }

    private static String trim(String s) {
        return s == null ? "" : s.trim();
    }

    private static int intOr(String s, int fallback) {
        try {
            return Integer.parseInt(trim(s));
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private static double doubleOr(String s, double fallback) {
        try {
            return Double.parseDouble(trim(s));
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
