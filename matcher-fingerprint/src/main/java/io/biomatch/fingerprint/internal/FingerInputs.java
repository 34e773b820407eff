package io.biomatch.fingerprint.internal;

import com.machinezoo.sourceafis.FingerprintCompatibility;
import com.machinezoo.sourceafis.FingerprintImage;
import com.machinezoo.sourceafis.FingerprintImageOptions;
import com.machinezoo.sourceafis.FingerprintTemplate;
import io.biomatch.core.Payload;
import io.biomatch.core.spi.ImageHeader;
import io.biomatch.core.spi.Modality;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageInputStream;

/** Decodes and validates fingerprint payloads into SourceAFIS templates (one per finger). */
public final class FingerInputs {
    public static final String IMAGE = "image";
    public static final String ISO = "iso-19794-2";
    public static final String SOURCEAFIS = "sourceafis";
    public static final String WSQ = "wsq";
    public static final String ANSI_NIST = "ansi-nist";
    public static final double DEFAULT_DPI = 500;
    public static final double MIN_DPI = 100;
    public static final double MAX_DPI = 2000;
    public static final int MIN_SIDE_PX = 32;
    public static final int MAX_SIDE_PX = 8000;
    /**
     * Largest image SourceAFIS is given, counted after it rescales to 500 dpi: 2,048 x 2,048 px (4.1 x 4.1 inches;
     * a rolled finger is about 1 x 1.5 inches). Why: SourceAFIS holds ~100 bytes of working matrices per pixel, and
     * the side limit above is before rescaling, so a 2,000 px image declared at 100 dpi became 10,000 x 10,000 px,
     * took 6.5 GB and ran for minutes (an 8,000 px blank image at 500 dpi: 19 s and 6.3 GB).
     */
    public static final long MAX_PIXELS_AT_500_DPI = 2048L * 2048;

    /** One decoded finger. */
    public record Finger(int position, FingerprintTemplate template, Minutiae minutiae) {
    }

    /**
     * A template with the finger position its container states (1..10), or 0 when the container says
     * nothing: then the payload's {@code finger_position} attribute applies.
     */
    record Positioned(int position, FingerprintTemplate template) {
        static List<Positioned> unknown(List<FingerprintTemplate> templates) {
            return templates.stream().map(t -> new Positioned(0, t)).toList();
        }
    }

    private FingerInputs() {
    }

    public static List<Finger> decode(List<Payload> payloads) {
        if (payloads == null || payloads.isEmpty()) {
            throw Modality.invalid("a fingerprint request needs at least one payload");
        }
        List<Finger> out = new ArrayList<>();
        for (int i = 0; i < payloads.size(); i++) {
            Payload p = payloads.get(i);
            String where = "payload " + (i + 1) + " (" + p.format() + ")"; // counted from 1, as the engine counts them
            int position = position(p, where);
            if (p.data().length == 0) {
                throw Modality.invalid(where + " is empty");
            }
            List<Positioned> templates = switch (p.format()) {
                case IMAGE -> Positioned.unknown(List.of(fromImage(p, where)));
                case ISO -> IsoPositions.attach(fromIso(p, where), p.data());
                case SOURCEAFIS -> Positioned.unknown(List.of(fromSourceAfis(p, where)));
                case WSQ -> Positioned.unknown(List.of(fromWsq(p, where)));
                case ANSI_NIST -> AnsiNistInput.decode(p, where);
                default -> throw Modality.invalid(where + ": unknown fingerprint format; use " + IMAGE + ", " + WSQ
                        + ", " + ANSI_NIST + ", " + ISO + " or " + SOURCEAFIS);
            };
            for (Positioned t : templates) {
                Minutiae m = Minutiae.of(t.template());
                if (m.count() == 0) {
                    throw Modality.invalid(where + ": no minutiae found (not a fingerprint, or too poor to use)");
                }
                // over 100 (an ISO/ANSI record from another extractor): the 100 SourceAFIS would keep, and a template
                // of just those, so that the exhaustive score is still SourceAFIS's on what is stored
                out.add(new Finger(t.position() != 0 ? t.position() : position,
                        m.reduced ? m.toSourceAfis() : t.template(), m));
            }
        }
        if (out.size() > StoredTemplateFormat.MAX_FINGERS) {
            throw Modality.invalid("at most " + StoredTemplateFormat.MAX_FINGERS + " fingers per request, got "
                    + out.size());
        }
        return out;
    }

