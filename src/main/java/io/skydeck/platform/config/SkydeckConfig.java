package io.skydeck.platform.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.nio.file.Path;

/** Skydeck's own settings ({@code skydeck.*}); Quarkus' settings keep their own prefixes. */
@ConfigMapping(prefix = "skydeck")
public interface SkydeckConfig {

    /** Where the embedded database, signing keys and sandbox state live. */
    Path dataDir();

    EmbeddedDb embeddedDb();

    Quota quota();

    Sandbox sandbox();

    Operations operations();

    /** The real clouds by kind and name; the sandbox is configured above. */
    io.skydeck.providers.ProvidersConfig providers();

    Drift drift();

    Placement placement();

    /** How the placement engine weighs hosts that pass every filter. */
    interface Placement {
        /** Weight of the cheaper-is-better score. */
        @WithDefault("1")
        double costWeight();

        /** Weight of the pack-or-spread score. */
        @WithDefault("1")
        double packingWeight();

        /** PACK fills hosts (fewer hosts in use), SPREAD empties them (smaller blast radius). */
        @WithDefault("PACK")
        io.skydeck.placement.PlacementPolicy.Packing packing();

        /** Weight of keeping GPU hosts free for work that needs a GPU. */
        @WithDefault("1")
        double gpuReserveWeight();

        /**
         * How often each replica folds into its engine the servers other replicas committed or
         * deleted. Only efficiency depends on it: the ledger in PostgreSQL decides every placement.
         */
        @WithDefault("5s")
        java.time.Duration syncInterval();

        /**
         * How often, at most, a sync reads every live server rather than only those whose rows the
         * server rows' notifications say changed; it also does whenever the notifications cannot
         * vouch for the interval (the listening connection broke).
         */
        @WithDefault("10m")
        java.time.Duration fullSyncInterval();
    }

    interface Drift {
        /**
         * How often each provider's inventory is compared with Skydeck's records ("5m", "1h"; "off"
         * stops the schedule). Read by the scheduler as {@code ${skydeck.drift.interval}}; mapped here
         * so that it is a known, documented setting.
         */
        @WithDefault("5m")
        String interval();
    }

    interface Sandbox {
        /** Serve the simulated cloud (the default provider when no real one is configured). */
        @WithDefault("true")
        boolean enabled();

        /** Take seconds per operation like a real cloud (create 20 s); false makes everything instant. */
        @WithDefault("true")
        boolean realisticLatency();

        /** Forget the sandbox's state at start (tests: the database starts empty too). */
        @WithDefault("false")
        boolean freshStart();

        /**
         * Keep the sandbox's state in the service's PostgreSQL (table sandbox_cloud) instead of a
         * file in the data directory, so several replicas on one database serve one simulated cloud.
         */
        @WithDefault("false")
        boolean sharedState();

        /** A JSON file giving the sandbox's regions, zones, hosts and flavors; the built-in shape when absent. */
        java.util.Optional<java.nio.file.Path> topologyFile();

        /**
         * Bad versions for trying releases on the sandbox: artifact (image) → percent of instances
         * whose ignition check it fails (which ones: a hash of instance and artifact), marked at
         * start-up as {@code ArtifactDefect.failsIgnition} does in tests. The sandbox only; e.g.
         * {@code skydeck.sandbox.artifact-defects.shop-bad=30}.
         */
        java.util.Map<String, Integer> artifactDefects();
    }

    interface Operations {
        /** Run the background loop that drives operations; tests that drive it by hand turn it off. */
        @WithDefault("true")
        boolean runnerEnabled();

        /**
         * How many claimed operations one replica advances at once. The loop claims a batch and
         * hands its operations to this many workers, so one slow provider call does not hold up
         * the rest of the batch, and the round trips of one operation's steps do not bound how
         * many creates a second the replica can build. 1 advances them one after another.
         */
        @WithDefault("4")
        int workers();

        /** How often the loop looks for due operations. */
        @WithDefault("PT0.5S")
        java.time.Duration pollInterval();

        /**
         * How long a replica's claim on an operation lasts; a heartbeat renews it every third of
         * this while the replica works on it, so only a dead or stuck replica lets it run out.
         */
        @WithDefault("PT60S")
        java.time.Duration claimDuration();

        /** Attempts of a retryable provider failure before the operation fails. */
        @WithDefault("8")
        int maxAttempts();

        /**
         * How long an operation may go on before it fails for making no progress, and compensates
         * (quota, capacity holds). Per kind under {@code deadlines."KIND"} (e.g. RESIZE_SERVER).
         */
        @WithDefault("PT30M")
        java.time.Duration deadline();

        java.util.Map<String, java.time.Duration> deadlines();

        /**
         * Poll a provider that reads its own writes (the sandbox) right after it accepted an
         * operation, so what it finished at once ends in the same pass. Tests that play a submit
         * and its poll as two passes by hand turn it off; real clouds are never polled at once.
         */
        @WithDefault("true")
        boolean pollAtOnce();

        /** The longest wait between two polls of a long operation; polls start at poll-interval and slow down. */
        @WithDefault("PT30S")
        java.time.Duration maxPollInterval();
    }

    interface EmbeddedDb {
        /** Start an embedded PostgreSQL when no database is configured. */
        @WithDefault("true")
        boolean enabled();
    }

    interface Quota {
        /** Limits a new tenant gets until an admin sets its own. */
        Defaults defaults();

        interface Defaults {
            @WithDefault("64")
            long vcpu();

            @WithDefault("256")
            long memoryGib();

            @WithDefault("20")
            long servers();

            @WithDefault("20")
            long workloads();

            @WithDefault("5")
            long publicIps();

            @WithDefault("5")
            long networks();
        }
    }
}
