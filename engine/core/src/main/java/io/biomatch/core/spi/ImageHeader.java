package io.biomatch.core.spi;

/**
 * The format and pixel size an encoded image declares, read from its header before any decoder runs.
 *
 * <p>Why: OpenCV's {@code imdecode} allocates the whole raster from the header's size (up to 2^30 pixels by its
 * own default) before it reads a single pixel, so an 875 KB PNG of 30,000 x 30,000 zero pixels took 7.9 s and
 * 2.8 GB resident here before any size check after the decode could refuse it. Reading the size first refuses
 * such a file at the cost of a few dozen byte reads.
 *
 * <p>Formats read (all that OpenCV 4.9's decoders here both accept and may decompress): JPEG (the first frame
 * header, skipping every other segment as libjpeg does; then every marker to the end of the image, refusing a file
 * cut short or one of more than {@link #MAX_JPEG_SCANS} scans), PNG ({@code IHDR}), BMP (core and info headers,
 * top-down included), WebP ({@code VP8 }, {@code VP8L}, {@code VP8X} canvas), TIFF (first directory, classic and
 * BigTIFF, either byte order; a size tag given twice and tiles far larger than the image refused), JPEG 2000 (the
 * codestream's {@code SIZ}, in a JP2 file's {@code jp2c} box or
 * raw). Anything else, including the formats OpenCV also decodes but this product does not take (PNM, PAM, PFM,
 * Sun raster, Radiance HDR), is refused: their headers are not read here, so their sizes would be unchecked.
 * Errors are {@link Modality#invalid} with what was wrong. In the core because both image modalities use it: faces
 * for every image, fingerprints for JPEG (ImageIO's reader has the same scan and truncation behaviour).
 */
public record ImageHeader(String format, long width, long height) {

    /** Declared pixels (width x height). */
    public long pixels() {
        return width * height;
    }

    static final String ACCEPTED = "JPEG, PNG, BMP, WebP, TIFF or JPEG 2000 expected";