    static int position(Payload p, String where) {
        String v = p.attribute("finger_position", "0");
        try {
            int pos = Integer.parseInt(v.trim());
            if (pos < 0 || pos > 10) {
                throw Modality.invalid(where + ": finger_position must be 0..10 (ANSI/NIST), was " + pos);
            }
            return pos;
        } catch (NumberFormatException e) {
            throw Modality.invalid(where + ": finger_position is not a number");
        }
    }

    static FingerprintTemplate fromImage(Payload p, String where) {
        DecodedImage d = decodeImage(p.data(), where);
        return fromBufferedImage(d.image(), dpi(p, d.fileDpi(), where), where);
    }

    /** A decoded image and the resolution its metadata gives (NaN when it gives none). */
    record DecodedImage(BufferedImage image, double fileDpi) {
    }

    /**
     * Decodes PNG, JPEG, BMP or TIFF bytes with ImageIO. The size is read from the header and checked against
     * {@link #MIN_SIDE_PX}..{@link #MAX_SIDE_PX} before the raster is allocated, so a forged size cannot make the
     * decoder take gigabytes of heap.
     */
    static DecodedImage decodeImage(byte[] data, String where) {
        if (data.length >= 2 && (data[0] & 0xFF) == 0xFF && (data[1] & 0xFF) == 0xD8) {
            // a JPEG cut short decodes with gray filling the rest, and one with thousands of scans holds a thread
            // for minutes: both refused from the markers (the size is checked below as for every format)
            try {
                ImageHeader.read(data);
            } catch (io.biomatch.core.EngineException e) {
                throw Modality.invalid(where + ": " + e.getMessage());
            }
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(data))) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw Modality.invalid(where + ": not a decodable image (PNG, JPEG, BMP, TIFF expected)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, false);
                int w = reader.getWidth(0), h = reader.getHeight(0);
                if (w < MIN_SIDE_PX || h < MIN_SIDE_PX || w > MAX_SIDE_PX || h > MAX_SIDE_PX) {
                    throw Modality.invalid(where + ": image size " + w + " x " + h + " px is outside "
                            + MIN_SIDE_PX + ".." + MAX_SIDE_PX);
                }
                BufferedImage img = reader.read(0);
                double fileDpi = Double.NaN;
                try {
                    fileDpi = dpiOf(reader.getImageMetadata(0));
                } catch (Exception ignored) {
                    // metadata is optional
                }
                return new DecodedImage(img, fileDpi);
            } finally {
                reader.dispose();
            }
        } catch (io.biomatch.core.EngineException e) {
            throw e;
        } catch (Exception | Error e) {
            if (e instanceof VirtualMachineError vme && !(e instanceof OutOfMemoryError)) {
                throw vme;
            }
            throw Modality.invalid(where + ": image could not be decoded (truncated or corrupt)");
        }
    }

    /** 8-bit gray samples as they are; other images through their RGB average. */
    static FingerprintTemplate fromBufferedImage(BufferedImage img, double dpi, String where) {
        int w = img.getWidth(), h = img.getHeight();
        byte[] gray = new byte[w * h];
        int[] row = new int[w];
        if (img.getRaster().getNumBands() == 1 && img.getColorModel().getComponentSize(0) == 8) {
            // plain 8-bit gray: take the samples as they are (getRGB would apply a gamma conversion)
            for (int y = 0; y < h; y++) {
                img.getRaster().getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    gray[y * w + x] = (byte) row[x];
                }
            }
        } else for (int y = 0; y < h; y++) {
            img.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int c = row[x];
                gray[y * w + x] = (byte) ((((c >> 16) & 0xFF) + ((c >> 8) & 0xFF) + (c & 0xFF)) / 3);
            }
        }
        return fromGray(w, h, gray, dpi, where);
    }

    /** SourceAFIS extraction from a row-major 8-bit gray raster (0 = black) at {@code dpi}. */
    static FingerprintTemplate fromGray(int w, int h, byte[] gray, double dpi, String where) {
        double scale = DEFAULT_DPI / dpi;
        double at500 = (double) w * scale * ((double) h * scale);
        if (at500 > MAX_PIXELS_AT_500_DPI) {
            throw Modality.invalid(String.format(java.util.Locale.ROOT,
                    "%s: image %d x %d px at %.0f dpi is %.0f x %.0f px at 500 dpi; at most %,d px at 500 dpi"
                            + " (a finger, not a card or a palm)", where, w, h, dpi, w * scale, h * scale,
                    MAX_PIXELS_AT_500_DPI));
        }
        try {
            return new FingerprintTemplate(new FingerprintImage(w, h, gray, new FingerprintImageOptions().dpi(dpi)));
        } catch (RuntimeException e) {
            throw Modality.invalid(where + ": no fingerprint could be extracted from the image");
        }
    }

    /**
     * WSQ: resolution from the WSQ file (jnbis, or the {@code PPI} of its NIST_COM comment) when it is in
     * range, else the {@code dpi} attribute, else 500.
     */
    static FingerprintTemplate fromWsq(Payload p, String where) {
        WsqInput.Raster r = WsqInput.decode(p.data(), where);
        double dpi = r.ppi() >= MIN_DPI && r.ppi() <= MAX_DPI ? r.ppi()
                : p.attributes().get("dpi") != null ? dpi(p, Double.NaN, where) : dpi(p, r.ppi(), where);
        return fromGray(r.width(), r.height(), r.gray(), dpi, where);
    }

    static double dpi(Payload p, double fileDpi, String where) {
        String v = p.attributes().get("dpi");
        double dpi;
        if (v != null) {
            try {
                dpi = Double.parseDouble(v.trim());
            } catch (NumberFormatException e) {
                throw Modality.invalid(where + ": dpi is not a number");
            }
        } else {
            dpi = Double.isFinite(fileDpi) ? fileDpi : DEFAULT_DPI;
        }
        if (!(dpi >= MIN_DPI && dpi <= MAX_DPI)) {
            throw Modality.invalid(where + ": dpi " + dpi + " is outside " + (int) MIN_DPI + ".." + (int) MAX_DPI
                    + (v == null ? " (read from the file; pass the dpi attribute)" : ""));
        }
        return dpi;
    }

    /** DPI from the standard ImageIO metadata (HorizontalPixelSize is mm per pixel), or NaN. */
    static double dpiOf(IIOMetadata meta) {
        if (meta == null || !meta.isStandardMetadataFormatSupported()) {
            return Double.NaN;
        }
        IIOMetadataNode root = (IIOMetadataNode) meta.getAsTree("javax_imageio_1.0");
        var nodes = root.getElementsByTagName("HorizontalPixelSize");
        if (nodes.getLength() == 0) {
            return Double.NaN;
        }
        double mmPerPixel = Double.parseDouble(((IIOMetadataNode) nodes.item(0)).getAttribute("value"));
        return mmPerPixel > 0 ? 25.4 / mmPerPixel : Double.NaN;
    }

    static List<FingerprintTemplate> fromIso(Payload p, String where) {
        try {
            List<FingerprintTemplate> list = FingerprintCompatibility.importTemplates(p.data());
            if (list.isEmpty()) {
                throw Modality.invalid(where + ": the template holds no finger views");
            }
            return list;
        } catch (io.biomatch.core.EngineException e) {
            throw e;
        } catch (RuntimeException e) {
            throw Modality.invalid(where + ": not a valid ISO/IEC 19794-2 or ANSI INCITS 378 template");
        }
    }

    static FingerprintTemplate fromSourceAfis(Payload p, String where) {
        Minutiae.fromSourceAfis(p.data()); // validates the structure with our own messages
        try {
            return new FingerprintTemplate(p.data());
        } catch (RuntimeException e) {
            throw Modality.invalid(where + ": not a valid SourceAFIS template");
        }
    }
}
