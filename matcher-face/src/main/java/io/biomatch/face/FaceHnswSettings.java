package io.biomatch.face;

/**
 * Settings of the per-shard HNSW graph ({@code mode=hnsw}).
 *
 * @param enabled   build the graph at all (each enrolled face is then inserted by the shard's worker between requests; the int8 plane of {@code mode=exact} is kept either way)
 * @param maxConn   Lucene's {@code M}: neighbours kept per node on the upper levels, twice that on level 0
 * @param beamWidth candidates examined when a node is inserted (Lucene's {@code beamWidth}, build-time ef)
 * @param defaultEf candidates kept while searching when the request has no {@code hnsw_ef} option (at least top_k is used)
 */
public record FaceHnswSettings(boolean enabled, int maxConn, int beamWidth, int defaultEf) {
    /** Largest {@code hnsw_ef} a request may ask for. */
    public static final int MAX_EF = 10_000;

    public FaceHnswSettings {
        if (maxConn < 2 || maxConn > 512 || beamWidth < 1 || beamWidth > 3200 || defaultEf < 1 || defaultEf > MAX_EF) {
            throw new IllegalArgumentException("hnsw: maxConn 2..512, beamWidth 1..3200, defaultEf 1.." + MAX_EF);
        }
    }

    /**
     * On, M=64, beamWidth=300, ef=100. Why not Lucene's M=16/beamWidth=100: face embeddings spread over many
     * dimensions (the shared photos' impostor cosines: sd 0.095, about a hundred effective dimensions), and there
     * the graph's degree decides recall. At 1,000,000 faces ({@code FaceAnnBenchmark}, face README) M=64/300 gave
     * recall@10 0.921 at ef 100 where M=32/200 gave 0.817, and 0.986 at ef 400 against 0.940, at a lower cost per
     * query for the same recall; the price is build time (1.6 against 0.8 ms per insert at 1M) and graph heap
     * (~0.8 against ~0.5 GB per 1M faces).
     */
    public static FaceHnswSettings defaults() {
        return new FaceHnswSettings(true, 64, 300, 100);
    }

    /** No graph: {@code mode=hnsw} falls back to the exact float32 scan ({@code mode=exact} is unaffected). */
    public static FaceHnswSettings off() {
        FaceHnswSettings d = defaults();
        return new FaceHnswSettings(false, d.maxConn(), d.beamWidth(), d.defaultEf());
    }

    /**
     * Defaults overridden by system properties {@code biomatch.face.hnsw} (true/false),
     * {@code biomatch.face.hnsw.m}, {@code biomatch.face.hnsw.beamWidth}, {@code biomatch.face.hnsw.ef}.
     */
    public static FaceHnswSettings fromSystemProperties() {
        FaceHnswSettings d = defaults();
        return new FaceHnswSettings(Boolean.parseBoolean(System.getProperty("biomatch.face.hnsw", "true")),
                Integer.getInteger("biomatch.face.hnsw.m", d.maxConn()),
                Integer.getInteger("biomatch.face.hnsw.beamWidth", d.beamWidth()),
                Integer.getInteger("biomatch.face.hnsw.ef", d.defaultEf()));
    }
}
