package io.biomatch.bench.load;

import com.google.protobuf.ByteString;
import io.biomatch.bench.face.ClusteredFaces;
import io.biomatch.core.SharedData;
import io.biomatch.dna.AlleleFrequencies;
import io.biomatch.dna.DnaProfileGenerator;
import io.biomatch.dna.NistGenotypes;
import io.biomatch.dna.StrCsvFormat;
import io.biomatch.server.grpc.v1.Payload;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;

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
     * Face embeddings (float32, {@code dim}) from the benchmarks' seeded generator {@link ClusteredFaces}
     * (clusters of 100 identities; a record and its mate probe have cosine ~0.65, see its javadoc).
     */
    final class FaceEmbeddings implements Workload {
        private final long records;
        private final ClusteredFaces faces;

        FaceEmbeddings(long records, long seed, int dim) {
            if (records > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("at most " + Integer.MAX_VALUE + " face records");
            }
            this.records = records;
            this.faces = new ClusteredFaces(seed, dim, (int) Math.max(1, records), 100);
        }

        private static Payload payload(float[] unit) {
            ByteBuffer b = ByteBuffer.allocate(unit.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (float x : unit) {
                b.putFloat(x);
            }
            return Payload.newBuilder().setFormat("embedding-f32").setData(ByteString.copyFrom(b.array())).build();
        }

        @Override
        public String modality() {
            return "face";
        }

        @Override
        public Payload enrol(long i) {
            return payload(faces.gallery((int) i));
        }

        @Override
        public Payload probe(long j) {
            return payload(faces.mateProbe((int) mateOf(j)));
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
