package io.biomatch.server.cli;

import io.biomatch.server.grpc.v1.VerifyRequest;
import io.biomatch.server.grpc.v1.VerifyResponse;
import io.grpc.ManagedChannel;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "verify", description = "1:1 comparison of a probe with a stored record.")
final class VerifyCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @ArgGroup(exclusive = false, multiplicity = "1")
    PayloadOptions payload;

    @Option(names = "--id", required = true)
    String id;

    @Option(names = {"-m", "--modality"}, defaultValue = "", description = "optional; must match the record's")
    String modality;

    @Option(names = "--option", description = "modality option key=value")
    Map<String, String> options = new LinkedHashMap<>();

    @Override
    public Integer call() {
        ManagedChannel ch = client.channel();
        try {
            VerifyResponse r = client.stub(ch).verify(VerifyRequest.newBuilder().setId(id).setModality(modality)
                    .addAllProbe(payload.payloads()).putAllOptions(options).build());
            if (client.json) {
                System.out.println(ClientOptions.json(r));
            } else {
                System.out.printf("%s: score %.4f (%s) -> %s (threshold %.4g = %s)%n", r.getId(), r.getScore(),
                        r.getScoreMeaning().getScale(), r.getMatch() ? "MATCH" : "no match",
                        r.getScoreMeaning().getDefaultThreshold(), r.getScoreMeaning().getThresholdMeaning());
            }
            return 0;
        } finally {
            ClientOptions.close(ch);
        }
    }
}
