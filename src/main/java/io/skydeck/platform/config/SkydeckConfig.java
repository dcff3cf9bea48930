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
        }
    }
}
