package io.skydeck.network.ipam;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** {@code skydeck.ipam.*}: the local IPAM's quarantine, its default mode, and how it batches commits. */
@ConfigMapping(prefix = "skydeck.ipam")
public interface IpamConfig {

    /** How long a released address rests before it is handed out again. */
    @WithDefault("PT5M")
    Duration quarantine();

    /** Whether a network registered without saying refuses borrowing from another host's block. */
    @WithDefault("false")
    boolean strict();

    /**
     * Addresses each host keeps reserved, per network, ahead of its next servers: a create takes
     * one with no database round trip and binds it in its own transaction. 0 reserves one per create.
     */
    @WithDefault("4")
    int ready();

    /**
     * How long a reserved address may wait for a create. Older ones are dropped by their replica and
     * released by the address sweep once twice as old (so a live replica never binds a swept one).
     */
    @WithDefault("PT5M")
    Duration readyFor();

    Commit commit();

    /** The group commit of address rows (IpamStore.Settings). */
    interface Commit {

        /**
         * Threads writing address rows; each keeps one pooled connection. One is enough: its commits
         * do not wait for the WAL flush, so the next batch forms while the statement runs.
         */
        @WithDefault("1")
        int committers();

        /** Most address rows in one commit. */
        @WithDefault("512")
        int maxBatch();

        /** Candidates one allocation tries (another replica took the previous one) before it fails. */
        @WithDefault("16")
        int maxAttempts();
    }
}
