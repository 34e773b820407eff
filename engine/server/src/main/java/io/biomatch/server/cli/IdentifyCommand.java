package io.biomatch.server.cli;

import io.biomatch.server.grpc.v1.Candidate;
import io.biomatch.server.grpc.v1.Filter;
import io.biomatch.server.grpc.v1.IdentifyRequest;
import io.biomatch.server.grpc.v1.IdentifyResponse;
import io.grpc.ManagedChannel;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "identify", description = "1:N search: ranked candidates with scores and what they mean.")
final class IdentifyCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @ArgGroup(exclusive = false, multiplicity = "1")
    PayloadOptions payload;

    @Option(names = {"-m", "--modality"}, required = true)
    String modality;

    @Option(names = {"-k", "--top-k"}, defaultValue = "10", description = "candidates wanted, 1.."
            + io.biomatch.core.IdentifyRequest.MAX_TOP_K + " (default: ${DEFAULT-VALUE})")
    int topK;

    @Option(names = "--min-score", description = "drop candidates scoring below this")
    Float minScore;

    @Option(names = "--option", description = "modality search option key=value, e.g. mode=exact")
    Map<String, String> options = new LinkedHashMap<>();

    @Option(names = "--agency", description = "only records of this agency (repeatable)")
    List<String> agencies = List.of();

    @Option(names = "--meta", description = "only records with this metadata key=value")
    Map<String, String> metadata = new LinkedHashMap<>();

    @Override
    public Integer call() {
        checkTopK(topK);
        ManagedChannel ch = client.channel();
        try {
            IdentifyRequest.Builder b = IdentifyRequest.newBuilder().setModality(modality)
                    .addAllProbe(payload.payloads()).setTopK(topK).putAllOptions(options)
                    .setFilter(Filter.newBuilder().addAllAgencies(agencies).putAllMetadata(metadata));
            if (minScore != null) {
                b.setMinScore(minScore);
            }
            IdentifyResponse r = client.stub(ch).identify(b.build());
            if (client.json) {
                System.out.println(ClientOptions.json(r));
            } else {
                printCandidates(r);
            }
            return 0;
        } finally {
            ClientOptions.close(ch);
        }
    }

    /**
     * Checked here: on the wire 0 means "the server's default" (so -k 0 silently gave 10) and the server reads
     * top_k as unsigned (so -k -1 came back as "was 2147483647").
     */
    static void checkTopK(int topK) {
        if (topK < 1 || topK > io.biomatch.core.IdentifyRequest.MAX_TOP_K) {
            throw new BiomatchCli.CliException(2, "-k/--top-k must be 1.." + io.biomatch.core.IdentifyRequest.MAX_TOP_K
                    + ": " + topK);
        }
    }

    static void printCandidates(IdentifyResponse r) {
        System.out.printf("  score: %s; threshold %.4g = %s%n", r.getScoreMeaning().getScale(),
                r.getScoreMeaning().getDefaultThreshold(), r.getScoreMeaning().getThresholdMeaning());
        if (r.getCandidatesCount() == 0) {
            System.out.println("  no candidates");
        }
        for (Candidate c : r.getCandidatesList()) {
            System.out.printf("  %3d. %-32s %10.4f %s%s%n", c.getRank(), c.getId(), c.getScore(),
                    c.getAboveThreshold() ? "MATCH " : "      ", c.getAgency().isEmpty() ? "" : "(" + c.getAgency() + ")");
        }
        System.out.printf("  %d slots scanned, %d re-scored, %.1f ms%n", r.getSlotsScanned(), r.getRescored(),
                r.getSearchMillis());
    }
}
