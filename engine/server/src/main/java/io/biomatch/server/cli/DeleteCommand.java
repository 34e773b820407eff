package io.biomatch.server.cli;

import io.biomatch.server.grpc.v1.DeleteRequest;
import io.grpc.ManagedChannel;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "delete", description = "Delete a record.")
final class DeleteCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @Option(names = "--id", required = true)
    String id;

    @Override
    public Integer call() {
        ManagedChannel ch = client.channel();
        try {
            client.stub(ch).delete(DeleteRequest.newBuilder().setId(id).build());
            System.out.println(client.json ? ClientOptions.jsonObject("deleted", id) : "deleted " + id);
            return 0;
        } finally {
            ClientOptions.close(ch);
        }
    }
}
