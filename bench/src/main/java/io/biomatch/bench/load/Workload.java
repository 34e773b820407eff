package io.biomatch.bench.load;

import com.google.protobuf.ByteString;
import io.biomatch.core.SharedData;
import io.biomatch.dna.AlleleFrequencies;
import io.biomatch.dna.DnaProfileGenerator;
import io.biomatch.dna.NistGenotypes;
import io.biomatch.dna.StrCsvFormat;
import io.biomatch.server.grpc.v1.Payload;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Seeded records and probes for a load run: the same seed gives the same data. Record {@code i} is
 * {@code enrol(i)}; probe {@code j} is a noisy copy of record {@link #mateOf(long) mateOf(j)}, so a run can
 * also count how often the mate comes first.
 */
interface Workload {
    String modality();

    Payload enrol(long i);

    Payload probe(long j);

    Map<String, String> options();

    long mateOf(long j);

    static Workload of(String modality, long records, long seed) {
        return switch (modality) {
            case "face" -> new FaceEmbeddings(records, seed, 512);
            case "dna" -> new DnaProfiles(records, seed);
            default -> throw new IllegalArgumentException("no load workload for modality '" + modality
                    + "'; available: face, dna");
        };
    }

    /**
     * Clustered unit embeddings (float32, {@code dim}): 1,000 random cluster centres; record i = centre
     * (i mod 1000) plus Gaussian noise of norm ~1.0, normalised; probe j = its mate plus noise of norm ~0.5,
     * normalised (cosine to the mate ~0.9, to same-cluster records ~0.5, to others ~0).
     */
    final class FaceEmbeddings implements Workload {
        private final long records;
        private final long seed;
        private final int dim;
        private final float[][] centres;

        FaceEmbeddings(long records, long seed, int dim) {
            this.records = records;
            this.seed = seed;
            this.dim = dim;
            SplittableRandom r = new SplittableRandom(seed);
            centres = new float[1000][];
            for (int c = 0; c < centres.length; c++) {
                centres[c] = gaussian(r, 1.0);
            }
        }

        private float[] gaussian(SplittableRandom r, double norm) {
            float[] v = new float[dim];
            double scale = norm / Math.sqrt(dim);
            for (int i = 0; i < dim; i++) {
                double u1 = r.nextDouble();
                double u2 = r.nextDouble();
                v[i] = (float) (scale * Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2));
            }
            return v;
        }

        private float[] record(long i) {
            float[] c = centres[(int) (i % centres.length)];
            float[] n = gaussian(new SplittableRandom(seed * 31 + i), 1.0);
            for (int k = 0; k < dim; k++) {
                n[k] += c[k];
            }
            return n;
        }

        private static Payload payload(float[] v) {
            double s = 0;
            for (float x : v) {
                s += x * x;
            }
            float inv = (float) (1 / Math.sqrt(s));
            ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (float x : v) {
                b.putFloat(x * inv);
            }
            return Payload.newBuilder().setFormat("embedding-f32").setData(ByteString.copyFrom(b.array())).build();
        }

        @Override
        public String modality() {
            return "face";
        }

        @Override
        public Payload enrol(long i) {
            return payload(record(i));
        }

        @Override
        public Payload probe(long j) {
            float[] v = record(mateOf(j));
            double norm = 0;
            for (float x : v) {
                norm += x * x;
            }
            float[] n = gaussian(new SplittableRandom(seed * 17 + j + 1_000_000_007L), 0.5 * Math.sqrt(norm));
            for (int k = 0; k < dim; k++) {
                v[k] += n[k];
            }
            return payload(v);
        }

        @Override
        public Map<String, String> options() {
            return Map.of();
        }

        @Override
        public long mateOf(long j) {
            return Math.floorMod(j * 7919L + 13, records);
        }
    }

    /**
     * STR profiles from {@link DnaProfileGenerator} over the CODIS loci with the NIST 1036 Cauc
     * frequencies (relatives 10 %, partial profiles 20 %); a probe is its mate's profile searched at
     * moderate stringency.
     */
    final class DnaProfiles implements Workload {
        private final long records;
        private final DnaProfileGenerator gen;

        DnaProfiles(long records, long seed) {
            this.records = records;
            AlleleFrequencies f = AlleleFrequencies.read(SharedData.require(AlleleFrequencies.DEFAULT_SHARED_FILE),
                    AlleleFrequencies.DEFAULT_POPULATION);
            this.gen = new DnaProfileGenerator(f, NistGenotypes.codisMask(), seed, 0.1, 0.2);
        }

        private static Payload payload(io.biomatch.core.Payload p) {
            return Payload.newBuilder().setFormat(p.format()).setData(ByteString.copyFrom(p.data()))
                    .putAllAttributes(p.attributes()).build();
        }

        @Override
        public String modality() {
            return "dna";
        }

        @Override
        public Payload enrol(long i) {
            return payload(StrCsvFormat.payload(gen.profile(i)));
        }

        @Override
        public Payload probe(long j) {
            return payload(StrCsvFormat.payload(gen.profile(mateOf(j))));
        }

        @Override
        public Map<String, String> options() {
            return Map.of("stringency", "moderate");
        }

        @Override
        public long mateOf(long j) {
            return Math.floorMod(j * 7919L + 13, records);
        }
    }
}
