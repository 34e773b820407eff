package io.biomatch.core.internal;

/** One shard's best hits, best first, and how many live slots it looked at. */
public record ShardHits(String[] ids, float[] scores, String[] agencies, long scanned) {
    static final ShardHits EMPTY = new ShardHits(new String[0], new float[0], new String[0], 0);
}
