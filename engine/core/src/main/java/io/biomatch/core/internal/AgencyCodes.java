package io.biomatch.core.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/** Interns agency names to small ints so that segments keep one {@code int} per record. */
public final class AgencyCodes {
    private final ConcurrentHashMap<String, Integer> codes = new ConcurrentHashMap<>();
    private final List<String> names = new ArrayList<>();

    public AgencyCodes() {
        code("");
    }

    int code(String agency) {
        Integer c = codes.get(agency);
        if (c != null) {
            return c;
        }
        synchronized (names) {
            return codes.computeIfAbsent(agency, a -> {
                names.add(a);
                return names.size() - 1;
            });
        }
    }

    String name(int code) {
        synchronized (names) {
            return names.get(code);
        }
    }
}
