package io.biomatch.server.cli;

import io.biomatch.server.grpc.v1.ShardStats;
import io.biomatch.server.grpc.v1.StatsRequest;
import io.biomatch.server.grpc.v1.StatsResponse;
import io.grpc.ManagedChannel;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "stats", description = "Records per modality and shard, memory.")
final class StatsCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @Override
    public Integer call() {
        ManagedChannel ch = client.channel();
        try {
            StatsResponse r = client.stub(ch).stats(StatsRequest.getDefaultInstance());
            if (client.json) {
                System.out.println(ClientOptions.json(r));
            } else {
                System.out.printf("stored records: %d; searchable by modality: %s%n", r.getStoredRecords(),
                        r.getLiveByModalityMap());
                for (ShardStats s : r.getShardsList()) {
                    System.out.printf("  shard %d: live %s, deleted-not-compacted %s, off-heap %,d bytes, queued %d%n",
                            s.getIndex(), s.getLiveByModalityMap(), s.getDeadByModalityMap(), s.getOffHeapBytes(),
                            s.getQueuedTasks());
                    if (s.getUnindexedByModalityCount() > 0) {
                        System.out.printf("    not yet in the shard's index (being built between requests): %s%n",
                                s.getUnindexedByModalityMap());
                    }
                }
                System.out.printf("off-heap: segments %,d bytes, record store %,d bytes; heap used %,d bytes%n",
                        r.getOffHeapBytes(), r.getStoreOffHeapBytes(), r.getHeapUsedBytes());
                if (r.getSkippedAtStart() > 0) {
                    System.out.printf("WARNING: %d stored records could not be loaded at start (see the server log)%n",
                            r.getSkippedAtStart());
                }
            }
            return 0;
        } finally {
            ClientOptions.close(ch);
        }
    }
}
