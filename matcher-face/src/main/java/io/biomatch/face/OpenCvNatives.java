package io.biomatch.face;

/** Loads the OpenCV native library bundled in {@code org.openpnp:opencv} once per JVM. */
final class OpenCvNatives {
    private static volatile boolean loaded;

    private OpenCvNatives() {
    }

    static void load() {
        if (!loaded) {
            synchronized (OpenCvNatives.class) {
                if (!loaded) {
                    nu.pattern.OpenCV.loadLocally();
                    loaded = true;
                }
            }
        }
    }
}
