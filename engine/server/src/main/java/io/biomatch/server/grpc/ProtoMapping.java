package io.biomatch.server.grpc;

import io.biomatch.core.Candidate;
import io.biomatch.core.EngineStats;
import io.biomatch.core.EnrolRequest;
import io.biomatch.core.IdentifyRequest;
import io.biomatch.core.IdentifyResult;
import io.biomatch.core.Payload;
import io.biomatch.core.Record;
import io.biomatch.core.SearchFilter;
import io.biomatch.core.VerifyResult;
import io.biomatch.core.spi.ScoreMeaning;
import io.biomatch.server.grpc.v1.RecordInfo;
import io.biomatch.server.grpc.v1.ShardStats;
import io.biomatch.server.grpc.v1.StatsResponse;
import io.biomatch.server.grpc.v1.VerifyResponse;
import java.util.ArrayList;
import java.util.List;

/** Proto <-> domain, in one place. Nothing below the gRPC package sees generated classes. */
public final class ProtoMapping {
    public static final int DEFAULT_TOP_K = 10;

    private ProtoMapping() {
    }

    public static List<Payload> payloads(List<io.biomatch.server.grpc.v1.Payload> in) {
        List<Payload> out = new ArrayList<>(in.size());
        for (var p : in) {
            out.add(new Payload(p.getFormat(), p.getData().toByteArray(), p.getAttributesMap()));
        }
        return out;
    }

    /**
     * INVALID_INPUT when the request is one protobuf could not parse ({@link UnreadableRequests}): the client streams'
     * items are checked here, so that a bad item gets its error in its own answer and the stream goes on.
     */
    static void requireReadable(Object request) {
        String why = UnreadableRequests.complaint(request);
        if (why != null) {
            throw io.biomatch.core.EngineException.invalid(why);
        }
    }

    public static EnrolRequest enrol(io.biomatch.server.grpc.v1.EnrolRequest r) {
        requireReadable(r);
        return new EnrolRequest(r.getId(), r.getModality(), r.getAgency(), r.getMetadataMap(),
                payloads(r.getPayloadsList()), r.getReplace());
    }

    public static IdentifyRequest identify(io.biomatch.server.grpc.v1.IdentifyRequest r, long deadlineNanos) {
        if (Integer.compareUnsigned(r.getTopK(), IdentifyRequest.MAX_TOP_K) > 0) { // uint32: -1 from a client is 2^32-1
            throw io.biomatch.core.EngineException.invalid("top_k must be 1.." + IdentifyRequest.MAX_TOP_K + ", was "
                    + Integer.toUnsignedString(r.getTopK()));
        }
        int topK = r.getTopK() == 0 ? DEFAULT_TOP_K : r.getTopK();
        float min = r.hasMinScore() ? r.getMinScore() : Float.NEGATIVE_INFINITY;
        SearchFilter filter = new SearchFilter(java.util.Set.copyOf(r.getFilter().getAgenciesList()),
                r.getFilter().getMetadataMap());
        return new IdentifyRequest(r.getModality(), payloads(r.getProbeList()), r.getOptionsMap(), topK, min, filter,
                deadlineNanos);
    }

    public static RecordInfo record(Record r) {
        return RecordInfo.newBuilder().setId(r.id()).setModality(r.modality()).setAgency(r.agency())
                .putAllMetadata(r.metadata()).setCreatedMillis(r.createdMillis())
                .setTemplateBytes(r.template().length).build();
    }

    public static io.biomatch.server.grpc.v1.ScoreMeaning meaning(ScoreMeaning m) {
        return io.biomatch.server.grpc.v1.ScoreMeaning.newBuilder().setScale(m.scale())
                .setDefaultThreshold(m.defaultThreshold()).setThresholdMeaning(m.thresholdMeaning()).build();
    }

    public static io.biomatch.server.grpc.v1.IdentifyResponse identifyResponse(IdentifyResult r, long startNanos) {
        var b = io.biomatch.server.grpc.v1.IdentifyResponse.newBuilder();
        int rank = 1;
        for (Candidate c : r.candidates()) {
            b.addCandidates(io.biomatch.server.grpc.v1.Candidate.newBuilder().setRank(rank++).setId(c.id())
                    .setScore(c.score()).setAgency(c.agency())
                    .setAboveThreshold(c.score() >= r.scoreMeaning().defaultThreshold()));
        }
        return b.setScoreMeaning(meaning(r.scoreMeaning())).setSlotsScanned(r.slotsScanned())
                .setRescored(r.rescored()).setSearchMillis((System.nanoTime() - startNanos) / 1e6).build();
    }

    public static VerifyResponse verify(VerifyResult v) {
        return VerifyResponse.newBuilder().setId(v.id()).setScore(v.score()).setMatch(v.match())
                .setScoreMeaning(meaning(v.scoreMeaning())).build();
    }

    public static StatsResponse stats(EngineStats s, Iterable<String> modalities) {
        var b = StatsResponse.newBuilder().setStoredRecords(s.storedRecords()).putAllLiveByModality(s.liveByModality())
                .setOffHeapBytes(s.offHeapBytes()).setStoreOffHeapBytes(Math.max(0, s.storeOffHeapBytes()))
                .setHeapUsedBytes(s.heapUsedBytes()).setSegmentHeapBytes(s.segmentHeapBytes())
                .setSkippedAtStart(s.skippedAtStart()).addAllModalities(modalities);
        for (EngineStats.ShardStats sh : s.shards()) {
            b.addShards(ShardStats.newBuilder().setIndex(sh.index()).putAllLiveByModality(sh.liveByModality())
                    .putAllDeadByModality(sh.deadByModality()).setOffHeapBytes(sh.offHeapBytes())
                    .setQueuedTasks(sh.queuedTasks()).putAllUnindexedByModality(sh.unindexedByModality()));
        }
        return b.build();
    }
}
