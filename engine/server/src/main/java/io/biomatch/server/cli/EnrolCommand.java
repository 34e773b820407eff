package io.biomatch.server.cli;

import io.biomatch.server.grpc.v1.EnrolRequest;
import io.biomatch.server.grpc.v1.EnrolResponse;
import io.grpc.ManagedChannel;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "enrol", description = "Enrol one record (acknowledged = durable).")
final class EnrolCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @ArgGroup(exclusive = false, multiplicity = "1")
    PayloadOptions payload;

    @Option(names = "--id", required = true, description = "record id")
    String id;

    @Option(names = {"-m", "--modality"}, required = true, description = "fingerprint, face, dna, ...")
    String modality;

    @Option(names = "--agency", defaultValue = "", description = "owning agency")
    String agency;

    @Option(names = "--meta", description = "metadata key=value")
    Map<String, String> metadata = new LinkedHashMap<>();

    @Option(names = "--replace", description = "replace a record with the same id")
    boolean replace;

    @Override
    public Integer call() {
        ManagedChannel ch = client.channel();
        try {
            EnrolResponse r = client.stub(ch).enrol(EnrolRequest.newBuilder().setId(id).setModality(modality)
                    .setAgency(agency).putAllMetadata(metadata).addAllPayloads(payload.payloads())
                    .setReplace(replace).build());
            if (client.json) {
                System.out.println(ClientOptions.json(r));
            } else {
                System.out.printf("enrolled %s (%s, template %d bytes)%n", r.getRecord().getId(),
                        r.getRecord().getModality(), r.getRecord().getTemplateBytes());
            }
            return 0;
        } finally {
            ClientOptions.close(ch);
        }
    }
}