    /** Reads the header; INVALID_INPUT when the format is not one of the above or its header is cut or malformed. */
    public static ImageHeader read(byte[] d) {
        if (d == null || d.length == 0) {
            throw Modality.invalid("image payload is empty");
        }
        ImageHeader h;
        if (startsWith(d, 0, 0xFF, 0xD8, 0xFF)) {
            h = jpeg(d);
        } else if (startsWith(d, 0, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
            h = png(d);
        } else if (startsWith(d, 0, 'B', 'M')) {
            h = bmp(d);
        } else if (startsWith(d, 0, 'R', 'I', 'F', 'F') && startsWith(d, 8, 'W', 'E', 'B', 'P')) {
            h = webp(d);
        } else if (startsWith(d, 0, 'I', 'I') || startsWith(d, 0, 'M', 'M')) {
            h = tiff(d);
        } else if (startsWith(d, 0, 0, 0, 0, 0x0C, 'j', 'P', ' ', ' ', 0x0D, 0x0A, 0x87, 0x0A)) {
            h = jp2(d);
        } else if (startsWith(d, 0, 0xFF, 0x4F, 0xFF, 0x51)) {
            h = j2kCodestream(d, 0, "JPEG 2000");
        } else {
            throw Modality.invalid("image format not recognised (" + ACCEPTED + ")");
        }
        if (h.width < 1 || h.height < 1) {
            throw Modality.invalid(h.format + " header declares an empty image (" + h.width + " x " + h.height + ")");
        }
        return h;
    }

    // ------------------------------------------------------------------------------------------------ formats

    /**
     * Most scans a JPEG may hold. Each scan of a progressive JPEG makes the decoder pass over the whole image again:
     * a 143 KB file of 8,000 x 8,000 px with 1,500 refinement scans held a decoder thread for 79 s here. The
     * progressive scripts of libjpeg and common encoders use about 10.
     */
    public static final int MAX_JPEG_SCANS = 100;

    /**
     * The first frame header gives the size; then every marker is walked to the end of the image, so that a file
     * cut short (no end-of-image marker after its scans: libjpeg fills the rest with gray and only warns) and a file
     * with more than {@link #MAX_JPEG_SCANS} scans are refused. Inside entropy-coded data a 0xFF byte is always
     * followed by 0x00 or a restart marker, so any other marker found there is a real one.
     */
    private static ImageHeader jpeg(byte[] d) {
        long width = -1, height = -1;
        int scans = 0;
        int pos = 2;
        while (true) {
            // libjpeg's next_marker: skips stray bytes (entropy-coded data after a scan) to the next 0xFF, then any
            // fill bytes 0xFF
            while (pos < d.length && u8(d, pos) != 0xFF) {
                pos++;
            }
            while (pos < d.length && u8(d, pos) == 0xFF) {
                pos++;
            }
            if (pos >= d.length) {
                throw width < 0 ? truncated("JPEG", "no frame header")
                        : Modality.invalid("JPEG data is truncated (no end-of-image marker)");
            }
            int marker = u8(d, pos++);
            if (marker == 0x00 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
                continue; // stuffed 0xFF in scan data, TEM, RSTn: no length
            }
            if (marker == 0xD9) {
                if (scans == 0) {
                    throw malformed("JPEG", "end of image before any scan");
                }
                return new ImageHeader("JPEG", width, height);
            }
            need(d, pos + 2, "JPEG", "segment length");
            int len = u16be(d, pos);
            if (len < 2) {
                throw malformed("JPEG", "segment length " + len);
            }
            boolean frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (frame && width < 0) {
                if (len < 8) {
                    throw malformed("JPEG", "frame header length " + len);
                }
                need(d, pos + 7, "JPEG", "frame header");
                height = u16be(d, pos + 3);
                width = u16be(d, pos + 5);
            } else if (marker == 0xDA) {
                if (width < 0) {
                    throw malformed("JPEG", "scan data before a frame header");
                }
                if (++scans > MAX_JPEG_SCANS) {
                    throw Modality.invalid("JPEG has more than " + MAX_JPEG_SCANS + " scans (each one decodes the"
                            + " whole image again); re-encode it");
                }
            }
            pos += len;
        }
    }

    private static ImageHeader png(byte[] d) {
        need(d, 24, "PNG", "IHDR");
        if (!startsWith(d, 12, 'I', 'H', 'D', 'R')) {
            throw malformed("PNG", "the first chunk is not IHDR");
        }
        return new ImageHeader("PNG", u32be(d, 16), u32be(d, 20));
    }

    private static ImageHeader bmp(byte[] d) {
        need(d, 18, "BMP", "file header");
        long dib = u32le(d, 14);
        if (dib == 12) { // OS/2 BITMAPCOREHEADER: 16-bit sizes
            need(d, 22, "BMP", "core header");
            return new ImageHeader("BMP", u16le(d, 18), u16le(d, 20));
        }
        if (dib < 16) {
            throw malformed("BMP", "information header size " + dib);
        }
        need(d, 26, "BMP", "information header");
        long height = (int) u32le(d, 22); // negative: rows stored top-down
        return new ImageHeader("BMP", (int) u32le(d, 18), Math.abs(height));
    }

    private static ImageHeader webp(byte[] d) {
        need(d, 20, "WebP", "chunk header");
        if (startsWith(d, 12, 'V', 'P', '8', ' ')) {
            need(d, 30, "WebP", "VP8 frame header");
            if (!startsWith(d, 23, 0x9D, 0x01, 0x2A)) {
                throw malformed("WebP", "no VP8 start code");
            }
            return new ImageHeader("WebP", u16le(d, 26) & 0x3FFF, u16le(d, 28) & 0x3FFF);
        }
        if (startsWith(d, 12, 'V', 'P', '8', 'L')) {
            need(d, 25, "WebP", "VP8L header");
            if (u8(d, 20) != 0x2F) {
                throw malformed("WebP", "no VP8L signature");
            }
            long bits = u32le(d, 21);
            return new ImageHeader("WebP", (bits & 0x3FFF) + 1, ((bits >>> 14) & 0x3FFF) + 1);
        }
        if (startsWith(d, 12, 'V', 'P', '8', 'X')) {
            need(d, 30, "WebP", "VP8X header");
            return new ImageHeader("WebP", u24le(d, 24) + 1, u24le(d, 27) + 1);
        }
        throw malformed("WebP", "the first chunk is not VP8, VP8L or VP8X");
    }

    private static final int TIFF_WIDTH = 256, TIFF_LENGTH = 257, TIFF_TILE_WIDTH = 322, TIFF_TILE_LENGTH = 323;
    /** Tiles up to 1,024 x 1,024 px are taken for any image size (common encoders use 256 or 512). */
    private static final long MAX_TILE_PIXELS = 1024L * 1024;

    private static long roundUp16(long v) {
        return (v + 15) & ~15L;
    }

    private static ImageHeader tiff(byte[] d) {
        boolean le = u8(d, 0) == 'I';
        need(d, 8, "TIFF", "file header");
        int version = (int) u(d, 2, 2, le);
        boolean big;
        long ifd;
        if (version == 42) {
            big = false;
            ifd = u(d, 4, 4, le);
        } else if (version == 43) {
            need(d, 16, "TIFF", "BigTIFF header");
            if (u(d, 4, 2, le) != 8) {
                throw malformed("TIFF", "BigTIFF offset size " + u(d, 4, 2, le));
            }
            big = true;
            ifd = u(d, 8, 8, le);
        } else {
            throw Modality.invalid("image format not recognised (" + ACCEPTED + ")");
        }
        int countBytes = big ? 8 : 2, entryBytes = big ? 20 : 12, valueBytes = big ? 8 : 4;
        if (ifd < 0 || ifd > d.length - countBytes) {
            throw truncated("TIFF", "first directory at " + ifd);
        }
        long entries = u(d, (int) ifd, countBytes, le);
        long width = -1, height = -1, tileWidth = -1, tileLength = -1;
        for (long i = 0; i < entries; i++) {
            long at = ifd + countBytes + i * entryBytes;
            if (at > d.length - entryBytes) {
                throw truncated("TIFF", "first directory");
            }
            int e = (int) at;
            int tag = (int) u(d, e, 2, le);
            if (tag != TIFF_WIDTH && tag != TIFF_LENGTH && tag != TIFF_TILE_WIDTH && tag != TIFF_TILE_LENGTH) {
                continue;
            }
            int type = (int) u(d, e + 2, 2, le);
            long count = u(d, e + 4, big ? 8 : 4, le);
            int value = e + 4 + (big ? 8 : 4);
            int size = switch (type) {
                case 3 -> 2;  // SHORT
                case 4 -> 4;  // LONG
                case 16 -> 8; // LONG8 (BigTIFF)
                default -> throw malformed("TIFF", "size tag " + tag + " has type " + type);
            };
            if (count != 1 || size > valueBytes) {
                throw malformed("TIFF", "size tag " + tag + " holds " + count + " values of type " + type);
            }
            long v = u(d, value, size, le); // left-justified in the value field, in either byte order
            if (v < 0) {
                throw malformed("TIFF", "tag " + tag + " value out of range");
            }
            // a repeated size tag could tell this reader one size and the decoder another
            if (tag == TIFF_WIDTH) {
                if (width >= 0) {
                    throw malformed("TIFF", "ImageWidth given twice");
                }
                width = v;
            } else if (tag == TIFF_LENGTH) {
                if (height >= 0) {
                    throw malformed("TIFF", "ImageLength given twice");
                }
                height = v;
            } else if (tag == TIFF_TILE_WIDTH) {
                if (tileWidth >= 0) {
                    throw malformed("TIFF", "TileWidth given twice");
                }
                tileWidth = v;
            } else {
                if (tileLength >= 0) {
                    throw malformed("TIFF", "TileLength given twice");
                }
                tileLength = v;
            }
        }
        if (width < 0 || height < 0) {
            throw malformed("TIFF", "the first directory lacks ImageWidth or ImageLength");
        }
        // the decoder allocates a whole tile whatever the image's size: a 64 x 64 image in one 16,368 x 16,368 tile
        // took 1.28 GB. Tiles are multiples of 16 and need not exceed the image by more than that.
        if ((tileWidth >= 0 || tileLength >= 0) && Math.max(0, tileWidth) * Math.max(0, tileLength)
                > Math.max(MAX_TILE_PIXELS, roundUp16(width) * roundUp16(height))) {
            throw malformed("TIFF", "tiles of " + tileWidth + " x " + tileLength + " px for a " + width + " x " + height
                    + " image");
        }
        return new ImageHeader("TIFF", width, height);
    }

    /** A JP2 file: top-level boxes up to the contiguous codestream box {@code jp2c}. */
    private static ImageHeader jp2(byte[] d) {
        long pos = 0;
        while (pos <= d.length - 8) {
            int p = (int) pos;
            long len = u32be(d, p);
            int header = 8;
            if (len == 1) {
                need(d, p + 16, "JPEG 2000", "box length");
                len = u(d, p + 8, 8, false);
                header = 16;
            } else if (len == 0) {
                len = d.length - pos; // the last box runs to the end
            }
            if (startsWith(d, p + 4, 'j', 'p', '2', 'c')) {
                return j2kCodestream(d, p + header, "JPEG 2000");
            }
            if (len < header) {
                throw malformed("JPEG 2000", "box length " + len);
            }
            if (len > d.length - pos) {
                break; // a box past the end: the codestream box cannot follow it
            }
            pos += len;
        }
        throw truncated("JPEG 2000", "no codestream box");
    }

    /** SOC, then SIZ: Lsiz, Rsiz, Xsiz, Ysiz, XOsiz, YOsiz (the image area is Xsiz - XOsiz by Ysiz - YOsiz). */
    private static ImageHeader j2kCodestream(byte[] d, int at, String format) {
        need(d, at + 24, format, "codestream SIZ");
        if (!startsWith(d, at, 0xFF, 0x4F, 0xFF, 0x51)) {
            throw malformed(format, "the codestream does not start with SOC and SIZ");
        }
        long xsiz = u32be(d, at + 8), ysiz = u32be(d, at + 12), xo = u32be(d, at + 16), yo = u32be(d, at + 20);
        return new ImageHeader(format, xsiz - xo, ysiz - yo);
    }

    // ------------------------------------------------------------------------------------------------ bytes

    private static boolean startsWith(byte[] d, int at, int... bytes) {
        if (at < 0 || at > d.length - bytes.length) {
            return false;
        }
        for (int i = 0; i < bytes.length; i++) {
            if (u8(d, at + i) != bytes[i]) {
                return false;
            }
        }
        return true;
    }

    private static void need(byte[] d, long end, String format, String what) {
        if (end > d.length) {
            throw truncated(format, what);
        }
    }

    private static RuntimeException truncated(String format, String what) {
        return Modality.invalid(format + " header is truncated (" + what + ")");
    }

    private static RuntimeException malformed(String format, String what) {
        return Modality.invalid(format + " header is malformed: " + what);
    }

    private static int u8(byte[] d, int at) {
        return d[at] & 0xFF;
    }

    private static int u16be(byte[] d, int at) {
        return u8(d, at) << 8 | u8(d, at + 1);
    }

    private static int u16le(byte[] d, int at) {
        return u8(d, at) | u8(d, at + 1) << 8;
    }

    private static long u24le(byte[] d, int at) {
        return u8(d, at) | u8(d, at + 1) << 8 | (long) u8(d, at + 2) << 16;
    }

    private static long u32be(byte[] d, int at) {
        return u(d, at, 4, false);
    }

    private static long u32le(byte[] d, int at) {
        return u(d, at, 4, true);
    }

    /** An unsigned integer of {@code n} bytes (n <= 8; values past 2^63 come out negative and are refused as sizes). */
    private static long u(byte[] d, int at, int n, boolean le) {
        need(d, (long) at + n, "image", "field");
        long v = 0;
        for (int i = 0; i < n; i++) {
            int b = u8(d, le ? at + n - 1 - i : at + i);
            v = v << 8 | b;
        }
        return v;
    }
}
