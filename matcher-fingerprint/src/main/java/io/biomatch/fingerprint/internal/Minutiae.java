package io.biomatch.fingerprint.internal;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.machinezoo.sourceafis.FingerprintCompatibility;
import com.machinezoo.sourceafis.FingerprintTemplate;
import io.biomatch.core.spi.Modality;

/**
 * The minutiae of one finger exactly as SourceAFIS holds them (pixel positions at 500 dpi, direction in
 * radians, ending/bifurcation), read from and written to SourceAFIS's serialized template (CBOR, the
 * documented persistence form of {@code FingerprintTemplate.toByteArray()}).
 *
 * <p>Because a SourceAFIS template is fully determined by its minutiae, {@link #toSourceAfis()} rebuilds a
 * template that scores exactly like the original; the exhaustive reference mode relies on that.
 */
public final class Minutiae {
    /** SourceAFIS keeps at most this many minutiae per template ({@code Parameters.MAX_MINUTIAE}). */
    public static final int MAX = 100;

    private static final ObjectMapper CBOR = new ObjectMapper(new CBORFactory())
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    public final int width;
    public final int height;
    public final short[] x;
    public final short[] y;
    public final float[] direction;
    /** true = bifurcation, false = ridge ending. */
    public final boolean[] bifurcation;

    /** True when these are the {@link #MAX} kept of more ({@link #top}): the template must be rebuilt from them. */
    public final boolean reduced;

    public Minutiae(int width, int height, short[] x, short[] y, float[] direction, boolean[] bifurcation) {
        this(width, height, x, y, direction, bifurcation, false);
    }

    private Minutiae(int width, int height, short[] x, short[] y, float[] direction, boolean[] bifurcation,
                     boolean reduced) {
        this.reduced = reduced;
        int n = x.length;
        if (y.length != n || direction.length != n || bifurcation.length != n) {
            throw Modality.invalid("fingerprint template minutia arrays differ in length");
        }
        if (n > MAX) {
            throw Modality.invalid("fingerprint template has " + n + " minutiae, at most " + MAX + " allowed");
        }
        if (width < 1 || height < 1 || width > 0x7FFF || height > 0x7FFF) {
            // an imported ISO/ANSI record is rescaled to 500 dpi by its resolution fields: a resolution of 0, 1 or
            // 65,535 px/cm ends here as an overflowed size, so name the likely cause
            throw Modality.invalid("fingerprint template has bad dimensions " + width + " x " + height + " at 500 dpi"
                    + " (for an ISO 19794-2 / ANSI 378 record: check its image size and resolution fields)");
        }
        for (int i = 0; i < n; i++) {
            if (x[i] < 0 || y[i] < 0 || x[i] >= width || y[i] >= height) {
                throw Modality.invalid("fingerprint template minutia " + i + " lies outside the image");
            }
            float d = direction[i];
            if (!(d >= 0 && d <= (float) (2 * Math.PI))) {
                throw Modality.invalid("fingerprint template minutia " + i + " has a bad direction");
            }
        }
        this.width = width;
        this.height = height;
        this.x = x;
        this.y = y;
        this.direction = direction;
        this.bifurcation = bifurcation;
    }

    public int count() {
        return x.length;
    }

    /** Mirrors SourceAFIS's persistent template (field names are its CBOR keys). */
    @SuppressWarnings("unused")
    public static final class Persistent {
        public String version;
        public short width;
        public short height;
        public short[] positionsX;
        public short[] positionsY;
        public float[] directions;
        public String types;
    }

    /** Reads the minutiae of a serialized SourceAFIS template; INVALID_INPUT when the bytes are not one. */
    public static Minutiae fromSourceAfis(byte[] serialized) {
        Persistent p;
        try {
            p = CBOR.readValue(serialized, Persistent.class);
        } catch (Exception e) {
            throw Modality.invalid("not a SourceAFIS template (CBOR could not be read)");
        }
        if (p == null || p.positionsX == null || p.positionsY == null || p.directions == null || p.types == null) {
            throw Modality.invalid("not a SourceAFIS template (fields missing)");
        }
        int n = p.positionsX.length;
        if (p.types.length() != n) {
            throw Modality.invalid("SourceAFIS template minutia arrays differ in length");
        }
        boolean[] bif = new boolean[n];
        for (int i = 0; i < n; i++) {
            char c = p.types.charAt(i);
            if (c != 'E' && c != 'B') {
                throw Modality.invalid("SourceAFIS template has an unknown minutia type");
            }
            bif[i] = c == 'B';
        }
        if (n > MAX && p.positionsY.length == n && p.directions.length == n) {
            return top(p.width, p.height, p.positionsX, p.positionsY, p.directions, bif);
        }
        return new Minutiae(p.width, p.height, p.positionsX, p.positionsY, p.directions, bif);
    }

    /** SourceAFIS's own extractor: of more minutiae it keeps the {@link #MAX} with the farthest 5th neighbour. */
    static final int SORT_BY_NEIGHBOR = 5;

    /**
     * The {@link #MAX} minutiae SourceAFIS's extractor would keep ({@code TopMinutiaeFilter}: the ones whose
     * {@link #SORT_BY_NEIGHBOR}-th nearest neighbour is farthest, ties in their order), in their order. Why: an ISO
     * or ANSI record from another extractor may hold up to 255 (rolled prints often give over 100), which were refused;
     * SourceAFIS would not use more than 100 of its own.
     */
    private static Minutiae top(int width, int height, short[] x, short[] y, float[] direction, boolean[] bif) {
        int n = x.length;
        long[] radius = new long[n];
        long[] d = new long[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                long dx = x[i] - x[j], dy = y[i] - y[j];
                d[j] = dx * dx + dy * dy;
            }
            java.util.Arrays.sort(d);
            radius[i] = d[Math.min(SORT_BY_NEIGHBOR, n - 1)]; // d[0] is the minutia itself
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Long.compare(radius[b], radius[a])); // stable: ties keep their order
        boolean[] keep = new boolean[n];
        for (int k = 0; k < MAX; k++) {
            keep[order[k]] = true;
        }
        short[] kx = new short[MAX], ky = new short[MAX];
        float[] kd = new float[MAX];
        boolean[] kb = new boolean[MAX];
        int m = 0;
        for (int i = 0; i < n; i++) {
            if (keep[i]) {
                kx[m] = x[i];
                ky[m] = y[i];
                kd[m] = direction[i];
                kb[m] = bif[i];
                m++;
            }
        }
        return new Minutiae(width, height, kx, ky, kd, kb, true);
    }

    public static Minutiae of(FingerprintTemplate t) {
        return fromSourceAfis(t.toByteArray());
    }

    /** The serialized SourceAFIS template of these minutiae. */
    public byte[] toSourceAfisBytes() {
        Persistent p = new Persistent();
        p.version = FingerprintCompatibility.version();
        p.width = (short) width;
        p.height = (short) height;
        p.positionsX = x;
        p.positionsY = y;
        p.directions = direction;
        StringBuilder types = new StringBuilder(x.length);
        for (boolean b : bifurcation) {
            types.append(b ? 'B' : 'E');
        }
        p.types = types.toString();
        try {
            return CBOR.writeValueAsBytes(p);
        } catch (Exception e) {
            throw new IllegalStateException("cannot serialize SourceAFIS template", e);
        }
    }

    /** A SourceAFIS template with exactly these minutiae. */
    public FingerprintTemplate toSourceAfis() {
        return new FingerprintTemplate(toSourceAfisBytes());
    }
}
