package io.skydeck.billing.bills;

import java.util.HashSet;
import java.util.Set;

/** Digests of files already imported. The service keeps them in a table with a unique key. */
public interface ImportedFiles {

    boolean contains(String sha256);

    void add(String sha256);

    static ImportedFiles inMemory() {
        Set<String> seen = new HashSet<>();
        return new ImportedFiles() {
            @Override
            public synchronized boolean contains(String sha256) {
                return seen.contains(sha256);
            }

            @Override
            public synchronized void add(String sha256) {
                seen.add(sha256);
            }
        };
    }
}
