package io.biomatch.server.cli;

import io.biomatch.server.grpc.v1.GetRequest;
import io.biomatch.server.grpc.v1.GetResponse;
import io.grpc.ManagedChannel;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "get", description = "Show a stored record (without its template).")
final class GetCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @Option(names = "--id", required = true)
    String id;

    @Override
    public Integer call() {
        ManagedChannel ch = client.channel();
        try {
            GetResponse r = client.stub(ch).get(GetRequest.newBuilder().setId(id).build());
            if (client.json) {
                System.out.println(ClientOptions.json(r));
            } else {
                var rec = r.getRecord();
                System.out.printf("%s: modality %s, agency '%s', metadata %s, template %d bytes, created %s%n",
                        rec.getId(), rec.getModality(), rec.getAgency(), rec.getMetadataMap(), rec.getTemplateBytes(),
                        java.time.Instant.ofEpochMilli(rec.getCreatedMillis()));
            }
            return 0;
        } finally {
            ClientOptions.close(ch);
        }
    }
}
